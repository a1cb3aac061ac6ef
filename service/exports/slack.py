"""Slack workspace export, unzipped: ``users.json``, ``channels.json``, ``<channel>/YYYY-MM-DD.json`` (§7).

Day files are read one at a time (each is one channel-day). ``ts`` is both the id and the UTC time;
thread replies point at ``thread_ts``. Messages with a ``subtype`` other than ``thread_broadcast`` /
``file_share`` / ``me_message`` are system records. Text is Slack mrkdwn: ``<@U…>`` mentions become
``@名字`` (names from ``users.json`` or the message's ``user_profile``), ``&amp; &lt; &gt;`` are unescaped.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from service.exports._io import ReadContext, RecordError, convert_each, epoch_time
from service.types import Message, MessageKind

DAY_FILE = re.compile(r"\d{4}-\d{2}-\d{2}\.json")
_USER_SUBTYPES = frozenset({"thread_broadcast", "file_share", "me_message"})
_TOKEN = re.compile(r"<([@#!]?)([^<>|]*)(?:\|([^<>]*))?>")
_WHITESPACE = re.compile(r"\s*")
_MIME_KINDS: dict[str, MessageKind] = {"image": "image", "video": "video", "audio": "voice"}


def day_files(root: Path) -> list[Path]:
    """Every ``<channel>/YYYY-MM-DD.json`` under an export root, channel by channel, day by day."""
    return [
        day
        for channel in sorted(entry for entry in root.iterdir() if entry.is_dir())
        for day in sorted(channel.iterdir())
        if DAY_FILE.fullmatch(day.name)
    ]


def read(path: Path, ctx: ReadContext) -> Iterator[Message]:
    """An export root directory, or one day file (names then come from ``../../users.json`` if present)."""
    root, days = (path, day_files(path)) if path.is_dir() else (path.parent.parent, [path])
    users = _user_names(root / "users.json")
    for day in days:
        yield from _read_day(day, users, dataclasses.replace(ctx, path=day))


def _read_day(day: Path, users: dict[str, str], ctx: ReadContext) -> Iterator[Message]:
    items = _items_with_lines(day, ctx)
    yield from convert_each(items, lambda line, item: _message(line, item, day, users, ctx), ctx)


def _user_names(path: Path) -> dict[str, str]:
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8-sig") as stream:
        users = json.load(stream)
    return {user["id"]: _profile_name(user.get("profile") or {}) or user.get("name", "") for user in users}


def _profile_name(profile: dict[str, Any]) -> str:
    return str(profile.get("display_name") or profile.get("real_name") or profile.get("name") or "")


def _items_with_lines(day: Path, ctx: ReadContext) -> Iterator[tuple[int, Any]]:
    """The messages of one day file (a JSON array) with the line of each message's ``"ts"``."""
    text = day.read_text(encoding="utf-8-sig")
    decoder = json.JSONDecoder()
    pos = _skip(text, 0)
    if not text.startswith("[", pos):
        ctx.report("a Slack day file must hold a JSON array", line=1)
        return
    pos, line, counted = _skip(text, pos + 1), 1, 0
    while pos < len(text) and text[pos] != "]":
        try:
            item, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            ctx.report(f"invalid JSON ({exc.msg}); the rest of the day file is unreadable", line=exc.lineno)
            return
        at = _ts_position(text, pos, end, item)
        line, counted = line + text.count("\n", counted, at), at
        yield line, item
        pos = _skip(text, end)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)


def _skip(text: str, pos: int) -> int:
    found = _WHITESPACE.match(text, pos)
    return found.end() if found else pos


def _ts_position(text: str, start: int, end: int, item: Any) -> int:
    """Where the item's own ``"ts": "<ts>"`` is (a thread parent also lists its replies' ts)."""
    ts = item.get("ts") if isinstance(item, dict) else None
    if not isinstance(ts, str):
        return start
    pos = text.find('"ts"', start, end)
    while pos >= 0:
        value = _skip(text, _skip(text, pos + 4) + 1)
        if text.startswith(f'"{ts}"', value):
            return pos
        pos = text.find('"ts"', pos + 4, end)
    return start


def _message(line: int, item: Any, day: Path, users: dict[str, str], ctx: ReadContext) -> Message:
    if not isinstance(item, dict):
        raise RecordError("message is not a JSON object")
    ts = item.get("ts")
    if not isinstance(ts, str):
        raise RecordError("message has no string ts", field="ts")
    user = item.get("user") or item.get("bot_id")
    name = users.get(user or "") or _profile_name(item.get("user_profile") or {}) or item.get("username")
    text = _plain(str(item.get("text") or ""), users)
    subtype = item.get("subtype")
    if item.get("type", "message") != "message" or (subtype and subtype not in _USER_SUBTYPES):
        kind: MessageKind = "system"
    elif text:
        kind = "text"
    elif files := item.get("files"):
        kind = _MIME_KINDS.get(str(files[0].get("mimetype", "")).split("/", 1)[0], "file")
    else:
        kind = "unknown-empty"
    thread = item.get("thread_ts")
    return Message(
        text=text,
        kind=kind,
        message_id=ts,
        group=day.parent.name,
        sender_id=user,
        sender_name=name or None,
        timestamp=epoch_time(ts, ctx.tz),
        reply_to=thread if thread and thread != ts else None,
        source=str(day),
        line=line,
        extra={"edited": True} if item.get("edited") else {},
    )


def _plain(text: str, users: dict[str, str]) -> str:
    """Slack mrkdwn → plain text: mentions, channels and links resolved, HTML entities unescaped."""
    if "<" in text:
        text = _TOKEN.sub(lambda token: _token_text(token, users), text)
    if "&" in text:
        text = text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")
    return text


def _token_text(token: re.Match[str], users: dict[str, str]) -> str:
    sigil, target, label = token.groups()
    if sigil == "@":
        return "@" + (label or users.get(target) or target)
    if sigil == "#":
        return "#" + (label or target)
    if sigil == "!":  # <!here>, <!channel>, <!subteam^ID|@team>, <!date^…|fallback>
        return label or "@" + target
    if label and label not in target:
        return f"{label} ({target})"
    return label or target
