"""One error shape for every 4xx/5xx, FastAPI's own validation errors included; never a 500 on bad input."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from tests.conftest import wait_ready


@pytest.fixture(scope="module")
def client(small_model_path: Path) -> Iterator[TestClient]:
    settings = Settings(model_path=small_model_path, access_log=False)
    with TestClient(create_app(settings), raise_server_exceptions=False) as c:
        wait_ready(c)
        yield c


JSON = {"content-type": "application/json"}
CASES = [
    ("POST", "/v1/classify", b"{not json", JSON, 422, "invalid_json", "body"),
    ("POST", "/v1/classify", b'{"text": "\xff\xfe bad utf-8"}', JSON, 400, "invalid_body", None),
    ("POST", "/v1/classify", b'["text"]', JSON, 422, "invalid_input", "body"),
    ("POST", "/v1/classify", b'{"text": 123}', JSON, 422, "invalid_input", "text"),
    ("POST", "/v1/classify", b"{}", JSON, 422, "invalid_input", "text"),
    ("POST", "/v1/classify", b'{"text": ""}', JSON, 422, "invalid_input", "text"),
    ("POST", "/v1/classify", b'{"text": " \\n "}', JSON, 422, "invalid_input", "text"),
    ("POST", "/v1/classify", b'{"text": "x", "explain": "maybe"}', JSON, 422, "invalid_input", "explain"),
    (
        "POST",
        "/v1/classify",
        b'{"text": "x", "timestamp": "yesterday"}',
        JSON,
        422,
        "invalid_input",
        "timestamp",
    ),
    (
        "POST",
        "/v1/classify",
        b'{"text": "x", "timestamp": 253402300800.0}',
        JSON,
        422,
        "invalid_input",
        "timestamp",
    ),
    ("POST", "/v1/classify", b"", JSON, 422, "invalid_input", "body"),
    ("POST", "/v1/classify/batch", '{"messages": "早"}'.encode(), JSON, 422, "invalid_input", "messages"),
    (
        "POST",
        "/v1/classify/batch",
        b'{"messages": [{"text": "ok"}, {}]}',
        JSON,
        422,
        "invalid_input",
        "messages.1.text",
    ),
    ("POST", "/v1/classify/batch", b'{"messages": [1]}', JSON, 422, "invalid_input", "messages.0"),
    ("GET", "/v1/classify", b"", {}, 405, "method_not_allowed", None),
    ("GET", "/v2/anything", b"", {}, 404, "not_found", None),
    ("POST", "/v1/classify", b"x" * 5_000_000, JSON, 413, "limit_exceeded", "body"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "headers", "status", "code", "field"),
    CASES,
    ids=[
        "invalid-json", "invalid-utf8", "array-for-object", "wrong-type", "missing-text", "empty-text",
        "blank-text", "wrong-bool", "bad-timestamp", "epoch-out-of-range", "empty-body", "messages-not-list",
        "batch-item-missing", "batch-item-not-object", "wrong-method", "unknown-route", "huge-body",
    ],
)  # fmt: skip
def test_every_error_has_the_one_shape(
    client: TestClient, method: str, path: str, body: bytes, headers: dict[str, str], status: int, code: str,
    field: str | None,
) -> None:  # fmt: skip
    response = client.request(method, path, content=body, headers=headers)
    assert response.status_code == status
    payload = response.json()
    assert list(payload) == ["error"]
    assert set(payload["error"]) == {"code", "message", "field"}
    assert payload["error"]["code"] == code
    assert payload["error"]["field"] == field
    assert payload["error"]["message"]
    assert response.headers["content-type"].startswith("application/json")


def test_an_unexpected_failure_is_a_500_in_the_same_shape(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from service import pipeline

    def boom(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(pipeline, "classify", boom)  # the batcher thread looks it up at call time
    response = client.post("/v1/classify", json={"text": "早"})
    assert response.status_code == 500
    message = "internal error; see the server log for this request id"
    assert response.json() == {"error": {"code": "internal_error", "message": message, "field": None}}
