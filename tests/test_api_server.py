"""A real uvicorn process on a loopback port: start, classify, reload (HTTP and SIGHUP), shut down cleanly."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import copy_model

ROOT = Path(__file__).resolve().parents[1]
KEY = "server-test-key"

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def call(port: int, method: str, path: str, body: object | None = None) -> tuple[int, dict[str, object]]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=data,
        method=method,
        headers={"content-type": "application/json", "authorization": f"Bearer {KEY}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_until_ready(port: int, process: subprocess.Popen[bytes], timeout: float = 30.0) -> float:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        assert process.poll() is None, "server exited early"
        try:
            if call(port, "GET", "/readyz")[0] == 200:
                return time.monotonic() - started
        except OSError:
            pass
        time.sleep(0.05)
    raise AssertionError("server never became ready")


@pytest.fixture
def server(tmp_path: Path, small_model_path: Path) -> Iterator[tuple[int, subprocess.Popen[bytes], Path]]:
    artifact = copy_model(small_model_path, tmp_path / "models")
    port = free_port()
    env = os.environ | {"CHATTRIAGE_API_KEYS": KEY, "CHATTRIAGE_MODEL_PATH": str(artifact)}
    log = (tmp_path / "server.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "service", "serve", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        wait_until_ready(port, process)
        yield port, process, tmp_path / "server.log"
    finally:
        if process.poll() is None:
            process.kill()
        log.close()


def test_start_classify_reload_and_shut_down_cleanly(
    server: tuple[int, subprocess.Popen[bytes], Path],
) -> None:
    port, process, log = server
    status, body = call(
        port, "POST", "/v1/classify", {"text": "兼职刷单日结500 加V❤信 kx2024abc", "message_id": "a"}
    )
    assert status == 200 and body["label"] == "ad" and body["message_id"] == "a"
    version = body["model_version"]

    status, reloaded = call(port, "POST", "/v1/admin/reload", {})
    assert status == 200 and reloaded["previous_version"] == version

    process.send_signal(signal.SIGHUP)  # reload from disk without a restart
    time.sleep(0.5)
    assert call(port, "GET", "/readyz")[0] == 200
    assert process.poll() is None

    process.send_signal(signal.SIGTERM)
    # uvicorn shuts down gracefully, then re-raises the signal it caught: exit status is "killed by SIGTERM"
    assert process.wait(timeout=15) == -signal.SIGTERM
    text = log.read_text(encoding="utf-8")
    assert "Application shutdown complete" in text and "Finished server process" in text
    assert "兼职刷单" not in text  # no raw chat text in the logs
    assert KEY not in text
