"""The five message labels: the only place they are spelled."""

from __future__ import annotations

from enum import StrEnum

SCHEMA_VERSION = "1"


class Label(StrEnum):
    """A message class; the value is the wire and corpus spelling."""

    AD = "ad"
    CHATTER = "chatter"
    QUESTION = "question"
    SHARE = "share"
    CONFLICT = "conflict"

    @property
    def zh(self) -> str:
        return LABEL_ZH[self]


#: Canonical order: model score columns, reports and confusion matrices use it.
LABELS: tuple[Label, ...] = tuple(Label)

LABEL_ZH: dict[Label, str] = {
    Label.AD: "广告",
    Label.CHATTER: "闲聊",
    Label.QUESTION: "提问",
    Label.SHARE: "干货分享",
    Label.CONFLICT: "冲突",
}


def parse_label(value: object) -> Label:
    """The Label spelled by ``value``; ValueError naming the allowed values otherwise."""
    try:
        return Label(str(value).strip().lower())
    except ValueError:
        allowed = ", ".join(label.value for label in LABELS)
        raise ValueError(f"unknown label {value!r}; expected one of: {allowed}") from None
