"""QQ 消息管理器 exports of the classic PC client (≤ 9.7): TXT and MHT (spec §2.1, §2.2).

Both carry the same sender cell: ``昵称(QQ号)``, ``昵称<e-mail>``, ``【头衔】昵称(QQ号)``, ``(QQ号)``,
``QQ号(QQ号)`` or a bare ``昵称``. Senders named ``系统消息(…)`` are system notices. Replies are only an
``@昵称`` prefix in the text, so they stay text.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Iterator
from datetime import date
from pathlib import Path

from service.exports._io import (
    ReadContext,
    RecordError,
    clock_hour,
    convert_each,
    make_time,
    media_only,
    open_text,
    read_blocks,
)
from service.types import Message, MessageKind

_SENDER = r"(.*?)(?:\((\d{5,12})\)|<([^<>]+@[^<>]+)>)?\s*$"
_TXT_HEADER = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})\s+(?:(上午|下午)\s*)?(\d{1,2}):(\d{2}):(\d{2})(?:\s*([AP]M))?\s+" + _SENDER
)
_SENDER_CELL = re.compile(_SENDER)
_TITLE = re.compile(r"(?:【[^】]*】)+")
_SECTION = re.compile(r"={64}|消息记录（")  # a TXT section header; its body names the chat
_EXACT: dict[str, MessageKind] = {
    "[图片]": "image",
    "[表情]": "sticker",
    "[语音]": "voice",
    "[视频]": "video",
    "[文件]": "file",
    "[QQ红包]": "media",
}
_PREFIXES: tuple[tuple[str, MessageKind], ...] = (
    ("[闪照]", "image"),
    ("[戳一戳]", "system"),
    ("你的QQ暂不支持查看[转发多条消息]", "media"),
)


class _Chat:
    """What a QQ file tells about the chat so far: its name, and the last good name per QQ number."""

    def __init__(self) -> None:
        self.group: str | None = None
        self.day: date | None = None  # MHT: the last 日期 row
        self._names: dict[str, str] = {}

    def sender(self, cell: str, uid: str | None) -> tuple[str | None, str | None]:
        """(name, title) of a sender cell; ``QQ号(QQ号)`` and ``(QQ号)`` reuse the last good name."""
        title = None
        name = cell.strip()
        if name.startswith("【") and (prefix := _TITLE.match(name)):
            title, name = prefix.group(), name[prefix.end() :].strip()
        if uid is None:
            return name or None, title
        if name and name != uid:
            self._names[uid] = name
            return name, title
        return self._names.get(uid, name or None), title


def _message(
    chat: _Chat, *, line: int, when: tuple[int, ...], cell: str, uid: str | None, body: str, ctx: ReadContext
) -> Message:
    year, month, day, hour, minute, second = when
    name, title = chat.sender(cell, uid)
    if name is not None and name.startswith("系统消息"):
        kind: MessageKind = "system"
        text = body
    elif body and not body.replace("[图片]", "").strip():
        kind, text = "image", ""
    else:
        kind, text = media_only(body, _EXACT, _PREFIXES)
    return Message(
        text=text,
        kind=kind,
        group=chat.group,
        sender_id=uid,
        sender_name=name,
        timestamp=make_time(year, month, day, hour, minute, second, ctx.tz),
        source=str(ctx.path),
        line=line,
        extra={"title": title} if title else {},
    )


# --- TXT -----------------------------------------------------------------------------------------


def _txt_header(line: str, after_blank: bool) -> re.Match[str] | None:
    if line[0] in "=消" and (section := _SECTION.match(line)):
        return section
    if not after_blank or len(line) < 19 or line[4] != "-":
        return None
    return _TXT_HEADER.match(line)


def read_txt(path: Path, ctx: ReadContext) -> Iterator[Message]:
    """QQ 消息管理器 → 导出 .txt (UTF-8 with/without BOM or GBK; one file may hold several chats)."""
    chat = _Chat()

    def convert(line: int, head: re.Match[str] | None, body: list[str]) -> Message | None:
        if head is None:
            raise RecordError("text before the first message header")
        if head.re is _SECTION:
            chat.group = _section_group(body) or chat.group
            return None
        year, month, day, half, hour, minute, second, ampm, cell, qq, email = head.groups()
        when = (
            int(year),
            int(month),
            int(day),
            clock_hour(int(hour), ampm or half),
            int(minute),
            int(second),
        )
        return _message(chat, line=line, when=when, cell=cell, uid=qq or email, body="\n".join(body), ctx=ctx)

    yield from read_blocks(path, ctx, _txt_header, convert)


def _section_group(lines: Iterable[str]) -> str | None:
    for line in lines:
        if line.startswith(("消息对象:", "消息对象：")):
            return line[5:].strip() or None
    return None


# --- MHT -----------------------------------------------------------------------------------------

_DATE_ROW = re.compile(r"日期[:：]\s*(\d{4})-(\d{1,2})-(\d{1,2})")
_GROUP_ROW = re.compile(r"消息对象[:：]([^<]*)")
_SENDER_TIME = re.compile(r"float:left[^>]*>(.*?)</div>\s*(\d{1,2}):(\d{2}):(\d{2})\s*</div>\s*", re.S | re.I)
_TAG = re.compile(r"<\s*(/?)\s*(\w+)[^>]*>")


def read_mht(path: Path, ctx: ReadContext) -> Iterator[Message]:
    """QQ 消息管理器 → 导出 .mht: the HTML part is streamed row by row; image parts are never read."""
    chat = _Chat()

    def convert(line: int, row: str) -> Message | None:
        if "float:left" in row:
            return _mht_message(chat, line=line, row=row, ctx=ctx)
        if found := _DATE_ROW.search(row):
            chat.day = _date(*map(int, found.groups()))
        elif found := _GROUP_ROW.search(row):
            chat.group = html.unescape(found.group(1)).strip() or chat.group
        return None

    with open_text(path) as stream:
        yield from convert_each(_table_rows(_html_part(stream)), convert, ctx)


def _date(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise RecordError(f"impossible date {year:04d}-{month:02d}-{day:02d}", field="date") from None


def _mht_message(chat: _Chat, *, line: int, row: str, ctx: ReadContext) -> Message:
    """``<div float:left>SENDER</div>H:MM:SS</div><div>BODY</div></td>``."""
    found = _SENDER_TIME.match(row, row.find("float:left"))
    if found is None:
        raise RecordError("message row without a sender cell and H:MM:SS time")
    day = chat.day
    if day is None:
        raise RecordError("message row before any 日期 row", field="date")
    sender = _SENDER_CELL.match(_html_text(found.group(1)))
    assert sender is not None  # the sender pattern matches any string
    cell, qq, email = sender.groups()
    when = (day.year, day.month, day.day, *map(int, found.group(2, 3, 4)))
    cell_end = row.rfind("</td>")
    body = row[found.end() : cell_end if cell_end >= 0 else len(row)].strip()
    if body.startswith("<div"):
        body = body[body.find(">") + 1 : -6 if body.endswith("</div>") else len(body)]
    return _message(
        chat, line=line, when=when, cell=cell, uid=qq or email, body=_html_text(body).strip(), ctx=ctx
    )


def _html_part(lines: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(line, text) of the ``text/html`` part of the MIME archive; stops at the next part boundary."""
    boundary = None
    in_html = in_headers = False
    for number, raw in enumerate(lines, 1):
        line = raw.rstrip("\n")
        if boundary is None and (at := line.find('boundary="')) >= 0:
            boundary = "--" + line[at + 10 :].split('"', 1)[0]
        if in_html:
            if boundary is not None and line.startswith(boundary):
                return
            yield number, line
        elif in_headers:
            in_html = not line.strip()
        elif line.replace(" ", "").lower().startswith("content-type:text/html"):
            in_headers = True
        elif line.lstrip("\ufeff").startswith("<"):  # plain HTML without a MIME wrapper
            in_html = True
            yield number, line


