"""WeChat exports made by xaoyaoo/PyWxDump: CSV pages and the JSON list (spec §3.5).

Both carry ``type_name``, ``talker`` (the sender's wxid, ``我`` for the exporting account, ``未知`` for
system rows), ``msg``, ``src`` and a local ``CreateTime``. There are no display names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from service.exports._io import ReadContext, RecordError, any_time, convert_each, iter_json_items, read_csv
from service.types import Message, MessageKind

_TYPES: dict[str, MessageKind] = {
    "文本": "text", "图片": "image", "语音": "voice", "视频": "video", "动画表情": "sticker", "位置": "media",
    "文件": "file", "(分享)卡片式链接": "link", "卡片式链接": "link", "引用回复": "reply",
    "合并转发的聊天记录": "text", "转账": "media", "红包": "media", "名片": "media", "语音通话": "system",
    "视频通话": "system", "系统通知": "system", "拍一拍": "system", "邀请加群": "system",
}  # fmt: skip
_QUOTE = "\n\n[引用]("
_HREF = re.compile(r'<a href="([^"]*)"')


def read_csv_export(path: Path, ctx: ReadContext) -> Iterator[Message]:
    """``id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime`` (UTF-8 without BOM)."""
    yield from read_csv(path, ctx, lambda line, row: _message(line, row, ctx), require=("type_name", "msg"))


def read_json_export(path: Path, ctx: ReadContext) -> Iterator[Message]:
    """The JSON list of the same rows, streamed item by item."""

    def convert(line: int, item: Any) -> Message:
        if not isinstance(item, dict):
            raise RecordError("message is not a JSON object")
        return _message(line, item, ctx)

    yield from convert_each(iter_json_items(path, ctx, prefix="item", key="id"), convert, ctx)


def _message(line: int, row: Mapping[str, Any], ctx: ReadContext) -> Message:
    type_name = str(row.get("type_name") or "")
    body = str(row.get("msg") or "")
    kind = _TYPES.get(type_name) or ("system" if type_name.startswith("消息撤回") else "text")
    talker = str(row.get("talker") or "")
    if talker in ("", "未知"):
        kind = "system"
    text, quote, extra = _content(kind, body, str(row.get("src") or ""))
    if str(row.get("is_sender")) == "1":
        extra["is_sender"] = True
    return Message(
        text=text,
        kind="unknown-empty" if kind == "text" and not text else kind,
        message_id=str(row.get("MsgSvrID") or "") or None,
        group=str(row.get("room_name") or "") or None,
        sender_id=talker if kind != "system" else None,
        timestamp=any_time(row.get("CreateTime"), ctx.tz),
        quote=quote,
        source=str(ctx.path),
        line=line,
        extra=extra,
    )


def _content(kind: MessageKind, body: str, src: str) -> tuple[str, str | None, dict[str, Any]]:
    if kind in ("text", "system"):
        return body, None, {}
    if kind == "reply":
        own, mark, quoted = body.partition(_QUOTE)
        return (own, quoted.split(")", 1)[-1], {}) if mark else (body, None, {})
    if kind == "link":  # "title\ndescription\n\n<a href=\"url\">点击查看详情</a>"
        href = _HREF.search(body)
        url = href.group(1) if href else src
        return body.split("\n", 1)[0].strip(), None, {"url": url} if url else {}
    if kind == "voice" and "翻译结果：" in body:
        return body.split("翻译结果：", 1)[1].strip(), None, {}
    return "", None, {}
