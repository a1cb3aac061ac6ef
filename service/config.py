"""One settings object, read from CHATTRIAGE_* environment variables and validated at start-up.

Every field has a type, a default and a description; the README's settings table lists them all
(``tests/test_docs.py`` checks it).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_MODEL = PROJECT_ROOT / "models" / "chattriage.joblib"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CHATTRIAGE_", extra="ignore", frozen=True)

    model_path: Path = Field(
        DEFAULT_MODEL, description="Model artifact (.joblib) to serve; its manifest sits beside it."
    )
    segmenter: Literal["rjieba", "jieba"] = Field(
        "rjieba",
        description="Segmentation engine: rjieba (fast Rust port, same tokens) or jieba (reference).",
    )
    cache_dir: Path = Field(
        Path.home() / ".cache" / "chattriage",
        description="Application-owned cache directory (jieba's prefix-dictionary cache).",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="Log level of entry points."
    )
    log_format: Literal["json", "text"] = Field(
        "json", description="Log line format: json (structured) or text."
    )

    host: str = Field("127.0.0.1", description="Address the HTTP server binds.")
    port: int = Field(8000, ge=1, le=65535, description="Port the HTTP server listens on.")
    workers: int = Field(1, ge=1, le=64, description="HTTP worker processes (one model copy each).")
    max_text_chars: int = Field(5000, ge=1, description="Longest message text accepted, in characters.")
    max_batch_size: int = Field(1000, ge=1, description="Most messages accepted in one batch request.")
    max_body_bytes: int = Field(4_000_000, ge=1024, description="Largest request body accepted, in bytes.")
    api_keys: str = Field(
        "",
        description="Comma-separated API keys; when set, /v1 requests need `Authorization: Bearer <key>`.",
    )
    api_keys_file: Path | None = Field(
        None, description="File with one API key per line (added to api_keys; # starts a comment)."
    )
    access_log: bool = Field(
        True, description="Log one structured line per request (request id, route, status, timing)."
    )
    model_watch_seconds: float = Field(
        0.0,
        ge=0.0,
        description="Poll the model manifest every N seconds and hot-reload when it changes; 0 = off.",
    )
    prediction_cache_size: int = Field(
        20_000, ge=0, description="Distinct recent texts whose scores each worker keeps (0 = no cache)."
    )
    enable_noop_route: bool = Field(
        False, description="Expose POST /v1/noop (parses a request, classifies nothing) for benchmarking."
    )

    def api_key_set(self) -> frozenset[str]:
        """The configured API keys (setting and key file), without blanks or comments."""
        found = {key.strip() for key in self.api_keys.split(",")}
        if self.api_keys_file is not None:
            lines = self.api_keys_file.read_text(encoding="utf-8").splitlines()
            found |= {line.strip() for line in lines if not line.lstrip().startswith("#")}
        return frozenset(key for key in found if key)


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
