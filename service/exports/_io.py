"""Shared plumbing for the export readers (``CHAT_EXPORT_FORMATS.md`` §1 and §10).

* decoding: BOM sniffing, then strict UTF-8 checked over the whole file (streamed), else GB18030;
* iteration with 1-based line numbers (counted after CRLF → LF): text lines split into
  header + body blocks, CSV rows, and JSON array items streamed with ijson;
* invisible characters, placeholder bodies, and time parsing;
* ``ReadContext``: what one read was asked for, and where its malformed records are reported.

Nothing here keeps more than one record (plus a read window of a few 64 KiB chunks) in memory.
"""

from __future__ import annotations

import codecs
import csv
import json
import logging
import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, tzinfo
from pathlib import Path
from typing import IO, Any, Generic, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import ijson

from service.errors import DataError, InvalidInput
from service.types import Message, MessageKind

logger = logging.getLogger("service.exports")

CHUNK = 64 * 1024
HEAD_BYTES = 64 * 1024
_MAX_WINDOW = 16 * CHUNK

R = TypeVar("R")
H = TypeVar("H")


class RecordError(Exception):
    """One record is malformed. Reader loops turn it into a ``DataError`` naming the file and line.

    The reason must never quote message text (it ends up in logs): name the field and what is wrong.
    """

    def __init__(self, reason: str, *, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


@dataclass(frozen=True, slots=True)
class ReadContext:
    """The options of one ``read`` call, shared by every reader."""

    path: Path
    tz: tzinfo
    text_field: str = "text"
    strict: bool = False
    on_error: Callable[[DataError], object] | None = None

    def report(self, reason: str, *, line: int | None, field: str | None = None) -> None:
        """A malformed record: raise it (strict) or hand it to ``on_error`` (default: a log line)."""
        error = DataError(reason, path=str(self.path), line=line, field=field)
        if self.strict:
            raise error
        if self.on_error is None:
            logger.warning("skipped a malformed record", extra={"path": error.path, "line": line})
        else:
            self.on_error(error)


def convert_each(
    records: Iterable[tuple[int, R]], convert: Callable[[int, R], Message | None], ctx: ReadContext
) -> Iterator[Message]:
    """``convert`` every (line, record); a ``RecordError`` is reported and the next record is read."""
    for line, record in records:
        try:
            message = convert(line, record)
        except RecordError as exc:
            ctx.report(exc.reason, line=line, field=exc.field)
            continue
        if message is not None:
            yield message


# --- decoding ------------------------------------------------------------------------------------

_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def sniff_encoding(path: Path) -> str:
    """§1: a BOM decides; otherwise the whole file must be strict UTF-8, else it is GB18030 (⊃ GBK)."""
    with path.open("rb") as stream:
        head = stream.read(4)
        for bom, encoding in _BOMS:
            if head.startswith(bom):
                return encoding
        stream.seek(0)
        return "utf-8" if _is_utf8(stream) else "gb18030"


def _is_utf8(stream: IO[bytes]) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(CHUNK):
            if not chunk.isascii() or decoder.getstate()[0]:  # ASCII is UTF-8, unless it ends a cut sequence
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def decode_head(raw: bytes) -> str:
    """Decode the first bytes of a file the way ``open_text`` would (a cut final character is dropped)."""
    for bom, encoding in _BOMS:
        if raw.startswith(bom):
            return codecs.getincrementaldecoder(encoding)(errors="replace").decode(raw)
    try:
        return codecs.getincrementaldecoder("utf-8")().decode(raw)
    except UnicodeDecodeError:
        return raw.decode("gb18030", errors="replace")


def open_text(path: Path, *, for_csv: bool = False) -> IO[str]:
    """Open a text export decoded per §1. Newlines become ``\\n`` except for CSV, whose reader needs them."""
    encoding = sniff_encoding(path)
    return path.open(
        encoding=encoding,
        errors="replace" if encoding == "gb18030" else "strict",
        newline="" if for_csv else None,
    )


def read_head(path: Path, size: int = HEAD_BYTES) -> bytes:
    with path.open("rb") as stream:
        return stream.read(size)


# --- text ----------------------------------------------------------------------------------------

_INVISIBLE = "\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\ufeff"
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")
_DROP_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE))


