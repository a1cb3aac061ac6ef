"""Edge cases of the export readers, each written inline into ``tmp_path``.

Encodings and newlines, multi-line bodies, a malformed record in the middle, unknown and empty files,
``format=`` overrides, truncated JSON, WhatsApp line forms, CSV cells holding newlines, generic JSON lines.
"""

from __future__ import annotations

import codecs
import json
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from service.errors import DataError, InvalidInput
from service.exports import detect, read
from service.types import Message

EXPORTS = Path(__file__).resolve().parents[1] / ".." / "shared" / "fixtures" / "exports"
RULE = "=" * 64
QQ_HEAD = f"消息记录（此消息记录为文本格式，不支持重新导入）\n\n{RULE}\n消息分组:我的群聊\n"
QQ_HEAD += f"{RULE}\n消息对象:读书会\n{RULE}\n\n"


def write(
    tmp_path: Path, name: str, content: str | bytes, *, encoding: str = "utf-8", newline: str = "\n"
) -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.replace("\n", newline).encode(encoding)
    path.write_bytes(content)
    return path


def users(messages: list[Message]) -> list[Message]:
    return [message for message in messages if not message.is_system]


def read_all(path: Path, **options: Any) -> tuple[list[Message], list[DataError]]:
    errors: list[DataError] = []
    return list(read(path, on_error=errors.append, **options)), errors


# --- encodings and newlines --------------------------------------------------------------------------

QQ_TWO = QQ_HEAD + "2024-05-18 20:00:05 书虫阿May(807731245)\n本周共读《额尔古纳河右岸》\n\n"
QQ_TWO += "2024-05-18 20:01:12 老K(1392250618)\n刚读完第一章，文字太美了\n"
QQ_TWO_EXPECTED = [("书虫阿May", "本周共读《额尔古纳河右岸》"), ("老K", "刚读完第一章，文字太美了")]
# A GBK file whose first 64 KiB are plain ASCII: only a whole-file check finds it is not UTF-8.
ASCII_THEN_GBK = "".join(
    f"2024-05-18 19:{i // 60:02d}:{i % 60:02d} reader({10000 + i})\nhello\n\n" for i in range(2400)
)
ASCII_THEN_GBK += "2024-05-18 20:00:05 书虫阿May(807731245)\n本周共读\n"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (QQ_TWO.encode("utf-8"), QQ_TWO_EXPECTED),
        (codecs.BOM_UTF8 + QQ_TWO.replace("\n", "\r\n").encode("utf-8"), QQ_TWO_EXPECTED),
        (QQ_TWO.replace("\n", "\r\n").encode("gbk"), QQ_TWO_EXPECTED),
        (QQ_TWO.encode("gb18030"), QQ_TWO_EXPECTED),
        (QQ_TWO.encode("utf-16"), QQ_TWO_EXPECTED),
        (QQ_TWO.replace("\n", "\r").encode("utf-8"), QQ_TWO_EXPECTED),
        (ASCII_THEN_GBK.encode("gbk"), [*[("reader", "hello")] * 2400, ("书虫阿May", "本周共读")]),
    ],
    ids=["utf8-lf", "utf8-bom-crlf", "gbk-crlf", "gb18030-lf", "utf16-bom", "lone-cr", "gbk-after-64k-ascii"],
)
def test_qq_txt_decodes_every_encoding_and_newline(
    tmp_path: Path, content: bytes, expected: list[tuple[str, str]]
) -> None:
    path = write(tmp_path, "export.txt", content)
    messages, errors = read_all(path)
    assert detect(path) == "qq_txt"
    assert [(m.sender_name, m.text) for m in messages] == expected
    assert errors == []


def test_lines_are_counted_after_crlf_becomes_lf(tmp_path: Path) -> None:
    path = write(tmp_path, "export.txt", QQ_TWO, encoding="gbk", newline="\r\n")
    assert [m.line for m in read(path)] == [9, 12]
    assert {m.group for m in read(path)} == {"读书会"}


