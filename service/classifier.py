"""Load, verify and run a trained model.

A model is two files side by side: ``<name>.joblib`` (a scikit-learn ``Pipeline`` built by
``service.features.build_pipeline``) and ``<name>.manifest.json`` (hash, labels, library versions,
training data, metrics). ``Classifier.load`` checks the manifest before it unpickles anything, then
compiles the pipeline into a compact scorer:

    normalize → analyzers → vocabulary lookup → sparse TF-IDF row → X·W + b → softmax(β·z)

which is the same arithmetic as ``Pipeline.predict_proba`` (a test pins them equal) without
scikit-learn's per-call overhead: the difference between ~4 ms and ~0.1 ms per message.
"""

from __future__ import annotations

import hashlib
import json
import platform
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from itertools import repeat
from pathlib import Path
from typing import Any

import joblib
import numpy as np
from scipy import sparse

from service.errors import ModelError
from service.labels import LABELS, SCHEMA_VERSION
from service.text.normalize import NORMALIZER_VERSION, normalize
from service.text.segment import tokenize, user_words
from service.types import Evidence, Explanation, FeatureKind, Prediction

MANIFEST_SUFFIX = ".manifest.json"

#: Libraries whose version changes what a saved model computes, and how strictly each must match.
PINNED_LIBRARIES: dict[str, str] = {
    "scikit-learn": "exact",
    "numpy": "minor",
    "scipy": "minor",
    "joblib": "minor",
    "jieba": "exact",
    "rjieba": "exact",
    "opencc": "exact",
}
_BLOCK_KINDS: dict[str, FeatureKind] = {"words": "word", "chars": "char", "structure": "structure"}


def library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in PINNED_LIBRARIES:
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


def manifest_path(artifact: Path) -> Path:
    return artifact.with_name(artifact.name.removesuffix(".joblib") + MANIFEST_SUFFIX)


