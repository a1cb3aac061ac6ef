"""Tyrrrz/DiscordChatExporter JSON and CSV exports (spec §6).

JSON: messages streamed with ijson; ``type`` other than ``Default``/``Reply`` (or an unknown kind) is a
system notification. CSV has no type column: system rows are recognised only by DCE's fixed English
fallback texts, and sticker-only messages are rows with empty content and attachments.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.exports._io import (
    ReadContext,
    RecordError,
    convert_each,
    iter_json_items,
    json_head_value,
    local_time,
    read_csv,
)
from service.types import Message, MessageKind

_SYSTEM_KINDS = frozenset(
    {
        "RecipientAdd", "RecipientRemove", "Call", "ChannelNameChange", "ChannelIconChange",
        "ChannelPinnedMessage", "GuildMemberJoin", "ThreadCreated", *map(str, range(1, 19)),
    }
)  # fmt: skip
# ``PlainTextMessageExtensions.GetFallbackContent``: what DCE writes instead of a system message's content.
_FALLBACK_TEXTS = frozenset(
    {
        "Joined the server.", "Pinned a message.", "Started a thread.", "Changed the channel icon.",
        "Changed the channel name.", "Added a recipient.", "Removed a recipient.", "Left the group.",
    }
)  # fmt: skip
_FALLBACK_PATTERN = re.compile(
    r"Added .+ to the group\.|Removed .+ from the group\.|Started a call that lasted [\d,]+ minutes\."
    r"|Changed the channel name: .+",
    re.S,
)
_FALLBACK_STARTS = ("Added ", "Removed ", "Started a call ", "Changed the channel name: ")
_RAW_MENTION = re.compile(r"<@!?(\d+)>")
_EXTENSION_KINDS: dict[str, MessageKind] = {
    **dict.fromkeys(("png", "jpg", "jpeg", "gif", "webp", "bmp", "heic", "avif"), "image"),
    **dict.fromkeys(("mp4", "mov", "webm", "mkv", "avi"), "video"),
    **dict.fromkeys(("mp3", "ogg", "wav", "m4a", "flac", "opus"), "voice"),
}


def _attachment_kind(name: str) -> MessageKind:
    extension = name.split("?", 1)[0].rsplit("/", 1)[-1].rpartition(".")[2].lower()
    return _EXTENSION_KINDS.get(extension, "file")


# --- JSON --------------------------------------------------------------------------------------------


def read_json(path: Path, ctx: ReadContext) -> Iterator[Message]:
    """``{"guild", "channel", "messages": […]}``; the group is ``guild / channel``."""
    names = [json_head_value(path, "guild.name"), json_head_value(path, "channel.name")]
    group = " / ".join(name for name in names if isinstance(name, str)) or None
    items = iter_json_items(path, ctx, prefix="messages.item", key="id")
    yield from convert_each(items, lambda line, item: _json_message(line, item, group, ctx), ctx)


def _json_message(line: int, item: Any, group: str | None, ctx: ReadContext) -> Message:
    if not isinstance(item, dict):
        raise RecordError("message is not a JSON object")
    author = item.get("author") or {}
    kind_name = str(item.get("type", "Default"))
    content = str(item.get("content") or "")
    if "<@" in content:
        content = _RAW_MENTION.sub(lambda found: _mention(found, item.get("mentions") or []), content)
    reference = item.get("reference") or {}
    extra: dict[str, Any] = {"username": author.get("name")}
    if kind_name in _SYSTEM_KINDS:
        kind: MessageKind = "system"
    elif content:
        kind = "text"
    elif attachments := item.get("attachments"):
        kind = _attachment_kind(str(attachments[0].get("fileName") or attachments[0].get("url") or ""))
    elif item.get("stickers"):
        kind = "sticker"
    elif item.get("embeds"):
        kind = "link"
    else:
        kind = "unknown-empty"
    if item.get("timestampEdited"):
        extra["edited"] = True
    if reference.get("type") == "Forward":
        extra["forwarded"] = True
    return Message(
        text=content,
        kind=kind,
        message_id=str(item.get("id")) if item.get("id") is not None else None,
        group=group,
        sender_id=author.get("id"),
        sender_name=author.get("nickname") or author.get("name"),
        timestamp=local_time(item.get("timestamp", ""), ctx.tz),
        reply_to=reference.get("messageId") if kind_name == "Reply" else None,
        source=str(ctx.path),
        line=line,
        extra=extra,
    )


def _mention(found: re.Match[str], mentions: list[dict[str, Any]]) -> str:
    for user in mentions:
        if user.get("id") == found.group(1):
            return "@" + str(user.get("nickname") or user.get("name"))
    return found.group()


# --- CSV ---------------------------------------------------------------------------------------------


def read_csv_export(path: Path, ctx: ReadContext) -> Iterator[Message]:
    """``AuthorID,Author,Date,Content,Attachments,Reactions``: no ids, types, replies or stickers."""

    def convert(line: int, row: dict[str, str]) -> Message:
        content, attachments = row["Content"], row["Attachments"].strip()
        if attachments:
            kind: MessageKind = "text" if content else _attachment_kind(attachments.split(",", 1)[0])
        elif _is_fallback(content):
            kind = "system"
        else:
            kind = "text" if content else "unknown-empty"
        return Message(
            text=content,
            kind=kind,
            sender_id=row["AuthorID"] or None,
            sender_name=row["Author"] or None,
            timestamp=local_time(row["Date"], ctx.tz),
            source=str(ctx.path),
            line=line,
            extra={"attachments": attachments} if attachments else {},
        )

    yield from read_csv(path, ctx, convert, require=("AuthorID", "Author", "Date", "Content", "Attachments"))


def _is_fallback(content: str) -> bool:
    if content in _FALLBACK_TEXTS:
        return True
    return (
        content[:1] in "ARSC"
        and content.endswith((".", ""))
        and _FALLBACK_PATTERN.fullmatch(content) is not None
    )