QQ_SENDERS = (
    "2019-09-23 8:43:38 PM 【群主】【活跃】潮汐(1839004471)\n一\n\n"
    "2019-09-23 8:44:00 PM 小雪球<snowball@example.com>\n二\n\n"
    "2019-09-23 8:45:00 PM 1839004471(1839004471)\n三\n\n"
    "2019-09-23 8:46:00 PM (1839004471)\n四\n\n"
    "2019-09-24 12:05:00 AM 系统消息(10000)\n潮汐撤回了一条消息\n\n"
    f"{RULE}\n消息分组:我的好友\n{RULE}\n消息对象:阿哲\n{RULE}\n\n"
    "2019-9-24 9:00:00 阿哲\n五\n"
)


def test_qq_txt_sender_forms_clock_and_sections(tmp_path: Path) -> None:
    path = write(tmp_path, "全部消息记录.txt", QQ_SENDERS)
    rows = [(m.kind, m.sender_id, m.sender_name, m.timestamp, m.group, m.text) for m in read(path)]
    assert detect(path) == "qq_txt"
    assert [row[:3] for row in rows] == [
        ("text", "1839004471", "潮汐"),
        ("text", "snowball@example.com", "小雪球"),
        ("text", "1839004471", "潮汐"),  # QQ号(QQ号) and (QQ号) reuse the last good name
        ("text", "1839004471", "潮汐"),
        ("system", "10000", "系统消息"),
        ("text", None, "阿哲"),  # a private chat: no id at all
    ]
    assert [row[3].isoformat() if row[3] else None for row in rows][::4] == [
        "2019-09-23T20:43:38+08:00",
        "2019-09-24T00:05:00+08:00",
    ]
    assert [row[4] for row in rows] == [None] * 5 + ["阿哲"]
    assert next(iter(read(path))).extra == {"title": "【群主】【活跃】"}


# --- multi-line bodies --------------------------------------------------------------------------------

PASTED_LOG = "2024-05-18 20:00:05 书虫阿May(807731245)\n贴一段日志：\n"
PASTED_LOG += "2024-05-18 19:00:00 server(12345)\nstarted\n"


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        (
            "qq.txt",
            QQ_HEAD + "2024-05-18 20:00:05 书虫阿May(807731245)\n第一段\n\n\n第二段\n\n\n\n"
            "2024-05-18 20:01:12 老K(1392250618)\n好\n",
            ["第一段\n\n\n第二段", "好"],
        ),
        (  # a header-looking line right after a body line is part of the body
            "qq-pasted-log.txt",
            QQ_HEAD + PASTED_LOG,
            ["贴一段日志：\n2024-05-18 19:00:00 server(12345)\nstarted"],
        ),
        (
            "wechat.txt",
            "2024-04-06 09:25:09 小雨妈妈\n辅食顺序：\n\n第1周：米粉\n\n2024-04-06 09:26:44 Cici\n收藏了\n\n",
            ["辅食顺序：\n\n第1周：米粉", "收藏了"],
        ),
        (
            "whatsapp.txt",
            "2024/4/6 上午9:25 - 小雨妈妈: 辅食顺序：\n\n2024/4/6 是周六\n第1周：米粉\n"
            "2024/4/6 上午9:26 - Cici: 收藏了\n2024/4/6 上午9:27 - Cici: 谢谢\n",
            ["辅食顺序：\n\n2024/4/6 是周六\n第1周：米粉", "收藏了", "谢谢"],
        ),
    ],
    ids=["qq-blank-lines", "qq-header-looking-body-line", "wechat-v2-blank-lines", "whatsapp-continuations"],
)
def test_bodies_keep_inner_blank_lines_and_drop_trailing_ones(
    tmp_path: Path, name: str, content: str, expected: list[str]
) -> None:
    messages, errors = read_all(write(tmp_path, name, content))
    assert [m.text for m in users(messages)] == expected
    assert errors == []


# --- a malformed record in the middle -----------------------------------------------------------------

V2_CSV_HEADER = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName"
V2_CSV_HEADER += ",Sender"
TELEGRAM_BAD = {
    "name": "读书会",
    "type": "private_supergroup",
    "id": 1,
    "messages": [
        {"id": 1, "type": "message", "date_unixtime": "1716033605", "from_id": "user1", "text": "一"},
        {"id": 2, "type": "message", "from_id": "user2", "text": "二"},
        {"id": 3, "type": "message", "date_unixtime": "1716033700", "from_id": "user1", "text": "三"},
    ],
}
FEISHU_ITEM = '{{"message_id": "om_{n}", "msg_type": "text", "create_time": "1716033605000", '
FEISHU_ITEM += '"sender": {{"id": "ou_1"}}, "body": {{"content": {content}}}}}'
FEISHU_BAD = (
    '{"code": 0, "data": {"items": [\n'
    + FEISHU_ITEM.format(n=1, content=json.dumps('{"text": "一"}'))
    + ",\n"
    + FEISHU_ITEM.format(n=2, content='"not json"')
    + ",\n"
    + FEISHU_ITEM.format(n=3, content=json.dumps('{"text": "三"}'))
    + "\n]}}\n"
)

