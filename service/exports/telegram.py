"""Telegram Desktop → Export chat history → JSON (``result.json``, spec §4).

A single-chat export is ``{"name", "type", "id", "messages": […]}``; a full account export nests chats
under ``chats.list``. Messages are streamed with ijson. ``date_unixtime`` is preferred to the naive
local ``date``; ``"type": "service"`` records are system notices.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

from service.exports._io import (
    ReadContext,
    RecordError,
    convert_each,
    epoch_time,
    flatten_json_text,
    iter_json_items,
    json_head_value,
    local_time,
)
from service.types import Message, MessageKind

_MEDIA_TYPES: dict[str, MessageKind] = {
    "sticker": "sticker", "animation": "video", "video_file": "video", "video_message": "video",
    "voice_message": "voice", "audio_file": "voice",
}  # fmt: skip
_OTHER_MEDIA = frozenset(
    {
        "poll", "contact_information", "location_information", "place_name", "game_title",
        "invoice_information", "todo_list",
    }
)  # fmt: skip


def read(path: Path, ctx: ReadContext) -> Iterator[Message]:
    """Messages of a single-chat or a full-account export (the full export's chat names are not kept)."""
    name = json_head_value(path, "name")
    if isinstance(name, str):
        group, prefix = name, "messages.item"
    else:
        group, prefix = None, "chats.list.item.messages.item"
    items = iter_json_items(path, ctx, prefix=prefix, key="id")
    yield from convert_each(items, lambda line, item: _message(line, item, group, ctx), ctx)


def _message(line: int, item: Any, group: str | None, ctx: ReadContext) -> Message:
    if not isinstance(item, dict):
        raise RecordError("message is not a JSON object")
    text = flatten_json_text(item.get("text"))
    extra: dict[str, Any] = {}
    if item.get("type") == "service":
        kind: MessageKind = "system"
        extra["action"] = item.get("action")
    elif media := _media(item):
        kind = "text" if text else media
        extra["media"] = media
    else:
        kind = "text" if text else "unknown-empty"
    if "edited" in item or "edited_unixtime" in item:
        extra["edited"] = True
    if "forwarded_from" in item:  # null when forwarded from a deleted account
        extra["forwarded"] = True
    reply_to = item.get("reply_to_message_id")
    sender = item.get("from_id") or item.get("actor_id")
    return Message(
        text=text,
        kind=kind,
        message_id=_string(item.get("id")),
        group=group,
        sender_id=_string(sender),
        sender_name=item.get("from") if kind != "system" else item.get("actor"),
        timestamp=_time(item, ctx),
        reply_to=_string(reply_to),
        source=str(ctx.path),
        line=line,
        extra=extra,
    )


def _media(item: dict[str, Any]) -> MessageKind | None:
    if "photo" in item:
        return "image"
    if media_type := item.get("media_type"):
        return _MEDIA_TYPES.get(media_type, "file")
    if "file" in item:
        return "file"
    return None if _OTHER_MEDIA.isdisjoint(item) else "media"


def _time(item: dict[str, Any], ctx: ReadContext) -> datetime:
    if unix := item.get("date_unixtime"):
        return epoch_time(str(unix), ctx.tz)
    if date := item.get("date"):
        return local_time(str(date), ctx.tz)
    raise RecordError("message has neither date_unixtime nor date", field="date")


def _string(value: Any) -> str | None:
    return None if value is None else str(value)
