"""The one classification entry point the HTTP API and the command line both call.

``classify(messages, model=…)`` turns normalized ``Message`` records into ``Verdict``s in input order.
Only ``Message.text`` is classified: a reply's quoted text (``Message.quote``) is kept apart so a reply
is not blamed for what it quotes.

``ModelSlot`` holds the serving model and swaps it atomically on reload: callers take ``slot.current``
once per request, so requests in flight finish on the model they started with, and a bad artifact is
refused while the old model keeps serving.

``Batcher`` runs the model on one dedicated thread and scores whatever requests are waiting as one
vectorized batch (adaptive micro-batching: it never waits for more work, it takes what is queued).
Under concurrency this replaces many threads contending for the GIL with one thread doing batched
work; at one request at a time it is a single queue hop.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

from service.classifier import Classifier
from service.errors import NotReady
from service.types import Evidence, Message, Prediction

_log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Verdict:
    """A message's prediction, with the evidence behind it when asked for."""

    message_id: str | None
    prediction: Prediction
    evidence: tuple[Evidence, ...] = ()
    tokens: tuple[str, ...] = ()


def classify(messages: Sequence[Message], *, model: Classifier, explain: bool = False) -> list[Verdict]:
    """Verdicts for ``messages``, in the same order."""
    if explain:
        verdicts = []
        for message in messages:
            explanation = model.explain(message.text)
            verdicts.append(
                Verdict(message.message_id, explanation.prediction, explanation.evidence, explanation.tokens)
            )
        return verdicts
    predictions = model.predict([message.text for message in messages])
    return [Verdict(m.message_id, p) for m, p in zip(messages, predictions, strict=True)]


class ModelSlot:
    """The serving model, loaded off the request path and swapped atomically."""

    def __init__(self, path: Path, *, cache_size: int = 0) -> None:
        self.path = path
        self.cache_size = cache_size
        self._model: Classifier | None = None
        self._reload_lock = threading.Lock()

    @property
    def ready(self) -> bool:
        return self._model is not None

    @property
    def current(self) -> Classifier:
        model = self._model
        if model is None:
            raise NotReady("the model is still loading; retry shortly (see /readyz)")
        return model

    def load(self, path: Path | None = None) -> Classifier:
        """Load, verify and warm ``path`` (default: the configured path), then swap it in.

        Raises ``ModelError`` for a bad artifact; the previous model, if any, keeps serving.
        """
        with self._reload_lock:
            target = path or self.path
            model = Classifier.load(target, cache_size=self.cache_size)
            model.warm_up()
            previous = self._model
            self._model = model
            self.path = target
        _log.info(
            "model loaded",
            extra={"model_version": model.version, "previous": previous.version if previous else None},
        )
        return model


@dataclass
class _Job:
    messages: Sequence[Message]
    explain: bool
    future: Future[list[Verdict]] = field(default_factory=Future)


class Batcher:
    """Score requests from many callers on one thread, merging the queued ones into batches."""

    def __init__(self, slot: ModelSlot, *, max_messages: int = 256) -> None:
        self.slot = slot
        self.max_messages = max_messages
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, messages: Sequence[Message], *, explain: bool = False) -> Future[list[Verdict]]:
        """A future of the verdicts for ``messages`` (in order); errors are set on the future."""
        if self._thread is None:
            with self._start_lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="chattriage-model", daemon=True)
                    self._thread.start()
        job = _Job(messages, explain)
        self._jobs.put(job)
        return job.future

    def close(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            jobs, size = [job], len(job.messages)
            while size < self.max_messages:
                try:
                    more = self._jobs.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._jobs.put(None)  # finish this batch, then stop
                    break
                jobs.append(more)
                size += len(more.messages)
            self._score(jobs)

    def _score(self, jobs: list[_Job]) -> None:
        try:
            model = self.slot.current
        except Exception as error:  # not ready: every waiting caller gets the error
            for job in jobs:
                job.future.set_exception(error)
            return
        plain = [job for job in jobs if not job.explain]
        for job in jobs:
            if job.explain:  # explanations are per message; they are rare and not batched
                try:
                    job.future.set_result(classify(job.messages, model=model, explain=True))
                except Exception as error:
                    job.future.set_exception(error)
        if not plain:
            return
        try:
            verdicts = classify([m for job in plain for m in job.messages], model=model)
        except Exception as error:
            for job in plain:
                job.future.set_exception(error)
            return
        start = 0
        for job in plain:
            job.future.set_result(verdicts[start : start + len(job.messages)])
            start += len(job.messages)