MALFORMED = [
    (
        "qq.txt",
        QQ_HEAD + "2024-05-18 20:00:05 A(10001)\n一\n\n2024-02-30 20:01:00 B(10002)\n二\n\n"
        "2024-05-18 20:02:00 A(10001)\n三\n",
        12,
        "impossible date",
    ),
    (
        "wechat.csv",
        f"{V2_CSV_HEADER}\n1,5,1,0,0,1712365092,,一,2024-04-06 08:58:12,A,A,wxid_a\n2,5,1,0\n"
        "3,5,1,0,0,1712365300,,三,2024-04-06 09:01:40,B,B,wxid_b\n",
        3,
        "expected 12 fields, found 4",
    ),
    ("result.json", json.dumps(TELEGRAM_BAD, ensure_ascii=False, indent=1), 14, "neither date_unixtime nor"),
    ("feishu.json", FEISHU_BAD, 3, "body.content is not JSON"),
    (
        "whatsapp.txt",
        "2024/4/6 上午9:01 - A: 一\n2024/13/6 上午9:02 - B: 二\n2024/4/6 上午9:03 - A: 三\n",
        2,
        "impossible date",
    ),
    (
        "discord.csv",
        'AuthorID,Author,Date,Content,Attachments,Reactions\n"1","a","2024-03-12T20:00:31+08:00","一","",""\n'
        '"2","b","yesterday","二","",""\n"1","a","2024-03-12T20:01:31+08:00","三","",""\n',
        3,
        "unreadable time 'yesterday'",
    ),
    ("messages.jsonl", '{"text": "一"}\n{"text": "二"\n{"text": "三"}\n', 2, "not valid JSON"),
]
MALFORMED_IDS = ["qq-txt-bad-date", "csv-short-row", "telegram-no-date", "feishu-bad-content"]
MALFORMED_IDS += ["whatsapp-month-13", "dce-csv-bad-date", "jsonl-bad-line"]


@pytest.mark.parametrize(("name", "content", "line", "reason"), MALFORMED, ids=MALFORMED_IDS)
def test_a_malformed_record_is_reported_with_its_line_and_the_rest_is_read(
    tmp_path: Path, name: str, content: str, line: int, reason: str
) -> None:
    path = write(tmp_path, name, content)
    messages, errors = read_all(path)
    assert [m.text for m in users(messages)] == ["一", "三"]
    assert [(e.line, e.path) for e in errors] == [(line, str(path))]
    assert reason in errors[0].message and f":{line}:" in errors[0].message


@pytest.mark.parametrize(("name", "content", "line", "reason"), MALFORMED, ids=MALFORMED_IDS)
def test_strict_mode_raises_at_the_malformed_record(
    tmp_path: Path, name: str, content: str, line: int, reason: str
) -> None:
    stream = read(write(tmp_path, name, content), errors="strict")
    assert next(stream).text == "一"
    with pytest.raises(DataError, match=reason) as raised:
        list(stream)
    assert raised.value.line == line


