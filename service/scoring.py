"""Batch scoring of chat exports: messages in, scored rows out, as a stream in constant memory.

``score(messages, model_path=…, jobs=N)`` reads ``Message`` records (from ``service.exports.read``),
skips system records (counting them), classifies text in chunks — in this process or in ``jobs``
worker processes that each load the model once — and yields ``Scored`` rows in input order. The same
input and model give the same rows, whatever ``jobs`` is.

A message with no text (an image, a sticker, a file) cannot be classified from its content. It takes
the label of the same sender's previous message when that came at most ``CONTEXT_SECONDS`` earlier (the
screenshot after a question, the product photo after an ad): ``basis="context"``; otherwise it is
chatter: ``basis="default"``. Messages classified from their text have ``basis="text"``.

A link card is classified as members see it: its title, description and URL (``classifiable_text``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path
from typing import Any, Literal

import numpy as np

from service.classifier import Classifier
from service.labels import LABELS, Label
from service.types import Message

CONTEXT_SECONDS = 60.0
SCORE_DECIMALS = 6  # rows carry scores rounded once, where they are computed
CHUNK = 2000
Basis = Literal["text", "context", "default"]


@dataclass(frozen=True, slots=True)
class Scored:
    message: Message
    label: Label
    scores: tuple[float, ...]  # in LABELS order
    basis: Basis

    @property
    def confidence(self) -> float:
        return self.scores[LABELS.index(self.label)]


@dataclass
class ScoreStats:
    read: int = 0
    system_skipped: int = 0
    scored: int = 0
    by_label: Counter[str] = field(default_factory=Counter)
    by_basis: Counter[str] = field(default_factory=Counter)


_DEFAULT_SCORES = tuple(1.0 if label is Label.CHATTER else 0.0 for label in LABELS)

# --- worker processes ---------------------------------------------------------------------------------
_worker_model: Classifier | None = None


CACHE_SIZE = (
    200_000  # distinct texts per process: exports repeat themselves (收到, 哈哈, [图片], spam floods)
)


def _init_worker(model_path: str, cache_size: int) -> None:
    global _worker_model
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    _worker_model = Classifier.load(model_path, cache_size=cache_size)


def _worker_proba(texts: list[str]) -> np.ndarray:
    assert _worker_model is not None
    return np.round(_worker_model.predict_proba(texts), SCORE_DECIMALS)


def _chunks(messages: Iterable[Message], stats: ScoreStats) -> Iterator[list[Message]]:
    def user_messages() -> Iterator[Message]:
        for message in messages:
            stats.read += 1
            if message.is_system:
                stats.system_skipped += 1
                continue
            yield message

    stream = user_messages()
    while chunk := list(islice(stream, CHUNK)):
        yield chunk


def classifiable_text(message: Message) -> str:
    """The text the model sees: the body, and for a link card also its description and URL."""
    if message.kind != "link":
        return message.text
    parts = [message.text, str(message.extra.get("description") or ""), str(message.extra.get("url") or "")]
    return "\n".join(part for part in parts if part.strip())


def _texts(chunk: Sequence[Message]) -> list[str]:
    return [text for m in chunk if (text := classifiable_text(m)).strip()]


def score(
    messages: Iterable[Message],
    *,
    model: Classifier | None = None,
    model_path: Path | None = None,
    jobs: int = 1,
    stats: ScoreStats | None = None,
    cache_size: int = CACHE_SIZE,
) -> Iterator[Scored]:
    """Scored rows for the user messages of ``messages``, in order (system records counted, not yielded).

    With ``jobs > 1`` classification runs in that many worker processes (each loads ``model_path``);
    reading, the context rule and ordering stay in this process.
    """
    stats = stats if stats is not None else ScoreStats()
    chunks = _chunks(messages, stats)
    if jobs > 1:
        if model_path is None:
            raise ValueError("jobs > 1 needs model_path (each worker loads the model)")
        context = multiprocessing.get_context("spawn")
        with context.Pool(jobs, initializer=_init_worker, initargs=(str(model_path), cache_size)) as pool:
            pending = ((chunk, _texts(chunk)) for chunk in chunks)
            paired = _pair_lazily(pending, pool, in_flight=2 * jobs)
            yield from _label(paired, stats)
        return
    if model is None:
        if model_path is None:
            raise ValueError("give a model or a model_path")
        model = Classifier.load(model_path, cache_size=cache_size)
    loaded = model
    rounded = ((chunk, np.round(loaded.predict_proba(_texts(chunk)), SCORE_DECIMALS)) for chunk in chunks)
    yield from _label(rounded, stats)


def _pair_lazily(
    pending: Iterator[tuple[list[Message], list[str]]], pool: Any, *, in_flight: int
) -> Iterator[tuple[list[Message], np.ndarray]]:
    """Keep ``in_flight`` chunks queued at the workers (memory stays flat however long the export is);
    yield (chunk, probabilities) in input order."""
    queued: list[tuple[list[Message], Any]] = []
    for chunk, texts in pending:
        queued.append((chunk, pool.apply_async(_worker_proba, (texts,))))
        if len(queued) >= in_flight:
            done_chunk, result = queued.pop(0)
            yield done_chunk, result.get()
    for done_chunk, result in queued:
        yield done_chunk, result.get()


def _label(pairs: Iterable[tuple[list[Message], np.ndarray]], stats: ScoreStats) -> Iterator[Scored]:
    last_by_sender: dict[str, Scored] = {}
    for chunk, probabilities in pairs:
        rows = iter(probabilities.tolist())
        for message in chunk:
            if classifiable_text(message).strip():
                scores = tuple(next(rows))
                best = max(range(len(scores)), key=scores.__getitem__)
                scored = Scored(message, LABELS[best], scores, "text")
            else:
                scored = _from_context(message, last_by_sender)
            sender = message.sender_id or message.sender_name
            if sender is not None:
                last_by_sender[sender] = scored
            stats.scored += 1
            stats.by_label[scored.label.value] += 1
            stats.by_basis[scored.basis] += 1
            yield scored


def _from_context(message: Message, last_by_sender: dict[str, Scored]) -> Scored:
    sender = message.sender_id or message.sender_name
    previous = last_by_sender.get(sender) if sender is not None else None
    if previous is not None and message.timestamp and previous.message.timestamp:
        gap = (message.timestamp - previous.message.timestamp).total_seconds()
        if 0 <= gap <= CONTEXT_SECONDS:
            return Scored(message, previous.label, previous.scores, "context")
    return Scored(message, Label.CHATTER, _DEFAULT_SCORES, "default")
