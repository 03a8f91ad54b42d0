"""A journal of corpus changes, so that the corpus, the catalogue and the index never disagree.

Every upload and removal first writes its intent (what it will change, and what to put back)
to `corpus/.journal/`, flushed to disk, before it touches the corpus folder, the catalogue or
the index; the intent is removed when the change is complete. A crash (even SIGKILL) leaves
the intent behind, and `reconcile` — at start-up and before each write — settles it by the
one thing that changes atomically, the published manifest of the index
(`indexer.store.index.publish` for a full build, `publish_manifest` for a segment or a tombstone):

* an upload whose report the published index holds is finished (it is in); otherwise it is
  rolled back: its file and catalogue entry are removed (it is out);
* a removal whose report the published index still holds is rolled back: the file, moved
  aside as a hidden `.removing-<name>` that the indexer skips, is put back with its
  catalogue entry; otherwise it is finished (the hidden file is deleted).

So after a crash at any point a report is fully in or fully out. Reconciling never changes
the index, only the corpus folder, so it may run before or after the index is loaded.
Temporary files of interrupted writes (`.upload-*.part`, `.catalogue.toml.part`) go too.
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

from indexer.reading.metadata import CATALOGUE_NAME
from indexer.store.index import fsync_dir, read_manifest
from rapportsok.errors import IndexProblem

log = logging.getLogger(__name__)

JOURNAL_DIR = ".journal"
REMOVING_PREFIX = ".removing-"
_TEMP_PATTERNS = (".upload-*.part", f".{CATALOGUE_NAME}.part")


@dataclass(frozen=True)
class Intent:
    """One change of the corpus: `name` is the report's file name, `sha256` its content,
    `catalogue` its catalogue entry (written by an upload, restored by a rolled-back removal)."""

    op: Literal["add", "remove"]
    name: str
    sha256: str
    catalogue: dict[str, Any] | None = None


def indexed_sources(index_dir: Path) -> dict[str, str]:
    """File name → sha256 of every report in the published index (empty without one)."""
    try:
        sources = read_manifest(index_dir).sources
    except IndexProblem:
        return {}
    return sources


class Journal:
    """The intents of one corpus folder, as small JSON files in `corpus/.journal/`."""

    def __init__(self, corpus: Path) -> None:
        self.corpus = corpus
        self.folder = corpus / JOURNAL_DIR

    def begin(self, intent: Intent) -> Path:
        """Record `intent` durably (written, flushed, renamed into place) and return its file."""
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{time.time_ns()}-{intent.op}.json"
        tmp = path.with_suffix(".part")
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(asdict(intent), f, ensure_ascii=False)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(self.folder)
        return path

    def done(self, path: Path) -> None:
        """The change of the intent at `path` is complete (or undone): forget it. The folder
        goes too once empty: it exists only while a change is under way."""
        path.unlink(missing_ok=True)
        try:
            self.folder.rmdir()
        except OSError:  # another intent is pending (or a leftover `.part`)
            fsync_dir(self.folder)
        else:
            fsync_dir(self.corpus)

    def pending(self) -> list[tuple[Path, Intent]]:
        """Intents left by changes that did not complete, oldest first."""
        if not self.folder.is_dir():
            return []
        out = []
        for path in sorted(self.folder.glob("*.json")):
            try:
                out.append((path, Intent(**json.loads(path.read_text(encoding="utf-8")))))
            except (ValueError, TypeError) as exc:  # cut short before its rename: no change
                log.warning("ignoring a damaged journal entry %s: %s", path.name, exc)
                path.unlink(missing_ok=True)
        return out

    def removing(self, name: str) -> Path:
        """Where a removal keeps the report's file until the index no longer holds it."""
        return self.corpus / f"{REMOVING_PREFIX}{name}"

    def reconcile(self, index_dir: Path, level: int = logging.WARNING) -> list[str]:
        """Settle every pending intent against the published index and remove temporary
        files; returns one line per thing done, logged at `level` (a warning: what a crash
        left; the updater settles its own completed changes at DEBUG). Call it holding the
        lock."""
        from service import uploads

        done: list[str] = []
        indexed = indexed_sources(index_dir)
        for path, intent in self.pending():
            in_index = indexed.get(intent.name) == intent.sha256
            target, aside = self.corpus / intent.name, self.removing(intent.name)
            if intent.op == "add" and not in_index:
                if target.is_file() and _sha256(target) == intent.sha256:
                    target.unlink()
                uploads.remove_catalogue_entry(self.corpus, intent.name)
                done.append(f"rolled back the upload of {intent.name}")
            elif intent.op == "remove" and in_index:
                if aside.is_file() and not target.exists():
                    os.replace(aside, target)
                if intent.catalogue:
                    uploads.set_catalogue_entry(self.corpus, intent.name, intent.catalogue)
                done.append(f"rolled back the removal of {intent.name}")
            elif intent.op == "remove":
                aside.unlink(missing_ok=True)
                uploads.remove_catalogue_entry(self.corpus, intent.name)
                done.append(f"finished the removal of {intent.name}")
            else:
                done.append(f"finished the upload of {intent.name}")
            self.done(path)
        for tmp in self.folder.glob("*.part") if self.folder.is_dir() else []:
            tmp.unlink()  # an intent cut short before its rename: nothing was changed
        for pattern in _TEMP_PATTERNS:
            for tmp in self.corpus.glob(pattern):
                tmp.unlink(missing_ok=True)
                done.append(f"removed the temporary file {tmp.name}")
        for line in done:
            log.log(level, "journal: %s", line)
        return done


def _sha256(path: Path) -> str:
    from indexer.build import sha256_file

    return sha256_file(path)