def test_without_a_callback_a_bad_record_is_logged_by_line_never_by_text(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    name, content, line, _ = MALFORMED[0]
    assert [m.text for m in users(list(read(write(tmp_path, name, content))))] == ["一", "三"]
    assert [(r.levelname, getattr(r, "line", None)) for r in caplog.records] == [("WARNING", line)]
    assert "二" not in caplog.text


# --- unknown files, overrides, empty files -----------------------------------------------------------


UNKNOWN = {  # id: (file name, content, phrases the error must contain)
    "prose": (
        "notes.txt",
        "今天天气不错。\n我们去公园吧。\n",
        ["unknown chat export", "WhatsApp:", "QQ MHT:"],
    ),
    "unknown-json": ("data.json", '{"rows": [{"a": 1}]}', ["JSON object (rows) matches no known export"]),
    "feishu-members-file": ("members.json", (EXPORTS / "feishu_chat_members.json").read_bytes(), ["members"]),
    "jsonl-without-text": ("rows.jsonl", '{"content": "hi"}\n', ["has no 'text' field (set text_field)"]),
    "csv-without-text": ("table.csv", "who,what\na,b\n", ["CSV header has no 'text' column"]),
    "dce-txt": ("dce.txt", "=" * 62 + "\nGuild: x\nChannel: y\n", ["DiscordChatExporter TXT"]),
    "sqlite": ("db.sqlite", b"SQLite format 3\x00" + bytes(100), ["SQLite database"]),
}


@pytest.mark.parametrize(("name", "content", "says"), UNKNOWN.values(), ids=UNKNOWN.keys())
def test_an_unknown_file_is_refused_with_what_was_tried(
    tmp_path: Path, name: str, content: str | bytes, says: list[str]
) -> None:
    path = write(tmp_path, name, content)
    with pytest.raises(DataError) as raised:
        detect(path)
    for phrase in says:
        assert phrase in raised.value.message
    with pytest.raises(DataError):
        read(path)  # refused when called, before any iteration


def test_a_zip_archive_is_recognised_and_refused(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat - 读书会.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("_chat.txt", "[5/18/24, 8:00:05 PM] A: hi\n")
    with pytest.raises(DataError, match="zip archive: unpack it first"):
        detect(path)


def test_a_directory_is_read_only_as_a_slack_export(tmp_path: Path) -> None:
    (tmp_path / "users.json").write_text("[]", encoding="utf-8")
    with pytest.raises(DataError, match=r"no channels\.json"):
        detect(tmp_path)


@pytest.mark.parametrize(
    ("name", "content", "options", "expected"),
    [
        (
            "memotrace.csv",
            (EXPORTS / "wechat_memotrace_v3_group.csv").read_bytes(),
            {"format": "generic_csv", "text_field": "内容"},
            ("阳阳妈", "姐妹们早上好☀️今天降温了，出门记得给宝宝加衣服", "2024-04-06T08:58:12+08:00"),
        ),
        (
            "rows.jsonl",
            '{"content": "hi", "user": "阿May", "ts": 1716033605}\n',
            {"format": "generic_jsonl", "text_field": "content"},
            ("阿May", "hi", "2024-05-18T20:00:05+08:00"),
        ),
        (
            "rows.jsonl",
            '{"content": "hi", "user": "阿May", "ts": 1716033605}\n',
            {"text_field": "content"},
            ("阿May", "hi", "2024-05-18T20:00:05+08:00"),
        ),
        (
            "log.txt",
            "2024-04-06 09:25:09 小雨妈妈\n辅食顺序\n",
            {"format": "wechat_memotrace_v3_txt", "tz": "UTC"},
            ("小雨妈妈", "辅食顺序", "2024-04-06T09:25:09+00:00"),
        ),
    ],
    ids=["csv-as-generic-csv", "jsonl-custom-field", "jsonl-detected-with-text-field", "tz-override"],
)
def test_format_and_options_override_detection(
    tmp_path: Path, name: str, content: str | bytes, options: dict[str, Any], expected: tuple[str, str, str]
) -> None:
    messages, errors = read_all(write(tmp_path, name, content), **options)
    first = messages[0]
    assert (first.sender_name, first.text, str(first.timestamp and first.timestamp.isoformat())) == expected
    assert errors == []


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ({"format": "qq_pdf"}, InvalidInput),
        ({"errors": "ignore"}, InvalidInput),
        ({"tz": "Mars/Olympus"}, InvalidInput),
    ],
    ids=["unknown-format", "unknown-errors-mode", "unknown-zone"],
)
def test_bad_options_are_refused_when_read_is_called(
    tmp_path: Path, options: dict[str, Any], error: type[Exception]
) -> None:
    with pytest.raises(error):
        read(write(tmp_path, "export.txt", QQ_TWO), **options)


def test_a_missing_path_or_stdin_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read(tmp_path / "missing.txt")
    with pytest.raises(InvalidInput, match="needs a file path"):
        read("-")


