"""The HTTP API through TestClient(create_app(settings)): what a bot sends and what it gets back."""

from __future__ import annotations

import json
import logging
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from service.api.app import create_app
from service.config import Settings
from tests.conftest import copy_model, wait_ready

KEY = "test-key-3f9a"
AD_TEXT = "兼职刷单日结500 宝妈学生都可以 加V❤信 kx2024abc"


@pytest.fixture(scope="module")
def models_dir(tmp_path_factory: pytest.TempPathFactory, small_model_path: Path) -> Path:
    """A models directory holding a copy of the small model (reloads are confined to it)."""
    directory = tmp_path_factory.mktemp("models")
    copy_model(small_model_path, directory)
    return directory


def make_settings(models_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {"model_path": models_dir / "small.joblib", "access_log": True}
    return Settings(**(values | overrides))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def client(models_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(models_dir))) as c:
        wait_ready(c)
        yield c


@pytest.fixture
def keyed(models_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(make_settings(models_dir, api_keys=KEY))) as c:
        wait_ready(c)
        yield c


def test_classify_returns_label_scores_and_version(client: TestClient) -> None:
    response = client.post("/v1/classify", json={"text": AD_TEXT, "message_id": "m-1", "group_id": "g"})
    assert response.status_code == 200
    body = response.json()
    assert body["label"] == "ad" and body["label_zh"] == "广告" and body["message_id"] == "m-1"
    assert set(body["scores"]) == {"ad", "chatter", "question", "share", "conflict"}
    assert sum(body["scores"].values()) == pytest.approx(1.0, abs=1e-4)
    assert body["confidence"] == body["scores"]["ad"]
    assert body["model_version"] == client.get("/v1/model").json()["model_version"]
    assert body["tokens"] is None and body["evidence"] is None


def test_explain_returns_tokens_and_evidence(client: TestClient) -> None:
    body = client.post("/v1/classify", json={"text": AD_TEXT, "explain": True}).json()
    assert "⟨contact⟩" in body["tokens"]
    assert body["evidence"] and all(e["weight"] > 0 for e in body["evidence"])
    assert {e["kind"] for e in body["evidence"]} <= {"word", "char", "structure"}


def test_the_quoted_text_is_not_classified(client: TestClient) -> None:
    alone = client.post("/v1/classify", json={"text": "哈哈哈 笑死"}).json()
    replying = client.post("/v1/classify", json={"text": "哈哈哈 笑死", "reply_to_text": AD_TEXT}).json()
    assert replying["scores"] == alone["scores"]


def test_batch_keeps_order_and_echoes_ids(client: TestClient) -> None:
    messages = [
        {"text": t, "message_id": f"id-{i}"} for i, t in enumerate([AD_TEXT, "早上好", "有人知道怎么退款吗"])
    ]
    body = client.post("/v1/classify/batch", json={"messages": messages}).json()
    assert body["count"] == 3
    assert [r["message_id"] for r in body["results"]] == ["id-0", "id-1", "id-2"]
    singles = [client.post("/v1/classify", json=m).json()["scores"] for m in messages]
    assert [r["scores"] for r in body["results"]] == singles


def test_labels_and_model_endpoints(client: TestClient) -> None:
    labels = client.get("/v1/labels").json()
    assert [item["label"] for item in labels["labels"]] == ["ad", "chatter", "question", "share", "conflict"]
    model = client.get("/v1/model").json()
    assert len(model["sha256"]) == 64 and model["labels"] == [item["label"] for item in labels["labels"]]


def test_metrics_count_requests_messages_and_model(client: TestClient) -> None:
    client.post("/v1/classify", json={"text": AD_TEXT})
    text = client.get("/metrics").text
    assert 'chattriage_http_requests_total{method="POST",route="/v1/classify",status="200"}' in text
    assert 'chattriage_messages_classified_total{label="ad"}' in text
    assert (
        'chattriage_http_request_duration_seconds_bucket{le="0.001",method="POST",route="/v1/classify"'
        in text
    )
    version = client.get("/v1/model").json()["model_version"]
    assert f'chattriage_model_info{{version="{version}"}} 1.0' in text


def test_request_id_is_echoed_or_generated(client: TestClient) -> None:
    given = client.get("/healthz", headers={"X-Request-ID": "bot-42.a"})
    assert given.headers["x-request-id"] == "bot-42.a"
    generated = client.get("/healthz", headers={"X-Request-ID": "bad id with spaces"})
    assert len(generated.headers["x-request-id"]) == 32


def test_logs_carry_ids_not_chat_text(client: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO):
        client.post(
            "/v1/classify",
            json={"text": "我的秘密消息内容", "message_id": "m-9"},
            headers={"X-Request-ID": "r-9"},
        )
    access = [r for r in caplog.records if r.name == "service.access"]
    assert any(getattr(r, "request_id", None) == "r-9" and getattr(r, "status", None) == 200 for r in access)
    everything = " ".join(
        r.getMessage() + json.dumps(r.__dict__, default=str, ensure_ascii=False) for r in caplog.records
    )
    assert "我的秘密消息内容" not in everything