def strip_invisible(text: str) -> str:
    """Drop LRM/RLM, bidi embeddings and isolates (WhatsApp wraps @mentions in them) and stray BOMs.

    U+200D (ZWJ) is kept: it is part of emoji sequences.
    """
    return text.translate(_DROP_INVISIBLE) if _INVISIBLE_RE.search(text) else text


def media_only(
    body: str, exact: Mapping[str, MessageKind], prefixes: Iterable[tuple[str, MessageKind]] = ()
) -> tuple[MessageKind, str]:
    """``(kind, "")`` for a body that is only a placeholder such as ``[图片]``, else ``("text", body)``."""
    kind = exact.get(body)
    if kind is not None:
        return kind, ""
    for prefix, prefixed_kind in prefixes:
        if body.startswith(prefix):
            return prefixed_kind, ""
    return ("text", body) if body else ("unknown-empty", "")


@dataclass(slots=True)
class Block(Generic[H]):
    """A header line (``head`` is what the header function returned) and the body lines after it."""

    line: int
    head: H | None
    body: list[str]


def split_blocks(lines: Iterable[str], header: Callable[[str, bool], H | None]) -> Iterator[Block[H]]:
    """Split text lines into records on header lines, never on blank lines (§1.6).

    ``header(line, after_blank)`` returns a non-None head when ``line`` starts a record; it is told
    whether the previous line was blank so it can refuse header-looking lines inside a body. Trailing
    blank lines of a body are dropped. Text before the first header becomes a block whose head is None.
    """
    block: Block[H] | None = None
    after_blank = True
    for number, raw in enumerate(lines, 1):
        line = raw[:-1] if raw.endswith("\n") else raw
        head = header(line, after_blank) if line else None
        blank = not line or line.isspace()
        if head is not None:
            if block is not None:
                yield _trimmed(block)
            block = Block(number, head, [])
        elif block is not None:
            block.body.append(line)
        elif not blank:
            block = Block(number, None, [line])
        after_blank = blank
    if block is not None:
        yield _trimmed(block)


def read_blocks(
    path: Path,
    ctx: ReadContext,
    header: Callable[[str, bool], H | None],
    convert: Callable[[int, H | None, list[str]], Message | None],
) -> Iterator[Message]:
    """Stream a text export as header + body blocks (``split_blocks``), each turned into a message."""
    with open_text(path) as stream:
        blocks = ((block.line, block) for block in split_blocks(stream, header))
        yield from convert_each(blocks, lambda line, block: convert(line, block.head, block.body), ctx)


def _trimmed(block: Block[H]) -> Block[H]:
    body = block.body
    while body and (not body[-1] or body[-1].isspace()):
        body.pop()
    return block


# --- CSV -----------------------------------------------------------------------------------------


def read_csv(
    path: Path,
    ctx: ReadContext,
    convert: Callable[[int, dict[str, str]], Message | None],
    *,
    require: Collection[str] = (),
) -> Iterator[Message]:
    """Stream a CSV export row by row; each row reaches ``convert`` as a ``{column: value}`` dict.

    Quoted cells may hold newlines; the line given is where the row starts. A row with fewer fields than
    the header is malformed (rows with more are tolerated: old 留痕 builds append a column).
    """
    with open_text(path, for_csv=True) as stream:
        rows = _csv_rows(stream, ctx)
        first = next(rows, None)
        if first is None:
            return
        header = [name.strip().lstrip("\ufeff") for name in first[1]]
        missing = [name for name in require if name not in header]
        if missing:
            ctx.report(f"the header has no column {', '.join(map(repr, missing))}", line=1, field=missing[0])
            return

        def as_dict(line: int, row: list[str]) -> Message | None:
            if len(row) < len(header):
                raise RecordError(f"expected {len(header)} fields, found {len(row)}")
            return convert(line, dict(zip(header, row, strict=False)))

        yield from convert_each(rows, as_dict, ctx)