@pytest.mark.parametrize(
    ("fmt", "errors"),
    [("qq_txt", 0), ("whatsapp_txt", 0), ("generic_csv", 0), ("generic_jsonl", 0), ("telegram_json", 1)],
    ids=["qq-txt", "whatsapp", "generic-csv", "generic-jsonl", "telegram-json"],
)
def test_an_empty_file_yields_nothing(tmp_path: Path, fmt: str, errors: int) -> None:
    path = write(tmp_path, "empty", b"")
    with pytest.raises(DataError, match="empty"):
        detect(path)
    messages, reported = read_all(path, format=fmt)
    assert (messages, len(reported)) == ([], errors)


# --- truncated JSON -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fixture", "keep"),
    [("telegram_result.json", 0.5), ("discord_dce_export.json", 0.5), ("feishu_im_messages.json", 0.5)],
    ids=["telegram", "discord", "feishu"],
)
def test_a_truncated_json_export_yields_what_was_complete_then_reports_once(
    tmp_path: Path, fixture: str, keep: float
) -> None:
    whole = (EXPORTS / fixture).read_bytes()
    cut = whole[: int(len(whole) * keep)]
    path = write(tmp_path, fixture, cut)
    complete, _ = read_all(write(tmp_path, "whole-" + fixture, whole))
    messages, errors = read_all(path)
    assert 0 < len(messages) < len(complete)
    assert [(m.line, m.text) for m in messages] == [(m.line, m.text) for m in complete[: len(messages)]]
    assert len(errors) == 1 and "truncated" in errors[0].message
    assert errors[0].line == cut.count(b"\n") + 1
    assert "\n" not in errors[0].message  # yajl's excerpt of the surrounding text is never passed on
    with pytest.raises(DataError, match="truncated"):
        list(read(path, errors="strict"))


# --- WhatsApp line forms ------------------------------------------------------------------------------

LRM, NNBSP, FSI, PDI = "\u200e", "\u202f", "\u2068", "\u2069"
ENCRYPTED = "Messages and calls are end-to-end encrypted. Only people in this chat can read them."
# fmt: off
WHATSAPP = {  # id: (lines of the file, newline) → (kind, sender, local time, text) of its first record
    "android-zh-pm": (
        ["2024/4/6 下午9:05 - 阳阳妈: 有人吗"], "\n", ("text", "阳阳妈", "2024-04-06T21:05", "有人吗")),
    "android-zh-midnight": (
        ["2024/4/6 上午12:30 - 阳阳妈: 还没睡"], "\n", ("text", "阳阳妈", "2024-04-06T00:30", "还没睡")),
    "android-zh-noon": (
        ["2024/4/6 中午12:10 - 阳阳妈: 午饭"], "\n", ("text", "阳阳妈", "2024-04-06T12:10", "午饭")),
    "android-en-us-12h": (
        ["11/5/23, 9:05 PM - Azhe: anyone tried Vite 5?"], "\n", ("text", "Azhe", "2023-11-05T21:05", None)),
    "android-narrow-nbsp": (
        [f"11/5/23, 9:05{NNBSP}PM - Azhe: hi"], "\n", ("text", "Azhe", "2023-11-05T21:05", "hi")),
    "android-en-gb-24h": (
        ["05/11/2023, 21:05 - Azhe: hi", "13/11/2023, 08:00 - Bo: yo"], "\n",
        ("text", "Azhe", "2023-11-05T21:05", "hi")),
    "android-de-dots": (
        ["05.11.23, 21:05 - Azhe: hallo", "25.11.23, 21:06 - Bo: ja"], "\n",
        ("text", "Azhe", "2023-11-05T21:05", "hallo")),
    "android-zh-system": (
        ["2024/4/6 上午9:05 - 阳阳妈添加了Cici"], "\n",
        ("system", None, "2024-04-06T09:05", "阳阳妈添加了Cici")),
    "android-en-system-with-colon": (
        ['11/5/23, 9:06 PM - Azhe changed the subject from "a" to "b: c"'], "\n",
        ("system", None, "2023-11-05T21:06", 'Azhe changed the subject from "a" to "b: c"')),
    "android-en-tombstone": (
        ["11/5/23, 9:07 PM - Azhe: This message was deleted"], "\n",
        ("system", "Azhe", "2023-11-05T21:07", None)),
    "android-media-omitted": (
        ["11/5/23, 9:08 PM - Azhe: <Media omitted>"], "\n", ("media", "Azhe", "2023-11-05T21:08", "")),
    "android-attached-with-caption": (
        ["11/5/23, 9:08 PM - Azhe: IMG-20231105-WA0007.jpg (file attached)", "look at this"], "\n",
        ("text", "Azhe", "2023-11-05T21:08", "look at this")),
    "ios-en-us": (
        [f"[11/5/23, 9:05:40{NNBSP}PM] Azhe: anyone?"], "\r\n",
        ("text", "Azhe", "2023-11-05T21:05:40", "anyone?")),
    "ios-en-gb-24h": (
        ["[05/11/2023, 21:05:40] Azhe: hi", "[13/11/2023, 08:00:00] Bo: yo"], "\r\n",
        ("text", "Azhe", "2023-11-05T21:05:40", "hi")),
    "ios-zh": (
        ["[2024/5/18 下午8:00:05] 书虫阿May: 本周共读"], "\r\n",
        ("text", "书虫阿May", "2024-05-18T20:00:05", "本周共读")),
    "ios-image-omitted": (
        [f"{LRM}[5/18/24, 8:31:09{NNBSP}PM] 文艺中年: {LRM}image omitted"], "\r\n",
        ("image", "文艺中年", "2024-05-18T20:31:09", "")),
    "ios-edited": (
        [f"[5/18/24, 8:46:19{NNBSP}PM] 老K: 我可能晚到半小时 {LRM}<This message was edited>"], "\r\n",
        ("text", "老K", "2024-05-18T20:46:19", "我可能晚到半小时")),
    "ios-mention-isolates": (
        [f"[5/18/24, 8:12:55{NNBSP}PM] 书虫阿May: @{FSI}+86 100 0000 5678{PDI} 别发广告"], "\r\n",
        ("text", "书虫阿May", "2024-05-18T20:12:55", "@+86 100 0000 5678 别发广告")),
    "ios-system": (
        [f"{LRM}[5/18/24, 7:58:40{NNBSP}PM] {LRM}小满 joined using this group's invite link"], "\r\n",
        ("system", None, "2024-05-18T19:58:40", "小满 joined using this group's invite link")),
    "ios-encryption-notice": (
        [f"[5/18/24, 7:50:12{NNBSP}PM] 周末读书会: {LRM}{ENCRYPTED}"], "\r\n",
        ("system", "周末读书会", "2024-05-18T19:50:12", ENCRYPTED)),
}
# fmt: on


