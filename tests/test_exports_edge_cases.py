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
QQ_HEAD = f"消息记录（此消息记录为文本格式，不支持重新导入）\n\n{RULE}\n消息分组:我的群聊\n{RULE}\n消息对象:读书会\n{RULE}\n\n"


def write(tmp_path: Path, name: str, content: str | bytes, *, encoding: str = "utf-8", newline: str = "\n") -> Path:
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

QQ_TWO = QQ_HEAD + "2024-05-18 20:00:05 书虫阿May(807731245)\n本周共读《额尔古纳河右岸》\n\n" + (
    "2024-05-18 20:01:12 老K(1392250618)\n刚读完第一章，文字太美了\n"
)
QQ_TWO_EXPECTED = [("书虫阿May", "本周共读《额尔古纳河右岸》"), ("老K", "刚读完第一章，文字太美了")]
# A GBK file whose first 64 KiB are plain ASCII: only a whole-file check finds it is not UTF-8.
ASCII_THEN_GBK = "".join(f"2024-05-18 19:{i // 60:02d}:{i % 60:02d} reader({10000 + i})\nhello\n\n" for i in range(2400))
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


# --- multi-line bodies --------------------------------------------------------------------------------

PASTED_LOG = "2024-05-18 20:00:05 书虫阿May(807731245)\n贴一段日志：\n2024-05-18 19:00:00 server(12345)\nstarted\n"


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

V2_CSV_HEADER = "localId,TalkerId,Type,SubType,IsSender,CreateTime,Status,StrContent,StrTime,Remark,NickName,Sender"
TELEGRAM_BAD = {
    "name": "读书会",
    "type": "private_supergroup",
    "id": 1,
    "messages": [
        {"id": 1, "type": "message", "date_unixtime": "1716033605", "from": "A", "from_id": "user1", "text": "一"},
        {"id": 2, "type": "message", "from": "B", "from_id": "user2", "text": "二"},
        {"id": 3, "type": "message", "date_unixtime": "1716033700", "from": "A", "from_id": "user1", "text": "三"},
    ],
}
FEISHU_ITEM = '{{"message_id": "om_{n}", "msg_type": "text", "create_time": "1716033605000", "sender": {{"id": "ou_1"}}, "body": {{"content": {content}}}}}'
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
    ("result.json", json.dumps(TELEGRAM_BAD, ensure_ascii=False, indent=1), 15, "neither date_unixtime nor date"),
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
        "unreadable timestamp",
    ),
    ("messages.jsonl", '{"text": "一"}\n{"text": "二"\n{"text": "三"}\n', 2, "not valid JSON"),
]
MALFORMED_IDS = ["qq-txt-bad-date", "csv-short-row", "telegram-no-date", "feishu-bad-content", "whatsapp-month-13"]
MALFORMED_IDS += ["dce-csv-bad-date", "jsonl-bad-line"]


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


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        ("notes.txt", "今天天气不错。\n我们去公园吧。\n", ["unknown chat export format", "WhatsApp:", "QQ MHT:", "generic CSV:"]),
        ("data.json", '{"rows": [{"a": 1}]}', ["unknown chat export format", "JSON object (rows) matches no known export"]),
        ("members.json", (EXPORTS / "feishu_chat_members.json").read_text(encoding="utf-8"), ["chat-members"]),
        ("rows.jsonl", '{"content": "hi"}\n{"content": "yo"}\n', ["has no 'text' field (set text_field)"]),
        ("table.csv", "who,what\na,b\n", ["CSV header has no 'text' column"]),
        ("dce.txt", "=" * 62 + "\nGuild: x\nChannel: y\n", ["DiscordChatExporter TXT"]),
        ("db.sqlite", b"SQLite format 3\x00" + bytes(100), ["SQLite database"]),
    ],
    ids=["prose", "unknown-json", "feishu-members-file", "jsonl-without-text", "csv-without-text", "dce-txt", "sqlite"],
)
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
    with pytest.raises(DataError, match="no channels.json"):
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
    assert (first.sender_name, first.text, first.timestamp.isoformat() if first.timestamp else None) == expected
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
    assert messages == complete[: len(messages)] or [m.text for m in messages] == [
        m.text for m in complete[: len(messages)]
    ]
    assert len(errors) == 1 and "truncated" in errors[0].message
    assert errors[0].line == cut.count(b"\n") + 1
    assert "\n" not in errors[0].message  # yajl's excerpt of the surrounding text is never passed on
    with pytest.raises(DataError, match="truncated"):
        list(read(path, errors="strict"))


# --- WhatsApp line forms ------------------------------------------------------------------------------

