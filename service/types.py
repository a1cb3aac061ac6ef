"""Domain types: frozen dataclasses, free of web and CLI frameworks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from service.labels import LABELS, Label

FeatureKind = Literal["word", "char", "structure"]


@dataclass(frozen=True, slots=True)
class Prediction:
    """The model's verdict on one message: the label, its probability, and all five scores (sum 1)."""

    label: Label
    confidence: float
    scores: Mapping[Label, float]
    model_version: str

    def scores_by_name(self) -> dict[str, float]:
        return {label.value: self.scores[label] for label in LABELS}


@dataclass(frozen=True, slots=True)
class Evidence:
    """One feature that pushed the decision toward ``Prediction.label`` (weight in logit units)."""

    feature: str
    kind: FeatureKind
    weight: float


@dataclass(frozen=True, slots=True)
class Explanation:
    """What a moderator asks first: which part of the message got flagged."""

    prediction: Prediction
    normalized: str
    tokens: tuple[str, ...]
    evidence: tuple[Evidence, ...] = field(default_factory=tuple)
