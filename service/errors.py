"""One error vocabulary. Each error carries a stable code, the field it concerns and its HTTP status."""

from __future__ import annotations


class ChatTriageError(Exception):
    """Base class: every error the service reports to a caller."""

    code = "error"
    http_status = 500

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "message": self.message, "field": self.field}


class InvalidInput(ChatTriageError):
    """The caller sent something we cannot classify (wrong type, empty, malformed)."""

    code = "invalid_input"
    http_status = 422


class LimitExceeded(ChatTriageError):
    """The caller sent more than a configured limit allows."""

    code = "limit_exceeded"
    http_status = 413


class Unauthorized(ChatTriageError):
    code = "unauthorized"
    http_status = 401


class NotFound(ChatTriageError):
    code = "not_found"
    http_status = 404


class ModelError(ChatTriageError):
    """A model artifact is missing, corrupt, or does not match this code (hash, labels, versions)."""

    code = "model_error"
    http_status = 500


class NotReady(ChatTriageError):
    code = "not_ready"
    http_status = 503


class DataError(ChatTriageError):
    """A data file (corpus, evaluation set, chat export) has a bad record; ``line`` says where."""

    code = "data_error"
    http_status = 422

    def __init__(
        self, message: str, *, path: str | None = None, line: int | None = None, field: str | None = None
    ) -> None:
        where = ":".join(str(p) for p in (path, line) if p is not None)
        super().__init__(f"{where}: {message}" if where else message, field=field)
        self.path = path
        self.line = line
