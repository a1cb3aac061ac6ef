"""The project corpus: loading, schema checks and the quality report that gates it.

The corpus is JSONL under ``training/data/corpus/`` (hand-written, one file per vertical) and
``training/data/augmented/`` (rows derived from written ones). Each row:

    {"text", "label", "group", "lang": "zh-Hans"|"zh-Hant", "origin": "written"|"augmented", "tags": [...]}
"""

from __future__ import annotations

import hashlib
import re
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from service.errors import DataError
from service.evaluation import read_labeled_jsonl
from service.labels import LABELS, Label
from service.text.normalize import PLACEHOLDER_RE, is_traditional, normalize

CORPUS_DIR = Path(__file__).resolve().parent / "data"
LANGS = ("zh-Hans", "zh-Hant")
ORIGINS = ("written", "augmented")
ROW_FIELDS = {"text", "label", "group", "lang", "origin", "tags"}

#: Tags naming the hard cases of LABELING.md (the others describe voice or form and do not count).
HARD_TAGS = frozenset(
    {
        "soft_ad", "obfuscated", "no_qmark_question", "qmark_chatter", "yinyang", "rhetorical_attack",
        "brand_price_share", "very_short", "long_share", "mixed_slang", "rule_reminder", "attack_on_ad",
        "self_swear_question", "offer_vs_seek", "companion_question", "vote_link", "group_hate",
    }
)  # fmt: skip
DESCRIPTIVE_TAGS = frozenset(
    {"cantonese", "answer", "dialect", "typo", "news_summary", "link_desc", "sms_style"}
)
TAGS = HARD_TAGS | DESCRIPTIVE_TAGS


@dataclass(frozen=True)
class Requirements:
    """What the corpus must reach (issue: classification core, §6)."""

    min_rows: int = 8000
    min_per_label: int = 1400
    min_groups: int = 20
    min_traditional_share: float = 0.15
    min_hard_share: float = 0.25
    max_augmented_share: float = 0.30
    max_near_duplicate_share: float = 0.03
    median_length: tuple[int, int] = (20, 30)


@dataclass(frozen=True, slots=True)
class CorpusRow:
    text: str
    label: Label
    group: str
    lang: str
    origin: str
    tags: tuple[str, ...]
    path: str
    line: int


def corpus_files(root: Path = CORPUS_DIR) -> list[Path]:
    files = sorted(root.glob("corpus/*.jsonl")) + sorted(root.glob("augmented/*.jsonl"))
    if not files:
        raise DataError(f"no corpus files under {root}/corpus or {root}/augmented")
    return files


def load_corpus(root: Path = CORPUS_DIR) -> list[CorpusRow]:
    """Every row of every corpus file, schema-checked; a bad row raises DataError naming file and line."""
    rows: list[CorpusRow] = []
    for path in corpus_files(root):
        rows.extend(_read_rows(path))
    return rows


def _read_rows(path: Path) -> Iterable[CorpusRow]:
    name = str(path)
    for record in read_labeled_jsonl(path):
        raw = record.raw
        unknown = set(raw) - ROW_FIELDS
        if unknown:
            raise DataError(f"unknown fields {sorted(unknown)}", path=name, line=record.line)
        group, lang, origin, tags = raw.get("group"), raw.get("lang"), raw.get("origin"), raw.get("tags", [])
        if not isinstance(group, str) or not re.fullmatch(r"[a-z][a-z0-9-]{1,30}", group):
            raise DataError(
                f"group must be a lowercase id, got {group!r}", path=name, line=record.line, field="group"
            )
        if lang not in LANGS:
            raise DataError(
                f"lang must be one of {LANGS}, got {lang!r}", path=name, line=record.line, field="lang"
            )
        if origin not in ORIGINS:
            raise DataError(
                f"origin must be one of {ORIGINS}, got {origin!r}",
                path=name,
                line=record.line,
                field="origin",
            )
        if not isinstance(tags, list) or any(tag not in TAGS for tag in tags):
            raise DataError(
                f"tags must be a list of {sorted(TAGS)}, got {tags!r}",
                path=name,
                line=record.line,
                field="tags",
            )
        yield CorpusRow(record.text, record.label, group, lang, origin, tuple(tags), name, record.line)


