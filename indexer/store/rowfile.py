"""The rows of a 2-d `.npy` file, read when asked for with `pread`, never memory-mapped.

A search reads the vectors of about a hundred scattered candidate rows. Memory-mapped, each
of those reads maps the 64 KB around its row too (the kernel's fault-around), so a few
hundred searches at 150k passages had mapped 190 MB of the 230 MB file into the server's
resident set. Read with `pread`, the rows come from the page cache (shared, reclaimable)
and the process keeps only what it asked for.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib import format as npy_format

_BLOCK_ROWS = 8192  # rows read at once when every row is needed (a product with a query)


class RowFile:
    """Row-indexed read-only view of an (n, dim) `.npy` array: an int, a slice, an array of
    rows or a boolean mask gives a read-only array (as a read-only memory map would); `@` a
    vector gives every row's product; `np.asarray` all of it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "rb")  # noqa: SIM115 (lives as long as the view)
        try:
            version = npy_format.read_magic(self._file)
            read_header = (
                npy_format.read_array_header_1_0
                if version == (1, 0)
                else npy_format.read_array_header_2_0
            )
            shape, fortran, dtype = read_header(self._file)
        except ValueError:
            self._file.close()
            raise
        if fortran or len(shape) != 2:
            self._file.close()
            raise ValueError(f"{path} is not a C-ordered 2-d array")
        self._offset = self._file.tell()
        self.shape: tuple[int, int] = (int(shape[0]), int(shape[1]))
        self.dtype = np.dtype(dtype)
        self._row_bytes = self.shape[1] * self.dtype.itemsize
        if os.fstat(self._file.fileno()).st_size < self._offset + self.shape[0] * self._row_bytes:
            self._file.close()
            raise ValueError(f"{path} is shorter than its header says")

    def __len__(self) -> int:
        return self.shape[0]

    def __del__(self) -> None:
        file = getattr(self, "_file", None)
        if file is not None:
            file.close()

    def _read(self, start: int, stop: int) -> np.ndarray:
        """Rows [start, stop), as one read."""
        data = os.pread(
            self._file.fileno(),
            (stop - start) * self._row_bytes,
            self._offset + start * self._row_bytes,
        )
        return np.frombuffer(data, dtype=self.dtype).reshape(stop - start, self.shape[1])

    def __getitem__(self, key: Any) -> np.ndarray:
        n = self.shape[0]
        if isinstance(key, (int, np.integer)):
            i = int(key)
            if not -n <= i < n:
                raise IndexError(f"row {i} out of range for {n} rows")
            i %= n
            return self._read(i, i + 1)[0]
        if isinstance(key, slice):
            start, stop, step = key.indices(n)
            if step == 1:
                return self._read(start, max(start, stop))
            key = np.arange(start, stop, step)
        rows = np.asarray(key)
        if rows.dtype == bool:  # a mask of the rows to keep
            if rows.shape != (n,):
                raise IndexError(f"a mask of {rows.shape} for {n} rows")
            rows = np.flatnonzero(rows)
        rows = rows.astype(np.int64, copy=False).reshape(-1)
        if len(rows) and (rows.min() < -n or rows.max() >= n):
            raise IndexError(f"rows out of range for {n} rows")
        fd, size, offset = self._file.fileno(), self._row_bytes, self._offset
        # One read per row: 80 scattered rows in 0.15 ms (grouping runs cost more in numpy).
        data = b"".join([os.pread(fd, size, offset + r * size) for r in (rows % n).tolist()])
        return np.frombuffer(data, dtype=self.dtype).reshape(len(rows), self.shape[1])

    def __matmul__(self, other: np.ndarray) -> np.ndarray:
        parts = [
            self._read(s, min(s + _BLOCK_ROWS, self.shape[0])) @ other
            for s in range(0, self.shape[0], _BLOCK_ROWS)
        ]
        return np.concatenate(parts) if parts else np.zeros((0,), dtype=self.dtype)

    def __array__(self, dtype: Any = None, copy: Any = None) -> np.ndarray:
        out = self._read(0, self.shape[0])
        return out if dtype is None else out.astype(dtype)
