"""GET /uploads: what the upload page says before a file is picked, with the size limit in
bytes as the server counts it (no model or index is loaded)."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from rapportsok.settings import Settings
from service.app import create_app
from service.deps import Services


def _policy(tmp_path: Path, **settings: object) -> dict[str, object]:
    s = Settings(index_dir=tmp_path / "index", corpus_dir=tmp_path / "corpus", **settings)
    with TestClient(create_app(s, services=Services(s))) as client:
        r = client.get("/uploads")
    assert r.status_code == 200
    return r.json()


def test_uploads_report_the_limit_in_mb_and_in_bytes(tmp_path: Path) -> None:
    assert _policy(tmp_path, api_key="nyckel") == {
        "enabled": True,
        "max_mb": 50,
        "max_bytes": 52_428_800,  # 50 × 1024 × 1024
        "suffixes": [".md", ".pdf", ".txt"],
    }


def test_the_limit_follows_the_setting(tmp_path: Path) -> None:
    policy = _policy(tmp_path, max_upload_mb=3)
    assert (policy["enabled"], policy["max_mb"], policy["max_bytes"]) == (False, 3, 3_145_728)