@pytest.mark.parametrize(
    ("overrides", "request_body", "status", "field"),
    [
        ({"max_text_chars": 10}, {"text": "这条消息超过了十个字符的限制呢"}, 422, "text"),
        ({"max_batch_size": 2}, {"messages": [{"text": "早"}] * 3}, 413, "messages"),
        (
            {"max_text_chars": 5},
            {"messages": [{"text": "早"}, {"text": "这一条太长了哦"}]},
            422,
            "messages.1.text",
        ),
        ({"max_body_bytes": 1024}, {"text": "长" * 2000}, 413, "body"),
    ],
    ids=["text-too-long", "batch-too-big", "batch-item-too-long", "body-too-big"],
)
def test_limits_name_the_field_and_the_limit(
    models_dir: Path, overrides: dict[str, object], request_body: dict[str, object], status: int, field: str
) -> None:
    path = "/v1/classify/batch" if "messages" in request_body else "/v1/classify"
    with TestClient(create_app(make_settings(models_dir, **overrides))) as c:
        wait_ready(c)
        response = c.post(path, json=request_body)
    assert response.status_code == status
    error = response.json()["error"]
    assert error["field"] == field
    assert str(next(iter(overrides.values()))) in error["message"]


def test_a_chunked_body_over_the_limit_is_refused(models_dir: Path) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"text": "'
        for _ in range(10):
            yield "长".encode() * 100
        yield b'"}'

    with TestClient(create_app(make_settings(models_dir, max_body_bytes=1024))) as c:
        wait_ready(c)
        response = c.post("/v1/classify", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and response.json()["error"]["field"] == "body"


def test_api_keys_guard_v1_but_not_the_probes(keyed: TestClient) -> None:
    assert keyed.get("/healthz").status_code == 200 and keyed.get("/readyz").status_code == 200
    missing = keyed.post("/v1/classify", json={"text": "早"})
    wrong = keyed.post("/v1/classify", json={"text": "早"}, headers={"Authorization": "Bearer nope"})
    right = keyed.post("/v1/classify", json={"text": "早"}, headers={"Authorization": f"Bearer {KEY}"})
    for refused in (missing, wrong):
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "unauthorized"
        assert refused.headers["www-authenticate"] == "Bearer"
    assert right.status_code == 200


def test_api_keys_can_come_from_a_file(models_dir: Path, tmp_path: Path) -> None:
    keys = tmp_path / "keys.txt"
    keys.write_text("# bot keys\nfile-key-1\n\n", encoding="utf-8")
    with TestClient(create_app(make_settings(models_dir, api_keys_file=keys))) as c:
        wait_ready(c)
        assert c.get("/v1/labels").status_code == 401
        assert c.get("/v1/labels", headers={"Authorization": "Bearer file-key-1"}).status_code == 200


def test_keys_never_appear_in_logs(keyed: TestClient, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.DEBUG):
        keyed.post("/v1/classify", json={"text": "早"}, headers={"Authorization": f"Bearer {KEY}"})
        keyed.post("/v1/classify", json={"text": "早"}, headers={"Authorization": "Bearer guess-1"})
    dumped = " ".join(json.dumps(r.__dict__, default=str) for r in caplog.records)
    assert KEY not in dumped and "guess-1" not in dumped


def test_admin_reload_swaps_the_model_and_refuses_a_bad_one(keyed: TestClient, models_dir: Path) -> None:
    auth = {"Authorization": f"Bearer {KEY}"}
    before = keyed.get("/v1/model", headers=auth).json()["model_version"]
    reloaded = keyed.post("/v1/admin/reload", headers=auth, json={})
    assert reloaded.status_code == 200 and reloaded.json()["previous_version"] == before

    broken = models_dir / "broken.joblib"
    broken.write_bytes((models_dir / "small.joblib").read_bytes() + b"\0")
    shutil.copy(models_dir / "small.manifest.json", models_dir / "broken.manifest.json")
    refused = keyed.post("/v1/admin/reload", headers=auth, json={"model_path": str(broken)})
    assert refused.status_code == 422
    assert (
        refused.json()["error"]["code"] == "model_rejected" and "sha256" in refused.json()["error"]["message"]
    )
    assert keyed.post("/v1/classify", json={"text": "早"}, headers=auth).json()["model_version"] == before

    outside = keyed.post("/v1/admin/reload", headers=auth, json={"model_path": "/etc/passwd"})
    assert outside.status_code == 422 and outside.json()["error"]["field"] == "model_path"


def test_admin_reload_is_disabled_without_keys(client: TestClient) -> None:
    response = client.post("/v1/admin/reload", json={})
    assert response.status_code == 401 and "API keys" in response.json()["error"]["message"]


def test_not_ready_while_the_model_cannot_load(tmp_path: Path) -> None:
    settings = Settings(model_path=tmp_path / "missing.joblib", access_log=False)
    with TestClient(create_app(settings)) as c:
        assert c.get("/healthz").status_code == 200
        for _ in range(50):
            ready = c.get("/readyz")
            if "missing" in ready.text:
                break
        assert ready.status_code == 503 and ready.json()["error"]["code"] == "not_ready"
        assert "manifest" in ready.json()["error"]["message"]
        refused = c.post("/v1/classify", json={"text": "早"})
        assert refused.status_code == 503 and refused.json()["error"]["code"] == "not_ready"


def test_openapi_documents_the_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/v1/classify", "/v1/classify/batch", "/v1/labels", "/v1/model", "/healthz", "/readyz"} <= set(
        paths
    )
    assert "/v1/noop" not in paths
    assert client.get("/docs").status_code == 200
