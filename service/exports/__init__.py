"""Readers for chat-export files: every supported format becomes one stream of ``Message`` records.

    from service.exports import detect, read

    for message in read("Python 学习交流群.txt"):      # the format is detected from the content
        if not message.is_system:
            ...

``read`` streams in file order with constant memory and yields system records too (``kind="system"``)
so callers can count them. A malformed record is reported through ``on_error`` (by default a log line
with the file and line, never the text) and skipped, or raised with ``errors="strict"``; the rest of
the file is still read. Formats and their pitfalls: ``shared/formats/CHAT_EXPORT_FORMATS.md``.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterator
from datetime import tzinfo
from pathlib import Path
from typing import Literal

from service.errors import DataError, InvalidInput
from service.exports import discord, feishu, generic, pywxdump, qq, slack, telegram, wechat, whatsapp
from service.exports._detect import detect
from service.exports._io import ReadContext, zone
from service.types import Message

__all__ = ["FORMATS", "detect", "read"]

logger = logging.getLogger(__name__)

Reader = Callable[[Path, ReadContext], Iterator[Message]]

_READERS: dict[str, Reader] = {
    "qq_txt": qq.read_txt,
    "qq_mht": qq.read_mht,
    "wechat_memotrace_v2_csv": wechat.read_v2_csv,
    "wechat_memotrace_v2_txt": wechat.read_txt,
    "wechat_memotrace_v3_csv": wechat.read_v3_csv,
    "wechat_memotrace_v3_txt": wechat.read_txt,
    "wechat_pywxdump_csv": pywxdump.read_csv_export,
    "wechat_pywxdump_json": pywxdump.read_json_export,
    "telegram_json": telegram.read,
    "whatsapp_txt": whatsapp.read,
    "discord_dce_json": discord.read_json,
    "discord_dce_csv": discord.read_csv_export,
    "slack_export": slack.read,
    "feishu_api": feishu.read,
    "generic_csv": generic.read_csv_file,
    "generic_jsonl": generic.read_jsonl,
}

#: Every format ``read`` accepts as ``format=`` (``"auto"`` detects one of them).
FORMATS: tuple[str, ...] = tuple(_READERS)


def read(
    path: str | os.PathLike[str],
    *,
    format: str = "auto",
    text_field: str = "text",
    tz: str | tzinfo = "Asia/Shanghai",
    errors: Literal["skip", "strict"] = "skip",
    on_error: Callable[[DataError], object] | None = None,
) -> Iterator[Message]:
    """Stream the messages of an export file (or Slack export directory), system records included.

    ``format`` overrides detection; ``tz`` is the zone of naive local times (epoch fields and explicit
    offsets are preferred when the format has them); ``text_field`` names the text column of
    ``generic_csv`` / ``generic_jsonl``. Arguments and the format are checked now; records as they stream.
    """
    if str(path) == "-":
        raise InvalidInput("read() needs a file path; save standard input to a file first", field="path")
    if errors not in ("skip", "strict"):
        raise InvalidInput(f"errors must be 'skip' or 'strict', not {errors!r}", field="errors")
    if format != "auto" and format not in _READERS:
        raise InvalidInput(f"unknown export format {format!r}; known: {', '.join(FORMATS)}", field="format")
    source = Path(path)
    ctx = ReadContext(
        path=source, tz=zone(tz), text_field=text_field, strict=errors == "strict", on_error=on_error
    )
    if not source.exists():
        raise DataError("no such file or directory", path=str(source))
    fmt = detect(source, text_field=text_field) if format == "auto" else format
    return _counted(_READERS[fmt](source, ctx), fmt=fmt, path=source)


def _counted(messages: Iterator[Message], *, fmt: str, path: Path) -> Iterator[Message]:
    total = system = 0
    for message in messages:
        total += 1
        system += message.kind == "system"
        yield message
    logger.debug("read %s export %s: %d records, %d system", fmt, path, total, system)
