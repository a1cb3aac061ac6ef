"""Feishu/Lark Open API dumps of ``GET /open-apis/im/v1/messages`` (spec §8).

A dump is one response ``{"code", "data": {"items": […]}}`` or a JSON array of such pages; items are
streamed with ijson. ``body.content`` is itself a JSON string. Messages carry only the sender's open_id:
names come from a sibling chat-members dump (``*member*.json``, ``GET …/chats/{id}/members``) and from
``mentions``. ``msg_type: system`` and recalled messages (``deleted: true``) are system records.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.exports._io import ReadContext, RecordError, convert_each, epoch_time, iter_json_items, read_head
from service.types import Message, MessageKind

_KINDS: dict[str, MessageKind] = {
    "text": "text", "post": "text", "image": "image", "sticker": "sticker", "file": "file", "audio": "voice",
    "media": "video", "share_chat": "media", "share_user": "media", "merge_forward": "media",
    "location": "media", "interactive": "media", "todo": "media", "video_chat": "system", "system": "system",
}  # fmt: skip


def read(path: Path, ctx: ReadContext) -> Iterator[Message]:
    names = member_names(path.parent)
    page_list = read_head(path, 4096).lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"[")
    prefix = "item.data.items.item" if page_list else "data.items.item"
    items = iter_json_items(path, ctx, prefix=prefix, key="message_id")
    yield from convert_each(items, lambda line, item: _message(line, item, names, ctx), ctx)


def member_names(folder: Path) -> dict[str, str]:
    """open_id → name from every ``*member*.json`` chat-members dump next to the messages."""
    names: dict[str, str] = {}
    for path in sorted(folder.glob("*member*.json")):
        try:
            with path.open(encoding="utf-8-sig") as stream:
                document = json.load(stream)
        except (OSError, ValueError):
            continue
        pages = document if isinstance(document, list) else [document]
        for page in pages:
            for member in (page.get("data") or {}).get("items") or [] if isinstance(page, dict) else []:
                if member.get("member_id") and member.get("name"):
                    names[member["member_id"]] = member["name"]
    return names


def _message(line: int, item: Any, names: dict[str, str], ctx: ReadContext) -> Message:
    if not isinstance(item, dict):
        raise RecordError("message is not a JSON object")
    msg_type = str(item.get("msg_type") or "")
    sender = item.get("sender") or {}
    mentions = item.get("mentions") or []
    for mention in mentions:
        if mention.get("id") and mention.get("name"):
            names.setdefault(mention["id"], mention["name"])
    if item.get("deleted") or msg_type == "system" or not sender.get("id"):
        kind: MessageKind = "system"
        text = ""
    else:
        kind = _KINDS.get(msg_type, "unknown-empty")
        text = _text(msg_type, _content(item), mentions) if kind == "text" else ""
    extra: dict[str, Any] = {}
    if item.get("updated"):
        extra["edited"] = True
    if sender.get("sender_type") == "app":
        extra["bot"] = True
    if item.get("root_id"):
        extra["root_id"] = item["root_id"]
    create_time = item.get("create_time")
    if not create_time:
        raise RecordError("message has no create_time", field="create_time")
    return Message(
        text=text,
        kind=kind if text or kind != "text" else "unknown-empty",
        message_id=item.get("message_id"),
        group=item.get("chat_id"),
        sender_id=sender.get("id") or None,
        sender_name=names.get(sender.get("id") or ""),
        timestamp=epoch_time(str(create_time), ctx.tz, millis=True),
        reply_to=item.get("parent_id") or None,
        source=str(ctx.path),
        line=line,
        extra=extra,
    )


def _content(item: dict[str, Any]) -> dict[str, Any]:
    raw = (item.get("body") or {}).get("content") or "{}"
    try:
        content = json.loads(raw)
    except ValueError:
        raise RecordError("body.content is not JSON", field="body.content") from None
    if not isinstance(content, dict):
        raise RecordError("body.content is not a JSON object", field="body.content")
    return content


def _text(msg_type: str, content: dict[str, Any], mentions: list[dict[str, Any]]) -> str:
    text = _post_text(content) if msg_type == "post" else str(content.get("text") or "")
    if "@_" in text:
        for mention in mentions:
            text = text.replace(str(mention.get("key")), "@" + str(mention.get("name")))
        text = text.replace("@_all", "@所有人")
    return text


def _post_text(content: dict[str, Any]) -> str:
    """A rich-text post: optional title, then one line per paragraph of text/link/@/emoji runs."""
    if "content" not in content and len(content) == 1:  # {"zh_cn": {"title", "content"}}
        content = next(iter(content.values())) or {}
    lines = ["".join(_run(run) for run in paragraph) for paragraph in content.get("content") or []]
    title = str(content.get("title") or "")
    return "\n".join([title, *lines] if title else lines)


def _run(run: dict[str, Any]) -> str:
    tag = run.get("tag")
    if tag in ("text", "a", "md", "code_block"):
        return str(run.get("text") or "")
    if tag == "at":
        return "@" + str(run.get("user_name") or run.get("user_id") or "")
    if tag == "emotion":
        return f"[{run.get('emoji_type', '')}]"
    return {"img": "[图片]", "media": "[视频]"}.get(str(tag), "")
