"""Training: reproducible, refuses below the floor, writes a manifest that describes what it did."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.classifier import Classifier, manifest_path
from tests.conftest import corpus_slice, write_jsonl
from training.corpus import CorpusRow
from training.train import TrainConfig, TrainingRefused, train


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory, corpus_rows: list[CorpusRow]) -> Path:
    root = tmp_path_factory.mktemp("corpus")
    (root / "corpus").mkdir()
    rows = corpus_slice(corpus_rows, per_label_and_group=12, groups=6)
    by_group: dict[str, list[dict[str, object]]] = {}
    for row in rows:
        by_group.setdefault(row.group, []).append(
            {
                "text": row.text,
                "label": row.label.value,
                "group": row.group,
                "lang": row.lang,
                "origin": row.origin,
                "tags": list(row.tags),
            }
        )
    for group, items in by_group.items():
        write_jsonl(root / "corpus" / f"{group}.jsonl", items)
    return root


def rows_in(corpus: Path) -> int:
    return sum(len(f.read_text(encoding="utf-8").splitlines()) for f in (corpus / "corpus").glob("*.jsonl"))


def _config(corpus: Path, out: Path, floor: float = 0.0) -> TrainConfig:
    return TrainConfig(corpus_dir=corpus, out=out, min_macro_f1=floor, folds=3, calibration_folds=2, c=4.0)


@pytest.mark.slow
def test_same_corpus_same_model_same_metrics(small_corpus: Path, tmp_path: Path) -> None:
    first = train(_config(small_corpus, tmp_path / "a" / "m.joblib"))
    second = train(_config(small_corpus, tmp_path / "b" / "m.joblib"))
    assert first.manifest.sha256 == second.manifest.sha256
    assert first.metrics == second.metrics


@pytest.mark.slow
def test_training_reports_both_held_out_schemes_and_writes_a_loadable_model(
    small_corpus: Path, tmp_path: Path
) -> None:
    out = tmp_path / "m.joblib"
    result = train(_config(small_corpus, out))
    assert set(result.metrics) == {"random", "by_vertical"}
    for report in result.metrics.values():
        assert set(report["per_label"]) == {"ad", "chatter", "question", "share", "conflict"}
        assert report["n"] == rows_in(small_corpus)
    held_out = [set(groups) for groups in result.metrics["by_vertical"]["held_out_groups"]]
    assert set().union(*held_out) == {f.stem for f in (small_corpus / "corpus").glob("*.jsonl")}
    assert all(not (a & b) for i, a in enumerate(held_out) for b in held_out[i + 1 :])
    manifest = json.loads(manifest_path(out).read_text(encoding="utf-8"))
    assert manifest["training_data"]["rows"] == rows_in(small_corpus)
    assert len(manifest["training_data"]["sha256"]) == 64
    assert manifest["metrics"]["by_vertical"]["macro_f1"] == result.metrics["by_vertical"]["macro_f1"]
    assert Classifier.load(out).version == result.manifest.model_version


@pytest.mark.slow
def test_training_refuses_to_write_below_the_floor(small_corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.joblib"
    with pytest.raises(TrainingRefused, match=r"below the floor 1\.0000; no model written"):
        train(_config(small_corpus, out, floor=1.0))
    assert not out.exists() and not manifest_path(out).exists()
