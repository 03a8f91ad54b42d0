"""The UI's limits are the API's: k and the question length are the schemas' own objects
(imported, not copied numbers), and the upload page counts a file's bytes as the server does
(1024 × 1024 to the MB), so it never refuses a file that the server would take."""

from __future__ import annotations

import ast
from pathlib import Path

import httpx

import rapportsok.limits
import rapportsok.settings
from rapportsok.settings import MB
from search import retrieval
from service import limits, schemas, uploads
from ui import upload_page
from ui.client import ApiClient

UI = Path(__file__).resolve().parents[2] / "ui"


def _tree(name: str) -> ast.Module:
    return ast.parse((UI / name).read_text(encoding="utf-8"))


def test_k_and_question_length_have_one_source() -> None:
    assert schemas.MAX_K is rapportsok.limits.MAX_K is retrieval.MAX_K
    assert schemas.MAX_QUERY_CHARS is rapportsok.limits.MAX_QUERY_CHARS


def test_the_app_imports_the_schemas_limits_and_writes_no_copy_of_them() -> None:
    tree = _tree("app.py")
    imported = {
        alias.name
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.module == "service.schemas"
        for alias in node.names
    }
    assert {"MAX_K", "MAX_QUERY_CHARS"} <= imported
    numbers = {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant)}
    assert schemas.MAX_K not in numbers and schemas.MAX_QUERY_CHARS not in numbers
    # The question box is bounded by the schemas' name.
    max_chars = [
        kw.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        for kw in node.keywords
        if kw.arg == "max_chars"
    ]
    assert [ast.unparse(v) for v in max_chars] == ["MAX_QUERY_CHARS"]


def test_the_megabyte_is_one_object_everywhere() -> None:
    assert MB == 1024 * 1024
    assert upload_page.MB is limits.MB is uploads.MB is rapportsok.settings.MB
    assert rapportsok.settings.Settings(max_upload_mb=50).max_upload_bytes == 52_428_800


def test_a_51_mb_file_passes_the_page_check_under_a_50_mib_limit() -> None:
    # 51,000,000 bytes (51 MB in decimal) < 50 × 1,048,576 = 52,428,800: the server takes
    # it, and so does the page (it compared with 50 × 1,000,000 before).
    assert upload_page.too_large(51_000_000, 50 * MB) is None
    assert upload_page.too_large(52_428_800, 50 * MB) is None
    assert upload_page.too_large(52_428_801, 50 * MB) == (
        "Filen är 50.1 MB; sökservern tar emot högst 50 MB. Dela upp rapporten eller be den "
        "som driver tjänsten höja gränsen (`RAPPORTSOK_MAX_UPLOAD_MB`)."
    )


def test_sizes_are_shown_in_the_servers_mb_rounded_up() -> None:
    assert upload_page.megabytes(50 * MB) == "50"
    assert upload_page.megabytes(51_000_000) == "48.7"  # 48.637 MB, rounded up
    assert upload_page.megabytes(50 * MB + 1) == "50.1"  # over the limit never reads "50"
    assert upload_page.megabytes(1) == "0.1"


def _policy(answer: dict[str, object]) -> ApiClient:
    client = ApiClient("http://api.test")
    client._http = httpx.Client(
        base_url="http://api.test",
        transport=httpx.MockTransport(lambda request: httpx.Response(200, json=answer)),
    )
    return client


def test_the_client_reads_max_bytes_and_fills_it_from_an_older_apis_max_mb() -> None:
    new = {"enabled": True, "max_mb": 50, "max_bytes": 52_428_800, "suffixes": [".pdf"]}
    policy = _policy(new).upload_policy()
    assert policy is not None and policy.max_bytes == 52_428_800
    old = {"enabled": True, "max_mb": 3, "suffixes": [".pdf"]}
    policy = _policy(old).upload_policy()
    assert policy is not None and (policy.max_mb, policy.max_bytes) == (3, 3 * 1_048_576)
