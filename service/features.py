"""Feature extraction: module-level analyzers over normalized text, and the scikit-learn pipeline.

A saved model refers to these functions by module and name only (``service.features.word_grams`` …),
so they must stay module-level and keep their behaviour for as long as a model trained with them is
served (``NORMALIZER_VERSION`` and the user-dictionary hash in the manifest guard that).

Three feature blocks:

- ``words``: jieba tokens (unigrams and bigrams), TF-IDF;
- ``chars``: character 1–3-grams within whitespace-separated runs, placeholders as single characters,
  TF-IDF — robust to segmentation errors, typos and unseen words;
- ``structure``: a few binary signals of shape (length bucket, line count, URL/contact/price present,
  question cues, emoji-only, numbered list, 【title】 opening …) and two small lexicons (insults,
  references to groups of people).
"""

from __future__ import annotations

import itertools
import math
import re
from collections.abc import Iterable
from typing import Any

from service.text.normalize import CONTACT, EMOJI, PHONE, PLACEHOLDER_RE, PRICE, URL, normalize
from service.text.segment import tokenize

_UNIT_RE = re.compile(r"⟨[a-z]+⟩|\S", re.DOTALL)
_HAN_RE = re.compile(r"[\u4e00-\u9fff]")
_LATIN_RE = re.compile(r"[a-z]")
_DIGIT_RE = re.compile(r"\d")
_LIST_ITEM_RE = re.compile(r"(?:^|\n)\s*(?:\d{1,2}[.、)]|[一二三四五六七八九十][、.]|[-*•])\s*\S")
_QUESTION_WORD_RE = re.compile(
    r"吗|么|呢|请问|有没有|有冇|是否|怎么|咋|如何|为什么|为啥|点解|哪|谁|几|多少|求|能不能|可不可以|可以吗|行不行"
)
_LENGTH_BUCKETS = (1, 3, 7, 15, 31, 63, 127, 255)

# Small named lexicon checks (normalized text: Simplified, lowercase). They generalise beyond the
# corpus vocabulary: any insult, or any "people of a kind", pushes toward the labels that use them.
# Each is a word list; the regex and the cheap "could it match?" character set both come from it.
_INSULT_WORDS = """
傻逼 傻b 傻x 傻叉 傻缺 傻帽 傻子 煞笔 沙比 二逼 脑残 脑瘫 智障
弱智 废物 垃圾 畜生 狗东西 狗日 狗屁 蛆 吃屎 食屎 贱人 贱货 贱种 婊
舔狗 孝子 小丑 恶心 滚蛋 滚出 滚开 滚吧 去死 死开 妈的 他妈 尼玛
你妈 操你 草泥马 白痴 蠢货 蠢猪 人渣 败类 杂种 放屁 闭嘴 神经病 有病
不要脸 丢人 仆街 痴线 收皮 冚家 靠北 白目 北七 脑子进水 没脑子 狗都不
""".split()
_INSULT_ABBREVIATIONS = "sb nt nmsl cnm tmd wdnmd rnm mdzz on9".split()
_GROUP_WORDS = """
男的 女的 女人 男人 黑人 白人 老外 洋人 农村人 城里人 外地人 本地人
国男 郭楠 女拳 普信 小仙女 田园 宝妈们 丁克 穷人 有钱人 富二代 老头
老太 大妈 这帮 这群 你们这些
""".split()
_INSULT_RE = re.compile(
    "|".join(map(re.escape, _INSULT_WORDS)) + rf"|(?<![a-z])(?:{'|'.join(_INSULT_ABBREVIATIONS)})(?![a-z])"
)
_INSULT_FIRST = frozenset(w[0] for w in _INSULT_WORDS + _INSULT_ABBREVIATIONS)
_GROUP_REFERENCE_RE = re.compile(
    r"[\u4e00-\u9fff]{1,3}人(?:都|就|真|又|果然|素质|全是)|" + "|".join(map(re.escape, _GROUP_WORDS))
)
_GROUP_FIRST = frozenset(w[0] for w in _GROUP_WORDS) | {"人"}  # "x人都…" always contains 人


def prepare(texts: Iterable[str]) -> list[str]:
    """Normalize a batch of raw messages (the pipeline's first step)."""
    return [normalize(text) for text in texts]


