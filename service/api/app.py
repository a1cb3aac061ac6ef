"""The FastAPI application factory and its lifespan.

``create_app(settings)`` builds an app; nothing heavy happens at import. The lifespan configures the
segmenter and loads, verifies and warms the model in a background thread, so the server answers
``/healthz`` at once and ``/readyz`` turns 200 when the model is ready. Reloads (admin endpoint,
SIGHUP, or the optional manifest watcher) swap the model atomically; a bad artifact is refused and
the old model keeps serving.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from service import __version__
from service.api import errors, routes
from service.api.metrics import Metrics
from service.api.middleware import RequestContext
from service.classifier import manifest_path
from service.config import Settings, get_settings
from service.errors import ChatTriageError
from service.logs import configure_logging
from service.pipeline import Batcher, ModelSlot
from service.text import segment

_log = logging.getLogger(__name__)


async def _load(app: FastAPI) -> None:
    slot: ModelSlot = app.state.slot
    metrics: Metrics = app.state.metrics
    previous = slot.current.version if slot.ready else None
    try:
        model = await asyncio.to_thread(slot.load)
    except ChatTriageError as error:
        app.state.load_error = error.message
        _log.error("model load failed", extra={"error": error.message})
        return
    app.state.load_error = None
    metrics.model_changed(previous, model.version)


def _manifest_stamp(slot: ModelSlot) -> tuple[float, int] | None:
    try:
        stat = manifest_path(slot.path).stat()
    except OSError:
        return None
    return stat.st_mtime, stat.st_size


async def _watch(app: FastAPI, every: float) -> None:
    """Hot-reload when the manifest beside the artifact changes (works across worker processes)."""
    stamp = _manifest_stamp(app.state.slot)
    while True:
        await asyncio.sleep(every)
        current = _manifest_stamp(app.state.slot)
        if current is not None and current != stamp:
            stamp = current
            _log.info("model manifest changed; reloading")
            await _load(app)


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings: Settings = app.state.settings
    segment.configure(engine=settings.segmenter, cache_dir=settings.cache_dir)
    tasks = {asyncio.create_task(_load(app))}
    if settings.model_watch_seconds > 0:
        tasks.add(asyncio.create_task(_watch(app, settings.model_watch_seconds)))
    loop = asyncio.get_running_loop()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):  # no signals outside main thread
        loop.add_signal_handler(signal.SIGHUP, lambda: tasks.add(asyncio.create_task(_load(app))))
    try:
        yield
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(signal.SIGHUP)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await asyncio.to_thread(app.state.batcher.close)


def create_app(settings: Settings | None = None) -> FastAPI:
    """A ready-to-serve app; with no settings, they are read from the environment."""
    settings = settings or get_settings()
    app = FastAPI(
        title="ChatTriage",
        version=__version__,
        summary="Classify Chinese group-chat messages: ad / chatter / question / share / conflict.",
        lifespan=_lifespan,
    )
    app.state.settings = settings
    app.state.slot = ModelSlot(settings.model_path, cache_size=settings.prediction_cache_size)
    app.state.batcher = Batcher(app.state.slot)
    app.state.metrics = Metrics()
    app.state.api_keys = settings.api_key_set()
    app.state.load_error = None
    errors.install(app)
    routes.install(app, settings)
    app.add_middleware(
        RequestContext,
        metrics=app.state.metrics,
        max_body_bytes=settings.max_body_bytes,
        access_log=settings.access_log,
    )
    return app


def app_from_environment() -> FastAPI:
    """Entry point for uvicorn workers (``--factory``): settings and logging from the environment."""
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
