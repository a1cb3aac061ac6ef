"""Save, verify, load and run a trained model.

Training fits a scikit-learn ``Pipeline`` (``service.features.build_pipeline``). ``save_model`` writes
three files side by side:

- ``<name>.joblib`` — the **serving model**: the pipeline compiled to vocabularies, IDF vectors, one
  weight matrix, the bias and the calibration temperature (``CompiledModel``). It refers only to the
  module-level analyzers of ``service.features`` and to NumPy arrays, so loading it imports neither
  scikit-learn nor SciPy (about a second of start-up);
- ``<name>.pipeline.joblib`` — the fitted scikit-learn ``Pipeline`` itself, the reference the serving
  model is compiled from (``Classifier.pipeline`` loads it on demand; a test pins both equal);
- ``<name>.manifest.json`` — sha256 of both files, labels, normalizer and user-dictionary versions,
  library versions, training data, metrics, creation time.

``Classifier.load`` checks the manifest and the hash before it unpickles anything. Scoring is

    normalize → analyzers → vocabulary lookup → TF-IDF (sublinear, L2 per block) → X·W + b → softmax(β·z)

the same arithmetic as ``Pipeline.predict_proba``, without scikit-learn's per-call overhead.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from itertools import islice, repeat
from pathlib import Path
from typing import Any

import joblib
import numpy as np

from service.errors import ModelError
from service.features import _UNIT_RE, char_grams, word_grams
from service.labels import LABELS, SCHEMA_VERSION
from service.text.normalize import NORMALIZER_VERSION, PLACEHOLDER_RE, normalize
from service.text.segment import tokenize, user_words
from service.types import Evidence, Explanation, FeatureKind, Prediction

#: Layout of the serving model's classes; bump it whenever ``CompiledModel`` or its blocks change shape.
SERVING_FORMAT = "2"
MANIFEST_SUFFIX = ".manifest.json"
PIPELINE_SUFFIX = ".pipeline.joblib"

#: Libraries whose version changes what the serving model computes, and how strictly each must match.
SERVING_LIBRARIES: dict[str, str] = {
    "numpy": "minor",
    "joblib": "minor",
    "jieba": "exact",
    "rjieba": "exact",
    "opencc": "exact",
}
#: The reference pipeline additionally needs the scikit-learn (and SciPy) it was pickled with.
PIPELINE_LIBRARIES: dict[str, str] = {"scikit-learn": "exact", "scipy": "minor"}
_BLOCK_KINDS: dict[str, FeatureKind] = {"words": "word", "chars": "char", "structure": "structure"}


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in (*SERVING_LIBRARIES, *PIPELINE_LIBRARIES):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "missing"
    return versions


def user_dict_sha256() -> str:
    payload = "\n".join(f"{word} {freq}" for word, freq in user_words())
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _stem(artifact: Path) -> str:
    return artifact.name.removesuffix(".joblib")


def manifest_path(artifact: Path) -> Path:
    return artifact.with_name(_stem(artifact) + MANIFEST_SUFFIX)


def pipeline_path(artifact: Path) -> Path:
    return artifact.with_name(_stem(artifact) + PIPELINE_SUFFIX)


@dataclass(frozen=True)
class Manifest:
    """What a model is, what it was trained on, and how well it did. Stored as JSON beside the artifact."""

    model_version: str
    artifact: str
    sha256: str
    size_bytes: int
    serving_format: str
    pipeline: dict[str, Any]
    label_schema_version: str
    labels: list[str]
    normalizer_version: str
    user_dict_sha256: str
    libraries: dict[str, str]
    training_data: dict[str, Any]
    params: dict[str, Any]
    metrics: dict[str, Any]
    created_at: str
    notes: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def read(cls, path: Path) -> Manifest:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ModelError(f"model manifest {path} is missing; every artifact needs its manifest") from None
        except (OSError, json.JSONDecodeError) as exc:
            raise ModelError(f"model manifest {path} is not readable JSON: {exc}") from None
        if not isinstance(raw, dict):
            raise ModelError(f"model manifest {path} is not a JSON object")
        known = set(cls.__dataclass_fields__)
        missing = sorted(known - set(raw) - {"notes"})
        if missing:
            raise ModelError(f"model manifest {path} lacks fields: {', '.join(missing)}")
        return cls(**{key: value for key, value in raw.items() if key in known})


# --- the serving model ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FeatureBlock:
    """One TF-IDF block of the pipeline's FeatureUnion, as plain lookups and arrays."""

    name: str
    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray | None
    sublinear: bool
    binary: bool
    l2: bool
    offset: int
    size: int

    def _weights(self, counts: np.ndarray, columns: np.ndarray) -> np.ndarray:
        if self.binary:
            values = np.ones(len(counts))
        else:
            values = counts.astype(np.float64)
            if self.sublinear:
                np.log(values, out=values)
                values += 1.0
        if self.idf is not None:
            values *= self.idf[columns]
        return values

    def terms(self) -> list[str]:
        """Column → term (for explanations)."""
        terms = [""] * self.size
        for term, j in self.vocabulary.items():
            terms[j] = term
        return terms

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of one text's row: the single-message path."""
        return self._row(j for j in map(self.vocabulary.get, self.analyzer(text), repeat(-1)) if j >= 0)

    def _row(self, found: Iterable[int]) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of one row from the columns its terms were found at (repeats count)."""
        counts = Counter(found)
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        values = self._weights(np.fromiter(counts.values(), dtype=np.intp, count=len(counts)), columns)
        if self.l2 and values.size:
            values /= np.sqrt(values @ values)
        return columns, values

    def entries(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(rows, columns, values) of the block matrix for ``texts``: lookups in Python, the rest in NumPy."""
        lookup, analyzer = self.vocabulary.get, self.analyzer
        found: list[int] = []
        lengths: list[int] = []
        for text in texts:
            grams = analyzer(text)
            found.extend(map(lookup, grams, repeat(-1)))  # runs in C; -1 marks a term outside the vocabulary
            lengths.append(len(grams))
        columns = np.asarray(found, dtype=np.int64)
        rows = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
        known = columns >= 0
        return self._tfidf(rows[known], columns[known], len(texts))

    def _tfidf(
        self, rows: np.ndarray, columns: np.ndarray, n_texts: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Count (row, column) occurrences and weight them as the vectorizer does (TF, IDF, L2 per row)."""
        keys = np.sort(rows * self.size + columns)  # count repeats: sort, then run lengths (lean np.unique)
        starts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1]))) if keys.size else keys
        counts = np.diff(np.append(starts, keys.size))
        rows, columns = np.divmod(keys[starts], self.size)
        values = self._weights(counts, columns)
        if self.l2 and values.size:
            norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=n_texts))
            values /= norms[rows]
        return rows, columns, values


def _lookup(keys: np.ndarray, columns: np.ndarray, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of ``wanted`` found in the sorted ``keys`` and their columns."""
    if not len(keys) or not len(wanted):
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, wanted), len(keys) - 1)
    hit = keys[at] == wanted
    return hit, columns[at[hit]]