def word_grams(text: str) -> list[str]:
    """jieba token unigrams and bigrams of normalized ``text``."""
    tokens = tokenize(text)
    return tokens + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]


_BIGRAM_RE = re.compile(r"(?=(\S\S))")  # overlapping n-grams in one C call: findall with a lookahead
_TRIGRAM_RE = re.compile(r"(?=(\S\S\S))")


def char_grams(text: str) -> list[str]:
    """Character 1..3-grams within each whitespace-separated run; placeholders count as one character."""
    if "⟨" not in text:  # plain characters (most messages): the \S lookaheads never cross whitespace
        units = list(text) if text.isprintable() and " " not in text else list("".join(text.split()))
        return units + _BIGRAM_RE.findall(text) + _TRIGRAM_RE.findall(text)
    grams: list[str] = []
    for segment in text.split():
        units = _UNIT_RE.findall(segment)
        count = len(units)
        grams += ["".join(units[i:j]) for i in range(count) for j in range(i + 1, min(i + 3, count) + 1)]
    return grams


def structure_tokens(text: str) -> list[str]:
    """A handful of binary shape signals, spelled as tokens (``§len:15`` …)."""
    bare = PLACEHOLDER_RE.sub("□", text)
    length = len(bare.replace(" ", "").replace("\n", ""))
    bucket = next((b for b in _LENGTH_BUCKETS if length <= b), 256)
    lines = text.count("\n") + 1
    tokens = [f"§len:{bucket}", f"§lines:{min(lines, 4)}"]
    if URL in text:
        tokens.append("§url")
    if CONTACT in text or PHONE in text:
        tokens.append("§contact")
    if PRICE in text:
        tokens.append("§price")
    stripped = text.rstrip()
    if stripped.endswith("?"):
        tokens.append("§ends:?")
    elif stripped.endswith("!"):
        tokens.append("§ends:!")
    if "?" in text:
        tokens.append("§has:?")
    if _QUESTION_WORD_RE.search(text):
        tokens.append("§qword")
    if not _HAN_RE.search(bare) and not _LATIN_RE.search(bare):
        tokens.append("§no-words")
        if EMOJI in text or "⟨" in text:
            tokens.append("§emoji-only")
    if len(_LIST_ITEM_RE.findall(text)) >= 2:
        tokens.append("§list")
    if not _INSULT_FIRST.isdisjoint(text) and _INSULT_RE.search(text):
        tokens.append("§insult")
    if not _GROUP_FIRST.isdisjoint(text) and _GROUP_REFERENCE_RE.search(text):
        tokens.append("§group")
    if text.startswith("【") and "】" in text[:40]:
        tokens.append("§title")
    latin = len(_LATIN_RE.findall(bare))
    if length and latin / length > 0.5:
        tokens.append("§latin")
    digits = len(_DIGIT_RE.findall(bare))
    if digits:
        tokens.append(f"§digits:{min(int(math.log2(digits)) + 1, 5)}")
    return tokens


def build_pipeline(*, c: float = 32.0, seed: int = 0, calibration_folds: int = 3) -> Any:
    """The untrained model: normalize → three feature blocks → logistic regression, temperature-calibrated.

    scikit-learn is imported here, not at module level: serving loads the analyzers above without it.
    """
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import FeatureUnion, Pipeline
    from sklearn.preprocessing import FunctionTransformer

    features = FeatureUnion(
        [
            ("words", TfidfVectorizer(analyzer=word_grams, sublinear_tf=True, min_df=2)),
            ("chars", TfidfVectorizer(analyzer=char_grams, sublinear_tf=True, min_df=2)),
            ("structure", TfidfVectorizer(analyzer=structure_tokens, binary=True, use_idf=False, norm=None)),
        ]
    )
    classifier = CalibratedClassifierCV(
        LogisticRegression(C=c, solver="newton-cg", max_iter=500, random_state=seed),
        method="temperature",
        cv=calibration_folds,
        ensemble=False,
    )
    return Pipeline(
        [
            ("normalize", FunctionTransformer(prepare)),
            ("features", features),
            ("classify", classifier),
        ]
    )
