"""Classifier: the compiled scorer matches scikit-learn, predictions are well-formed, loading refuses
what it should not trust."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from service.classifier import Classifier, manifest_path, pipeline_path, save_model
from service.errors import ModelError
from service.labels import LABELS, Label
from training.corpus import CorpusRow

EDGE_TEXTS = [
    "",
    " ",
    "😂",
    "[图片]",
    "?",
    "a" * 3000,
    "加V❤信 ①③⑧⓪⓪⓪⓪⑤⑥⑦⑧",
    "請問有冇人知呀",
    "\u200b\u200b",
]


def test_compiled_scorer_equals_the_sklearn_pipeline(
    classifier: Classifier, corpus_rows: list[CorpusRow]
) -> None:
    texts = [row.text for row in corpus_rows[::40]] + EDGE_TEXTS
    expected = classifier.pipeline.predict_proba(texts)
    columns = [list(classifier.pipeline.classes_).index(label.value) for label in LABELS]
    np.testing.assert_allclose(classifier.predict_proba(texts), expected[:, columns], rtol=1e-9, atol=1e-12)


def test_single_message_path_equals_the_batch_path(
    classifier: Classifier, corpus_rows: list[CorpusRow]
) -> None:
    texts = [row.text for row in corpus_rows[::200]]
    batch = classifier.predict_proba(texts)
    one_by_one = np.vstack([classifier.predict_proba([t]) for t in texts])
    np.testing.assert_allclose(batch, one_by_one, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("text", EDGE_TEXTS, ids=lambda t: repr(t[:12]))
def test_predictions_are_five_scores_that_sum_to_one(classifier: Classifier, text: str) -> None:
    (prediction,) = classifier.predict([text])
    assert list(prediction.scores) == list(LABELS)
    assert sum(prediction.scores.values()) == pytest.approx(1.0, abs=1e-9)
    assert prediction.confidence == max(prediction.scores.values())
    assert prediction.scores[prediction.label] == prediction.confidence
    assert prediction.model_version == classifier.version


def test_an_obvious_ad_is_an_ad_and_its_evidence_names_the_contact(classifier: Classifier) -> None:
    explanation = classifier.explain("兼职刷单日结500，宝妈学生都可以，加V❤信 kx2024abc 私聊")
    assert explanation.prediction.label is Label.AD
    assert explanation.evidence, "an ad must come with evidence"
    weights = [e.weight for e in explanation.evidence]
    assert weights == sorted(weights, reverse=True) and all(w > 0 for w in weights)
    assert "⟨contact⟩" in explanation.tokens
    assert "微信" in explanation.normalized


def test_explain_of_empty_text_has_only_structural_evidence(classifier: Classifier) -> None:
    explanation = classifier.explain("")
    assert explanation.tokens == ()
    assert all(e.kind == "structure" for e in explanation.evidence)


def test_load_refuses_a_tampered_reference_pipeline(model_copy: Path) -> None:
    reference = pipeline_path(model_copy)
    reference.write_bytes(reference.read_bytes() + b"\0")
    classifier = Classifier.load(model_copy)  # serving does not need the reference …
    with pytest.raises(ModelError, match="sha256"):
        _ = classifier.pipeline  # … but using it verifies it


def test_dump_load_round_trip_gives_the_same_scores(classifier: Classifier, tmp_path: Path) -> None:
    path = tmp_path / "again.joblib"
    save_model(classifier.pipeline, path, training_data={}, params={}, metrics={})
    again = Classifier.load(path)
    texts = ["早", "有人知道怎么退款吗", "加我微信领资料"]
    np.testing.assert_array_equal(again.predict_proba(texts), classifier.predict_proba(texts))


def _edit_manifest(artifact: Path, **changes: object) -> None:
    path = manifest_path(artifact)
    data = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        data[key] = value
    path.write_text(json.dumps(data), encoding="utf-8")


def test_load_refuses_a_tampered_artifact(model_copy: Path) -> None:
    with model_copy.open("ab") as handle:
        handle.write(b"\0")
    with pytest.raises(ModelError, match="sha256"):
        Classifier.load(model_copy)


def test_load_refuses_other_labels(model_copy: Path) -> None:
    _edit_manifest(model_copy, labels=["spam", "ham"])
    with pytest.raises(ModelError, match="labels"):
        Classifier.load(model_copy)


def test_load_refuses_another_opencc_version(model_copy: Path) -> None:
    data = json.loads(manifest_path(model_copy).read_text(encoding="utf-8"))
    _edit_manifest(model_copy, libraries=data["libraries"] | {"opencc": "0.9.0"})
    with pytest.raises(ModelError, match=r"opencc .*model needs 0\.9\.0"):
        Classifier.load(model_copy)


def test_the_reference_pipeline_refuses_another_scikit_learn_version(model_copy: Path) -> None:
    data = json.loads(manifest_path(model_copy).read_text(encoding="utf-8"))
    _edit_manifest(model_copy, libraries=data["libraries"] | {"scikit-learn": "0.24.2"})
    classifier = Classifier.load(model_copy)
    with pytest.raises(ModelError, match=r"scikit-learn .*model needs 0\.24\.2"):
        _ = classifier.pipeline


def test_load_refuses_another_normalizer(model_copy: Path) -> None:
    _edit_manifest(model_copy, normalizer_version="0")
    with pytest.raises(ModelError, match="normalizer"):
        Classifier.load(model_copy)


def test_load_refuses_another_serving_format(model_copy: Path) -> None:
    _edit_manifest(model_copy, serving_format="1")
    with pytest.raises(ModelError, match="serving format v1"):
        Classifier.load(model_copy)


def test_load_refuses_a_missing_manifest(model_copy: Path) -> None:
    manifest_path(model_copy).unlink()
    with pytest.raises(ModelError, match=r"manifest .* is missing"):
        Classifier.load(model_copy)


def test_load_refuses_a_missing_artifact(tmp_path: Path, model_copy: Path) -> None:
    model_copy.unlink()
    with pytest.raises(ModelError, match="does not exist"):
        Classifier.load(model_copy)


def test_manifest_describes_the_artifact(small_model_path: Path) -> None:
    manifest = json.loads(manifest_path(small_model_path).read_text(encoding="utf-8"))
    assert manifest["labels"] == [label.value for label in LABELS]
    assert manifest["size_bytes"] == small_model_path.stat().st_size
    assert len(manifest["sha256"]) == 64 and manifest["model_version"].endswith(manifest["sha256"][:8])
    assert {"scikit-learn", "numpy", "scipy", "joblib", "jieba", "rjieba", "opencc"} <= set(
        manifest["libraries"]
    )


def test_the_prediction_cache_changes_nothing_but_the_cost(small_model_path: Path) -> None:
    plain = Classifier.load(small_model_path)
    cached = Classifier.load(small_model_path, cache_size=4)
    texts = ["收到", "哈哈哈", "收到", "加我微信领资料", "收到", "有人知道怎么退款吗", "早", "晚安", "收到"]
    np.testing.assert_array_equal(cached.predict_proba(texts), plain.predict_proba(texts))
    assert cached.cache_hits == 3 and cached.cache_misses == 6
    assert len(cached._cache) <= 4 + len(set(texts))  # bounded: the oldest half goes when it overflows
    np.testing.assert_array_equal(cached.predict_proba(["早"]), plain.predict_proba(["早"]))


def test_a_batch_that_overflows_the_cache_still_gets_scores_for_its_cached_texts(
    small_model_path: Path,
) -> None:
    plain = Classifier.load(small_model_path)
    cached = Classifier.load(small_model_path, cache_size=3)
    cached.predict_proba(["收到", "哈哈哈"])  # the oldest entries
    batch = ["收到", "哈哈哈", "加我微信领资料", "有人知道怎么退款吗", "早"]  # hits + misses that overflow
    np.testing.assert_array_equal(cached.predict_proba(batch), plain.predict_proba(batch))
    assert len(cached._cache) <= 3