_CODE_BITS = 21  # every code point fits in 21 bits; three of them in one uint64 key
_PLACEHOLDER_BASE = (
    0xF0000  # placeholders become plane-15 private-use code points (normalize removes real ones)
)
_UNKNOWN_PLACEHOLDER = 0x10FFFD
_IS_SPACE = np.zeros(0x110000, dtype=bool)  # code point → whitespace? (one fancy index instead of np.isin)
_IS_SPACE[[9, 10, 11, 12, 13, 28, 29, 30, 31, 32, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B), 0x2028, 0x2029,
           0x202F, 0x205F, 0x3000]] = True  # fmt: skip  # exactly the characters str.split() splits on


@dataclass(frozen=True)
class CharBlock(FeatureBlock):
    """Character n-grams scored without building n-gram strings: each message's code points go into one
    array, n-gram keys are formed arithmetically and looked up in sorted key arrays (one per n)."""

    placeholder_codes: dict[str, int] = field(default_factory=dict)
    keys: tuple[np.ndarray, ...] = ()
    key_columns: tuple[np.ndarray, ...] = ()
    _maps: list[dict[int, int]] = field(default_factory=list, compare=False, repr=False)  # built on first use

    @classmethod
    def build(cls, block: FeatureBlock) -> CharBlock:
        codes: dict[str, int] = {}
        by_n: dict[int, list[tuple[int, int]]] = {1: [], 2: [], 3: []}
        for term, column in block.vocabulary.items():
            units = _UNIT_RE.findall(term)
            key = 0
            for unit in units:  # a placeholder unit (⟨url⟩) gets its own private-use code point
                code = codes.setdefault(unit, _PLACEHOLDER_BASE + len(codes)) if len(unit) > 1 else ord(unit)
                key = (key << _CODE_BITS) | code
            by_n[len(units)].append((key, column))
        keys, key_columns = [], []
        for n in (1, 2, 3):
            pairs = sorted(by_n[n])
            keys.append(np.array([k for k, _ in pairs], dtype=np.uint64))
            key_columns.append(np.array([c for _, c in pairs], dtype=np.int64))
        fields = {name: getattr(block, name) for name in FeatureBlock.__dataclass_fields__} | {
            "vocabulary": {}
        }
        return cls(**fields, placeholder_codes=codes, keys=tuple(keys), key_columns=tuple(key_columns))

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """One message in plain Python: integer n-gram keys looked up in dicts (no per-call NumPy setup)."""
        if not self._maps:
            self._maps.extend(
                dict(zip(keys.tolist(), columns.tolist(), strict=True))
                for keys, columns in zip(self.keys, self.key_columns, strict=True)
            )
        one, two, three = self._maps
        codes = [ord(ch) for ch in self._encode(text)]
        found: list[int] = []
        previous = before = -1  # the one and two code points before, or -1 after whitespace
        for code in codes:
            if code < 0x110000 and _IS_SPACE[code]:
                previous = before = -1
                continue
            if (j := one.get(code)) is not None:
                found.append(j)
            if previous >= 0:
                pair = (previous << _CODE_BITS) | code
                if (j := two.get(pair)) is not None:
                    found.append(j)
                if before >= 0 and (j := three.get((before << (2 * _CODE_BITS)) | pair)) is not None:
                    found.append(j)
            before, previous = previous, code
        return self._row(found)

    def terms(self) -> list[str]:
        names = {code: unit for unit, code in self.placeholder_codes.items()}
        mask = (1 << _CODE_BITS) - 1
        terms = [""] * self.size
        for n, (keys, columns) in enumerate(zip(self.keys, self.key_columns, strict=True), 1):
            for key, column in zip(keys.tolist(), columns.tolist(), strict=True):
                codes = [(key >> (_CODE_BITS * k)) & mask for k in reversed(range(n))]
                terms[column] = "".join(names.get(code) or chr(code) for code in codes)
        return terms

    def _encode(self, text: str) -> str:
        if "⟨" not in text:
            return text
        codes = self.placeholder_codes
        return PLACEHOLDER_RE.sub(lambda m: chr(codes.get(m.group(0), _UNKNOWN_PLACEHOLDER)), text)

    def entries(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        encoded = [self._encode(text) for text in texts]
        points = np.frombuffer("\n".join(encoded).encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
        owner = np.repeat(np.arange(len(texts), dtype=np.int64), [len(e) + 1 for e in encoded])[: len(points)]
        solid = ~_IS_SPACE[points]  # n-grams never cross whitespace, nor (via "\n") messages
        rows, columns = [], []
        for n, (keys, key_columns) in enumerate(zip(self.keys, self.key_columns, strict=True), 1):
            span = len(points) - n + 1
            if span <= 0:
                continue
            valid = solid[:span].copy()
            key = points[:span].copy()
            for k in range(1, n):
                valid &= solid[k : k + span]
                key = (key << np.uint64(_CODE_BITS)) | points[k : k + span]
            hit, found = _lookup(keys, key_columns, key[valid])
            rows.append(owner[:span][valid][hit])
            columns.append(found)
        if not rows:
            return self._tfidf(np.zeros(0, np.int64), np.zeros(0, np.int64), len(texts))
        return self._tfidf(np.concatenate(rows), np.concatenate(columns), len(texts))


@dataclass(frozen=True)
class WordBlock(FeatureBlock):
    """Word unigrams and bigrams scored as token ids: a bigram in the vocabulary implies both its tokens
    are (a document containing "a b" contains a and b), so pairs of known ids form integer keys."""

    bigram_keys: np.ndarray = field(default_factory=lambda: np.zeros(0, np.uint64))
    bigram_columns: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @classmethod
    def build(cls, block: FeatureBlock) -> WordBlock:
        pairs = []
        for term, column in block.vocabulary.items():
            if " " in term:
                first, second = term.split(" ")
                pairs.append(((block.vocabulary[first] << 32) | block.vocabulary[second], column))
        pairs.sort()
        fields = {name: getattr(block, name) for name in FeatureBlock.__dataclass_fields__}
        return cls(
            **fields,
            bigram_keys=np.array([k for k, _ in pairs], dtype=np.uint64),
            bigram_columns=np.array([c for _, c in pairs], dtype=np.int64),
        )

    def entries(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lookup = self.vocabulary.get
        ids: list[int] = []
        for text in texts:
            ids.extend(map(lookup, tokenize(text), repeat(-1)))
            ids.append(-2)  # message boundary: no bigram across it
        token = np.asarray(ids, dtype=np.int64)
        owner = np.cumsum(token == -2) - (token == -2)
        known = token >= 0
        pair = known[:-1] & known[1:]
        keys = (token[:-1][pair].astype(np.uint64) << np.uint64(32)) | token[1:][pair].astype(np.uint64)
        hit, found = _lookup(self.bigram_keys, self.bigram_columns, keys)
        rows = np.concatenate([owner[known], owner[:-1][pair][hit]])
        return self._tfidf(rows, np.concatenate([token[known], found]), len(texts))


@dataclass(frozen=True)
class CompiledModel:
    """The serving form of a fitted pipeline: feature blocks, weights (columns in ``labels`` order),
    bias and the temperature-scaling factor β of ``softmax(β·z)``."""

    labels: tuple[str, ...]
    blocks: tuple[FeatureBlock, ...]
    weights: np.ndarray
    bias: np.ndarray
    beta: float


def compile_pipeline(pipeline: Any) -> CompiledModel:
    """Extract vocabularies, IDF, weights and temperature from a fitted ``build_pipeline`` pipeline."""
    union = pipeline.named_steps["features"]
    if union.transformer_weights:
        raise ValueError("transformer weights are not supported by the compiled scorer")
    blocks, offset = [], 0
    for name, vectorizer in union.transformer_list:
        if vectorizer.norm not in (None, "l2"):
            raise ValueError(f"block {name}: norm {vectorizer.norm!r} is not supported")
        size = len(vectorizer.vocabulary_)
        block = FeatureBlock(
            name=name,
            analyzer=vectorizer.analyzer,
            vocabulary={str(term): int(j) for term, j in vectorizer.vocabulary_.items()},
            idf=np.asarray(vectorizer.idf_, dtype=np.float64) if vectorizer.use_idf else None,
            sublinear=bool(vectorizer.sublinear_tf),
            binary=bool(vectorizer.binary),
            l2=vectorizer.norm == "l2",
            offset=offset,
            size=size,
        )
        if vectorizer.analyzer is char_grams:
            block = CharBlock.build(block)
        elif vectorizer.analyzer is word_grams:
            block = WordBlock.build(block)
        blocks.append(block)
        offset += size
    calibrated = pipeline.named_steps["classify"]
    if len(calibrated.calibrated_classifiers_) != 1 or calibrated.method != "temperature":
        raise ValueError("expected one temperature-calibrated classifier (ensemble=False)")
    inner = calibrated.calibrated_classifiers_[0]
    model = inner.estimator
    # Temperature scaling label-encodes string targets: the inner estimator's classes are then indices
    # into the calibrated wrapper's class names.
    names = [
        str(calibrated.classes_[c]) if isinstance(c, int | np.integer) else str(c) for c in model.classes_
    ]
    order = [names.index(label.value) for label in LABELS]
    weights = np.ascontiguousarray(model.coef_.T[:, order], dtype=np.float64)
    if weights.shape[0] != offset:
        raise ValueError(f"model has {weights.shape[0]} weights for {offset} features")
    return CompiledModel(
        labels=tuple(label.value for label in LABELS),
        blocks=tuple(blocks),
        weights=weights,
        bias=np.asarray(model.intercept_[order], dtype=np.float64),
        beta=float(np.asarray(inner.calibrators[0].beta_).reshape(-1)[0]),
    )


# --- files ---------------------------------------------------------------------------------------------
def _dump(obj: Any, path: Path, compress: int) -> str:
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump(obj, tmp, compress=compress)
    digest = sha256_file(tmp)
    tmp.replace(path)
    return digest


def save_model(
    pipeline: Any,
    artifact: Path,
    *,
    training_data: dict[str, Any],
    params: dict[str, Any],
    metrics: dict[str, Any],
    notes: dict[str, Any] | None = None,
    created_at: datetime | None = None,
) -> Manifest:
    """Write the serving model compiled from ``pipeline``, the pipeline itself and the manifest."""
    artifact.parent.mkdir(parents=True, exist_ok=True)
    digest = _dump(compile_pipeline(pipeline), artifact, compress=0)  # uncompressed: loads fastest
    reference = pipeline_path(artifact)
    pipeline_digest = _dump(pipeline, reference, compress=3)
    created = (created_at or datetime.now(UTC)).replace(microsecond=0)
    manifest = Manifest(
        model_version=f"{created:%Y.%m.%d}-{digest[:8]}",
        artifact=artifact.name,
        sha256=digest,
        size_bytes=artifact.stat().st_size,
        serving_format=SERVING_FORMAT,
        pipeline={"file": reference.name, "sha256": pipeline_digest, "size_bytes": reference.stat().st_size},
        label_schema_version=SCHEMA_VERSION,
        labels=[label.value for label in LABELS],
        normalizer_version=NORMALIZER_VERSION,
        user_dict_sha256=user_dict_sha256(),
        libraries=library_versions(),
        training_data=training_data,
        params=params,
        metrics=metrics,
        created_at=created.isoformat(),
        notes=notes or {},
    )
    manifest_path(artifact).write_text(
        json.dumps(manifest.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def _check_libraries(manifest: Manifest, name: str, rules: dict[str, str]) -> None:
    current = library_versions()
    problems = []
    for library, rule in rules.items():
        want, have = manifest.libraries.get(library, "missing"), current[library]
        same = want == have if rule == "exact" else want.split(".")[:2] == have.split(".")[:2]
        if not same:
            problems.append(f"{library} {have} (model needs {want})")
    if problems:
        raise ModelError(
            f"model {name} was built with other library versions: {'; '.join(problems)}. "
            "Install the pinned versions (make install) or retrain"
        )


def _check_file(path: Path, expected_sha256: str) -> None:
    if not path.is_file():
        raise ModelError(f"model artifact {path} does not exist")
    actual = sha256_file(path)
    if actual != expected_sha256:
        raise ModelError(
            f"model artifact {path} has sha256 {actual[:12]}…, but its manifest says "
            f"{expected_sha256[:12]}…: the file is corrupt or was replaced; restore it or retrain"
        )


def verify_manifest(manifest: Manifest, artifact: Path) -> None:
    """Refuse an artifact that is not the file its manifest describes, or that this code cannot serve."""
    _check_file(artifact, manifest.sha256)
    expected_labels = [label.value for label in LABELS]
    if manifest.labels != expected_labels or manifest.label_schema_version != SCHEMA_VERSION:
        raise ModelError(
            f"model {artifact.name} was trained for labels {manifest.labels} (schema "
            f"{manifest.label_schema_version}); this code serves {expected_labels} (schema {SCHEMA_VERSION})"
        )
    if manifest.serving_format != SERVING_FORMAT:
        raise ModelError(
            f"model {artifact.name} is in serving format v{manifest.serving_format}; this code reads "
            f"v{SERVING_FORMAT}: retrain the model (or rebuild it from its pipeline with save_model)"
        )
    if manifest.normalizer_version != NORMALIZER_VERSION:
        raise ModelError(
            f"model {artifact.name} was trained with normalizer v{manifest.normalizer_version}; this code "
            f"normalizes with v{NORMALIZER_VERSION}: retrain the model"
        )
    if manifest.user_dict_sha256 != user_dict_sha256():
        raise ModelError(f"model {artifact.name} was trained with another user dictionary: retrain the model")
    _check_libraries(manifest, artifact.name, SERVING_LIBRARIES)


# --- scoring -------------------------------------------------------------------------------------------
class Classifier:
    """A verified model, ready to score messages. Thread-safe for concurrent ``predict`` calls."""

    def __init__(
        self, model: CompiledModel, manifest: Manifest, artifact: Path | None = None, *, cache_size: int = 0
    ) -> None:
        if list(model.labels) != [label.value for label in LABELS]:
            raise ModelError(f"serving model has labels {list(model.labels)}; expected {list(LABELS)}")
        self.model = model
        self.manifest = manifest
        self.artifact = artifact
        self.cache_size = cache_size
        self.cache_hits = 0
        self.cache_misses = 0
        self._cache: dict[str, np.ndarray] = {}
        self._terms: dict[str, list[str]] = {}
        self._pipeline: Any = None

    @property
    def version(self) -> str:
        return self.manifest.model_version

    @classmethod
    def load(cls, artifact: Path | str, *, cache_size: int = 0) -> Classifier:
        """Verify ``artifact`` against its manifest, then load the serving model (no scikit-learn needed).

        ``cache_size`` > 0 keeps the scores of that many recent distinct texts: chat repeats itself
        (收到, 哈哈, [图片], spam floods), and a repeat costs a dictionary lookup instead of a scoring.
        """
        artifact = Path(artifact)
        manifest = Manifest.read(manifest_path(artifact))
        verify_manifest(manifest, artifact)
        try:
            model = joblib.load(artifact)
        except Exception as exc:  # unpickling errors come in many types
            raise ModelError(f"model artifact {artifact} could not be loaded: {exc}") from exc
        if not isinstance(model, CompiledModel):
            raise ModelError(f"model artifact {artifact} is not a ChatTriage serving model")
        return cls(model, manifest, artifact, cache_size=cache_size)

    @property
    def pipeline(self) -> Any:
        """The reference scikit-learn pipeline this model was compiled from (loaded and verified on use)."""
        if self._pipeline is None:
            if self.artifact is None:
                raise ModelError("this classifier was not loaded from files; it has no reference pipeline")
            reference = self.artifact.with_name(self.manifest.pipeline["file"])
            _check_file(reference, self.manifest.pipeline["sha256"])
            _check_libraries(self.manifest, reference.name, PIPELINE_LIBRARIES)
            self._pipeline = joblib.load(reference)
        return self._pipeline

    def warm_up(self) -> None:
        """Load the segmenter, the Traditional→Simplified tables and the numeric paths now."""
        self.predict(["warm up 預熱 ⟨url⟩ 加微信 13800001234"])
        self.predict(["warm up", "預熱 第二条"])

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Scores, shape (len(texts), 5), columns in ``LABELS`` order; each row sums to 1."""
        if not self.cache_size or not texts:
            return self._score(texts)
        cache = self._cache
        # This call's rows live in ``rows``, so eviction (here or in a concurrent call) never takes them.
        rows: dict[str, np.ndarray] = {}
        missing: list[str] = []
        for text in dict.fromkeys(texts):
            row = cache.get(text)
            if row is None:
                missing.append(text)
            else:
                rows[text] = row
        self.cache_misses += len(missing)
        self.cache_hits += len(texts) - len(missing)
        if missing:
            for text, row in zip(missing, self._score(missing), strict=True):
                rows[text] = cache[text] = row
        if len(cache) > self.cache_size:  # evict the oldest half (dicts keep insertion order)
            for text in list(islice(cache, len(cache) // 2)):
                cache.pop(text, None)
        return np.vstack([rows[text] for text in texts])

    def _score(self, texts: Sequence[str]) -> np.ndarray:
        normalized = [normalize(text) for text in texts]
        model = self.model
        if len(normalized) == 1:
            logits = model.bias.copy()
            for block in model.blocks:
                columns, values = block.row(normalized[0])
                logits += values @ model.weights[columns + block.offset]
            logits = logits[np.newaxis, :]
        else:
            logits = np.tile(model.bias, (len(normalized), 1))
            for block in model.blocks:
                rows, columns, values = block.entries(normalized)
                contributions = model.weights[columns + block.offset] * values[:, np.newaxis]
                for k in range(logits.shape[1]):
                    logits[:, k] += np.bincount(rows, weights=contributions[:, k], minlength=len(normalized))
        logits *= model.beta
        logits -= logits.max(axis=1, keepdims=True)
        np.exp(logits, out=logits)
        logits /= logits.sum(axis=1, keepdims=True)
        return logits

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        probabilities = self.predict_proba(texts)
        best = probabilities.argmax(axis=1)
        version = self.version
        return [
            Prediction(
                label=LABELS[k],
                confidence=float(row[k]),
                scores=dict(zip(LABELS, map(float, row), strict=True)),
                model_version=version,
            )
            for row, k in zip(probabilities.tolist(), best.tolist(), strict=True)
        ]

    def explain(self, text: str, *, top: int = 8) -> Explanation:
        """The prediction for ``text`` plus the features that pushed it toward the chosen label."""
        prediction = self.predict([text])[0]
        normalized = normalize(text)
        k = LABELS.index(prediction.label)
        evidence: list[Evidence] = []
        for block in self.model.blocks:
            columns, values = block.row(normalized)
            rows = self.model.weights[block.offset + columns]
            contributions = values * (rows[:, k] - rows.mean(axis=1)) * self.model.beta
            terms = self._block_terms(block)
            for j, weight in zip(columns.tolist(), contributions.tolist(), strict=True):
                if weight > 0:
                    evidence.append(Evidence(feature=terms[j], kind=_BLOCK_KINDS[block.name], weight=weight))
        evidence.sort(key=lambda e: -e.weight)
        return Explanation(
            prediction=prediction,
            normalized=normalized,
            tokens=tuple(tokenize(normalized)),
            evidence=tuple(evidence[:top]),
        )

    def _block_terms(self, block: FeatureBlock) -> list[str]:
        """Column → term for one block (built on first use: only ``explain`` needs it)."""
        terms = self._terms.get(block.name)
        if terms is None:
            terms = self._terms[block.name] = block.terms()
        return terms
