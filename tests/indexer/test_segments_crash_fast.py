"""A SIGKILL during an upload, a removal or a merge of segments leaves the previous
manifest, which loads with the same reports and passages; the next change removes what the
killed one left and works."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FakeEncoder

from indexer.build import build_index
from indexer.language.analyzer import get_analyzer
from indexer.store.index import load_index, read_manifest, version_dir
from indexer.update import add_reports, merge_segments

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "corpus"
REPORTS = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".txt", ".md"))

# Runs one change in a child, stalled at `point` so that the SIGKILL lands there.
_CHILD = """
import sys, time
sys.path[:0] = [sys.argv[5], sys.argv[5] + "/tests"]
from pathlib import Path
import indexer.store.segment, indexer.update
op, point, corpus, out = sys.argv[1:5]
def stall(*args, **kwargs):
    print("STALLED", flush=True)
    time.sleep(600)
if point == "segment":  # half a segment written
    real = indexer.store.segment.write_segment
    def half(folder, *args):
        real(folder, *args)
        (folder / "vectors.npy").write_bytes(b"torn")
        stall()
    indexer.update.write_segment = half
elif point == "manifest":  # the segment complete, the new manifest half written
    def torn(path, manifest):
        from indexer.store.index import version_dir
        (version_dir(path) / ".manifest.json.1.part").write_text('{"half"')
        stall()
    indexer.update.publish_manifest = torn
from helpers import FakeEncoder
from indexer.language.analyzer import get_analyzer
if op == "add":
    encoder, analyzer = FakeEncoder(), get_analyzer()
    indexer.update.add_reports(Path(corpus), Path(out), [sys.argv[6]], encoder, analyzer)
elif op == "remove":
    indexer.update.remove_reports(Path(out), [sys.argv[6]])
else:
    indexer.update.merge_segments(Path(out))
print("FINISHED", flush=True)
"""


def _kill_at(op: str, point: str, corpus: Path, out: Path, arg: str = "") -> None:
    cmd = [sys.executable, "-c", _CHILD, op, point, str(corpus), str(out), str(ROOT), arg]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    assert line == b"STALLED\n", line
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)


@pytest.fixture
def segmented(tmp_path: Path) -> tuple[Path, Path]:
    """A base of the first report and two uploaded segments; the last report not indexed."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name in REPORTS:
        shutil.copy(CORPUS / name, corpus / name)
    first = tmp_path / "first"
    first.mkdir()
    shutil.copy(CORPUS / REPORTS[0], first / REPORTS[0])
    out = tmp_path / "index"
    build_index(first, out, FakeEncoder())
    add_reports(corpus, out, [REPORTS[1]], FakeEncoder(), get_analyzer())
    add_reports(corpus, out, [REPORTS[2]], FakeEncoder(), get_analyzer())
    return corpus, out


def _served(out: Path) -> tuple[list[str], list[str]]:
    index = load_index(out)
    return sorted(index.documents), sorted(index.by_id)


@pytest.mark.parametrize(
    ("op", "point"),
    [
        ("add", "segment"),
        ("add", "manifest"),
        ("remove", "manifest"),
        ("merge", "segment"),
        ("merge", "manifest"),
    ],
)
def test_sigkill_leaves_the_previous_manifest(
    segmented: tuple[Path, Path], op: str, point: str
) -> None:
    corpus, out = segmented
    manifest, served = read_manifest(out), _served(out)
    doc = {"add": REPORTS[3], "remove": served[0][0]}.get(op, "")
    _kill_at(op, point, corpus, out, doc)
    assert read_manifest(out) == manifest
    assert _served(out) == served
    # The next change cleans up after the killed one and completes.
    assert merge_segments(out)
    after = read_manifest(out)
    assert len(after.segments) == 2 and after.counts == manifest.counts
    left = sorted(p.name for p in (version_dir(out) / "segments").iterdir())
    assert left == [after.segments[1].name]
    assert not [p for p in version_dir(out).iterdir() if p.name.endswith(".part")]
    assert _served(out) == served
    assert os.listdir(version_dir(out))  # still a whole index
