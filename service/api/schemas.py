"""Wire schemas (pydantic). Domain types live in ``service.types``; the routes convert between them."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    WithJsonSchema,
    field_validator,
)

from service.labels import Label

EPOCH_MAX = 4_102_444_800  # 2100-01-01T00:00:00Z
EpochSeconds = (
    Annotated[StrictInt, Field(ge=0, le=EPOCH_MAX)] | Annotated[StrictFloat, Field(ge=0, le=EPOCH_MAX)]
)
IsoDateTime = Annotated[StrictStr, WithJsonSchema({"type": "string", "format": "date-time"})]


class MessageIn(BaseModel):
    model_config = ConfigDict(extra="ignore")

    text: str = Field(
        description="The message text to classify (required, not blank; at most max_text_chars characters).",
        json_schema_extra={"pattern": r"\S"},
    )
    message_id: str | None = Field(None, max_length=256, description="Caller's id, echoed back.")
    group_id: str | None = Field(None, max_length=256, description="Group the message was posted in.")
    sender_id: str | None = Field(None, max_length=256, description="Sender of the message.")
    reply_to_text: str | None = Field(
        None, description="Text this message quotes or replies to; kept apart, never classified as its own."
    )
    timestamp: IsoDateTime | EpochSeconds | None = Field(
        None, description="When the message was posted: ISO-8601 string or Unix epoch seconds (1970–2100)."
    )

    @field_validator("timestamp")
    @classmethod
    def _to_datetime(cls, value: str | float | None) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                raise ValueError(f"{value[:40]!r} is not an ISO-8601 date-time") from None
        return datetime.fromtimestamp(value, UTC)

    @field_validator("text")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("text must not be empty or only whitespace")
        return value


class ClassifyRequest(MessageIn):
    explain: StrictBool = Field(
        False, description="Also return the tokens and the evidence behind the label."
    )


class BatchRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    messages: list[MessageIn] = Field(
        description="Messages to classify; results come back in the same order."
    )
    explain: StrictBool = Field(False, description="Also return tokens and evidence for every message.")


class EvidenceOut(BaseModel):
    feature: str = Field(description="Token, character n-gram or structure signal (§…).")
    kind: str = Field(description="word, char or structure.")
    weight: float = Field(description="How much it pushed toward the label (logit units).")


class ClassifyResponse(BaseModel):
    message_id: str | None = None
    label: Label
    label_zh: str
    confidence: float = Field(description="Score of the chosen label.")
    scores: dict[Label, float] = Field(description="All five calibrated scores; they sum to 1.")
    model_version: str
    tokens: list[str] | None = None
    evidence: list[EvidenceOut] | None = None


class BatchResponse(BaseModel):
    results: list[ClassifyResponse]
    count: int
    model_version: str


class LabelOut(BaseModel):
    label: Label
    label_zh: str


class LabelsResponse(BaseModel):
    schema_version: str
    labels: list[LabelOut]


class ModelResponse(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    model_version: str
    created_at: str
    sha256: str
    size_bytes: int
    labels: list[str]
    training_data: dict[str, Any]
    params: dict[str, Any]
    metrics: dict[str, Any]
    libraries: dict[str, str]


class ReloadRequest(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    model_path: str | None = Field(
        None, description="Artifact to load, inside the models directory; default: the configured path."
    )


class ReloadResponse(BaseModel):
    model_config = ConfigDict(protected_namespaces=())

    model_version: str
    previous_version: str | None
    model_path: str


class ErrorBody(BaseModel):
    code: str = Field(description="Stable machine-readable code (invalid_input, limit_exceeded, …).")
    message: str = Field(description="What went wrong, for a human.")
    field: str | None = Field(None, description="The request field concerned, when there is one.")


class ErrorResponse(BaseModel):
    error: ErrorBody


class Health(BaseModel):
    status: str
    model_version: str | None = None
    detail: str | None = None
