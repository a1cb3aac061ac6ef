"""Shared fixtures. The small model is trained once per session from a slice of the project corpus, so
unit tests exercise a real pipeline without depending on the shipped artifact."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.classifier import Classifier, save_model
from service.features import build_pipeline
from training.corpus import CorpusRow, load_corpus

SHARED = Path(__file__).resolve().parents[2] / "shared"


@pytest.fixture(scope="session")
def corpus_rows() -> list[CorpusRow]:
    return load_corpus()


def corpus_slice(rows: list[CorpusRow], per_label_and_group: int, groups: int) -> list[CorpusRow]:
    """A deterministic slice: the first rows of each label in the first ``groups`` verticals."""
    chosen_groups = sorted({row.group for row in rows})[:groups]
    taken: dict[tuple[str, str], int] = {}
    picked = []
    for row in rows:
        key = (row.group, row.label.value)
        if row.group in chosen_groups and taken.get(key, 0) < per_label_and_group:
            taken[key] = taken.get(key, 0) + 1
            picked.append(row)
    return picked


@pytest.fixture(scope="session")
def small_model_path(tmp_path_factory: pytest.TempPathFactory, corpus_rows: list[CorpusRow]) -> Path:
    rows = corpus_slice(corpus_rows, per_label_and_group=40, groups=8)
    pipeline = build_pipeline(c=4.0, calibration_folds=2)
    pipeline.fit([r.text for r in rows], [r.label.value for r in rows])
    path = tmp_path_factory.mktemp("model") / "small.joblib"
    save_model(pipeline, path, training_data={"rows": len(rows)}, params={"c": 4.0}, metrics={})
    return path


@pytest.fixture(scope="session")
def classifier(small_model_path: Path) -> Classifier:
    return Classifier.load(small_model_path)


def copy_model(artifact: Path, directory: Path) -> Path:
    """Copy a model (serving artifact, reference pipeline, manifest) to ``directory``; return the artifact."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = artifact.name.removesuffix(".joblib")
    for source in artifact.parent.glob(f"{stem}.*"):
        (directory / source.name).write_bytes(source.read_bytes())
    return directory / artifact.name


@pytest.fixture
def model_copy(tmp_path: Path, small_model_path: Path) -> Iterator[Path]:
    """A private copy of the small model that a test may tamper with."""
    yield copy_model(small_model_path, tmp_path / "model")


def write_jsonl(path: Path, rows: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


def wait_ready(client: object, timeout: float = 20.0) -> None:
    """Poll /readyz until the model is loaded (the lifespan loads it in the background)."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client.get("/readyz").status_code == 200:  # type: ignore[attr-defined]
            return
        time.sleep(0.02)
    raise AssertionError("the app did not become ready")
