"""The corpus: it meets its requirements, and the checks that gate it catch what they should."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from service.errors import DataError
from service.labels import Label
from tests.conftest import write_jsonl
from training.corpus import (
    CorpusRow,
    Requirements,
    check_corpus,
    is_hard,
    load_corpus,
    near_duplicates,
    resembling,
)


def test_the_project_corpus_meets_every_requirement(corpus_rows: list[CorpusRow]) -> None:
    report = check_corpus(corpus_rows)
    assert report.problems == []
    assert report.distinct >= 8000
    assert min(report.by_label.values()) >= 1400
    assert len(report.by_group) >= 20
    assert report.traditional_share >= 0.15 and report.hard_share >= 0.25
    assert report.augmented_share <= 0.30 and report.near_duplicate_share < 0.03
    assert 20 <= report.median_length <= 30


def _evaluation_texts() -> list[str]:
    """Every text the model is judged on: the external dev set and the fixtures' expected messages."""
    shared = Path(__file__).resolve().parents[2] / "shared"
    external = shared / "datasets" / "external-dev.jsonl"
    if not external.exists():
        pytest.skip("../shared is not beside this checkout")
    files = [external, *sorted((shared / "fixtures" / "exports" / "expected").glob("*.jsonl"))]
    texts = [
        json.loads(line)["text"] for path in files for line in path.read_text(encoding="utf-8").splitlines()
    ]
    return [text for text in texts if text.strip()]


def test_no_corpus_row_copies_or_paraphrases_a_text_the_model_is_judged_on(
    corpus_rows: list[CorpusRow],
) -> None:
    references = _evaluation_texts()
    leaks = resembling([row.text for row in corpus_rows], references)
    assert [(corpus_rows[i].path, corpus_rows[i].line, references[j]) for i, j in leaks] == []


@pytest.mark.parametrize(
    ("text", "reference", "resembles"),
    [
        ("客服 人工", "客服 人工", True),
        (
            "发现一个奇怪的现象 我家猫半夜跑酷",
            "发现一个奇怪的现象",
            True,
        ),  # a quoted message with words added
        ("我要推迟一天还款可以吗", "我要推迟一天还款_可以吗", True),
        ("哈哈哈哈哈", "哈哈哈哈哈哈哈哈", False),  # generic replies coincide by chance
        ("请问这个报错怎么解决", "今天的天气真不错啊", False),
    ],
)
def test_the_evaluation_guard_catches_copies_and_paraphrases(
    text: str, reference: str, resembles: bool
) -> None:
    assert bool(resembling([text], [reference])) is resembles


@pytest.mark.parametrize(
    ("a", "b", "duplicate"),
    [
        ("加我微信领资料", "加我微信领资料！！", True),
        ("加V❤信 kx2024abc", "加微信 kx2024abc", True),
        ("請問有冇人知", "请问有冇人知", True),
        ("周末有人一起去爬山吗 早上8点出发", "周末有人一起去爬山吗 早上9点出发", True),
        ("宝宝发烧到多少度需要去医院", "宝宝便秘了可以吃什么水果", False),
        ("早", "晚", False),
    ],
    ids=["punctuation", "obfuscation", "script", "one-digit", "different", "short-different"],
)
def test_near_duplicates(a: str, b: str, duplicate: bool) -> None:
    assert (near_duplicates([a, b]) == [(0, 1)]) is duplicate


def _row(text: str, label: Label, tags: tuple[str, ...] = ()) -> CorpusRow:
    return CorpusRow(text, label, "g", "zh-Hans", "written", tags, "f", 1)


@pytest.mark.parametrize(
    ("row", "hard"),
    [
        (_row("好", Label.CHATTER), True),
        (_row("求一个靠谱的儿科医生", Label.QUESTION), True),
        (_row("今天好冷啊？", Label.CHATTER), True),
        (_row("有人知道这个怎么弄吗？", Label.QUESTION), False),
        (_row("这个面霜我用了很好，要的私我", Label.AD, ("soft_ad",)), True),
        (_row("这个面霜我用了很好，要的私我", Label.AD, ("cantonese",)), False),
    ],
    ids=[
        "very-short",
        "bare-question",
        "qmark-chatter",
        "plain-question",
        "tagged-soft-ad",
        "descriptive-tag-only",
    ],
)
def test_hard_cases(row: CorpusRow, hard: bool) -> None:
    assert is_hard(row) is hard


GOOD = {"text": "早", "label": "chatter", "group": "pets", "lang": "zh-Hans", "origin": "written", "tags": []}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"lang": "zh-TW"}, "lang must be one of"),
        ({"origin": "scraped"}, "origin must be one of"),
        ({"tags": ["spicy"]}, "tags must be a list"),
        ({"group": "Pets!"}, "group must be a lowercase id"),
        ({"label": "spam"}, "unknown label"),
        ({"source": "x"}, "unknown fields"),
    ],
    ids=["lang", "origin", "tags", "group", "label", "extra-field"],
)
def test_schema_errors_name_file_and_line(tmp_path: Path, change: dict[str, object], message: str) -> None:
    (tmp_path / "corpus").mkdir()
    write_jsonl(tmp_path / "corpus" / "pets.jsonl", [GOOD, GOOD | change])
    with pytest.raises(DataError, match=rf"pets.jsonl:2: .*{message}"):
        load_corpus(tmp_path)


def test_a_small_corpus_is_reported_with_every_missing_requirement(tmp_path: Path) -> None:
    (tmp_path / "corpus").mkdir()
    rows = [GOOD | {"text": f"早上好呀{i}号"} for i in range(10)] + [GOOD | {"text": "早上好呀"}]
    write_jsonl(tmp_path / "corpus" / "pets.jsonl", rows)
    report = check_corpus(load_corpus(tmp_path), Requirements())
    assert not report.ok
    joined = "\n".join(report.problems)
    for expected in (
        "distinct rows",
        "label ad: 0 rows",
        "verticals",
        "Traditional share",
        "near-duplicate share",
    ):
        assert expected in joined
