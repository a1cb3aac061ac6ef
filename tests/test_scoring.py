"""Export scoring: order, system records, the context rule for media, parallel = serial."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from service.classifier import Classifier
from service.labels import Label
from service.scoring import ScoreStats, classifiable_text, score
from service.types import Message

T0 = datetime(2024, 5, 18, 20, 0, tzinfo=timezone(timedelta(hours=8)))


def msg(text: str, sender: str, seconds: int, kind: str = "text", mid: str | None = None) -> Message:
    when = T0 + timedelta(seconds=seconds)
    return Message(text=text, kind=kind, sender_id=sender, sender_name=sender, timestamp=when, message_id=mid)  # type: ignore[arg-type]


CONVERSATION = [
    msg("", "system", 0, kind="system"),
    msg("兼职刷单日结500 宝妈学生都可以 加V❤信 kx2024abc", "spam", 5, mid="a"),
    msg("", "spam", 12, kind="image", mid="b"),  # 7 s after the sender's ad: inherits ad
    msg("有人知道pip install一直报SSL错误怎么办吗", "asker", 30, mid="c"),
    msg("", "asker", 200, kind="image", mid="d"),  # 170 s later: too late to inherit
    msg("", "nobody", 210, kind="sticker", mid="e"),  # no previous message: default chatter
    msg("", "system", 220, kind="system"),
]


def test_rows_keep_input_order_and_system_records_are_counted_not_scored(classifier: Classifier) -> None:
    stats = ScoreStats()
    rows = list(score(CONVERSATION, model=classifier, stats=stats))
    assert [r.message.message_id for r in rows] == ["a", "b", "c", "d", "e"]
    assert (stats.read, stats.system_skipped, stats.scored) == (7, 2, 5)
    assert sum(stats.by_label.values()) == 5


def test_media_takes_the_label_of_the_same_senders_message_within_a_minute(classifier: Classifier) -> None:
    rows = {r.message.message_id: r for r in score(CONVERSATION, model=classifier)}
    assert rows["a"].label is Label.AD and rows["a"].basis == "text"
    assert rows["b"].label is Label.AD and rows["b"].basis == "context"
    assert rows["b"].scores == rows["a"].scores
    assert rows["d"].label is Label.CHATTER and rows["d"].basis == "default"
    assert rows["e"].label is Label.CHATTER and rows["e"].basis == "default"


def test_a_link_card_is_classified_with_its_description_and_url() -> None:
    card = Message(
        text="儿童流感的居家护理要点",
        kind="link",
        extra={"description": "退烧药怎么用，一文说清", "url": "https://mp.example.com/s/abc"},
    )
    assert (
        classifiable_text(card)
        == "儿童流感的居家护理要点\n退烧药怎么用，一文说清\nhttps://mp.example.com/s/abc"
    )
    assert classifiable_text(msg("看这个 https://example.com", "a", 0)) == "看这个 https://example.com"


def test_a_link_card_with_only_a_url_is_scored_from_its_text(classifier: Classifier) -> None:
    card = Message(text="", kind="link", sender_id="a", extra={"url": "https://example.com/x"})
    (row,) = score([card], model=classifier)
    assert row.basis == "text"


@pytest.mark.slow
def test_parallel_scoring_gives_the_same_rows_in_the_same_order(small_model_path: Path) -> None:
    texts = [
        "早",
        "有人知道怎么退款吗",
        "加我微信领资料",
        "分享一下我整理的笔记：1. 先看文档 2. 再写代码",
    ] * 1300
    messages = [msg(t, f"u{i % 7}", i) for i, t in enumerate(texts)]
    serial = [(r.label, r.scores) for r in score(messages, model_path=small_model_path, jobs=1)]
    parallel = [(r.label, r.scores) for r in score(messages, model_path=small_model_path, jobs=2)]
    assert len(serial) == len(texts) and parallel == serial


def test_parallel_scoring_needs_a_model_path(classifier: Classifier) -> None:
    with pytest.raises(ValueError, match="model_path"):
        list(score(CONVERSATION, model=classifier, jobs=2))