LRM, NNBSP, FSI, PDI = "\u200e", "\u202f", "\u2068", "\u2069"
WHATSAPP = [
    # (lines, newline, kind, sender, time, text) of the first record
    (["2024/4/6 下午9:05 - 阳阳妈: 有人吗"], "\n", "text", "阳阳妈", "2024-04-06T21:05", "有人吗"),
    (["2024/4/6 上午12:30 - 阳阳妈: 还没睡"], "\n", "text", "阳阳妈", "2024-04-06T00:30", "还没睡"),
    (["2024/4/6 中午12:10 - 阳阳妈: 午饭"], "\n", "text", "阳阳妈", "2024-04-06T12:10", "午饭"),
    (["11/5/23, 9:05 PM - Azhe: anyone tried Vite 5?"], "\n", "text", "Azhe", "2023-11-05T21:05", "anyone tried Vite 5?"),
    ([f"11/5/23, 9:05{NNBSP}PM - Azhe: hi"], "\n", "text", "Azhe", "2023-11-05T21:05", "hi"),
    (["05/11/2023, 21:05 - Azhe: hi", "13/11/2023, 08:00 - Bo: yo"], "\n", "text", "Azhe", "2023-11-05T21:05", "hi"),
    (["05.11.23, 21:05 - Azhe: hallo", "25.11.23, 21:06 - Bo: ja"], "\n", "text", "Azhe", "2023-11-05T21:05", "hallo"),
    (["2024/4/6 上午9:05 - 阳阳妈添加了Cici"], "\n", "system", None, "2024-04-06T09:05", "阳阳妈添加了Cici"),
    (['11/5/23, 9:06 PM - Azhe changed the subject from "a" to "b: c"'], "\n", "system", None, "2023-11-05T21:06", None),
    (["11/5/23, 9:07 PM - Azhe: This message was deleted"], "\n", "system", "Azhe", "2023-11-05T21:07", None),
    (["11/5/23, 9:08 PM - Azhe: <Media omitted>"], "\n", "media", "Azhe", "2023-11-05T21:08", ""),
    (
        ["11/5/23, 9:08 PM - Azhe: IMG-20231105-WA0007.jpg (file attached)", "look at this"],
        "\n",
        "text",
        "Azhe",
        "2023-11-05T21:08",
        "look at this",
    ),
    ([f"[11/5/23, 9:05:40{NNBSP}PM] Azhe: anyone?"], "\r\n", "text", "Azhe", "2023-11-05T21:05:40", "anyone?"),
    (["[05/11/2023, 21:05:40] Azhe: hi", "[13/11/2023, 08:00:00] Bo: yo"], "\r\n", "text", "Azhe", "2023-11-05T21:05:40", "hi"),
    (["[2024/5/18 下午8:00:05] 书虫阿May: 本周共读"], "\r\n", "text", "书虫阿May", "2024-05-18T20:00:05", "本周共读"),
    (
        [f"{LRM}[5/18/24, 8:31:09{NNBSP}PM] 文艺中年: {LRM}image omitted"],
        "\r\n",
        "image",
        "文艺中年",
        "2024-05-18T20:31:09",
        "",
    ),
    (
        [f"[5/18/24, 8:46:19{NNBSP}PM] 老K: 我可能晚到半小时 {LRM}<This message was edited>"],
        "\r\n",
        "text",
        "老K",
        "2024-05-18T20:46:19",
        "我可能晚到半小时",
    ),
    (
        [f"[5/18/24, 8:12:55{NNBSP}PM] 书虫阿May: @{FSI}+86 100 0000 5678{PDI} 请不要发广告"],
        "\r\n",
        "text",
        "书虫阿May",
        "2024-05-18T20:12:55",
        "@+86 100 0000 5678 请不要发广告",
    ),
    (
        [f"{LRM}[5/18/24, 7:58:40{NNBSP}PM] {LRM}小满 joined using this group's invite link"],
        "\r\n",
        "system",
        None,
        "2024-05-18T19:58:40",
        "小满 joined using this group's invite link",
    ),
    (
        [f"[5/18/24, 7:50:12{NNBSP}PM] 周末读书会: {LRM}Messages and calls are end-to-end encrypted. Only people…"],
        "\r\n",
        "system",
        "周末读书会",
        "2024-05-18T19:50:12",
        None,
    ),
]
WHATSAPP_IDS = [
    "android-zh-pm", "android-zh-midnight", "android-zh-noon", "android-en-us-12h", "android-narrow-nbsp",
    "android-en-gb-24h", "android-de-dots", "android-zh-system", "android-en-system-with-colon",
    "android-en-tombstone", "android-media-omitted", "android-attached-with-caption", "ios-en-us", "ios-en-gb-24h",
    "ios-zh", "ios-image-omitted", "ios-edited", "ios-mention-isolates", "ios-system", "ios-encryption-notice",
]  # fmt: skip


@pytest.mark.parametrize(("lines", "newline", "kind", "sender", "time", "text"), WHATSAPP, ids=WHATSAPP_IDS)
def test_whatsapp_line_forms(
    tmp_path: Path, lines: list[str], newline: str, kind: str, sender: str | None, time: str, text: str | None
) -> None:
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
    edited, attached = WHATSAPP[16][0], WHATSAPP[11][0]
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
def test_a_quoted_csv_cell_may_hold_newlines(tmp_path: Path, content: str, expected: list[tuple[int, str]]) -> None:
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
    assert messages[9].text == "@读书卡推广 请不要发广告，谢谢"  # names of mentioned users come with the message
