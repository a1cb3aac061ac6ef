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


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """Settings from the environment, read once per process."""
    return Settings()
