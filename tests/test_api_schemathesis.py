"""Schemathesis against the app's own OpenAPI spec: generated requests never cause a 500, and responses
match the documented schemas. Bounded examples keep it fast enough for every CI run.

(The app is built at import, which is cheap; the model is loaded into it by a fixture. Schemathesis's
lazy ``from_fixture`` loader does not work with pytest 9.)
"""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from service.api.app import create_app
from service.config import Settings

APP = create_app(Settings(model_path=Path("models/chattriage.joblib"), access_log=False))
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@pytest.fixture(scope="module", autouse=True)
def _model_loaded(small_model_path: Path) -> None:
    APP.state.slot.load(small_model_path)


@schema.parametrize()
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
def test_generated_requests_never_cause_a_server_error(case: schemathesis.Case) -> None:
    response = case.call()
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert set(response.json()["error"]) == {"code", "message", "field"}
    case.validate_response(response)
