"""WeChat exports made by LC044/WeChatMsg "留痕/MemoTrace": v2.x CSV/TXT and the 2025 rewrite (spec §3.1-3.4).

The two TXT generations share one reader: v2 writes system notices as a single ``time + text`` line
with no body, v3 writes a header with the time only; v2 placeholders look like ``[图片]`` and quotes
like ``引用:名字:内容``, v3 uses ``【图片】`` and ``引用：名字: 内容``. Bodies are recognised by their
content, so a file that was detected as one generation still reads correctly if it is the other.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.exports._io import (
    ReadContext,
    RecordError,
    epoch_time,
    local_time,
    read_blocks,
    read_csv,
)
from service.types import Message, MessageKind

# Type / SubType of the PC MSG table (§3.6).
_TYPES: dict[int, MessageKind] = {
    1: "text", 3: "image", 34: "voice", 42: "media", 43: "video", 47: "sticker", 48: "media",
    37: "system", 50: "system", 10000: "system", 10002: "system",
}  # fmt: skip
_APP_SUBTYPES: dict[int, MessageKind] = {
    57: "reply", 5: "link", 3: "link", 4: "link", 33: "link", 36: "link", 51: "video", 6: "file",
    8: "sticker", 19: "text", 2000: "media", 2001: "media",
}  # fmt: skip
# MemoTrace 2025 ``类型`` column, also the 【…】 label that starts a v3 body.
_V3_TYPES: dict[str, MessageKind] = {
    "文本": "text", "图片": "image", "视频": "video", "语音": "voice", "表情包": "sticker", "文件": "file",
    "位置分享": "media", "分享链接": "link", "引用消息": "reply", "合并转发的聊天记录": "text",
    "小程序": "link", "视频号": "video", "音乐分享": "link", "收藏笔记": "link", "名片": "media",
    "个人/公众号名片": "media", "红包": "media", "转账": "media", "音视频通话": "system",
    "系统消息": "system", "拍一拍": "system",
}  # fmt: skip
# v2 TXT placeholders written instead of the media.
_V2_PLACEHOLDERS: dict[str, MessageKind] = {
    "[图片]": "image", "[语音]": "voice", "[视频]": "video", "[表情包]": "sticker", "[文件]": "file",
    "[音乐分享]": "link",
}  # fmt: skip
# The 【…】 labels the 2025 exporter writes in place of media; only these are trusted at the start of a body.
_V3_PLACEHOLDERS = frozenset(
    {
        "图片", "表情包", "视频", "语音", "文件", "分享链接", "位置分享", "小程序", "视频号", "音乐分享",
        "收藏笔记", "名片", "红包", "转账",
    }
)  # fmt: skip
_QUOTE_MARKS = ("\n引用：", "\n引用:")


# --- bodies ----------------------------------------------------------------------------------------


def infer_kind(body: str) -> MessageKind:
    """The kind of a TXT body from its placeholder (``[图片]``, ``【分享链接】`` …), quote or link block."""
    if kind := _V2_PLACEHOLDERS.get(body):
        return kind
    if body.startswith("【") and (label := body[1 : body.find("】")]) in _V3_PLACEHOLDERS:
        return _V3_TYPES[label]
    if body.lstrip().startswith("[链接]:title:"):
        return "link"
    if any(mark in body for mark in _QUOTE_MARKS):
        return "reply"
    return "text" if body else "unknown-empty"


def finish(kind: MessageKind, body: str) -> tuple[str, str | None, dict[str, Any]]:
    """(text, quote, extra) of a body of a known kind: placeholders dropped, quote and link split off."""
    if kind == "reply":
        return _split_quote(body)
    if kind == "link":
        return _link(body)
    if kind == "voice" and body.startswith("【语音】"):
        return body[4:].strip(), None, {}  # v3 writes the transcription after the placeholder
    if kind in ("text", "system", "unknown-empty"):
        return body, None, {}
    return "", None, {}


def _split_quote(body: str) -> tuple[str, str | None, dict[str, Any]]:
    for mark in _QUOTE_MARKS:
        at = body.find(mark)
        if at >= 0:
            return body[:at], body[at + len(mark) :], {}
    for mark in ("引用：", "引用:"):  # a quote sent without text of its own
        if body.startswith(mark):
            return "", body[len(mark) :], {}
    return body, None, {}


_LINK_FIELDS = {
    "[链接]:title:": "title", "title:": "title", "description:": "description", "url:": "url", "name:": "app",
    "标题：": "title", "描述：": "description", "链接:": "url", "链接：": "url", "应用：": "app",
}  # fmt: skip


def _link(body: str) -> tuple[str, str | None, dict[str, Any]]:
    """A link card: v2 ``[链接]:title:…`` block or v3 ``【分享链接】`` lines → (title, None, {url, …})."""
    fields: dict[str, str] = {}
    for raw in body.split("\n"):
        line = raw.strip()
        for label, name in _LINK_FIELDS.items():
            if line.startswith(label):
                fields.setdefault(name, line[len(label) :].strip())
                break
    title = fields.pop("title", "")
    return title, None, {key: value for key, value in fields.items() if value}


# --- 留痕 v2.x CSV --------------------------------------------------------------------------------


def read_v2_csv(path: Path, ctx: ReadContext) -> Iterator[Message]:
    """``localId,TalkerId,Type,SubType,IsSender,CreateTime,…,Sender`` (also the 9-column legacy header)."""

    def convert(line: int, row: dict[str, str]) -> Message:
        msg_type, subtype = _int(row, "Type"), _int(row, "SubType")
        kind = _APP_SUBTYPES.get(subtype, "link") if msg_type == 49 else _TYPES.get(msg_type, "unknown-empty")
        content = row.get("StrContent", "")
        text, quote, extra = _v2_content(kind, msg_type, content)
        if row.get("IsSender") == "1":
            extra["is_sender"] = True
        created = row.get("CreateTime", "").strip()
        return Message(
            text=text,
            kind=kind,
            message_id=row.get("localId") or None,
            sender_id=row.get("Sender") or None,
            sender_name=row.get("Remark") or row.get("NickName") or None,
            timestamp=epoch_time(created, ctx.tz) if created else local_time(row.get("StrTime", ""), ctx.tz),
            quote=quote,
            source=str(ctx.path),
            line=line,
            extra=extra,
        )

    yield from read_csv(path, ctx, convert, require=("Type", "StrContent"))


def _int(row: dict[str, str], column: str) -> int:
    value = row.get(column, "").strip() or "0"
    try:
        return int(value)
    except ValueError:
        raise RecordError(f"{column} is not a number: {value[:20]!r}", field=column) from None


def _v2_content(kind: MessageKind, msg_type: int, content: str) -> tuple[str, str | None, dict[str, Any]]:
    if msg_type == 1 or kind == "system":
        return content, None, {}
    if msg_type != 49 or not content.startswith("<"):
        return "", None, {}  # media XML, or a Type 49 body that lives in the (unexported) CompressContent
    extra = {"url": url} if (url := _xml_value(content, "url")) else {}
    quote = None
    if kind == "reply" and (refer := _xml_value(content, "refermsg")):
        quote = f"{_xml_value(refer, 'displayname') or ''}:{_xml_value(refer, 'content') or ''}"
    return _xml_value(content, "title") or "", quote, extra


def _xml_value(xml: str, tag: str) -> str | None:
    start = xml.find(f"<{tag}>")
    end = xml.find(f"</{tag}>", start)
    if start < 0 or end < 0:
        return None
    value = xml[start + len(tag) + 2 : end].strip()
    if value.startswith("<![CDATA[") and value.endswith("]]>"):
        value = value[9:-3]
    return value


# --- MemoTrace 2025 CSV -----------------------------------------------------------------------------


def read_v3_csv(path: Path, ctx: ReadContext) -> Iterator[Message]:
    """``消息ID,类型,发送人,时间,内容,备注,昵称,更多信息`` (19-digit 消息ID kept as a string)."""

    def convert(line: int, row: dict[str, str]) -> Message:
        body, sender = row["内容"], row["发送人"].strip() or None
        kind = _V3_TYPES.get(row["类型"]) or infer_kind(body)
        if sender is None:
            kind = "system"
        text, quote, extra = finish(kind, body)
        if kind == "text" and row["类型"] == "合并转发的聊天记录":
            extra["forwarded"] = True
        return Message(
            text=text,
            kind=kind if text or kind != "text" else "unknown-empty",
            message_id=row["消息ID"] or None,
            sender_name=sender,
            timestamp=local_time(row["时间"], ctx.tz),
            quote=quote,
            source=str(ctx.path),
            line=line,
            extra=extra,
        )

    yield from read_csv(path, ctx, convert, require=("消息ID", "类型", "发送人", "时间", "内容"))


# --- TXT (v2 and 2025) ------------------------------------------------------------------------------

_TXT_HEADER = re.compile(r"(\d{4}-\d{2}-\d{2} \d{1,2}:\d{2}:\d{2})(?: (.*))?$")


def _txt_header(line: str, after_blank: bool) -> re.Match[str] | None:
    if not after_blank or len(line) < 18 or line[4] != "-" or line[7] != "-":
        return None
    return _TXT_HEADER.match(line)


def read_txt(path: Path, ctx: ReadContext) -> Iterator[Message]:
    """``YYYY-MM-DD HH:MM:SS 名字`` + body blocks; a header without name or body is a system notice."""

    def convert(line: int, head: re.Match[str] | None, body: list[str]) -> Message:
        if head is None:
            raise RecordError("text before the first message header")
        stamp, sender = head.group(1), (head.group(2) or "").strip() or None
        content = "\n".join(body)
        if sender is None or sender.startswith("<sysmsg") or not body:
            kind: MessageKind = "system"
            text, quote, extra = "\n".join(filter(None, (sender, content))), None, dict[str, Any]()
            sender = None
        else:
            kind = infer_kind(content)
            text, quote, extra = finish(kind, content)
        return Message(
            text=text,
            kind=kind,
            sender_name=sender,
            timestamp=local_time(stamp, ctx.tz),
            quote=quote,
            source=str(ctx.path),
            line=line,
            extra=extra,
        )

    yield from read_blocks(path, ctx, _txt_header, convert)
