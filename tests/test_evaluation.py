"""Labeled-JSONL reading (errors name the line) and the metrics report."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from service.errors import DataError
from service.evaluation import classification_report, format_report, read_labeled_jsonl
from service.labels import Label


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"text": "早", "label": "chatter"}', "{not json", ""], r":2: not valid JSON"),
        (
            ['{"text": "早", "label": "chatter"}', '{"label": "ad"}'],
            r":2: field 'text' must be a non-empty string",
        ),
        (['{"text": "  ", "label": "ad"}'], r":1: field 'text' must be a non-empty string"),
        (['{"text": "早", "label": "spam"}'], r":1: unknown label 'spam'"),
        (['["早", "chatter"]'], r":1: expected a JSON object, got list"),
    ],
    ids=["bad-json", "missing-text", "blank-text", "unknown-label", "array"],
)
def test_a_bad_line_is_reported_with_its_number(tmp_path: Path, lines: list[str], message: str) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(DataError, match=message):
        list(read_labeled_jsonl(path))


def test_non_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "gbk.jsonl"
    path.write_bytes('{"text": "早上好", "label": "chatter"}\n'.encode("gbk"))
    with pytest.raises(DataError, match="not UTF-8"):
        list(read_labeled_jsonl(path))


def test_missing_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="cannot open"):
        list(read_labeled_jsonl(tmp_path / "nope.jsonl"))


def test_blank_lines_are_skipped_and_line_numbers_kept(tmp_path: Path) -> None:
    path = tmp_path / "data.jsonl"
    path.write_text('\n{"text": "早", "label": "chatter"}\n\n{"text": "求推荐", "label": "question"}\n')
    records = list(read_labeled_jsonl(path))
    assert [(r.line, r.label) for r in records] == [(2, Label.CHATTER), (4, Label.QUESTION)]


def test_report_counts_precision_recall_and_confusion() -> None:
    truth = [Label.AD, Label.AD, Label.CHATTER, Label.QUESTION]
    predicted = [Label.AD, Label.CHATTER, Label.CHATTER, Label.QUESTION]
    report = classification_report(truth, predicted)
    assert report["accuracy"] == 0.75
    assert report["per_label"]["ad"] == {"precision": 1.0, "recall": 0.5, "f1": 0.6667, "support": 2}
    assert report["per_label"]["chatter"]["precision"] == 0.5
    assert report["confusion"]["matrix"][0] == [1, 1, 0, 0, 0]  # true ad: one right, one called chatter
    # share and conflict have no support and no predictions: F1 0, which the macro average includes
    assert report["macro_f1"] == round((0.6667 + 0.6667 + 1.0) / 5, 4)
    assert "confusion (rows = true" in format_report(report)


def test_expected_calibration_error_is_zero_for_perfectly_calibrated_scores() -> None:
    truth = [Label.AD, Label.CHATTER]
    probabilities = np.array([[1.0, 0, 0, 0, 0], [0, 1.0, 0, 0, 0]])
    assert classification_report(truth, truth, probabilities)["ece"] == 0.0
