"""Architecture rules, checked by scanning imports: frameworks stay at the edges, data flows one way."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted((ROOT / "service").rglob("*.py")) + sorted((ROOT / "training").rglob("*.py"))


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
    return found


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


# (who may import it, the imported top-level package)
EDGES = [
    ("service.api", "fastapi"),
    ("service.api", "starlette"),
    ("service.api", "uvicorn"),
    ("service.cli", "click"),
    ("service.text.segment", "jieba"),
    ("service.text.segment", "rjieba"),
]


@pytest.mark.parametrize(("owner", "package"), EDGES, ids=[f"{p}-only-in-{o}" for o, p in EDGES])
def test_frameworks_are_imported_only_at_their_edge(owner: str, package: str) -> None:
    offenders = [
        module_name(path)
        for path in SOURCES
        if any(name == package or name.startswith(package + ".") for name in imports(path))
        and not module_name(path).startswith(owner)
    ]
    assert offenders == []


def test_service_never_imports_training_except_the_cli_edge() -> None:
    offenders = [
        module_name(path)
        for path in SOURCES
        if module_name(path).startswith("service")
        and module_name(path) != "service.cli"
        and any(name.startswith("training") for name in imports(path))
    ]
    assert offenders == []


def test_text_processing_depends_on_nothing_else_in_the_service() -> None:
    for path in (ROOT / "service" / "text").glob("*.py"):
        ours = {name for name in imports(path) if name.startswith("service")}
        assert ours <= {"service.text.normalize", "service.text"}, (path.name, ours)


def test_library_code_has_no_print() -> None:
    for path in SOURCES:
        calls = [
            node
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "print"
        ]
        assert calls == [], module_name(path)


def test_serving_a_model_needs_neither_scikit_learn_nor_scipy(small_model_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys; from service.classifier import Classifier;"
        f"c = Classifier.load({str(small_model_path)!r}); c.predict(['早', '有人知道吗']);"
        "print('sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split() == ["False", "False"]


def test_importing_the_service_does_no_heavy_work() -> None:
    import subprocess
    import sys

    code = (
        "import sys, service.classifier, service.features, service.cli;"
        "print('jieba' in sys.modules, 'rjieba' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT)
    assert done.stdout.split() == ["False", "False"]
