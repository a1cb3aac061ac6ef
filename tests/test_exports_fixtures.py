"""Every export fixture in ``../shared/fixtures/exports`` reads exactly as ``expected/<id>.jsonl`` says.

For each fixture: ``detect`` names its format from the content; the user messages equal the expectation
on every field it gives (sender, time, kind, text, quote/reply target, ids, format facts), in order; and
the system records match ``expected/<id>.system.json`` (count, line numbers, times).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from service.exports import FORMATS, detect, read
from service.types import Message

ROOT = Path(__file__).resolve().parents[1]
EXPORTS = ROOT / ".." / "shared" / "fixtures" / "exports"

# (expectation id, fixture path under EXPORTS, format detect must name)
FIXTURES = [
    ("qq_txt_utf8bom", "qq_txt_python_group_utf8bom_crlf.txt", "qq_txt"),
    ("qq_txt_gbk", "qq_txt_reading_group_gbk_crlf.txt", "qq_txt"),
    ("qq_mht", "qq_mht_python_group.mht", "qq_mht"),
    ("telegram_json", "telegram_result.json", "telegram_json"),
    ("discord_dce_json", "discord_dce_export.json", "discord_dce_json"),
    ("discord_dce_csv", "discord_dce_export.csv", "discord_dce_csv"),
    ("wechat_memotrace_v2_csv", "wechat_memotrace_v2_group_utf8.csv", "wechat_memotrace_v2_csv"),
    ("wechat_memotrace_v2_txt", "wechat_memotrace_v2_group.txt", "wechat_memotrace_v2_txt"),
    ("wechat_memotrace_v3_csv", "wechat_memotrace_v3_group.csv", "wechat_memotrace_v3_csv"),
    ("wechat_memotrace_v3_txt", "wechat_memotrace_v3_group.txt", "wechat_memotrace_v3_txt"),
    ("wechat_pywxdump_csv", "wechat_pywxdump_43325108172@chatroom_0_38.csv", "wechat_pywxdump_csv"),
    ("whatsapp_android_zh", "whatsapp_android_zh.txt", "whatsapp_txt"),
    ("whatsapp_ios_en", "whatsapp_ios_en_chat.txt", "whatsapp_txt"),
    ("slack_export", "slack_export", "slack_export"),
    ("feishu_api", "feishu_im_messages.json", "feishu_api"),
]
IDS = [fixture_id for fixture_id, _, _ in FIXTURES]


def _extra(name: str, default: Any = None) -> Callable[[Message], Any]:
    return lambda message: message.extra.get(name, default)


# Expectation field → how to read it from a Message. Ids are compared as strings.
FACTS: dict[str, Callable[[Message], Any]] = {
    "sender_id": lambda message: message.sender_id,
    "sender_name": lambda message: message.sender_name,
    "ts": lambda message: message.timestamp.replace(microsecond=0).isoformat() if message.timestamp else None,
    "kind": lambda message: message.kind,
    "text": lambda message: message.text,
    "quote": lambda message: message.quote,
    "reply_to": lambda message: message.reply_to,
    "parent_id": lambda message: message.reply_to,  # Feishu
    "thread_ts": lambda message: message.reply_to,  # Slack
    "message_id": lambda message: message.message_id,
    "tg_id": lambda message: message.message_id,
    "dc_id": lambda message: message.message_id,
    "slack_ts": lambda message: message.message_id,
    "server_id": lambda message: message.message_id,
    "url": _extra("url"),
    "edited": _extra("edited", False),
    "forwarded": _extra("forwarded", False),
    "is_sender": _extra("is_sender", False),
    "title_prefix": _extra("title"),
}
ID_FACTS = {"reply_to", "parent_id", "thread_ts", "message_id", "tg_id", "dc_id", "slack_ts", "server_id"}
NOT_COMPARED = {"n", "key", "label", "note"}  # bookkeeping and gold labels, not parser output
# Facts the expectation shares with a sibling format but this file does not contain.
NOT_IN_FILE = {"wechat_memotrace_v3_txt": {"server_id"}}  # the 2025 TXT has no message ids (the CSV does)


def expected_users(fixture_id: str) -> list[dict[str, Any]]:
    path = EXPORTS / "expected" / f"{fixture_id}.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    skipped = NOT_COMPARED | NOT_IN_FILE.get(fixture_id, set())
    return [
        {key: str(value) if key in ID_FACTS else value for key, value in row.items() if key not in skipped}
        for row in rows
    ]


def expected_system(fixture_id: str) -> list[dict[str, Any]]:
    path = EXPORTS / "expected" / f"{fixture_id}.system.json"
    records: list[dict[str, Any]] = json.loads(path.read_text(encoding="utf-8"))
    return records


def as_expected(message: Message, keys: list[str]) -> dict[str, Any]:
    return {key: FACTS[key](message) for key in keys}


@pytest.fixture(scope="module", params=FIXTURES, ids=IDS)
def fixture_read(request: pytest.FixtureRequest) -> tuple[str, list[Message], list[Exception]]:
    fixture_id, name, _ = request.param
    errors: list[Exception] = []
    return fixture_id, list(read(EXPORTS / name, on_error=errors.append)), errors


def test_the_fixture_folder_is_where_the_tests_expect_it() -> None:
    assert (EXPORTS / "EXPECTED.md").is_file(), f"../shared is missing next to the repo: {EXPORTS}"


def test_every_expectation_file_has_a_fixture_row() -> None:
    expected = {path.name.removesuffix(".jsonl") for path in (EXPORTS / "expected").glob("*.jsonl")}
    assert expected == set(IDS)


@pytest.mark.parametrize(("fixture_id", "name", "fmt"), FIXTURES, ids=IDS)
def test_detect_names_the_format_from_the_content(fixture_id: str, name: str, fmt: str) -> None:
    assert fmt in FORMATS
    assert detect(EXPORTS / name) == fmt


def test_user_messages_equal_the_expectation(
    fixture_read: tuple[str, list[Message], list[Exception]],
) -> None:
    fixture_id, messages, errors = fixture_read
    expected = expected_users(fixture_id)
    unknown = {key for row in expected for key in row} - FACTS.keys()
    assert unknown == set(), f"expectation fields this test does not know how to compare: {unknown}"
    users = [message for message in messages if not message.is_system]
    actual = [as_expected(message, list(row)) for message, row in zip(users, expected, strict=False)]
    assert errors == []
    assert len(users) == len(expected)
    assert actual == expected


def test_system_records_are_the_expected_skips(
    fixture_read: tuple[str, list[Message], list[Exception]],
) -> None:
    fixture_id, messages, _ = fixture_read
    system = [(message.line, FACTS["ts"](message)) for message in messages if message.is_system]
    assert system == [(record["line"], record["ts"]) for record in expected_system(fixture_id)]


def test_every_record_is_normalized(fixture_read: tuple[str, list[Message], list[Exception]]) -> None:
    _, messages, _ = fixture_read
    for message in messages:
        assert message.timestamp is not None and message.timestamp.utcoffset() is not None
        assert message.line is not None and message.line >= 1
        assert message.source is not None and Path(message.source).is_file()
        assert "\r" not in message.text and "\u200e" not in message.text and "\u2068" not in message.text


@pytest.mark.parametrize(
    ("fixture_ids", "scenario"),
    [
        (["qq_txt_utf8bom", "qq_mht", "telegram_json", "discord_dce_json", "discord_dce_csv"], "S1"),
        (["wechat_memotrace_v2_csv", "wechat_memotrace_v2_txt", "wechat_memotrace_v3_csv"], "S2 (留痕)"),
        (["wechat_memotrace_v3_txt", "wechat_pywxdump_csv", "whatsapp_android_zh"], "S2 (others)"),
        (["qq_txt_gbk", "whatsapp_ios_en", "slack_export", "feishu_api"], "S3"),
    ],
    ids=["S1", "S2-memotrace", "S2-others", "S3"],
)
def test_one_scenario_gives_the_same_number_of_user_messages_in_every_format(
    fixture_ids: list[str], scenario: str
) -> None:
    names = {fixture_id: name for fixture_id, name, _ in FIXTURES}
    counts = {
        fixture_id: sum(not m.is_system for m in read(EXPORTS / names[fixture_id]))
        for fixture_id in fixture_ids
    }
    assert len(set(counts.values())) == 1, (scenario, counts)