def _csv_rows(stream: IO[str], ctx: ReadContext) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(stream)
    last = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            ctx.report(f"unreadable CSV row ({exc})", line=last + 1)
            last = reader.line_num
            continue
        start, last = last + 1, reader.line_num
        if row:
            yield start, row


# --- JSON ----------------------------------------------------------------------------------------


def open_json(path: Path) -> IO[bytes]:
    """A JSON export as bytes for ijson, positioned after a UTF-8 BOM if there is one."""
    stream = path.open("rb")
    if stream.read(3) != codecs.BOM_UTF8:
        stream.seek(0)
    return stream


def json_head_value(path: Path, prefix: str) -> Any:
    """The first value at ``prefix`` found in the head of a JSON file (a chat's name before its messages)."""
    with open_json(path) as stream:
        head = stream.read(HEAD_BYTES)
    try:
        for value in ijson.items(head, prefix):
            return value
    except ijson.JSONError:
        pass
    return None


def iter_json_items(path: Path, ctx: ReadContext, *, prefix: str, key: str) -> Iterator[tuple[int, Any]]:
    """Stream the values under ``prefix`` with ijson (C backend), each with the line of its ``key``.

    ijson pulls 64 KiB chunks through a tap that keeps the raw bytes in a small window, so the
    ``"key": value`` of each finished item can be found and its line counted. Invalid or truncated JSON
    is reported once, after the items that were complete; nothing after that point can be trusted.
    """
    with open_json(path) as stream:
        lines = _KeyLines(key, stream)
        try:
            for item in ijson.items(lines, prefix, use_float=True, buf_size=CHUNK):
                yield lines.line_of(item.get(key) if isinstance(item, dict) else None), item
        except ijson.JSONError as exc:
            first_line = str(exc).split("\n", 1)[0]  # yajl quotes the text around the error: keep it out
            ctx.report(f"invalid or truncated JSON ({first_line}); the rest is unreadable", line=lines.fed)


class _KeyLines:
    """A reader for ijson that finds the line of each item's ``"key": value`` in the bytes it passed on.

    Items arrive in file order, so the search resumes where the previous item's key was found; a key
    with a different value (nested objects, the previous item's tail) is skipped. Only the bytes since
    that key are kept.
    """

    __slots__ = ("_key", "_line", "_pattern", "_start", "_stream", "_window", "fed")

    def __init__(self, key: str, stream: IO[bytes]) -> None:
        self._key = b'"' + key.encode() + b'": '  # how pretty-printed exports write it
        self._pattern = re.compile(re.escape(b'"' + key.encode() + b'"') + rb"\s*:\s*")  # any other spacing
        self._stream = stream
        self._window = b""
        self._start = 0  # search position inside the window
        self._line = 1  # line number at ``_start``
        self.fed = 1  # line number at the end of the bytes read so far

    def read(self, size: int = -1) -> bytes:
        chunk = self._stream.read(size)
        if chunk:
            self._feed(chunk)
        return chunk

    def _feed(self, chunk: bytes) -> None:
        self.fed += chunk.count(b"\n")
        window = self._window[self._start :]
        if len(window) > _MAX_WINDOW:  # items without the key: forget the oldest bytes
            self._line += window.count(b"\n")
            window = b""
        self._window, self._start = window + chunk, 0

    def line_of(self, value: Any) -> int:
        needle = _json_token(value)
        pos = -1 if needle is None else self._find(needle)
        if pos >= 0:
            self._line += self._window.count(b"\n", self._start, pos)
            self._start = pos
        return self._line

    def _find(self, needle: bytes) -> int:
        window, probe = self._window, self._key + needle
        pos = window.find(probe, self._start)
        while pos >= 0 and window[pos + len(probe) : pos + len(probe) + 1].isdigit():  # 2045 vs 20451
            pos = window.find(probe, pos + 1)
        if pos >= 0:
            return pos
        for found in self._pattern.finditer(window, self._start):
            end = found.end() + len(needle)
            if window.startswith(needle, found.end()) and not window[end : end + 1].isdigit():
                return found.start()
        return -1


