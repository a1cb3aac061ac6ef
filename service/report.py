"""The export report: what is in a group's history, computed while the scored rows stream past.

``ReportBuilder.add(scored)`` keeps only bounded state (counts per label, day and member, open
questions inside the answer window, each member's best shares, the current conflict burst), so memory
stays flat however long the export is. ``finish()`` returns the figures as a plain dict (written as
JSON) and ``render_html`` turns them into one self-contained page: inline CSS and SVG charts, no
script, no network.

Member roles follow the community-operations literature's typology (organiser, thinker, chatterer,
asker, lurker, challenger), assigned from each member's label mix; ad senders are listed on their own.
"""

from __future__ import annotations

import heapq
import html
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache
from importlib import resources
from string import Template
from typing import Any

from service.labels import LABELS, Label
from service.scoring import Scored
from service.text.normalize import normalize
from service.text.segment import tokenize

LABEL_COLOURS = {
    Label.AD: "#d9534f",
    Label.CHATTER: "#9aa5b1",
    Label.QUESTION: "#3b82f6",
    Label.SHARE: "#22a06b",
    Label.CONFLICT: "#f0a202",
}
ROLES = ("organiser", "thinker", "chatterer", "asker", "lurker", "challenger", "advertiser")
_ORGANISER_RE = re.compile(r"@所有人|@全体成员|@all|群公告|公告|活动|报名|接龙|欢迎|群规")
_KEYWORD_STOP = frozenset(
    """这个 那个 我们 你们 他们 大家 可以 一个 就是 没有 什么 如果 还是 但是 因为 所以 自己 觉得
    然后 比较 知道 现在 时候 一下 一些 这样 那样 还有 不是 已经 这些 那些 可能 需要 直接 其实
    一定 最好 一般 注意 推荐 分享 建议 大概 左右 记得 问题 东西 感觉 真的 非常 特别 不要 不能
    这种 那种 以后 之前 之后 或者 而且 只要 的话""".split()
)


@dataclass
class _Member:
    name: str
    labels: Counter[str] = field(default_factory=Counter)
    organiser_signals: int = 0
    first: datetime | None = None
    last: datetime | None = None
    best_shares: list[tuple[float, int, str]] = field(default_factory=list)  # min-heap of top shares
    keywords: Counter[str] = field(default_factory=Counter)

    @property
    def total(self) -> int:
        return sum(self.labels.values())


@dataclass
class _Question:
    sender: str
    asker_name: str
    message_id: str | None
    text: str
    time: datetime


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