@pytest.mark.parametrize(("lines", "newline", "expected"), WHATSAPP.values(), ids=WHATSAPP.keys())
def test_whatsapp_line_forms(
    tmp_path: Path, lines: list[str], newline: str, expected: tuple[str, str | None, str, str | None]
) -> None:
    kind, sender, time, text = expected
    path = write(tmp_path, "_chat.txt", "\n".join(lines) + "\n", newline=newline)
    messages, errors = read_all(path)
    first = messages[0]
    assert detect(path) == "whatsapp_txt"
    assert (first.kind, first.sender_name) == (kind, sender)
    assert first.timestamp == datetime.fromisoformat(time + "+08:00")
    if text is not None:
        assert first.text == text
    assert errors == []


def test_whatsapp_edited_and_attached_facts_are_kept(tmp_path: Path) -> None:
    edited, attached = WHATSAPP["ios-edited"][0], WHATSAPP["android-attached-with-caption"][0]
    path = write(tmp_path, "_chat.txt", "\n".join([*edited, *attached]) + "\n")
    assert [dict(m.extra) for m in read(path)] == [{"edited": True}, {"media": "image"}]


# --- CSV cells with newlines ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            f"\ufeff{V2_CSV_HEADER}\r\n"
            '1,5,1,0,0,1712365092,,"第一行\n\n第三行, 带逗号和""引号""",2024-04-06 08:58:12,A,A,wxid_a\r\n'
            "2,5,1,0,0,1712365300,,第二条,2024-04-06 09:01:40,B,B,wxid_b\r\n",
            [(2, '第一行\n\n第三行, 带逗号和"引号"'), (5, "第二条")],
        ),
        (
            'AuthorID,Author,Date,Content,Attachments,Reactions\r\n"1","a","2024-03-12T20:00:31.0030000+08:00",'
            '"上一行\r\n下一行","",""\r\n"2","b","2024-03-12T20:01:31+08:00","好","",""\r\n',
            [(2, "上一行\r\n下一行"), (4, "好")],
        ),
    ],
    ids=["memotrace-lf-in-crlf-rows", "dce-crlf-in-cell"],
)
def test_a_quoted_csv_cell_may_hold_newlines(
    tmp_path: Path, content: str, expected: list[tuple[int, str]]
) -> None:
    path = tmp_path / "export.csv"
    path.write_bytes(content.encode("utf-8"))
    messages, errors = read_all(path)
    assert [(m.line, m.text) for m in messages] == expected
    assert errors == []


