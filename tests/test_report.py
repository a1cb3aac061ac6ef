"""The export report: figures computed from a scripted conversation, and a page that stands alone."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from service.labels import LABELS, Label
from service.report import ReportBuilder, render_html
from service.scoring import Scored
from service.types import Message

T0 = datetime(2024, 5, 18, 20, 0, tzinfo=timezone(timedelta(hours=8)))


def row(label: Label, sender: str, minutes: float, text: str = "…", **extra: object) -> Scored:
    scores = tuple(0.9 if lab is label else 0.025 for lab in LABELS)
    message = Message(text=text, sender_id=sender, sender_name=sender,
                      timestamp=T0 + timedelta(minutes=minutes), **extra)  # type: ignore[arg-type]  # fmt: skip
    return Scored(message, label, scores, "text")


SCRIPT = [
    row(Label.CHATTER, "admin", 0, "@所有人 群公告：本周六线下活动，报名请接龙"),
    row(Label.CHATTER, "admin", 1, "欢迎新朋友，先看群规"),
    row(Label.QUESTION, "newbie", 2, "请问 pip 装包一直报 SSL 错误怎么办", message_id="q1"),
    row(Label.SHARE, "expert", 3, "换国内镜像：pip install 包名 -i 清华镜像 python 镜像 好用"),
    row(Label.QUESTION, "newbie", 10, "那 conda 怎么换源", message_id="q2"),
    row(Label.CHATTER, "admin", 11, "@newbie 回头我发你", reply_to=None),
    row(Label.QUESTION, "newbie", 20, "有没有人推荐 python 入门书", message_id="q3"),
    row(Label.SHARE, "expert", 200, "推荐《流畅的python》python 进阶必看"),  # after the one-hour window
    row(Label.AD, "spammer", 201, "兼职日结 加微信"),
    row(Label.AD, "spammer", 202, "代写作业 私聊"),
    row(Label.CONFLICT, "troll", 300, "你懂个屁"),
    row(Label.CONFLICT, "expert", 302, "你这么冲干嘛"),
    row(Label.CONFLICT, "troll", 305, "不懂就别带节奏"),
    row(Label.CONFLICT, "troll", 500, "又是这种垃圾问题"),  # alone, much later: not an episode
    row(Label.CHATTER, "quiet", 600, "收到"),
    row(Label.CHATTER, "admin", 1500, "晚安各位"),  # next day
]


@pytest.fixture(scope="module")
def report() -> dict[str, object]:
    builder = ReportBuilder(answer_window=timedelta(hours=1), conflict_gap=timedelta(minutes=10))
    builder.add_all(SCRIPT)
    return builder.finish()


def test_counts_and_shares_per_label(report: dict) -> None:
    assert report["messages"] == len(SCRIPT)
    assert report["labels"]["conflict"]["count"] == 4
    assert sum(v["share"] for v in report["labels"].values()) == pytest.approx(1.0, abs=1e-3)


def test_messages_per_day(report: dict) -> None:
    assert list(report["per_day"]) == ["2024-05-18", "2024-05-19"]
    assert report["per_day"]["2024-05-19"]["chatter"] == 2  # 06:00 and 21:00 the next day


def test_roles_from_label_mix(report: dict) -> None:
    roles = {m["name"]: m["role"] for m in report["members"]}
    assert roles == {
        "admin": "organiser", "newbie": "asker", "expert": "thinker", "spammer": "advertiser",
        "troll": "challenger", "quiet": "lurker",
    }  # fmt: skip


def test_unanswered_questions(report: dict) -> None:
    unanswered = report["unanswered_questions"]
    assert unanswered["questions"] == 3
    # q1 was answered by a share, q2 by a mention of the asker; q3 waited more than an hour
    assert [q["text"] for q in unanswered["listed"]] == ["有没有人推荐 python 入门书"]


def test_conflict_episodes_are_bursts_between_members(report: dict) -> None:
    episodes = report["conflict_episodes"]
    assert episodes["count"] == 1
    assert episodes["listed"][0]["participants"] == {"troll": 2, "expert": 1}
    assert len(episodes["listed"][0]["messages"]) == 3


def test_ad_senders(report: dict) -> None:
    assert report["ad_senders"] == [{"member": "spammer", "ads": 2, "share_of_their_messages": 1.0}]


def test_top_sharers_per_topic(report: dict) -> None:
    topics = {t["topic"]: t["experts"] for t in report["experts"]}
    assert "python" in topics
    assert topics["python"][0]["member"] == "expert" and topics["python"][0]["best_share"]


def test_the_report_is_json_and_a_self_contained_page(report: dict) -> None:
    json.dumps(report, ensure_ascii=False)
    page = render_html(report, title="Python 学习交流群")
    for section in ("labels", "per-day", "members", "unanswered", "experts", "conflicts", "ads"):
        assert f'id="{section}"' in page
    assert page.count("<svg") >= 1 + len(report["members"])
    assert "http://" not in page and "https://" not in page and "<script" not in page
    assert "有没有人推荐 python 入门书" in page


def test_text_is_escaped_in_the_page() -> None:
    builder = ReportBuilder()
    builder.add(row(Label.QUESTION, "<b>x</b>", 0, "<script>alert(1)</script> 怎么办"))
    page = render_html(builder.finish())
    assert "<script>" not in page and "&lt;script&gt;" in page
