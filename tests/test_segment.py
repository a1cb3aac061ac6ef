"""Segmentation: placeholders and community words stay whole, nothing is lost, both engines agree."""

from __future__ import annotations

import contextlib
import io
import threading
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.text import segment
from service.text.normalize import normalize
from service.text.segment import Segmenter, tokenize, user_words
from training.corpus import CorpusRow


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("加⟨contact⟩领取", "⟨contact⟩"),
        ("看这个⟨url⟩", "⟨url⟩"),
        ("⟨at⟩ 收到", "⟨at⟩"),
        ("笑死⟨emoji⟩⟨emoji⟩", "⟨emoji⟩"),
    ],
    ids=["contact", "url", "mention", "emoji"],
)
def test_placeholders_are_single_tokens(text: str, token: str) -> None:
    assert token in tokenize(text)


@pytest.mark.parametrize(
    "word", ["干货", "私聊", "拼团", "砍价", "群主", "接龙", "yyds", "打卡", "副业", "微信", "有冇", "唔该"]
)
def test_user_dictionary_words_are_single_tokens(word: str) -> None:
    assert word in tokenize(f"今天{word}了吗")


def test_user_dictionary_is_loaded_without_duplicates() -> None:
    words = [w for w, _ in user_words()]
    assert len(words) == len(set(words)) > 300


def test_function_words_and_question_marks_are_kept() -> None:
    assert tokenize("有人知道吗?") == ["有人", "知道", "吗", "?"]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_segmentation_loses_no_characters(text: str) -> None:
    normalized = normalize(text)
    assert "".join(tokenize(normalized)) == "".join(normalized.split())


def test_rjieba_and_jieba_give_identical_tokens_on_the_whole_corpus(
    corpus_rows: list[CorpusRow], tmp_path: Path
) -> None:
    fast, reference = Segmenter(engine="rjieba"), Segmenter(engine="jieba", cache_dir=tmp_path)
    texts = [normalize(row.text) for row in corpus_rows]
    different = [t for t in texts if fast.tokenize(t) != reference.tokenize(t)]
    assert len(texts) > 8000
    assert different == []


def test_jieba_cache_goes_to_the_configured_directory_and_jieba_stays_quiet(tmp_path: Path) -> None:
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        Segmenter(engine="jieba", cache_dir=tmp_path / "cache").warm_up()
    assert list((tmp_path / "cache").glob("jieba*.cache"))
    assert stderr.getvalue() == ""


def test_lazy_initialisation_happens_once_under_concurrency(monkeypatch: pytest.MonkeyPatch) -> None:
    seg = Segmenter(engine="rjieba")
    calls = []
    original = seg._initialise

    def counting() -> object:
        calls.append(1)
        return original()

    monkeypatch.setattr(seg, "_initialise", counting)
    results: list[list[str]] = []
    threads = [
        threading.Thread(target=lambda: results.append(seg.tokenize("群主发干货了"))) for _ in range(16)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == 1
    assert all(r == ["群主", "发", "干货", "了"] for r in results)


def test_unknown_engine_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown segmenter engine"):
        Segmenter(engine="thulac")  # type: ignore[arg-type]


def test_configure_replaces_the_process_segmenter() -> None:
    try:
        chosen = segment.configure(engine="jieba")
        assert segment.get() is chosen and chosen.engine == "jieba"
    finally:
        segment.configure(engine="rjieba")