def _table_rows(lines: Iterable[tuple[int, str]]) -> Iterator[tuple[int, str]]:
    """Each ``<tr>…</tr>`` with the line it starts on, whether rows share lines or span several."""
    buffer, first = "", 0
    for number, line in lines:
        if buffer:
            buffer = f"{buffer}\n{line}"
        else:
            buffer, first = line, number
        pos = 0
        while (end := buffer.find("</tr>", pos)) >= 0:
            start = buffer.rfind("<tr", pos, end)
            if start >= 0:
                yield first + buffer.count("\n", 0, start), buffer[start:end]
            pos = end + 5
        if pos:
            first += buffer.count("\n", 0, pos)
            buffer = buffer[pos:]


def _html_text(fragment: str) -> str:
    """Cell HTML → text: ``<br>`` is a newline, ``<IMG>`` the ``[图片]`` placeholder, other tags dropped.

    QQ misspells the closing angle bracket of e-mail senders as ``&get;``.
    """
    text = _TAG.sub(_tag_text, fragment) if "<" in fragment else fragment
    if "&" in text:
        text = html.unescape(text.replace("&get;", "&gt;")).replace("\xa0", " ")
    return text


def _tag_text(tag: re.Match[str]) -> str:
    name = tag.group(2).lower()
    if name == "br":
        return "\n"
    return "[图片]" if name == "img" and not tag.group(1) else ""
