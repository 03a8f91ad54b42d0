"""`manifest.json`: what an index version holds, as a `Manifest`.

The manifest names the encoder (a load refuses another), the chunker's parameters (an
update chunks with them), the FAISS type, the counts, every source file's sha256, the
segments and the reports deleted from them. `Manifest.from_dict` reads what
`Manifest.to_dict` writes, key for key in the same order, so a manifest read and written
back is the same JSON, byte for byte; keys it does not know are kept as read (`extra`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import IO, Any

# Keys written only when set: an in-memory index (eval's baseline) has no fingerprint, an
# index never updated no `updated`.
_OPTIONAL = ("corpus_fingerprint", "updated")


@dataclass
class EncoderInfo:
    """The model that embedded the passages (queries must use the same)."""

    name: str
    dim: int


@dataclass
class FaissInfo:
    """The FAISS index of the base segment: the `type` written ('flat', 'ivf', 'hnsw') and
    what was asked for (`requested`, 'auto' too), which later builds keep."""

    type: str
    requested: str | None = None

    def to_dict(self) -> dict[str, Any]:
        """As the manifest writes it."""
        out: dict[str, Any] = {"type": self.type}
        if self.requested is not None:
            out["requested"] = self.requested
        return out


@dataclass
class Counts:
    """Live reports and passages."""

    documents: int
    chunks: int


@dataclass
class SegmentEntry:
    """A segment as the manifest lists it: its folder's name, its rows, its reports
    (sorted ids, deleted ones too: `Manifest.deleted` says which)."""

    name: str
    rows: int
    documents: list[str]


@dataclass(kw_only=True)
class Manifest:
    """What `manifest.json` records (fields in the file's order). `chunker` holds the
    chunker's parameters as `indexer.reading.chunker.ChunkerConfig.to_dict` gives them;
    `deleted` maps a segment's name to its deleted reports' ids."""

    schema_version: int
    created: str
    encoder: EncoderInfo
    analyzer: str
    chunker: dict[str, Any]
    faiss: FaissInfo
    counts: Counts
    corpus_fingerprint: str | None = None
    sources: dict[str, str] = field(default_factory=dict)  # file name → sha256
    segments: list[SegmentEntry] = field(default_factory=list)  # the base segment first
    deleted: dict[str, list[str]] = field(default_factory=dict)
    generation: int = 1
    updated: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)  # keys this version does not know

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Manifest:
        """The manifest of parsed `manifest.json`; KeyError or TypeError if it lacks a
        field or has one of the wrong shape."""
        if not isinstance(data, dict):
            raise TypeError(f"a manifest is a JSON object, got {type(data).__name__}")
        known = {f for f in cls.__dataclass_fields__ if f != "extra"}
        faiss = data["faiss"]
        return cls(
            schema_version=data["schema_version"],
            created=data["created"],
            encoder=EncoderInfo(name=data["encoder"]["name"], dim=data["encoder"]["dim"]),
            analyzer=data["analyzer"],
            chunker=dict(data["chunker"]),
            faiss=FaissInfo(type=faiss["type"], requested=faiss.get("requested")),
            counts=Counts(documents=data["counts"]["documents"], chunks=data["counts"]["chunks"]),
            corpus_fingerprint=data.get("corpus_fingerprint"),
            sources=dict(data.get("sources", {})),
            segments=[
                SegmentEntry(name=s["name"], rows=s["rows"], documents=list(s["documents"]))
                for s in data.get("segments", [])
            ],
            deleted={k: list(v) for k, v in data.get("deleted", {}).items()},
            generation=data.get("generation", 1),
            updated=data.get("updated"),
            extra={k: v for k, v in data.items() if k not in known},
        )

    def to_dict(self) -> dict[str, Any]:
        """The JSON object of `manifest.json` (what `rapportsok info --json` prints)."""
        out: dict[str, Any] = {
            "schema_version": self.schema_version,
            "created": self.created,
            "encoder": {"name": self.encoder.name, "dim": self.encoder.dim},
            "analyzer": self.analyzer,
            "chunker": dict(self.chunker),
            "faiss": self.faiss.to_dict(),
            "counts": {"documents": self.counts.documents, "chunks": self.counts.chunks},
            "corpus_fingerprint": self.corpus_fingerprint,
            "sources": dict(self.sources),
            "segments": [
                {"name": s.name, "rows": s.rows, "documents": list(s.documents)}
                for s in self.segments
            ],
            "deleted": {k: list(v) for k, v in self.deleted.items()},
            "generation": self.generation,
            "updated": self.updated,
        }
        for key in _OPTIONAL:
            if out[key] is None:
                del out[key]
        return out | self.extra

    def write(self, f: IO[str]) -> None:
        """Write the manifest as JSON into the open text file `f`."""
        json.dump(self.to_dict(), f, ensure_ascii=False, indent=1)