def _json_token(value: Any) -> bytes | None:
    if isinstance(value, str):
        if value.isascii() and '"' not in value and "\\" not in value:
            return b'"' + value.encode() + b'"'
        return json.dumps(value, ensure_ascii=False).encode()
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value).encode()
    return None


def flatten_json_text(value: Any) -> str:
    """Text that is a string or a list of strings and ``{"text": …}`` runs (Telegram), concatenated."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "".join(
            flatten_json_text(part.get("text") if isinstance(part, dict) else part) for part in value
        )
    return ""


# --- time ----------------------------------------------------------------------------------------


def zone(tz: str | tzinfo) -> tzinfo:
    if isinstance(tz, tzinfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput(f"unknown time zone {tz!r}", field="tz") from None


def local_time(text: str, tz: tzinfo) -> datetime:
    """``YYYY-MM-DD HH:MM:SS`` (any ISO-8601) as local time in ``tz``; a written offset is converted."""
    try:
        value = datetime.fromisoformat(text.strip())
    except (TypeError, ValueError):
        raise RecordError(f"unreadable time {str(text)[:40]!r}", field="time") from None
    return value.replace(tzinfo=tz) if value.tzinfo is None else value.astimezone(tz)


def make_time(year: int, month: int, day: int, hour: int, minute: int, second: int, tz: tzinfo) -> datetime:
    try:
        return datetime(year, month, day, hour, minute, second, tzinfo=tz)
    except ValueError:
        stamp = f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}:{second:02d}"
        raise RecordError(f"impossible date or time {stamp}", field="time") from None


def epoch_time(value: str | float, tz: tzinfo, *, millis: bool = False) -> datetime:
    """Unix time (seconds, or milliseconds with ``millis``) as an aware datetime in ``tz``.

    A string such as Slack's ``"1716033605.000137"`` keeps its microseconds exactly.
    """
    try:
        if isinstance(value, str) and value.isdigit():
            seconds, micros = int(value), 0
        elif isinstance(value, str):
            whole, _, fraction = value.strip().partition(".")
            seconds, micros = int(whole), int(fraction[:6].ljust(6, "0")) if fraction else 0
        else:
            seconds, micros = int(value), round((value - int(value)) * 1_000_000)
        if millis:
            seconds, micros = divmod(seconds, 1000)[0], (seconds % 1000) * 1000
        moment = datetime.fromtimestamp(seconds, tz)
        return moment.replace(microsecond=micros) if micros else moment
    except (ValueError, OverflowError, OSError):
        raise RecordError(f"unreadable epoch time {str(value)[:40]!r}", field="time") from None


def any_time(value: Any, tz: tzinfo) -> datetime:
    """A time column of unknown style: epoch seconds or milliseconds (number or digits), else ISO-8601."""
    if isinstance(value, bool) or value is None:
        raise RecordError("missing time", field="time")
    if isinstance(value, int | float):
        return epoch_time(value, tz, millis=value > 100_000_000_000)
    text = str(value).strip()
    if text.replace(".", "", 1).isdigit():
        return epoch_time(text, tz, millis=len(text.partition(".")[0]) > 11)
    return local_time(text, tz)


_AM = frozenset({"A", "上午", "凌晨", "早上", "午前", "오전"})  # ASCII markers (AM, a.m.) by first letter
_PM = frozenset({"P", "下午", "中午", "晚上", "午後", "오후"})


def clock_hour(hour: int, marker: str | None) -> int:
    """A 12-hour clock reading with its marker (``PM``, ``p.m.``, ``下午`` …) as a 24-hour hour."""
    if not marker:
        return hour
    marker = marker[0].upper() if marker.isascii() else marker
    if marker in _PM:
        return hour if hour == 12 else hour + 12
    if marker in _AM:
        return 0 if hour == 12 else hour
    return hour