def corpus_sha256(files: Sequence[Path]) -> str:
    """Hash of the corpus content (file names relative to the data root, then bytes), order-independent."""
    digest = hashlib.sha256()
    for path in sorted(files, key=lambda p: (p.parent.name, p.name)):
        digest.update(f"{path.parent.name}/{path.name}\n".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def is_hard(row: CorpusRow) -> bool:
    """A hard case: tagged as one, or one by construction (very short, long share, bare question …)."""
    if HARD_TAGS.intersection(row.tags):
        return True
    text = row.text.strip()
    if len(text) <= 3:
        return True
    if row.label is Label.SHARE and len(text) >= 150:
        return True
    if row.label is Label.QUESTION and not re.search(r"[吗嗎?？]", text):
        return True
    return row.label is Label.CHATTER and bool(re.search(r"[?？]\W*$", text))


def dedup_key(text: str) -> str:
    """Text reduced to what makes two messages the same message: normalized, no punctuation or digits."""
    normalized = normalize(text)
    key = re.sub(r"[\W\d_]+", "", PLACEHOLDER_RE.sub(lambda m: m.group(0)[1].upper(), normalized))
    return key or normalized


def near_duplicates(texts: Sequence[str], *, threshold: float = 0.8) -> list[tuple[int, int]]:
    """Pairs (earlier, later) that are the same message after ``dedup_key`` or whose character-3-gram
    sets overlap with Jaccard ≥ ``threshold``. Each later index appears at most once."""
    keys = [dedup_key(text) for text in texts]
    pairs: list[tuple[int, int]] = []
    first_seen: dict[str, int] = {}
    shingles: list[frozenset[str]] = []
    postings: dict[str, list[int]] = defaultdict(list)
    for i, key in enumerate(keys):
        grams = frozenset(key[j : j + 3] for j in range(max(1, len(key) - 2)))
        shingles.append(grams)
        if key in first_seen:
            pairs.append((first_seen[key], i))
            continue
        first_seen[key] = i
        if len(grams) >= 4:
            shared: Counter[int] = Counter()
            for gram in grams:
                shared.update(postings[gram])
            for j, overlap in shared.most_common(5):
                if overlap / (len(grams) + len(shingles[j]) - overlap) >= threshold:
                    pairs.append((j, i))
                    break
            for gram in grams:
                postings[gram].append(i)
    return pairs


def resembling(texts: Sequence[str], references: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs (text index, reference index) where a text copies or closely paraphrases a reference.

    The guard that keeps evaluation text out of the corpus: the same message after ``dedup_key`` (four
    characters or more: generic replies such as 好的 or 哈哈哈 coincide by chance); or a
    key of five or more characters contained in the other (a quoted message with words added); or
    character-bigram sets overlapping with Jaccard ≥ 0.5 when both have at least four bigrams.
    """

    def bigrams(key: str) -> frozenset[str]:
        return frozenset(key[j : j + 2] for j in range(len(key) - 1))

    reference_keys = [dedup_key(text) for text in references]
    reference_grams = [bigrams(key) for key in reference_keys]
    postings: dict[str, list[int]] = defaultdict(list)
    for j, grams in enumerate(reference_grams):
        for gram in grams:
            postings[gram].append(j)
    pairs: list[tuple[int, int]] = []
    for i, text in enumerate(texts):
        key = dedup_key(text)
        grams = bigrams(key)
        shared: Counter[int] = Counter()
        for gram in grams:
            shared.update(postings.get(gram, ()))
        for j, overlap in shared.most_common(20):
            other, other_grams = reference_keys[j], reference_grams[j]
            contained = min(len(key), len(other)) >= 5 and (key in other or other in key)
            similar = min(len(grams), len(other_grams)) >= 4 and overlap / len(grams | other_grams) >= 0.5
            if (key == other and len(key) >= 4) or contained or similar:
                pairs.append((i, j))
                break
    return pairs


@dataclass
class CorpusReport:
    rows: int
    distinct: int
    by_label: dict[str, int]
    by_lang: dict[str, int]
    by_origin: dict[str, int]
    by_group: dict[str, int]
    traditional_share: float
    hard_share: float
    augmented_share: float
    near_duplicate_share: float
    median_length: float
    median_length_by_label: dict[str, float]
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {key: getattr(self, key) for key in self.__dataclass_fields__} | {"ok": self.ok}


def check_corpus(rows: Sequence[CorpusRow], requirements: Requirements = Requirements()) -> CorpusReport:
    """Measure the corpus against ``requirements``; ``problems`` lists every requirement it misses."""
    n = len(rows)
    by_label = Counter(row.label.value for row in rows)
    by_lang = Counter(row.lang for row in rows)
    by_origin = Counter(row.origin for row in rows)
    by_group = Counter(row.group for row in rows)
    duplicates = near_duplicates([row.text for row in rows])
    lengths = [len(row.text) for row in rows]
    report = CorpusReport(
        rows=n,
        distinct=n - len(duplicates),
        by_label={label.value: by_label.get(label.value, 0) for label in LABELS},
        by_lang=dict(by_lang),
        by_origin=dict(by_origin),
        by_group=dict(sorted(by_group.items())),
        traditional_share=round(by_lang.get("zh-Hant", 0) / n, 4) if n else 0.0,
        hard_share=round(sum(map(is_hard, rows)) / n, 4) if n else 0.0,
        augmented_share=round(by_origin.get("augmented", 0) / n, 4) if n else 0.0,
        near_duplicate_share=round(len(duplicates) / n, 4) if n else 0.0,
        median_length=statistics.median(lengths) if lengths else 0.0,
        median_length_by_label={
            label.value: statistics.median([len(r.text) for r in rows if r.label is label] or [0])
            for label in LABELS
        },
    )
    need = requirements
    if report.distinct < need.min_rows:
        report.problems.append(f"{report.distinct} distinct rows < {need.min_rows}")
    for label, count in report.by_label.items():
        if count < need.min_per_label:
            report.problems.append(f"label {label}: {count} rows < {need.min_per_label}")
    if len(by_group) < need.min_groups:
        report.problems.append(f"{len(by_group)} verticals < {need.min_groups}")
    if report.traditional_share < need.min_traditional_share:
        report.problems.append(
            f"Traditional share {report.traditional_share:.1%} < {need.min_traditional_share:.0%}"
        )
    if report.hard_share < need.min_hard_share:
        report.problems.append(f"hard-case share {report.hard_share:.1%} < {need.min_hard_share:.0%}")
    if report.augmented_share > need.max_augmented_share:
        report.problems.append(
            f"augmented share {report.augmented_share:.1%} > {need.max_augmented_share:.0%}"
        )
    if report.near_duplicate_share >= need.max_near_duplicate_share:
        report.problems.append(
            f"near-duplicate share {report.near_duplicate_share:.1%} ≥ {need.max_near_duplicate_share:.0%}"
        )
    low, high = need.median_length
    if not low <= report.median_length <= high:
        report.problems.append(f"median length {report.median_length} outside {low}–{high}")
    for row in rows:
        traditional = is_traditional(row.text)
        if row.lang == "zh-Hans" and traditional and len(row.text) >= 6:
            report.warnings.append(
                f"{row.path}:{row.line}: lang zh-Hans but the text has Traditional characters"
            )
    return report
