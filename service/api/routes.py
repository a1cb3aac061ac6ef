"""HTTP routes. Thin: check limits, convert wire schemas to domain types, call ``pipeline.classify``.

Handlers that classify hand the messages to ``pipeline.Batcher`` and await the result: the model runs
on its own thread, never on the event loop (health checks and metrics stay responsive under load), and
concurrent requests are scored together as one batch instead of many threads contending for the GIL.
Dependencies are trivial lookups and are ``async def`` on purpose: FastAPI runs a sync dependency in
its thread pool, one extra thread hop per dependency per request.
"""

from __future__ import annotations

import asyncio
import hmac
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from service.api.metrics import Metrics
from service.api.schemas import (
    BatchRequest,
    BatchResponse,
    ClassifyRequest,
    ClassifyResponse,
    ErrorResponse,
    EvidenceOut,
    Health,
    LabelOut,
    LabelsResponse,
    MessageIn,
    ModelResponse,
    ReloadRequest,
    ReloadResponse,
)
from service.config import Settings
from service.errors import ChatTriageError, InvalidInput, LimitExceeded, ModelError, NotReady, Unauthorized
from service.labels import LABELS, SCHEMA_VERSION
from service.pipeline import Batcher, ModelSlot, Verdict
from service.types import Message

ERRORS: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in [
        (400, "Body could not be decoded"),
        (401, "Missing or wrong API key"),
        (413, "Body or batch larger than the configured limit"),
        (422, "Invalid request (field named in error.field)"),
        (503, "Model not loaded yet"),
    ]
}


class ModelRejected(ChatTriageError):
    """A reload asked for an artifact that failed verification; the old model keeps serving."""

    code = "model_rejected"
    http_status = 422


async def _slot(request: Request) -> ModelSlot:
    slot: ModelSlot = request.app.state.slot
    return slot


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


SlotDep = Annotated[ModelSlot, Depends(_slot)]
SettingsDep = Annotated[Settings, Depends(_settings)]
MetricsDep = Annotated[Metrics, Depends(_metrics)]


async def require_api_key(request: Request) -> None:
    """With keys configured, every /v1 request needs ``Authorization: Bearer <key>``."""
    keys: frozenset[str] = request.app.state.api_keys
    if not keys:
        return
    scheme, _, given = (request.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not any(hmac.compare_digest(given.strip(), key) for key in keys):
        raise Unauthorized("missing or invalid API key (send Authorization: Bearer <key>)")


def _message(item: MessageIn, settings: Settings, field: str) -> Message:
    if len(item.text) > settings.max_text_chars:
        raise InvalidInput(
            f"{field} has {len(item.text)} characters; the limit is {settings.max_text_chars}", field=field
        )
    return Message(
        text=item.text,
        message_id=item.message_id,
        group=item.group_id,
        sender_id=item.sender_id,
        quote=item.reply_to_text,
        timestamp=item.timestamp
        if isinstance(item.timestamp, datetime)
        else None,  # epochs converted on input
    )


def _response(verdict: Verdict, explain: bool) -> ClassifyResponse:
    prediction = verdict.prediction
    return ClassifyResponse(
        message_id=verdict.message_id,
        label=prediction.label,
        label_zh=prediction.label.zh,
        confidence=round(prediction.confidence, 6),
        scores={label: round(score, 6) for label, score in prediction.scores.items()},
        model_version=prediction.model_version,
        tokens=list(verdict.tokens) if explain else None,
        evidence=[
            EvidenceOut(feature=e.feature, kind=e.kind, weight=round(e.weight, 4)) for e in verdict.evidence
        ]
        if explain
        else None,
    )


def _count(request: Request, metrics: Metrics, verdicts: list[Verdict]) -> None:
    request.state.messages = len(verdicts)
    for label, n in Counter(v.prediction.label.value for v in verdicts).items():
        metrics.messages.labels(label).inc(n)


v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_api_key)], responses=ERRORS)


async def _score(request: Request, messages: list[Message], explain: bool) -> list[Verdict]:
    batcher: Batcher = request.app.state.batcher
    return await asyncio.wrap_future(batcher.submit(messages, explain=explain))


