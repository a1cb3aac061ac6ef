"""Which export format a file is, from its content (spec §9), never from its name.

Small named checks run in the spec's order over a sample of the file (the first 64 KiB, decoded per §1);
the first that recognises the file wins. Each check that does not also says why, so an unknown file
gets an error listing everything that was tried. Formats that are recognised but have no reader here
(zip archives, databases, DiscordChatExporter TXT, LINE, WeFlow, EchoTrace, QQChatExporter) are reported
as such rather than guessed at.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import ijson

from service.errors import DataError
from service.exports._io import HEAD_BYTES, decode_head, read_head, strip_invisible
from service.exports.slack import day_files

_TELEGRAM_CHAT_TYPES = frozenset(
    {
        "personal_chat", "bot_chat", "private_group", "private_supergroup", "public_supergroup",
        "private_channel", "public_channel", "saved_messages", "replies",
    }
)  # fmt: skip
_CSV_HEADERS = {
    "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender": (
        "wechat_memotrace_v2_csv"
    ),
    "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime": "wechat_memotrace_v2_csv",
    "id,MsgSvrID,type_name,is_sender,talker,room_name,msg,src,CreateTime": "wechat_pywxdump_csv",
    "AuthorID,Author,Date,Content,Attachments,Reactions": "discord_dce_csv",
}
_V3_CSV_HEADER = "消息ID,类型,发送人,时间,内容"
_WHATSAPP_ANDROID = re.compile(
    r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4},?\s(?:上午|下午|凌晨|早上|中午|晚上)?\d{1,2}[:.]\d{2}"
    r"(?:\s?[AaPp]\.?\s?[Mm]\.?)?\s-\s"
)
_WHATSAPP_IOS = re.compile(r"\[\d{1,4}[./-]\s?\d{1,2}[./-]\s?\d{1,4},?\s.*?\d{1,2}[:.]\d{2}[:.]\d{2}.*?\]\s")
_WHATSAPP_ENCRYPTION = ("Messages and calls are end-to-end encrypted", "消息和通话已进行端到端加密")
_TIME_HEADER = re.compile(r"\d{4}-\d{1,2}-\d{1,2} \d{1,2}:\d{2}:\d{2}(?: (.*))?$")
_QQ_SENDER_END = re.compile(r"(?:\(\d{5,12}\)|<[^<>]+@[^<>]+>)\s*$")
_QQ_TXT_MARKERS = ("消息记录（此消息记录为文本格式", "消息对象:", "消息对象：", "消息分组:", "消息分组：")
_V3_MARKERS = ("【图片】", "【表情包】", "【视频】", "【语音】", "【文件】", "【分享链接】", "\n引用：")


class Unsupported(DataError):
    """A recognised export that has no reader (an archive to unpack, a database, a format to re-export)."""


@dataclass(frozen=True, slots=True)
class JsonShape:
    """What the head of a JSON document shows: its top-level type, key paths and first scalar values."""

    top: str
    paths: frozenset[str]
    values: dict[str, Any] = field(default_factory=dict)

    @property
    def top_keys(self) -> list[str]:
        return sorted(path for path in self.paths if "." not in path)


@dataclass(frozen=True, slots=True)
class Sample:
    raw: bytes
    text: str
    lines: tuple[str, ...]  # the first 200 non-empty lines, invisible marks stripped
    json: JsonShape | None
    text_field: str
    whole: bool  # the sample is the whole file


Verdict = tuple[str | None, str]  # (format, why not)
Check = Callable[[Sample], Verdict]


def detect(path: str | Path, *, text_field: str = "text") -> str:
    """The name of the export format of ``path`` (a file, or a Slack export directory)."""
    path = Path(path)
    if path.is_dir():
        return _directory(path)
    raw = read_head(path)
    if not raw.strip():
        raise DataError("the file is empty: there is nothing to read", path=str(path))
    sample = _sample(raw, text_field)
    tried = []
    for name, check in CHECKS:
        try:
            found, why = check(sample)
        except Unsupported as exc:
            raise Unsupported(exc.message, path=str(path)) from None
        if found is not None:
            return found
        tried.append(f"{name}: {why}")
    raise DataError("unknown chat export format; tried:\n  - " + "\n  - ".join(tried), path=str(path))


def _directory(path: Path) -> str:
    missing = [name for name in ("channels.json", "users.json") if not (path / name).is_file()]
    if missing:
        raise DataError(
            f"a directory is read only as a Slack export, and this one has no {' or '.join(missing)}",
            path=str(path),
        )
    if not day_files(path):
        raise DataError("a Slack export directory needs <channel>/YYYY-MM-DD.json day files", path=str(path))
    return "slack_export"


def _sample(raw: bytes, text_field: str) -> Sample:
    text = decode_head(raw).lstrip("\ufeff")
    lines = []
    for line in text.splitlines():
        if line.strip():
            lines.append(strip_invisible(line))
            if len(lines) == 200:
                break
    whole = len(raw) < HEAD_BYTES
    return Sample(
        raw=raw, text=text, lines=tuple(lines), json=_json_shape(raw), text_field=text_field, whole=whole
    )


def _json_shape(raw: bytes) -> JsonShape | None:
    body = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not body.startswith((b"{", b"[")):
        return None
    top, paths, values = "", set(), dict[str, Any]()
    try:
        for prefix, event, value in ijson.parse(io.BytesIO(body), use_float=True):
            if not top:
                top = "map" if event == "start_map" else "array"
            if event == "map_key":
                paths.add(f"{prefix}.{value}" if prefix else value)
            elif event in ("string", "number", "boolean", "null"):
                values.setdefault(prefix, value)
    except ijson.JSONError:
        pass  # the head ends mid-document, or a JSON-lines file continues with its next object
    return JsonShape(top=top, paths=frozenset(paths), values=values) if top else None


# --- checks, in the order of §9 -------------------------------------------------------------------


def _container(sample: Sample) -> Verdict:
    if sample.raw.startswith(b"PK\x03\x04"):
        raise Unsupported(
            "a zip archive: unpack it first (WhatsApp iOS → _chat.txt, Telegram → result.json, "
            "Slack → the folder with channels.json and users.json)"
        )
    if sample.raw.startswith(b"SQLite format 3\x00"):
        raise Unsupported("an SQLite database (a decrypted client database), not a chat export")
    return None, "not a zip archive or database"


def _qq_mht(sample: Sample) -> Verdict:
    if sample.text.startswith("From: <Save by Tencent MsgMgr>") or "<title>QQ Message</title>" in sample.text:
        return "qq_mht", ""
    return None, "no 'From: <Save by Tencent MsgMgr>' MIME header or <title>QQ Message</title>"


def _json_document(sample: Sample) -> Verdict:
    shape = sample.json
    if shape is None:
        return None, "does not start with '{' or '['"
    paths, values = shape.paths, shape.values
    if {"guild", "channel", "messages"} <= paths:
        return "discord_dce_json", ""
    if {"about", "chats"} <= paths or ("messages" in paths and values.get("type") in _TELEGRAM_CHAT_TYPES):
        return "telegram_json", ""
    if {"data.items.item.msg_type", "item.data.items.item.msg_type"} & paths:
        return "feishu_api", ""
    if shape.top == "array" and _is_slack_message(values):
        return "slack_export", ""
    if {"item.type_name", "item.talker", "item.room_name"} <= paths:
        return "wechat_pywxdump_json", ""
    _unsupported_json(paths)
    if "data.items.item.member_id" in paths:
        return None, "a Feishu chat-members file (names only): read the messages file next to it"
    keys = ", ".join(shape.top_keys[:8]) or "no keys"
    return None, f"JSON {'object' if shape.top == 'map' else 'array'} ({keys}) matches no known export"


def _is_slack_message(values: dict[str, Any]) -> bool:
    return values.get("item.type") == "message" and isinstance(values.get("item.ts"), str)


def _unsupported_json(paths: frozenset[str]) -> None:
    if "weflow" in paths:
        raise Unsupported("a WeFlow WeChat export, which has no reader here")
    if "session" in paths and "messages.item.senderUsername" in paths:
        raise Unsupported("an EchoTrace WeChat export, which has no reader here")
    if {"metadata", "chatInfo"} <= paths:
        raise Unsupported("a QQChatExporter (QQNT) export, which has no reader here")


def _csv_header(sample: Sample) -> Verdict:
    first = sample.text.split("\n", 1)[0].strip().replace('"', "")
    if found := _CSV_HEADERS.get(first):
        return found, ""
    if first.startswith(_V3_CSV_HEADER):
        return "wechat_memotrace_v3_csv", ""
    return None, "first line is not a known CSV header (留痕 v2/2025, PyWxDump, DiscordChatExporter)"


def _qq_txt(sample: Sample) -> Verdict:
    for line in sample.lines[:20]:
        if line.startswith(_QQ_TXT_MARKERS):
            return "qq_txt", ""
    return None, "no 消息记录 title or 消息分组/消息对象 lines"


def _other_text(sample: Sample) -> Verdict:
    lines = sample.lines
    if len(lines) > 1 and lines[0].strip() == "=" * 62 and lines[1].startswith("Guild:"):
        raise Unsupported("a DiscordChatExporter TXT export: export JSON or CSV instead")
    if lines and lines[0].startswith(("[LINE]", "Chat history in")):
        raise Unsupported("a LINE chat history, which has no reader here")
    return None, "not a DiscordChatExporter TXT or LINE export"


def _whatsapp(sample: Sample) -> Verdict:
    head = sample.lines[:50]
    hits = [bool(_WHATSAPP_ANDROID.match(line) or _WHATSAPP_IOS.match(line)) for line in head]
    notice = any(phrase in line for line in head[:5] for phrase in _WHATSAPP_ENCRYPTION)
    short_chat = sample.whole and hits[:1] == [True]  # a file too short to hold 3 messages
    if sum(hits) >= 3 or notice or short_chat:
        return "whatsapp_txt", ""
    return None, f"{sum(hits)} of the first {len(head)} lines look like WhatsApp message lines (3 needed)"


def _time_name_txt(sample: Sample) -> Verdict:
    headers = [found for line in sample.lines if (found := _TIME_HEADER.match(line))]
    if not headers or not _TIME_HEADER.match(sample.lines[0]):
        return None, "does not start with 'YYYY-MM-DD HH:MM:SS name' header lines"
    senders = [found.group(1) for found in headers if found.group(1)]
    if sum(1 for sender in senders if _QQ_SENDER_END.search(sender)) * 2 > len(senders):
        return "qq_txt", ""
    if any(found.group(1) is None for found in headers) or any(mark in sample.text for mark in _V3_MARKERS):
        return "wechat_memotrace_v3_txt", ""
    return "wechat_memotrace_v2_txt", ""  # 留痕 v2, or a generic "time name" TXT read the same way


def _generic_jsonl(sample: Sample) -> Verdict:
    first = sample.text.split("\n", 1)[0]
    try:
        row = json.loads(first)
    except ValueError:
        return None, "first line is not a JSON object"
    if not isinstance(row, dict):
        return None, "first line is not a JSON object"
    if sample.text_field not in row:
        return None, f"JSON lines, but the first object has no {sample.text_field!r} field (set text_field)"
    return "generic_jsonl", ""


def _generic_csv(sample: Sample) -> Verdict:
    header = next(csv.reader(io.StringIO(sample.text.split("\n", 1)[0])), [])
    if len(header) < 2:
        return None, "first line is not a CSV header"
    if sample.text_field not in (name.strip() for name in header):
        return None, f"CSV header has no {sample.text_field!r} column (set text_field)"
    return "generic_csv", ""


CHECKS: tuple[tuple[str, Check], ...] = (
    ("container", _container),
    ("QQ MHT", _qq_mht),
    ("JSON export", _json_document),
    ("CSV export header", _csv_header),
    ("QQ TXT", _qq_txt),
    ("other text exports", _other_text),
    ("WhatsApp", _whatsapp),
    ("time + name TXT (QQ, 留痕)", _time_name_txt),
    ("generic JSON lines", _generic_jsonl),
    ("generic CSV", _generic_csv),
)
