"""The naive baseline: blank-line paragraphs packed into ~900-character passages."""

from __future__ import annotations

from pathlib import Path

from eval.baseline import build_baseline_index, pack, paragraphs


def test_paragraphs_are_blank_line_separated_and_stripped() -> None:
    text = "  Första stycket\nrad två.\n\n\nAndra stycket.  \n \nTredje."
    assert [text[s:e] for s, e in paragraphs(text)] == [
        "Första stycket\nrad två.",
        "Andra stycket.",
        "Tredje.",
    ]


def test_pack_joins_paragraphs_up_to_the_size() -> None:
    text = "a" * 40 + "\n\n" + "b" * 40 + "\n\n" + "c" * 40
    # 40 + 2 + 40 = 82 <= 90 fits, adding the third (124) does not
    assert [text[s:e] for s, e in pack(text, 90)] == ["a" * 40 + "\n\n" + "b" * 40, "c" * 40]


def test_pack_cuts_a_long_paragraph_at_spaces() -> None:
    words = " ".join(f"ord{i:02d}" for i in range(30))  # 30 words of 5 letters: 179 characters
    pieces = [words[s:e] for s, e in pack(words, 60)]
    assert all(len(p) <= 60 for p in pieces)
    assert " ".join(pieces) == words  # nothing lost, every cut at a space
    assert all(not p.startswith(" ") and not p.endswith(" ") for p in pieces)


def test_baseline_index_of_a_tiny_corpus_is_searchable(tmp_path: Path, encoder) -> None:
    from indexer.language.analyzer import get_analyzer
    from search.retrieval import Searcher

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "timra-delarsrapport-2021.txt").write_text(
        "# Timrå kommun\n\nDelårsrapport 2021 för Timrå kommun.\n\n## Personal\n\n"
        "Sjukfrånvaron på kommunledningskontoret var 3,4 procent.\n\n"
        + "Bredbandsutbyggnaden fortsätter i hela kommunen. "
        * 25,
        encoding="utf-8",
    )
    (corpus / "krokom-arsredovisning-2020.txt").write_text(
        "Krokoms kommun årsredovisning 2020.\n\nKommunens hemsida har ett LIX-värde runt 35.",
        encoding="utf-8",
    )
    index = build_baseline_index(corpus, encoder, size=300)
    assert index.manifest.chunker == {"baseline": True, "size": 300}
    assert len(index.chunks) == index.vectors.shape[0] == index.faiss_index.ntotal
    assert all(c.context == "" and c.section == () for c in index.chunks)  # no section context
    assert all(len(c.text) <= 300 for c in index.chunks)
    krokom = [c for c in index.chunks if c.doc_id == "krokom-arsredovisning-2020"]
    assert [c.text for c in krokom] == [  # two short paragraphs packed into one passage
        "Krokoms kommun årsredovisning 2020.\n\nKommunens hemsida har ett LIX-värde runt 35."
    ]
    searcher = Searcher(index, encoder, get_analyzer())
    hits, _ = searcher.search("Vilket LIX-värde har hemsidan?", 3)
    assert hits[0].chunk.doc_id == "krokom-arsredovisning-2020"
    hits, _ = searcher.search("sjukfrånvaro kommunledningskontoret", 3, mode="lexical")
    assert "3,4 procent" in hits[0].chunk.text
