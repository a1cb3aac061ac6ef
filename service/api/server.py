"""Run the app under uvicorn (the same command the README, the Makefile and the Dockerfile use)."""

from __future__ import annotations

import os

import uvicorn

from service.config import Settings


def serve(settings: Settings) -> None:
    """Serve on ``settings.host:port`` with ``settings.workers`` processes.

    Workers are separate processes that read their settings from the environment, so the values
    chosen here (possibly from command-line options) are exported before uvicorn starts them.
    """
    for name, value in settings.model_dump(exclude_none=True).items():
        os.environ[f"CHATTRIAGE_{name.upper()}"] = str(value)
    uvicorn.run(
        "service.api.app:app_from_environment",
        factory=True,
        host=settings.host,
        port=settings.port,
        workers=settings.workers,
        log_config=None,
        access_log=False,
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=10,
    )
