"""Any CSV or JSON-lines file with a text column: ``generic_csv`` and ``generic_jsonl``.

The text column is named by ``text_field``. Common optional columns are picked up when present (first
alias found wins): sender id and name, time (ISO-8601 or epoch seconds/milliseconds), message id,
group, reply target, and a ``kind`` that names one of the ``Message`` kinds.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, cast, get_args

from service.exports._io import ReadContext, RecordError, any_time, convert_each, open_text, read_csv
from service.types import Message, MessageKind

_ALIASES: dict[str, tuple[str, ...]] = {
    "sender_id": ("sender_id", "user_id", "author_id", "from_id", "uid", "talker"),
    "sender_name": (
        "sender_name",
        "sender",
        "name",
        "nickname",
        "author",
        "user",
        "username",
        "from",
        "发送人",
    ),
    "time": ("timestamp", "time", "ts", "date", "datetime", "created_at", "create_time", "时间"),
    "message_id": ("message_id", "id", "msg_id", "消息ID"),
    "group": ("group", "chat", "channel", "room", "群名"),
    "reply_to": ("reply_to", "reply_to_id", "parent_id"),
    "kind": ("kind",),
}
_KINDS = frozenset(get_args(MessageKind))


def read_csv_file(path: Path, ctx: ReadContext) -> Iterator[Message]:
    yield from read_csv(path, ctx, lambda line, row: _message(line, row, ctx), require=(ctx.text_field,))


def read_jsonl(path: Path, ctx: ReadContext) -> Iterator[Message]:
    def convert(line: int, raw: str) -> Message | None:
        if not raw.strip():
            return None
        try:
            row = json.loads(raw)
        except json.JSONDecodeError as exc:
            raise RecordError(f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(row, dict):
            raise RecordError("not a JSON object")
        return _message(line, row, ctx)

    with open_text(path) as stream:
        yield from convert_each(enumerate(stream, 1), convert, ctx)


def _message(line: int, row: Mapping[str, Any], ctx: ReadContext) -> Message:
    value = row.get(ctx.text_field)
    if value is None or isinstance(value, dict | list):
        raise RecordError(f"no text in field {ctx.text_field!r}", field=ctx.text_field)
    text = str(value)
    fields = {name: _first(row, aliases, ctx.text_field) for name, aliases in _ALIASES.items()}
    kind = str(fields["kind"] or "")
    time = fields["time"]
    return Message(
        text=text,
        kind=cast(MessageKind, kind) if kind in _KINDS else ("text" if text else "unknown-empty"),
        message_id=_string(fields["message_id"]),
        group=_string(fields["group"]),
        sender_id=_string(fields["sender_id"] or fields["sender_name"]),
        sender_name=_string(fields["sender_name"]),
        timestamp=any_time(time, ctx.tz) if time not in (None, "") else None,
        reply_to=_string(fields["reply_to"]),
        source=str(ctx.path),
        line=line,
    )


def _first(row: Mapping[str, Any], aliases: tuple[str, ...], text_field: str) -> Any:
    for alias in aliases:
        if alias != text_field and row.get(alias) not in (None, ""):
            return row[alias]
    return None


def _string(value: Any) -> str | None:
    return None if value in (None, "") else str(value)
