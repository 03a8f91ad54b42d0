"""The word-list cache: decoded once, read back while its sources and code are unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from indexer.language import wordcache


@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setattr(wordcache, "CACHE_DIR", folder)
    return folder


def _counting_build(calls: list[int], value: object):
    def build() -> object:
        calls.append(1)
        return value

    return build


def test_the_lists_are_built_once_and_read_back(cache_dir: Path, tmp_path: Path) -> None:
    source, code = tmp_path / "sv.dic", tmp_path / "reader.py"
    source.write_text("plan/ABDHXY\n", encoding="utf-8")
    code.write_text("# v1\n", encoding="utf-8")
    calls: list[int] = []
    value = {b"skolan": b"skola", b"x": b""}
    build = _counting_build(calls, value)
    assert wordcache.cached("lists", [source], [code], build) == value
    assert wordcache.cached("lists", [source], [code], build) == value
    assert len(calls) == 1
    assert [p.name for p in cache_dir.iterdir()] == ["lists.marshal"]


def test_a_changed_source_or_reading_code_builds_again(cache_dir: Path, tmp_path: Path) -> None:
    source, code = tmp_path / "sv.dic", tmp_path / "reader.py"
    source.write_text("plan/ABDHXY\n", encoding="utf-8")
    code.write_text("# v1\n", encoding="utf-8")
    calls: list[int] = []
    wordcache.cached("lists", [source], [code], _counting_build(calls, 1))
    source.write_text("plan/ABDHXY\nrisk/AB\n", encoding="utf-8")
    assert wordcache.cached("lists", [source], [code], _counting_build(calls, 2)) == 2
    wordcache._code_hash.cache_clear()
    code.write_text("# v2\n", encoding="utf-8")
    assert wordcache.cached("lists", [source], [code], _counting_build(calls, 3)) == 3
    assert wordcache.cached("lists", [source], [code], _counting_build(calls, 4)) == 3
    assert len(calls) == 3


def test_a_damaged_file_is_made_again(cache_dir: Path, tmp_path: Path) -> None:
    source = tmp_path / "sv.dic"
    source.write_text("plan\n", encoding="utf-8")
    wordcache.cached("lists", [source], [], lambda: "ok")
    (cache_dir / "lists.marshal").write_bytes(b"\x00garbage")
    assert wordcache.cached("lists", [source], [], lambda: "again") == "again"
    assert wordcache.cached("lists", [source], [], lambda: "not read") == "again"


def test_a_cache_folder_that_cannot_be_made_only_costs_the_decoding(
    cache_dir: Path, tmp_path: Path
) -> None:
    cache_dir.write_text("not a folder", encoding="utf-8")
    source = tmp_path / "sv.dic"
    source.write_text("plan\n", encoding="utf-8")
    assert wordcache.cached("lists", [source], [], lambda: "decoded") == "decoded"
