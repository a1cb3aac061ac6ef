"""Features: what each analyzer emits, and what a saved pipeline may refer to."""

from __future__ import annotations

import io
import pickle
import re
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from service.classifier import Classifier
from service.features import char_grams, structure_tokens, word_grams
from service.text.normalize import normalize


def test_char_grams_treat_placeholders_as_one_character_and_stop_at_whitespace() -> None:
    grams = char_grams("加⟨contact⟩ 好")
    assert "⟨contact⟩" in grams
    assert "加⟨contact⟩" in grams
    assert not any(" " in g for g in grams)
    assert "好" in grams and "⟨contact⟩好" not in grams


def test_char_grams_are_one_to_three_characters() -> None:
    assert sorted(char_grams("你好啊"), key=len) == ["你", "好", "啊", "你好", "好啊", "你好啊"]


def test_word_grams_are_tokens_and_bigrams() -> None:
    grams = word_grams("群主发干货")
    assert grams[:3] == ["群主", "发", "干货"]
    assert "群主 发" in grams and "发 干货" in grams


@pytest.mark.parametrize(
    ("text", "present", "absent"),
    [
        ("早", ["§len:1", "§lines:1"], ["§url", "§has:?"]),
        ("有人知道吗?", ["§ends:?", "§has:?", "§qword"], ["§contact"]),
        ("加微信⟨contact⟩ 日结⟨price⟩", ["§contact", "§price"], ["§ends:?"]),
        ("看看 ⟨url⟩", ["§url"], ["§emoji-only"]),
        ("⟨emoji⟩⟨emoji⟩", ["§no-words", "§emoji-only"], ["§qword"]),
        ("整理一下:\n1. 先看文档\n2. 再写代码\n3. 最后测试", ["§list", "§lines:4"], []),
        ("【美联储维持利率不变】声明称将持续关注通胀", ["§title"], []),
        ("pip install fastapi uvicorn", ["§latin"], []),
    ],
    ids=[
        "one-char",
        "question",
        "contact-price",
        "url",
        "emoji-only",
        "numbered-list",
        "news-title",
        "latin",
    ],
)
def test_structure_tokens(text: str, present: list[str], absent: list[str]) -> None:
    tokens = structure_tokens(text)
    assert set(present) <= set(tokens)
    assert not set(absent) & set(tokens)


def _pickled_globals(obj: object) -> set[str]:
    """Every module.name that unpickling ``obj`` imports (the functions and classes it will trust)."""
    found: set[str] = set()

    class Recorder(pickle.Unpickler):
        def find_class(self, module: str, name: str) -> object:
            found.add(f"{module}.{name}")
            return super().find_class(module, name)

    Recorder(io.BytesIO(pickle.dumps(obj, protocol=5))).load()
    return found


def test_serving_model_refers_only_to_service_functions_and_numpy(classifier: Classifier) -> None:
    references = _pickled_globals(classifier.model)
    ours = {r for r in references if r.startswith("service.")}
    assert ours == {
        "service.classifier.CompiledModel",
        "service.classifier.FeatureBlock",
        "service.classifier.CharBlock",
        "service.classifier.WordBlock",
        "service.features.word_grams",
        "service.features.char_grams",
        "service.features.structure_tokens",
    }
    assert {r.split(".")[0] for r in references} <= {"service", "numpy", "builtins", "copyreg", "_codecs"}


def test_saved_pipeline_refers_only_to_module_level_functions_of_service(classifier: Classifier) -> None:
    references = _pickled_globals(classifier.pipeline)
    ours = {r for r in references if r.startswith("service.")}
    assert ours == {
        "service.features.prepare",
        "service.features.word_grams",
        "service.features.char_grams",
        "service.features.structure_tokens",
    }
    foreign = {
        r
        for r in references
        if r.split(".")[0]
        not in {"service", "sklearn", "numpy", "scipy", "builtins", "copyreg", "_codecs", "collections"}
    }
    assert foreign == set()
    assert not any("lambda" in r or "jieba" in r for r in references)


def _reference_char_grams(text: str) -> list[str]:
    """The definition the fast implementation must match: 1–3-grams of units within whitespace runs."""
    grams = []
    for segment in text.split():
        units = re.findall(r"⟨[a-z]+⟩|\S", segment)
        grams += [
            "".join(units[i:j]) for i in range(len(units)) for j in range(i + 1, min(i + 3, len(units)) + 1)
        ]
    return grams


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=40) | st.sampled_from(["你好 世界", "加⟨contact⟩ 私聊", "a b\nc", "哈哈\u3000哈"]))
def test_fast_char_grams_equal_the_reference_definition(raw: str) -> None:
    text = normalize(raw)
    assert Counter(char_grams(text)) == Counter(_reference_char_grams(text))