@v1.post("/classify", summary="Classify one message")
async def classify_one(
    body: ClassifyRequest, request: Request, settings: SettingsDep, metrics: MetricsDep
) -> ClassifyResponse:
    message = _message(body, settings, "text")
    verdicts = await _score(request, [message], body.explain)
    _count(request, metrics, verdicts)
    return _response(verdicts[0], body.explain)


@v1.post("/classify/batch", summary="Classify up to max_batch_size messages, results in the same order")
async def classify_batch(
    body: BatchRequest, request: Request, settings: SettingsDep, metrics: MetricsDep
) -> BatchResponse:
    if len(body.messages) > settings.max_batch_size:
        raise LimitExceeded(
            f"messages has {len(body.messages)} items; the limit is {settings.max_batch_size}",
            field="messages",
        )
    messages = [_message(item, settings, f"messages.{i}.text") for i, item in enumerate(body.messages)]
    verdicts = await _score(request, messages, body.explain)
    _count(request, metrics, verdicts)
    slot: ModelSlot = request.app.state.slot
    version = verdicts[0].prediction.model_version if verdicts else slot.current.version
    return BatchResponse(
        results=[_response(v, body.explain) for v in verdicts], count=len(verdicts), model_version=version
    )


@v1.get("/labels", summary="The five labels and their Chinese names")
def labels() -> LabelsResponse:
    return LabelsResponse(
        schema_version=SCHEMA_VERSION, labels=[LabelOut(label=label, label_zh=label.zh) for label in LABELS]
    )


@v1.get("/model", summary="The served model's manifest: version, training data, metrics")
def model_info(slot: SlotDep) -> ModelResponse:
    manifest = slot.current.manifest
    return ModelResponse(
        model_version=manifest.model_version,
        created_at=manifest.created_at,
        sha256=manifest.sha256,
        size_bytes=manifest.size_bytes,
        labels=manifest.labels,
        training_data=manifest.training_data,
        params=manifest.params,
        metrics=manifest.metrics,
        libraries=manifest.libraries,
    )


@v1.post("/admin/reload", summary="Load and verify a model artifact, then swap it in atomically")
def reload_model(request: Request, slot: SlotDep, settings: SettingsDep, metrics: MetricsDep,
                 body: ReloadRequest | None = None) -> ReloadResponse:  # fmt: skip
    if not request.app.state.api_keys:
        raise Unauthorized("admin endpoints are disabled until API keys are configured (CHATTRIAGE_API_KEYS)")
    models_dir = settings.model_path.resolve().parent
    target = Path(body.model_path).resolve() if body and body.model_path else slot.path
    if not target.is_relative_to(models_dir):
        raise InvalidInput(f"model_path must be inside {models_dir}", field="model_path")
    previous = slot.current.version if slot.ready else None
    try:
        model = slot.load(target)
    except ModelError as error:
        raise ModelRejected(f"{error.message}; still serving {previous}", field="model_path") from error
    metrics.model_changed(previous, model.version)
    return ReloadResponse(model_version=model.version, previous_version=previous, model_path=str(target))


@v1.post("/noop", include_in_schema=False)
def noop(body: ClassifyRequest) -> Health:
    """Parses a request like /v1/classify and does nothing else: the framework's ceiling for benchmarks."""
    return Health(status="ok")


probes = APIRouter()


@probes.get("/healthz", summary="Process alive")
async def healthz() -> Health:
    return Health(status="ok")


@probes.get("/readyz", summary="Model loaded and warm (503 until then)", responses={503: {"model": Health}})
async def readyz(request: Request) -> Health:
    slot: ModelSlot = request.app.state.slot
    if not slot.ready:
        failure = request.app.state.load_error
        raise NotReady(f"model not loaded: {failure}" if failure else "model is loading")
    return Health(status="ready", model_version=slot.current.version)


@probes.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
async def metrics_endpoint(request: Request) -> PlainTextResponse:
    metrics: Metrics = request.app.state.metrics
    return PlainTextResponse(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI, settings: Settings) -> None:
    app.include_router(probes)
    if not settings.enable_noop_route:
        v1.routes[:] = [r for r in v1.routes if getattr(r, "path", "") != "/v1/noop"]
    app.include_router(v1)
