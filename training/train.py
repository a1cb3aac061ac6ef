"""Offline training: evaluate on two held-out schemes, then fit on everything and write the model.

Seeded and reproducible: the same corpus and parameters give the same folds, the same model bytes and
the same metrics. Two held-out evaluations, both pooled over 5 folds so every written row is scored
exactly once by a model that never saw it:

- ``random``: stratified by label;
- ``by_vertical``: grouped by ``group`` — whole verticals the model never saw (the honest estimate for
  groups we have never seen).

Augmented rows are only ever used for training, never scored. The model is written only if the
by-vertical macro-F1 reaches the floor given by the caller.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import GroupKFold, StratifiedKFold

from service.classifier import Manifest, save_model
from service.config import DEFAULT_MODEL
from service.errors import ChatTriageError
from service.evaluation import classification_report
from service.features import build_pipeline
from service.labels import LABELS, Label
from training.corpus import CORPUS_DIR, CorpusRow, corpus_files, corpus_sha256, load_corpus

_log = logging.getLogger(__name__)

Progress = Callable[[str], None]


class TrainingRefused(ChatTriageError):
    """The trained model scored below the floor; nothing was written."""

    code = "training_refused"


@dataclass(frozen=True)
class TrainConfig:
    corpus_dir: Path = CORPUS_DIR
    out: Path = DEFAULT_MODEL
    min_macro_f1: float = 0.90
    seed: int = 13
    c: float = 32.0
    folds: int = 5
    calibration_folds: int = 3

    def params(self) -> dict[str, Any]:
        return {
            "seed": self.seed,
            "C": self.c,
            "folds": self.folds,
            "calibration_folds": self.calibration_folds,
        }


@dataclass(frozen=True)
class TrainResult:
    metrics: dict[str, Any]
    manifest: Manifest


def _fit(rows: Sequence[CorpusRow], config: TrainConfig) -> Any:
    pipeline = build_pipeline(c=config.c, seed=config.seed, calibration_folds=config.calibration_folds)
    pipeline.fit([row.text for row in rows], [row.label.value for row in rows])
    return pipeline


def cross_validate(
    rows: Sequence[CorpusRow], config: TrainConfig, *, by_vertical: bool, progress: Progress | None = None
) -> dict[str, Any]:
    """Pooled out-of-fold metrics over the written rows (augmented rows train only)."""
    written = [i for i, row in enumerate(rows) if row.origin == "written"]
    augmented = [i for i, row in enumerate(rows) if row.origin != "written"]
    labels = [rows[i].label.value for i in written]
    if by_vertical:
        groups = [rows[i].group for i in written]
        splits = GroupKFold(n_splits=config.folds, shuffle=True, random_state=config.seed).split(
            written, labels, groups
        )
    else:
        splits = StratifiedKFold(n_splits=config.folds, shuffle=True, random_state=config.seed).split(
            written, labels
        )
    probabilities = np.zeros((len(written), len(LABELS)))
    held_out_groups: list[list[str]] = []
    for fold, (train_idx, test_idx) in enumerate(splits, 1):
        if progress:
            progress(f"{'by-vertical' if by_vertical else 'random'} fold {fold}/{config.folds}")
        train_rows = [rows[written[i]] for i in train_idx]
        test_groups = {rows[written[i]].group for i in test_idx}
        # An augmented row never trains a fold whose held-out verticals it belongs to.
        train_rows += [rows[i] for i in augmented if not (by_vertical and rows[i].group in test_groups)]
        pipeline = _fit(train_rows, config)
        proba = pipeline.predict_proba([rows[written[i]].text for i in test_idx])
        columns = [list(pipeline.classes_).index(label.value) for label in LABELS]
        probabilities[test_idx] = proba[:, columns]
        if by_vertical:
            held_out_groups.append(sorted(test_groups))
    predicted = [LABELS[k] for k in probabilities.argmax(axis=1)]
    report = classification_report([rows[i].label for i in written], predicted, probabilities)
    report["scheme"] = "by_vertical (GroupKFold)" if by_vertical else "random (StratifiedKFold)"
    if by_vertical:
        report["held_out_groups"] = held_out_groups
    return report


def train(config: TrainConfig, *, progress: Progress | None = None) -> TrainResult:
    """Evaluate, check the floor, fit on all rows and write the artifact + manifest to ``config.out``."""
    rows = load_corpus(config.corpus_dir)
    files = corpus_files(config.corpus_dir)
    metrics = {
        "random": cross_validate(rows, config, by_vertical=False, progress=progress),
        "by_vertical": cross_validate(rows, config, by_vertical=True, progress=progress),
    }
    achieved = metrics["by_vertical"]["macro_f1"]
    if achieved < config.min_macro_f1:
        raise TrainingRefused(
            f"by-vertical macro-F1 {achieved:.4f} is below the floor {config.min_macro_f1:.4f}; "
            "no model written"
        )
    if progress:
        progress("final fit on all rows")
    pipeline = _fit(rows, config)
    training_data = {
        "sha256": corpus_sha256(files),
        "rows": len(rows),
        "files": [f"{path.parent.name}/{path.name}" for path in files],
        "by_label": dict(Counter(row.label.value for row in rows)),
        "by_lang": dict(Counter(row.lang for row in rows)),
        "by_origin": dict(Counter(row.origin for row in rows)),
        "groups": sorted({row.group for row in rows}),
    }
    manifest = save_model(
        pipeline, config.out, training_data=training_data, params=config.params(), metrics=metrics
    )
    _log.info(
        "model written", extra={"model_version": manifest.model_version, "by_vertical_macro_f1": achieved}
    )
    return TrainResult(metrics=metrics, manifest=manifest)


__all__ = ["Label", "TrainConfig", "TrainResult", "TrainingRefused", "cross_validate", "train"]
