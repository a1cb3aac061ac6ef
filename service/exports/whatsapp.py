"""WhatsApp "Export chat" text files, Android and iOS, any locale (spec §5).

Android: ``<date>, <time> - <author>: <text>``; iOS: ``[<date>, <time>] <author>: <text>``. A line without
``author: `` (or, on iOS, whose text starts with U+200E) is a system notice; so are the encryption notice
(iOS attributes it to the group) and "This message was deleted" tombstones, which carry an author.
Continuation lines belong to the message above. The date order (D/M, M/D, Y/M/D) is decided per file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.exports._io import (
    ReadContext,
    RecordError,
    clock_hour,
    make_time,
    open_text,
    read_blocks,
    strip_invisible,
)
from service.types import Message, MessageKind

_MARKER = r"(?:(上午|下午|凌晨|早上|中午|晚上|午前|午後|오전|오후)\s?|klo\s)?"
_AMPM = r"(?:\s?([AaPp])\.?\s?[Mm]\.?)?"
_ANDROID = re.compile(
    r"(\d{1,4})[./-](\d{1,2})[./-](\d{1,4}),?\s" + _MARKER + r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?" + _AMPM
    + r"\s-\s(.*)"
)  # fmt: skip
_IOS = re.compile(
    r"\[(\d{1,4})[./-]\s?(\d{1,2})[./-]\s?(\d{1,4}),?\s" + _MARKER + r"(\d{1,2})[:.](\d{2})[:.](\d{2})"
    + _AMPM + r"\]\s(.*)"
)  # fmt: skip
_LRM = "\u200e"

_DELETED = frozenset(
    {
        "This message was deleted", "This message was deleted.", "You deleted this message",
        "You deleted this message.", "这条消息已删除", "你删除了这条消息", "此訊息已刪除", "你已刪除此訊息",
    }
)  # fmt: skip
_ENCRYPTION = (
    "Messages and calls are end-to-end encrypted", "Messages to this group are now secured with end-to-end",
    "消息和通话已进行端到端加密", "訊息和通話已進行端對端加密",
)  # fmt: skip
_SYSTEM_AUTHOR = (
    " changed ",
    " created ",
    " added ",
    " removed ",
    "更改了",
    "创建了",
    "添加了",
    "移除了",
    "退出了",
)
_OMITTED: dict[str, MessageKind] = {
    "<Media omitted>": "media", "<省略影音内容>": "media", "<媒体文件已省略>": "media",
    "<已省略媒体>": "media", "image omitted": "image", "video omitted": "video", "audio omitted": "voice",
    "sticker omitted": "sticker", "GIF omitted": "video", "Contact card omitted": "media",
    "document omitted": "file",
}  # fmt: skip
_ATTACHED = re.compile(r"<attached: \d+-([A-Z]+)-.*>")
_ATTACHED_KINDS: dict[str, MessageKind] = {
    "PHOTO": "image",
    "VIDEO": "video",
    "AUDIO": "voice",
    "STICKER": "sticker",
}
_FILE_PREFIXES: dict[str, MessageKind] = {
    "IMG": "image",
    "VID": "video",
    "PTT": "voice",
    "AUD": "voice",
    "STK": "sticker",
}
_EDITED = "<This message was edited>"


def _header(line: str, _after_blank: bool) -> re.Match[str] | None:
    first = line[0]
    if first == _LRM:
        line = line.lstrip(_LRM)
        first = line[:1]
    if first == "[":
        return _IOS.match(line)
    return _ANDROID.match(line) if first.isdigit() else None


def read(path: Path, ctx: ReadContext) -> Iterator[Message]:
    order = _date_order(path)

    def convert(line: int, head: re.Match[str] | None, body: list[str]) -> Message:
        if head is None:
            raise RecordError("text before the first message line")
        return _message(line, head, body, order, ctx)

    yield from read_blocks(path, ctx, _header, convert)


def _message(line: int, head: re.Match[str], body: list[str], order: str, ctx: ReadContext) -> Message:
    *date_parts, marker, hour, minute, seconds, ampm, rest = head.groups()
    year, month, day = _ymd(order, *date_parts)
    hour_24 = clock_hour(int(hour), ampm or marker)
    when = make_time(year, month, day, hour_24, int(minute), int(seconds or 0), ctx.tz)
    author, separator, said = rest.partition(": ")
    notice = not separator or rest.startswith(_LRM) or any(word in author for word in _SYSTEM_AUTHOR)
    text = strip_invisible("\n".join([rest if notice else said, *body])).strip()
    extra: dict[str, Any] = {}
    if notice:
        kind: MessageKind = "system"
        author = ""
    elif text in _DELETED or text.startswith(_ENCRYPTION):
        kind = "system"
    else:
        if text.endswith(_EDITED):
            text, extra["edited"] = text[: -len(_EDITED)].rstrip(), True
        kind, text = _media(text, extra)
    name = strip_invisible(author).strip() or None
    return Message(
        text=text,
        kind=kind,
        sender_id=name,
        sender_name=name,
        timestamp=when,
        source=str(ctx.path),
        line=line,
        extra=extra,
    )


def _media(text: str, extra: dict[str, Any]) -> tuple[MessageKind, str]:
    """``<Media omitted>``, ``image omitted``, ``<attached: …>``, ``IMG-….jpg (file attached)`` + caption."""
    first, _, caption = text.partition("\n")
    kind = _OMITTED.get(first)
    if kind is None and first.endswith("document omitted"):
        kind = "file"
    elif kind is None and (attached := _ATTACHED.match(first)):
        kind = _ATTACHED_KINDS.get(attached.group(1), "file")
    elif kind is None and first.endswith(("(file attached)", "(文件附件)")):
        kind = _FILE_PREFIXES.get(first[:3], "file")
    if kind is None:
        return ("text", text) if text else ("unknown-empty", "")
    caption = caption.strip()
    if caption:
        extra["media"] = kind
        return "text", caption
    return kind, ""


def _ymd(order: str, first: str, second: str, third: str) -> tuple[int, int, int]:
    a, b, c = int(first), int(second), int(third)  # in the order the file writes them
    if order == "ymd":
        year, month, day = a, b, c
    elif order == "mdy":
        year, month, day = c, a, b
    else:
        year, month, day = c, b, a
    return (year + 2000 if year < 100 else year), month, day


def _date_order(path: Path) -> str:
    """``ymd``, ``dmy`` or ``mdy`` for the whole file: the first date that can only be read one way decides.

    Stops as soon as it knows; an undecidable file is month-first when it uses AM/PM (en-US), else day-first.
    """
    twelve_hour = False
    with open_text(path) as stream:
        for line in stream:
            head = _header(line.rstrip("\n"), True) if line.strip() else None
            if head is None:
                continue
            first, second = head.group(1), head.group(2)
            if len(first) == 4:
                return "ymd"
            if int(first) > 12:
                return "dmy"
            if int(second) > 12:
                return "mdy"
            twelve_hour = twelve_hour or bool(head.group(8) or head.group(4))
    return "mdy" if twelve_hour else "dmy"
