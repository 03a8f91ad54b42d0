"""The vectors file read by row: the same numbers as the array, and nothing mapped."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.store.rowfile import RowFile


@pytest.fixture()
def saved(tmp_path: Path) -> tuple[Path, np.ndarray]:
    array = np.arange(40 * 3, dtype=np.float32).reshape(40, 3) / 7
    path = tmp_path / "vectors.npy"
    np.save(path, array)
    return path, array


def test_rows_read_as_the_array_gives_them(saved: tuple[Path, np.ndarray]) -> None:
    path, array = saved
    rows = RowFile(path)
    assert rows.shape == (40, 3) and len(rows) == 40 and rows.dtype == np.float32
    assert np.array_equal(rows[5], array[5]) and np.array_equal(rows[-1], array[39])
    assert np.array_equal(rows[10:14], array[10:14]) and rows[14:10].shape == (0, 3)
    assert np.array_equal(rows[::9], array[::9])
    scattered = [31, 2, 3, 4, 31, 0, 39]  # unsorted, a run, a repeat
    assert np.array_equal(rows[scattered], array[scattered])
    assert np.array_equal(rows[np.array([], dtype=np.int64)], array[[]])
    mask = np.arange(40) % 3 == 0
    assert np.array_equal(rows[mask], array[mask])
    q = np.array([1.0, -2.0, 0.5], dtype=np.float32)
    assert np.array_equal(rows @ q, array @ q)
    assert np.array_equal(np.asarray(rows), array)


def test_out_of_range_rows_are_an_index_error(saved: tuple[Path, np.ndarray]) -> None:
    rows = RowFile(saved[0])
    with pytest.raises(IndexError, match="row 40 out of range for 40 rows"):
        rows[40]
    with pytest.raises(IndexError, match="rows out of range for 40 rows"):
        rows[[1, 40]]
    with pytest.raises(IndexError, match=r"a mask of \(3,\) for 40 rows"):
        rows[np.ones(3, dtype=bool)]


def test_reading_rows_maps_nothing_into_the_process(saved: tuple[Path, np.ndarray]) -> None:
    # Mapped, each scattered read mapped 64 KB around its row into the server's RSS.
    path, _ = saved
    rows = RowFile(path)
    rows[[1, 20, 39]]
    assert str(path) not in Path("/proc/self/maps").read_text()


def test_a_file_that_is_not_a_2d_array_or_is_cut_short_is_refused(tmp_path: Path) -> None:
    one_d = tmp_path / "one.npy"
    np.save(one_d, np.zeros(4, dtype=np.float32))
    with pytest.raises(ValueError, match="not a C-ordered 2-d array"):
        RowFile(one_d)
    short = tmp_path / "short.npy"
    np.save(short, np.zeros((4, 3), dtype=np.float32))
    short.write_bytes(short.read_bytes()[:-4])
    with pytest.raises(ValueError, match="shorter than its header says"):
        RowFile(short)
