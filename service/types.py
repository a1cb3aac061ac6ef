"""Domain types: frozen dataclasses, free of web and CLI frameworks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

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


MessageKind = Literal[
    "text", "image", "sticker", "link", "file", "voice", "video", "reply", "media", "unknown-empty", "system"
]


@dataclass(frozen=True, slots=True)
class Message:
    """One record of a chat export, normalized across formats (see ``service.exports``).

    ``text`` is the body with format wrappers removed (placeholders such as ``[表情]`` kept only when mixed
    with text); a reply's quoted part is kept apart in ``quote`` so the reply is not blamed for it.
    ``line`` is the 1-based line where the record starts in its file (after CRLF → LF), for error reports.
    """

    text: str
    kind: MessageKind = "text"
    message_id: str | None = None
    group: str | None = None
    sender_id: str | None = None
    sender_name: str | None = None
    timestamp: datetime | None = None
    reply_to: str | None = None
    quote: str | None = None
    source: str | None = None
    line: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def is_system(self) -> bool:
        return self.kind == "system"
