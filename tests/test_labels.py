"""Labels: five of them, spelled once, with Chinese names."""

import pytest

from service.labels import LABEL_ZH, LABELS, Label, parse_label


def test_the_five_labels_in_canonical_order() -> None:
    assert [label.value for label in LABELS] == ["ad", "chatter", "question", "share", "conflict"]


def test_every_label_has_its_chinese_name() -> None:
    assert {label: LABEL_ZH[label] for label in LABELS} == {
        Label.AD: "广告",
        Label.CHATTER: "闲聊",
        Label.QUESTION: "提问",
        Label.SHARE: "干货分享",
        Label.CONFLICT: "冲突",
    }
    assert Label.SHARE.zh == "干货分享"


@pytest.mark.parametrize(
    ("raw", "label"), [("ad", Label.AD), (" Share ", Label.SHARE), ("CONFLICT", Label.CONFLICT)]
)
def test_parse_label_accepts_spellings(raw: str, label: Label) -> None:
    assert parse_label(raw) is label


@pytest.mark.parametrize("raw", ["spam", "", None, 3])
def test_parse_label_rejects_unknown_with_the_allowed_values(raw: object) -> None:
    with pytest.raises(ValueError, match="expected one of: ad, chatter, question, share, conflict"):
        parse_label(raw)
