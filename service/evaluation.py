"""Labeled JSONL reading and classification metrics, shared by the CLI and the training tools."""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from service.errors import DataError
from service.labels import LABELS, Label, parse_label


@dataclass(frozen=True, slots=True)
class LabeledRecord:
    line: int
    text: str
    label: Label
    raw: dict[str, Any]


def read_labeled_jsonl(
    path: Path, *, text_field: str = "text", label_field: str = "label"
) -> Iterator[LabeledRecord]:
    """Records of a JSONL file with a text and a label per line; a bad line raises DataError naming it."""
    name = str(path)
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise DataError(f"cannot open: {exc.strerror}", path=name) from None
    with handle:
        try:
            for number, line in enumerate(handle, 1):
                if not line.strip():
                    continue
                try:
                    raw = json.loads(line)
                except json.JSONDecodeError as exc:
                    raise DataError(
                        f"not valid JSON ({exc.msg} at column {exc.colno})", path=name, line=number
                    ) from None
                if not isinstance(raw, dict):
                    raise DataError(
                        f"expected a JSON object, got {type(raw).__name__}", path=name, line=number
                    )
                text = raw.get(text_field)
                if not isinstance(text, str) or not text.strip():
                    raise DataError(
                        f"field {text_field!r} must be a non-empty string",
                        path=name,
                        line=number,
                        field=text_field,
                    )
                try:
                    label = parse_label(raw.get(label_field))
                except ValueError as exc:
                    raise DataError(str(exc), path=name, line=number, field=label_field) from None
                yield LabeledRecord(line=number, text=text, label=label, raw=raw)
        except UnicodeDecodeError as exc:
            raise DataError(f"not UTF-8 text ({exc.reason} at byte {exc.start})", path=name) from None


def classification_report(
    y_true: Sequence[Label], y_pred: Sequence[Label], probabilities: np.ndarray | None = None
) -> dict[str, Any]:
    """Per-label precision/recall/F1/support, macro-F1, accuracy, confusion matrix (rows = truth), and
    with probabilities the expected calibration error (10 bins over the top score)."""
    names = [label.value for label in LABELS]
    truth = [str(label) for label in y_true]
    predicted = [str(label) for label in y_pred]
    precision, recall, f1, support = precision_recall_fscore_support(
        truth, predicted, labels=names, zero_division=0
    )
    report: dict[str, Any] = {
        "macro_f1": round(float(np.mean(f1)), 4),
        "accuracy": round(float(np.mean([a == b for a, b in zip(truth, predicted, strict=True)])), 4)
        if truth
        else 0.0,
        "n": len(truth),
        "per_label": {
            name: {
                "precision": round(float(p), 4),
                "recall": round(float(r), 4),
                "f1": round(float(f), 4),
                "support": int(s),
            }
            for name, p, r, f, s in zip(names, precision, recall, f1, support, strict=True)
        },
        "confusion": {
            "labels": names,
            "matrix": confusion_matrix(truth, predicted, labels=names).tolist(),
        },
    }
    if probabilities is not None and len(truth):
        report["ece"] = round(expected_calibration_error(truth, probabilities), 4)
    return report


def expected_calibration_error(truth: Sequence[str], probabilities: np.ndarray, bins: int = 10) -> float:
    names = [label.value for label in LABELS]
    top = probabilities.max(axis=1)
    correct = np.array([names[k] == t for k, t in zip(probabilities.argmax(axis=1), truth, strict=True)])
    edges = np.linspace(0.0, 1.0, bins + 1)
    error = 0.0
    for low, high in itertools.pairwise(edges):
        mask = (top > low) & (top <= high)
        if mask.any():
            error += mask.mean() * abs(top[mask].mean() - correct[mask].mean())
    return float(error)


def format_report(report: dict[str, Any], *, title: str = "") -> str:
    """A plain-text table of a ``classification_report``."""
    lines = [title] if title else []
    lines.append(f"{'label':<10}{'precision':>10}{'recall':>10}{'f1':>10}{'support':>10}")
    for name, row in report["per_label"].items():
        lines.append(
            f"{name:<10}{row['precision']:>10.3f}{row['recall']:>10.3f}{row['f1']:>10.3f}{row['support']:>10d}"
        )
    lines.append(
        f"macro-F1 {report['macro_f1']:.4f}   accuracy {report['accuracy']:.4f}   n {report['n']}"
        + (f"   ECE {report['ece']:.4f}" if "ece" in report else "")
    )
    names = report["confusion"]["labels"]
    lines.append("confusion (rows = true, columns = predicted):")
    lines.append(" " * 10 + "".join(f"{n[:8]:>9}" for n in names))
    for name, row in zip(names, report["confusion"]["matrix"], strict=True):
        lines.append(f"{name:<10}" + "".join(f"{v:>9d}" for v in row))
    return "\n".join(lines)