class ReportBuilder:
    """Accumulate scored rows; ``finish()`` gives the report figures."""

    def __init__(
        self,
        *,
        answer_window: timedelta = timedelta(hours=1),
        conflict_gap: timedelta = timedelta(minutes=10),
        best_shares_per_member: int = 20,
        max_listed: int = 200,
    ) -> None:
        self.answer_window = answer_window
        self.conflict_gap = conflict_gap
        self.best_shares_per_member = best_shares_per_member
        self.max_listed = max_listed
        self.total: Counter[str] = Counter()
        self.by_basis: Counter[str] = Counter()
        self.per_day: dict[str, Counter[str]] = defaultdict(Counter)
        self.members: dict[str, _Member] = {}
        self.open_questions: list[_Question] = []
        self.unanswered: list[dict[str, Any]] = []
        self.unanswered_count = 0
        self.questions = 0
        self.episode: list[Scored] = []
        self.episodes: list[dict[str, Any]] = []
        self.episode_count = 0
        self.ads: Counter[str] = Counter()
        self.first: datetime | None = None
        self.last: datetime | None = None
        self._sequence = 0

    # --- accumulation ----------------------------------------------------------------------------------
    def add_all(self, rows: Iterable[Scored]) -> None:
        for row in rows:
            self.add(row)

    def add(self, row: Scored) -> None:
        message, label = row.message, row.label
        when = message.timestamp
        self._sequence += 1
        self.total[label.value] += 1
        self.by_basis[row.basis] += 1
        if when is not None:
            self.first = when if self.first is None or when < self.first else self.first
            self.last = when if self.last is None or when > self.last else self.last
            self.per_day[when.date().isoformat()][label.value] += 1
            self._close_questions(now=when)
        else:
            self.per_day["unknown"][label.value] += 1
        sender = message.sender_id or message.sender_name or "unknown"
        member = self.members.get(sender)
        if member is None:
            member = self.members[sender] = _Member(name=message.sender_name or sender)
        if message.sender_name:
            member.name = message.sender_name
        member.labels[label.value] += 1
        member.first = member.first or when
        member.last = when or member.last
        if _ORGANISER_RE.search(message.text) and label in (Label.CHATTER, Label.SHARE):
            member.organiser_signals += 1

        self._answer_questions(row, sender)
        if row.basis != "text":
            return
        if label is Label.QUESTION and when is not None:
            self.questions += 1
            name = message.sender_name or sender
            self.open_questions.append(_Question(sender, name, message.message_id, message.text, when))
        elif label is Label.SHARE:
            self._keep_share(member, row)
        elif label is Label.AD:
            self.ads[sender] += 1
        if label is Label.CONFLICT:
            self._extend_episode(row)
        elif self._episode_gap(when):
            self._close_episode()

    def _answer_questions(self, row: Scored, sender: str) -> None:
        """A question is answered by another member's reply to it, a mention of the asker, or a share."""
        if not self.open_questions:
            return
        message = row.message
        still_open = []
        for question in self.open_questions:
            answered = question.sender != sender and (
                (message.reply_to is not None and message.reply_to == question.message_id)
                or (message.quote is not None and question.text[:20] in message.quote)
                or f"@{question.asker_name}" in message.text
                or row.label is Label.SHARE
            )
            if not answered:
                still_open.append(question)
        self.open_questions = still_open

    def _close_questions(self, *, now: datetime) -> None:
        while self.open_questions and now - self.open_questions[0].time > self.answer_window:
            self._unanswered(self.open_questions.pop(0))

    def _unanswered(self, question: _Question) -> None:
        self.unanswered_count += 1
        if len(self.unanswered) < self.max_listed:
            self.unanswered.append(
                {"asker": question.asker_name, "time": _iso(question.time), "text": question.text[:300]}
            )

    def _keep_share(self, member: _Member, row: Scored) -> None:
        text = row.message.text
        entry = (row.confidence, -self._sequence, text[:400])
        if len(member.best_shares) < self.best_shares_per_member:
            heapq.heappush(member.best_shares, entry)
        else:
            heapq.heappushpop(member.best_shares, entry)
        for token in set(tokenize(normalize(text))):
            if (
                len(token) >= 2
                and token not in _KEYWORD_STOP
                and re.fullmatch(r"[\u4e00-\u9fff]+|[a-z][a-z0-9+#.]{2,}", token)
            ):
                member.keywords[token] += 1

    def _extend_episode(self, row: Scored) -> None:
        if self._episode_gap(row.message.timestamp):
            self._close_episode()
        self.episode.append(row)
        if len(self.episode) > 100:  # a very long fight: keep the start and the latest part bounded
            del self.episode[50:51]

    def _episode_gap(self, when: datetime | None) -> bool:
        """True when ``when`` comes more than ``conflict_gap`` after the current conflict burst."""
        last = self.episode[-1].message.timestamp if self.episode else None
        return bool(last and when and when - last > self.conflict_gap)

    def _close_episode(self) -> None:
        rows, self.episode = self.episode, []
        participants = Counter((r.message.sender_name or r.message.sender_id or "unknown") for r in rows)
        if len(rows) < 2 or len(participants) < 2:
            return
        self.episode_count += 1
        if len(self.episodes) < self.max_listed:
            self.episodes.append(
                {
                    "start": _iso(rows[0].message.timestamp),
                    "end": _iso(rows[-1].message.timestamp),
                    "participants": dict(participants),
                    "messages": [
                        {
                            "sender": r.message.sender_name or r.message.sender_id,
                            "time": _iso(r.message.timestamp),
                            "text": r.message.text[:300],
                        }
                        for r in rows
                    ],
                }
            )  # fmt: skip

    # --- results ---------------------------------------------------------------------------------------
    def finish(self) -> dict[str, Any]:
        for question in self.open_questions:
            self._unanswered(question)
        self.open_questions = []
        if self.episode:
            self._close_episode()
        scored = sum(self.total.values())
        members = [self._member_row(key, m) for key, m in self.members.items()]
        members.sort(key=lambda m: (-m["messages"], m["name"]))
        return {
            "messages": scored,
            "period": {"first": _iso(self.first), "last": _iso(self.last)},
            "labels": {
                label.value: {
                    "count": self.total[label.value],
                    "share": round(self.total[label.value] / scored, 4) if scored else 0.0,
                }
                for label in LABELS
            },
            "basis": dict(self.by_basis),
            "per_day": {day: {label.value: counts[label.value] for label in LABELS}
                        for day, counts in sorted(self.per_day.items())},
            "members": members,
            "roles": dict(Counter(m["role"] for m in members)),
            "unanswered_questions": {
                "window_minutes": int(self.answer_window.total_seconds() // 60),
                "questions": self.questions,
                "count": self.unanswered_count,
                "listed": self.unanswered,
            },
            "experts": self._experts(),
            "conflict_episodes": {
                "gap_minutes": int(self.conflict_gap.total_seconds() // 60),
                "count": self.episode_count,
                "listed": self.episodes,
            },
            "ad_senders": [
                {"member": self.members[key].name, "ads": n, "share_of_their_messages":
                 round(n / self.members[key].total, 3)}
                for key, n in self.ads.most_common(self.max_listed)
            ],
        }  # fmt: skip

    def _member_row(self, key: str, member: _Member) -> dict[str, Any]:
        return {
            "member": key,
            "name": member.name,
            "messages": member.total,
            "labels": {label.value: member.labels[label.value] for label in LABELS},
            "role": self._role(member),
            "first": _iso(member.first),
            "last": _iso(member.last),
        }

    def _role(self, member: _Member) -> str:
        n = member.total
        share = {label: member.labels[label.value] / n for label in LABELS} if n else {}
        busiest = max((m.total for m in self.members.values()), default=0)
        if share[Label.AD] >= 0.5:
            return "advertiser"
        if n <= 2 or (busiest >= 50 and n < 0.02 * busiest):
            return "lurker"
        if member.labels[Label.CONFLICT.value] >= 2 and share[Label.CONFLICT] >= 0.25:
            return "challenger"
        if member.organiser_signals >= 2 and member.organiser_signals / n >= 0.15:
            return "organiser"
        if share[Label.SHARE] >= 0.3:
            return "thinker"
        if share[Label.QUESTION] >= 0.35:
            return "asker"
        return "chatterer"

    def _experts(self, topics: int = 8, per_topic: int = 3) -> list[dict[str, Any]]:
        """Topics are the keywords most shared about; experts are the members who shared most on each."""
        spread: Counter[str] = Counter()
        for member in self.members.values():
            for word, count in member.keywords.items():
                spread[word] += count
        result = []
        for word, _ in spread.most_common(topics):
            ranked = sorted(
                ((m.keywords[word], key) for key, m in self.members.items() if m.keywords[word]), reverse=True
            )[:per_topic]
            experts = []
            for shares, key in ranked:
                member = self.members[key]
                best = [
                    text for _, _, text in sorted(member.best_shares, reverse=True) if word in normalize(text)
                ]
                experts.append(
                    {
                        "member": member.name,
                        "shares_on_topic": shares,
                        "best_share": best[0] if best else None,
                    }
                )
            result.append({"topic": word, "experts": experts})
        return result


# --- HTML ----------------------------------------------------------------------------------------------
def _esc(value: object) -> str:
    return html.escape("" if value is None else str(value))


def _bar_chart(per_day: dict[str, dict[str, int]], width: int = 860, height: int = 220) -> str:
    days = [d for d in per_day if d != "unknown"] or list(per_day)
    if not days:
        return "<p>No dated messages.</p>"
    peak = max(sum(per_day[d].values()) for d in days) or 1
    step = width / len(days)
    bar = max(step * 0.8, 1.0)
    view = f"0 0 {width} {height + 30}"
    parts = [
        f'<svg class="chart" role="img" aria-label="messages per day by label" viewBox="{view}" width="100%">'
    ]
    for i, day in enumerate(days):
        y = float(height)
        for label in LABELS:
            value = per_day[day].get(label.value, 0)
            if not value:
                continue
            h = value / peak * height
            y -= h
            parts.append(
                f'<rect x="{i * step:.1f}" y="{y:.1f}" width="{bar:.1f}" height="{h:.1f}" '
                f'fill="{LABEL_COLOURS[label]}"><title>{_esc(day)} {label.value}: {value}</title></rect>'
            )
    parts.append(f'<text x="0" y="{height + 20}" class="axis">{_esc(days[0])}</text>')
    parts.append(
        f'<text x="{width}" y="{height + 20}" text-anchor="end" class="axis">{_esc(days[-1])}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _mix_bar(labels: dict[str, int], width: int = 160) -> str:
    total = sum(labels.values()) or 1
    x, parts = 0.0, [f'<svg class="mix" viewBox="0 0 {width} 12" width="{width}" height="12">']
    for label in LABELS:
        w = labels.get(label.value, 0) / total * width
        if w:
            parts.append(f'<rect x="{x:.1f}" y="0" width="{w:.1f}" height="12" fill="{LABEL_COLOURS[label]}">'
                         f"<title>{label.value}: {labels.get(label.value, 0)}</title></rect>")  # fmt: skip
            x += w
    parts.append("</svg>")
    return "".join(parts)


def render_html(report: dict[str, Any], *, title: str = "ChatTriage report") -> str:
    """One self-contained HTML page (inline CSS and SVG, no script, no network) for ``report``."""
    labels = report["labels"]
    legend = " ".join(
        f'<span class="key"><i style="background:{LABEL_COLOURS[label]}"></i>{label.value} {label.zh}</span>'
        for label in LABELS
    )
    summary_rows = "".join(
        f"<tr><td>{label.value}</td><td>{label.zh}</td><td class=n>{labels[label.value]['count']}</td>"
        f"<td class=n>{labels[label.value]['share']:.1%}</td></tr>"
        for label in LABELS
    )
    member_rows = "".join(
        f"<tr><td>{_esc(m['name'])}</td><td class=n>{m['messages']}</td><td>{_mix_bar(m['labels'])}</td>"
        f"<td>{_esc(m['role'])}</td></tr>"
        for m in report["members"][:200]
    )
    unanswered = report["unanswered_questions"]
    unanswered_rows = "".join(
        f"<tr><td>{_esc(q['time'])}</td><td>{_esc(q['asker'])}</td><td>{_esc(q['text'])}</td></tr>"
        for q in unanswered["listed"]
    )
    expert_rows = "".join(
        f"<tr><td>{_esc(t['topic'])}</td><td>{_esc(e['member'])}</td><td class=n>{e['shares_on_topic']}</td>"
        f"<td>{_esc(e['best_share'])}</td></tr>"
        for t in report["experts"]
        for e in t["experts"]
    )
    episodes = report["conflict_episodes"]
    episode_blocks = "".join(
        f"<details><summary>{_esc(ep['start'])} – {_esc(ep['end'])}: "
        f"{_esc(', '.join(ep['participants']))} ({len(ep['messages'])} messages)</summary><ul>"
        + "".join(f"<li><b>{_esc(m['sender'])}</b> {_esc(m['text'])}</li>" for m in ep["messages"])
        + "</ul></details>"
        for ep in episodes["listed"]
    )
    ad_rows = "".join(
        f"<tr><td>{_esc(a['member'])}</td><td class=n>{a['ads']}</td>"
        f"<td class=n>{a['share_of_their_messages']:.0%}</td></tr>"
        for a in report["ad_senders"]
    )
    period = report["period"]
    return _page_template().substitute(
        title=_esc(title),
        messages=report["messages"],
        first=_esc(period["first"]),
        last=_esc(period["last"]),
        legend=legend,
        summary_rows=summary_rows,
        per_day_chart=_bar_chart(report["per_day"]),
        member_rows=member_rows,
        unanswered_count=unanswered["count"],
        questions=unanswered["questions"],
        window_minutes=unanswered["window_minutes"],
        unanswered_rows=unanswered_rows,
        expert_rows=expert_rows,
        episode_count=episodes["count"],
        gap_minutes=episodes["gap_minutes"],
        episode_blocks=episode_blocks,
        ad_rows=ad_rows,
    )


@lru_cache(maxsize=1)
def _page_template() -> Template:
    return Template(resources.files("service").joinpath("report.html").read_text(encoding="utf-8"))