@dataclass(frozen=True)
class Manifest:
    """What a model is, what it was trained on, and how well it did. Stored as JSON beside the artifact."""

    model_version: str
    artifact: str
    sha256: str
    size_bytes: int
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
        known = set(cls.__dataclass_fields__)
        missing = sorted(known - set(raw) - {"notes"})
        if missing:
            raise ModelError(f"model manifest {path} lacks fields: {', '.join(missing)}")
        return cls(**{key: value for key, value in raw.items() if key in known})


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
    """Write ``pipeline`` to ``artifact`` and its manifest beside it; return the manifest."""
    artifact.parent.mkdir(parents=True, exist_ok=True)
    tmp = artifact.with_name(artifact.name + ".tmp")
    joblib.dump(pipeline, tmp, compress=3)
    digest = sha256_file(tmp)
    tmp.replace(artifact)
    created = (created_at or datetime.now(UTC)).replace(microsecond=0)
    manifest = Manifest(
        model_version=f"{created:%Y.%m.%d}-{digest[:8]}",
        artifact=artifact.name,
        sha256=digest,
        size_bytes=artifact.stat().st_size,
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


def verify_manifest(manifest: Manifest, artifact: Path) -> None:
    """Refuse an artifact that is not the file its manifest describes, or that this code cannot serve."""
    if not artifact.is_file():
        raise ModelError(f"model artifact {artifact} does not exist")
    actual = sha256_file(artifact)
    if actual != manifest.sha256:
        raise ModelError(
            f"model artifact {artifact} has sha256 {actual[:12]}…, but its manifest says "
            f"{manifest.sha256[:12]}…: the file is corrupt or was replaced; restore it or retrain"
        )
    expected_labels = [label.value for label in LABELS]
    if manifest.labels != expected_labels or manifest.label_schema_version != SCHEMA_VERSION:
        raise ModelError(
            f"model {artifact.name} was trained for labels {manifest.labels} (schema "
            f"{manifest.label_schema_version}); this code serves {expected_labels} (schema {SCHEMA_VERSION})"
        )
    if manifest.normalizer_version != NORMALIZER_VERSION:
        raise ModelError(
            f"model {artifact.name} was trained with normalizer v{manifest.normalizer_version}; this code "
            f"normalizes with v{NORMALIZER_VERSION}: retrain the model"
        )
    if manifest.user_dict_sha256 != user_dict_sha256():
        raise ModelError(f"model {artifact.name} was trained with another user dictionary: retrain the model")
    current = library_versions()
    problems = []
    for name, rule in PINNED_LIBRARIES.items():
        want, have = manifest.libraries.get(name, "missing"), current[name]
        same = want == have if rule == "exact" else want.split(".")[:2] == have.split(".")[:2]
        if not same:
            problems.append(f"{name} {have} (model needs {want})")
    if problems:
        raise ModelError(
            f"model {artifact.name} was built with other library versions: {'; '.join(problems)}. "
            "Install the pinned versions (make install) or retrain"
        )


@dataclass
class _Block:
    """One feature block of the FeatureUnion, compiled to a vocabulary lookup and vectorized TF-IDF."""

    name: str
    analyzer: Callable[[str], list[str]]
    vocabulary: dict[str, int]
    idf: np.ndarray | None
    sublinear: bool
    binary: bool
    l2: bool
    offset: int
    size: int
    _terms: list[str] | None = None

    def terms(self) -> list[str]:
        """Column index → term (built on first use: only ``explain`` needs it)."""
        if self._terms is None:
            terms = [""] * self.size
            for term, j in self.vocabulary.items():
                terms[j] = term
            self._terms = terms
        return self._terms

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, values) of one text's TF-IDF row: the single-message path, without scipy overhead."""
        counts = Counter(j for j in map(self.vocabulary.get, self.analyzer(text), repeat(-1)) if j >= 0)
        columns = np.fromiter(counts.keys(), dtype=np.intp, count=len(counts))
        if self.binary:
            values = np.ones(len(counts))
        else:
            values = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
            if self.sublinear:
                np.log(values, out=values)
                values += 1.0
        if self.idf is not None:
            values *= self.idf[columns]
        if self.l2 and values.size:
            values /= np.sqrt(values @ values)
        return columns, values

    def columns(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """The block's TF-IDF rows for ``texts``: lookups in Python, arithmetic in numpy/scipy."""
        lookup, analyzer = self.vocabulary.get, self.analyzer
        found: list[int] = []
        lengths: list[int] = []
        for text in texts:
            grams = analyzer(text)
            found.extend(map(lookup, grams, repeat(-1)))  # runs in C; -1 marks a term not in the vocabulary
            lengths.append(len(grams))
        columns = np.asarray(found, dtype=np.int32)
        rows = np.repeat(np.arange(len(texts), dtype=np.int32), lengths)
        known = columns >= 0
        matrix = sparse.csr_matrix(
            (np.ones(int(known.sum())), (rows[known], columns[known])), shape=(len(texts), self.size)
        )
        matrix.sum_duplicates()  # repeated columns become counts
        data = matrix.data
        if self.binary:
            data[:] = 1.0
        elif self.sublinear:
            np.log(data, out=data)
            data += 1.0
        if self.idf is not None:
            data *= self.idf[matrix.indices]
        if self.l2 and data.size:
            counts = np.diff(matrix.indptr)
            nonempty = counts > 0
            # reduceat over the starts of non-empty rows sums exactly each row (empty rows hold no data)
            norms = np.sqrt(np.add.reduceat(data * data, matrix.indptr[:-1][nonempty]))
            data /= np.repeat(norms, counts[nonempty])
        return matrix


class Classifier:
    """A verified model, ready to score messages. Thread-safe for concurrent ``predict`` calls."""

    def __init__(self, pipeline: Any, manifest: Manifest) -> None:
        self.pipeline = pipeline
        self.manifest = manifest
        self._blocks, self._weights, self._bias, self._beta = _compile(pipeline)

    @property
    def version(self) -> str:
        return self.manifest.model_version

    @classmethod
    def load(cls, artifact: Path | str) -> Classifier:
        """Verify ``artifact`` against its manifest, then load and compile it."""
        artifact = Path(artifact)
        manifest = Manifest.read(manifest_path(artifact))
        verify_manifest(manifest, artifact)
        try:
            pipeline = joblib.load(artifact)
        except Exception as exc:  # unpickling errors come in many types
            raise ModelError(f"model artifact {artifact} could not be loaded: {exc}") from exc
        try:
            return cls(pipeline, manifest)
        except (AttributeError, KeyError, ValueError) as exc:
            raise ModelError(f"model artifact {artifact} is not a ChatTriage pipeline: {exc}") from exc

    def warm_up(self) -> None:
        """Load the segmenter, the Traditional→Simplified tables and the numeric paths now."""
        self.predict(["warm up 預熱 ⟨url⟩ 加微信 13800001234"])

    def features(self, normalized: Sequence[str]) -> list[sparse.csr_matrix]:
        """One TF-IDF matrix per feature block for already-normalized texts."""
        return [block.columns(normalized) for block in self._blocks]

    def predict_proba(self, texts: Sequence[str]) -> np.ndarray:
        """Scores, shape (len(texts), 5), columns in ``LABELS`` order; each row sums to 1."""
        normalized = [normalize(text) for text in texts]
        if len(normalized) == 1:
            logits = self._bias.copy()
            for block in self._blocks:
                columns, values = block.row(normalized[0])
                logits += values @ self._weights[columns + block.offset]
            logits = logits[np.newaxis, :]
        else:
            logits = np.tile(self._bias, (len(normalized), 1))
            for block, matrix in zip(self._blocks, self.features(normalized), strict=True):
                logits += matrix @ self._weights[block.offset : block.offset + block.size]
        logits *= self._beta
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
        for block in self._blocks:
            columns, values = block.row(normalized)
            rows = self._weights[block.offset + columns]
            contributions = values * (rows[:, k] - rows.mean(axis=1)) * self._beta
            for j, weight in zip(columns.tolist(), contributions.tolist(), strict=True):
                if weight > 0:
                    term = block.terms()[j]
                    evidence.append(Evidence(feature=term, kind=_BLOCK_KINDS[block.name], weight=weight))
        evidence.sort(key=lambda e: -e.weight)
        del evidence[top:]
        return Explanation(
            prediction=prediction,
            normalized=normalized,
            tokens=tuple(tokenize(normalized)),
            evidence=tuple(evidence),
        )


def _compile(pipeline: Any) -> tuple[list[_Block], np.ndarray, np.ndarray, float]:
    """Extract vocabularies, IDF, weights and temperature from a fitted ``build_pipeline`` pipeline."""
    union = pipeline.named_steps["features"]
    if union.transformer_weights:
        raise ValueError("transformer weights are not supported by the compiled scorer")
    blocks, offset = [], 0
    for name, vectorizer in union.transformer_list:
        idf = np.asarray(vectorizer.idf_, dtype=np.float64) if vectorizer.use_idf else None
        norm = vectorizer.norm
        if norm not in (None, "l2"):
            raise ValueError(f"block {name}: norm {norm!r} is not supported")
        blocks.append(
            _Block(
                name=name,
                analyzer=vectorizer.analyzer,
                vocabulary=dict(vectorizer.vocabulary_),
                idf=idf,
                sublinear=bool(vectorizer.sublinear_tf),
                binary=bool(vectorizer.binary),
                l2=norm == "l2",
                offset=offset,
                size=len(vectorizer.vocabulary_),
            )
        )
        offset += len(vectorizer.vocabulary_)
    calibrated = pipeline.named_steps["classify"]
    if len(calibrated.calibrated_classifiers_) != 1 or calibrated.method != "temperature":
        raise ValueError("expected one temperature-calibrated classifier (ensemble=False)")
    inner = calibrated.calibrated_classifiers_[0]
    model = inner.estimator
    # Temperature scaling label-encodes string targets: the inner estimator's classes are then indices
    # into the calibrated wrapper's class names.
    names = [
        str(calibrated.classes_[c]) if isinstance(c, (int, np.integer)) else str(c) for c in model.classes_
    ]
    order = [names.index(label.value) for label in LABELS]
    weights = np.ascontiguousarray(model.coef_.T[:, order], dtype=np.float64)
    bias = np.asarray(model.intercept_[order], dtype=np.float64)
    if weights.shape[0] != offset:
        raise ValueError(f"model has {weights.shape[0]} weights for {offset} features")
    beta = float(np.asarray(inner.calibrators[0].beta_).reshape(-1)[0])
    return blocks, weights, bias, beta
