"""The Swedish word lists, decoded once per install rather than once per process.

Every process that analyses text (the server, `rapportsok index`, each report reader child,
the eval) needs simplemma's Swedish dictionary and the hunspell lexicon, and decoding them
costs most of a process's start. What comes out depends only on those files and on the code
that reads them, so the first process writes it with `marshal` to
`<sys.prefix>/var/cache/rapportsok/` and later ones read it back. Each file records what it
was made from (the sources' size and modification time, the reading code's hash, the
Python version, whose `marshal` format it is); on any difference, or if the folder cannot be
written, the lists are decoded as before.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import marshal
import os
import sys
from collections.abc import Callable, Sequence
from functools import cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_DIR = Path(sys.prefix) / "var" / "cache" / "rapportsok"
_FORMAT = 1


def cached(
    name: str, sources: Sequence[Path], code: Sequence[Path], build: Callable[[], Any]
) -> Any:
    """`build()`'s result (marshal-able data), from the cache file `name` when it was made
    from the same `sources` by the same `code`; made and written there otherwise."""
    key = _key(sources, code)
    path = CACHE_DIR / f"{name}.marshal"
    try:
        stored_key, value = marshal.loads(path.read_bytes())
        if stored_key == key:
            return value
    except (OSError, EOFError, ValueError, TypeError):
        pass  # not made yet, or unreadable: made again below
    value = build()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.part")
    try:
        CACHE_DIR.mkdir(parents=True, exist_ok=True)
        tmp.write_bytes(marshal.dumps((key, value)))
        os.replace(tmp, path)  # a reader sees the old file or the whole new one
    except (OSError, ValueError) as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        log.debug("not caching %s in %s: %s", name, CACHE_DIR, exc)
    return value


def _key(sources: Sequence[Path], code: Sequence[Path]) -> tuple[Any, ...]:
    stats = []
    for p in sources:
        st = p.stat()
        stats.append((str(p), st.st_size, st.st_mtime_ns))
    return (_FORMAT, tuple(sys.version_info[:2]), tuple(stats), tuple(_code_hash(p) for p in code))


@cache
def _code_hash(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