# --- generic JSON lines ------------------------------------------------------------------------------


def test_generic_jsonl_with_a_custom_text_field_and_a_bad_line(tmp_path: Path) -> None:
    content = (
        '{"body": "第一条", "sender_id": 42, "sender": "阿May", "time": "2024-05-18 20:00:05", "id": 7}\n'
        "not json at all\n"
        "\n"
        '{"text": "没有 body 字段"}\n'
        '{"body": "第二条", "user_id": "u2", "ts": 1716033672106, "kind": "link"}\n'
    )
    path = write(tmp_path, "rows.jsonl", content)
    messages, errors = read_all(path, format="generic_jsonl", text_field="body")
    summary = [(m.text, m.kind, m.sender_id, m.sender_name, m.message_id, m.line) for m in messages]
    assert summary == [("第一条", "text", "42", "阿May", "7", 1), ("第二条", "link", "u2", None, None, 5)]
    assert [m.timestamp.isoformat() for m in messages if m.timestamp] == [
        "2024-05-18T20:00:05+08:00",
        "2024-05-18T20:01:12.106000+08:00",
    ]
    assert [(e.line, e.field) for e in errors] == [(2, None), (4, "body")]
    assert all("没有" not in e.message for e in errors)


# --- other containers -------------------------------------------------------------------------------


def test_a_telegram_full_account_export_streams_every_chat(tmp_path: Path) -> None:
    chat = json.loads((EXPORTS / "telegram_result.json").read_text(encoding="utf-8"))
    document = {"about": "…", "personal_information": {}, "chats": {"about": "…", "list": [chat, chat]}}
    path = write(tmp_path, "result.json", json.dumps(document, ensure_ascii=False, indent=1))
    messages, errors = read_all(path)
    assert detect(path) == "telegram_json"
    assert (len(users(messages)), errors) == (74, [])


def test_discord_raw_mentions_are_resolved_when_exported_without_markdown(tmp_path: Path) -> None:
    message = {
        "id": "1", "type": "Default", "timestamp": "2024-03-12T12:00:00+00:00", "content": "<@42> 你好 <@!7>",
        "author": {"id": "9", "name": "amy"},
        "mentions": [{"id": "42", "name": "laozhou", "nickname": "老周"}],
    }  # fmt: skip
    document = {"guild": {"name": "g"}, "channel": {"name": "c"}, "messages": [message]}
    (first,) = read(write(tmp_path, "dce.json", json.dumps(document, ensure_ascii=False)))
    assert (first.text, first.group, first.timestamp) == (
        "@老周 你好 <@!7>",
        "g / c",
        datetime.fromisoformat("2024-03-12T20:00:00+08:00"),
    )


# --- Slack and Feishu files read on their own ---------------------------------------------------------


def test_a_slack_day_file_is_read_on_its_own_with_names_from_the_export(tmp_path: Path) -> None:
    day = EXPORTS / "slack_export" / "book-club" / "2024-05-18.json"
    assert detect(day) == "slack_export"
    messages = list(read(day))
    assert len(users(messages)) == 30 and {m.group for m in messages} == {"book-club"}
    assert users(messages)[9].text == "@读书卡推广 请不要发广告，谢谢"


def test_feishu_without_a_members_file_still_reads_with_ids_only(tmp_path: Path) -> None:
    path = write(tmp_path, "messages.json", (EXPORTS / "feishu_im_messages.json").read_bytes())
    messages = users(list(read(path)))
    assert len(messages) == 30 and messages[0].sender_name is None
    assert messages[9].text == "@读书卡推广 请不要发广告，谢谢"  # mentions carry the names they need
