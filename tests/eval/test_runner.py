"""The eval runner: hand-computed aggregation, the real evaluation as a regression guard, the
`rapportsok eval` command, and `--against` a live server."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from eval.metrics import Question, load_questions
from eval.runner import AskOutcome, Passage, evaluate_ask, evaluate_retrieval, quotes_evidence

# Guards a little under what is reached on the 387 questions (hybrid test hit@5 0.973,
# MRR@10 0.830; /ask dev answer-hit 0.571 with the cross-encoder choosing the quote (0.552
# without), abstains on unanswerable 0.821, wrongly abstains 0.221, comparisons complete
# 1.000, reports without the fact left out 0.423): not targets.
# The abstention floor and the ceiling on wrong abstentions follow the dev threshold's
# operating point (0.66 since it is chosen over five dealings of the folds: 0.85 and 0.30
# at 0.73 before).
HYBRID_TEST_HIT5_FLOOR = 0.96
HYBRID_TEST_MRR_FLOOR = 0.80
ASK_DEV_ANSWER_HIT_FLOOR = 0.55
ASK_DEV_ABSTAIN_FLOOR = 0.80
ASK_DEV_WRONG_ABSTAIN_CEILING = 0.25
ASK_DEV_COMPARISONS_FLOOR = 0.95
ASK_DEV_LEFT_OUT_FLOOR = 0.35


def _q(
    qid: str, qtype: str, docs: tuple[str, ...], evidence: tuple[str, ...], split: str = "test"
) -> Question:
    return Question(
        id=qid,
        question=f"fråga {qid}",
        type=qtype,
        doc_ids=docs,  # type: ignore[arg-type]
        evidence=evidence,
        split=split,
    )  # type: ignore[arg-type]


class FakeBackend:
    """Fixed rankings and answers per question text."""

    name = "fake"

    def __init__(
        self, rankings: dict[str, list[Passage]], answers: dict[str, AskOutcome] | None = None
    ) -> None:
        self.rankings, self.answers = rankings, answers or {}

    def search(self, query: str, k: int, mode: str) -> list[Passage]:
        return self.rankings[query][:k]

    def ask(self, question: str, k: int) -> AskOutcome:
        return self.answers[question]


A, B = "doc-a", "doc-b"
QUESTIONS = [
    _q("q1", "fact", (A,), ("överskott om 300 tkr",)),
    _q("q2", "table", (A,), ("2,0 procent",), split="dev"),
    _q("q3", "fact", (B,), ("LIX-värde",)),
    _q("q4", "unanswerable", (), ()),
]
RANKINGS = {
    # relevant at rank 1 (and 3)
    "fråga q1": [
        Passage(A, "ett överskott om 300 tkr."),
        Passage(B, "x"),
        Passage(A, "Överskott om 300 tkr vid året, ett överskott om 300 tkr"),
    ],
    # the evidence at rank 2 comes from the wrong report, the right one is at rank 4
    "fråga q2": [
        Passage(B, "y"),
        Passage(B, "2,0 procent"),
        Passage(A, "z"),
        Passage(A, "sjukfrånvaro 2,0\n procent"),
    ],
    # nothing relevant in the top 10 (rank 11 does not count)
    "fråga q3": [Passage(B, f"p{i}") for i in range(10)] + [Passage(B, "LIX-värde")],
}


def test_aggregation_by_hand() -> None:
    res = evaluate_retrieval(FakeBackend(RANKINGS), QUESTIONS, modes=["hybrid"], k=11)
    rows = {r.id: r for r in res.rows}
    assert set(rows) == {"q1", "q2", "q3"}  # the unanswerable question has no ranking to score
    assert rows["q1"].relevance == (True, False, True)
    assert rows["q2"].relevance == (False, False, False, True)  # folded whitespace matches
    # q1: relevant at 1 and 3 -> DCG = 1 + 1/log2(4) = 1.5, ideal (2 found) = 1 + 1/log2(3)
    assert rows["q1"].metrics["ndcg@10"] == pytest.approx(1.5 / (1 + 1 / math.log2(3)))
    # q2: first relevant at rank 4 -> hit@1 0, hit@5 1, MRR 1/4, nDCG = (1/log2(5)) / 1
    assert rows["q2"].metrics == pytest.approx(
        {"hit@1": 0.0, "hit@5": 1.0, "hit@10": 1.0, "mrr@10": 0.25, "ndcg@10": 1 / math.log2(5)}
    )
    assert rows["q3"].metrics == {
        "hit@1": 0.0,
        "hit@5": 0.0,
        "hit@10": 0.0,
        "mrr@10": 0.0,
        "ndcg@10": 0.0,
    }
    m = res.means["hybrid"]
    # all: hit@1 (1 + 0 + 0) / 3; hit@5 (1 + 1 + 0) / 3; MRR (1 + 0.25 + 0) / 3 = 0.41667
    assert m["all"]["n"] == 3
    assert m["all"]["hit@1"] == pytest.approx(1 / 3)
    assert m["all"]["hit@5"] == pytest.approx(2 / 3)
    assert m["all"]["mrr@10"] == pytest.approx(1.25 / 3)
    # per type: fact = q1, q3 -> MRR (1 + 0) / 2; table = q2 alone; per split: dev = q2
    assert m["fact"]["mrr@10"] == pytest.approx(0.5) and m["fact"]["n"] == 2
    assert m["table"]["mrr@10"] == pytest.approx(0.25)
    assert m["dev"]["n"] == 1 and m["test"]["hit@5"] == pytest.approx(0.5)
    assert "unanswerable" not in m


def test_ask_rates_by_hand() -> None:
    answers = {
        "fråga q1": AskOutcome(
            True, ["ett överskott om 300 tkr."], [Passage(A, "ett överskott om 300 tkr.")]
        ),
        # cites the right passage, but quotes a sentence without the evidence
        "fråga q2": AskOutcome(True, ["z"], [Passage(A, "z, sjukfrånvaro 2,0 procent")]),
        "fråga q3": AskOutcome(False, [], []),  # wrongly abstains
        "fråga q4": AskOutcome(False, [], []),  # rightly abstains
    }
    res = evaluate_ask(FakeBackend(RANKINGS, answers), QUESTIONS)
    g = res.means["all"]
    # answerable q1-q3: cites 2/3, quotes 1/3, wrong abstention 1/3; unanswerable q4: 1/1
    assert g["cites_evidence"] == pytest.approx(2 / 3)
    assert g["quotes_evidence"] == pytest.approx(1 / 3)
    assert g["wrong_abstain_answerable"] == pytest.approx(1 / 3)
    assert g["abstain_unanswerable"] == 1.0
    assert math.isnan(res.means["dev"]["abstain_unanswerable"])  # no unanswerable in dev


def test_a_comparison_is_complete_and_leaves_out_the_reports_without_the_fact() -> None:
    C, D = "doc-c", "doc-d"
    questions = [
        _q("c1", "comparison", (A, B), ("a-fakta", "b-fakta")),
        _q("c2", "comparison", (A, B), ("a-fakta", "b-fakta")),
        _q("c3", "comparison", (A, B), ("a-fakta", "b-fakta")),
        _q("c4", "comparison", (A, B), ("a-fakta", "b-fakta")),
    ]
    cited = [Passage(A, "a-fakta"), Passage(B, "b-fakta")]
    answers = {
        # every report in scope, A and B answered, C and D said to give no figure
        "fråga c1": AskOutcome(True, ["a-fakta", "b-fakta"], cited, "", (A, B), (A, B, C, D)),
        # C answered although it does not state the fact; D left out
        "fråga c2": AskOutcome(True, ["a", "b", "c"], cited, "", (A, B, C), (A, B, C, D)),
        # B missing: incomplete; no report outside A and B in scope
        "fråga c3": AskOutcome(True, ["a-fakta"], cited[:1], "", (A,), (A, B)),
        # an abstention leaves C and D out, and is not complete
        "fråga c4": AskOutcome(False, [], [], scope=(A, B, C, D)),
    }
    res = evaluate_ask(FakeBackend({}, answers), questions)
    rows = {r.id: r for r in res.rows}
    assert [rows[q].comparison_complete for q in ("c1", "c2", "c3", "c4")] == [
        True,
        True,
        False,
        False,
    ]
    assert [rows[q].comparison_left_out for q in ("c1", "c2", "c3", "c4")] == [1.0, 0.5, None, 1.0]
    assert res.means["all"]["comparison_complete"] == 0.5
    assert res.means["all"]["comparison_left_out"] == pytest.approx(2.5 / 3)


def test_quotes_evidence_either_way() -> None:
    assert quotes_evidence(["Summa 40 358 40 058 +300"], ["40 358 40 058"])
    assert quotes_evidence(["40 358"], ["Summa 40 358 40 058 +300"])  # a part of the evidence
    assert not quotes_evidence(["Summa"], ["Överskott 300"])
    assert quotes_evidence(["KLK HR\t4,5\t1,6\t-76,8\t0,3"], ["KLK HR | 4,5 | 1,6 | -76,8 | 0,3"])


def test_modes_and_k_are_checked() -> None:
    with pytest.raises(ValueError, match="mode must be one of"):
        evaluate_retrieval(FakeBackend(RANKINGS), QUESTIONS, modes=["bm25"])  # type: ignore[list-item]
    with pytest.raises(ValueError, match="k must be at least 10"):
        evaluate_retrieval(FakeBackend(RANKINGS), QUESTIONS, k=5)


def test_real_hybrid_on_the_test_split_stays_above_the_floor(eval_searcher) -> None:
    res = evaluate_retrieval(eval_searcher, load_questions(split="test"), modes=["hybrid"])
    assert res.mean("hybrid", "n") == 111
    assert res.mean("hybrid", "hit@5") >= HYBRID_TEST_HIT5_FLOOR
    assert res.mean("hybrid", "mrr@10") >= HYBRID_TEST_MRR_FLOOR


def test_real_ask_on_dev_stays_above_the_floors(eval_searcher) -> None:
    """/ask's reader was trained and its thresholds chosen on dev: its answers, abstentions
    and comparisons (complete, and saying which reports give no figure) there stay near what
    they reached, and no answer is a header row."""
    res = evaluate_ask(eval_searcher, load_questions(split="dev"))
    g = res.means["all"]
    assert g["answer_hit"] >= ASK_DEV_ANSWER_HIT_FLOOR
    assert g["abstain_unanswerable"] >= ASK_DEV_ABSTAIN_FLOOR
    assert g["wrong_abstain_answerable"] <= ASK_DEV_WRONG_ABSTAIN_CEILING
    assert g["comparison_complete"] >= ASK_DEV_COMPARISONS_FLOOR
    assert g["comparison_left_out"] >= ASK_DEV_LEFT_OUT_FLOOR
    assert sum(r.bad_unit for r in res.rows) == 0


def test_eval_command_writes_json_and_png(corpus_index: Path, tmp_path: Path, capsys) -> None:
    from rapportsok.cli import main

    out = tmp_path / "results"
    code = main(
        [
            "eval",
            "--index",
            str(corpus_index),
            "--split",
            "test",
            "--modes",
            "hybrid",
            "--no-baseline",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "Retrieval, all questions" in printed and "/ask" in printed
    data = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert data["meta"]["split"] == "test" and data["meta"]["questions"] == 157
    hybrid = data["retrieval"]["means"]["hybrid"]
    assert hybrid["all"]["n"] == 111 and hybrid["all"]["hit@5"] >= HYBRID_TEST_HIT5_FLOOR
    assert {r["id"] for r in data["retrieval"]["rows"]} == {
        q.id for q in load_questions(split="test") if q.answerable
    }
    assert len(data["ask"]["rows"]) == 157
    assert (out / "latest.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_eval_command_rejects_bad_modes(capsys) -> None:
    from rapportsok.cli import main

    with pytest.raises(SystemExit):
        main(["eval", "--modes", "hybrid,bm25"])
    assert "modes must be a comma-separated list" in capsys.readouterr().err


def test_against_a_live_server_matches_in_process(
    eval_searcher, corpus_copy: Path, corpus_index: Path
) -> None:
    from helpers import LiveServer

    from eval.http import HttpBackend
    from rapportsok.settings import Settings
    from service.app import create_app

    questions = load_questions(split="test")
    settings = Settings(index_dir=corpus_index, corpus_dir=corpus_copy)
    with (
        LiveServer(create_app(settings, searcher=eval_searcher)) as live,
        HttpBackend(live.url) as backend,
    ):
        assert backend.check()["status"] == "ok"
        over_http = evaluate_retrieval(backend, questions, modes=["hybrid", "lexical"])
        asked = evaluate_ask(backend, questions)
    in_process = evaluate_retrieval(eval_searcher, questions, modes=["hybrid", "lexical"])
    assert [r.relevance for r in over_http.rows] == [r.relevance for r in in_process.rows]
    assert over_http.means == in_process.means
    local = evaluate_ask(eval_searcher, questions)
    assert [(r.id, r.answered, r.cites_evidence, r.quotes_evidence) for r in asked.rows] == [
        (r.id, r.answered, r.cites_evidence, r.quotes_evidence) for r in local.rows
    ]


def test_http_backend_names_an_absent_server() -> None:
    from helpers import free_port

    from eval.http import HttpBackend, HttpError

    with (
        HttpBackend(f"http://127.0.0.1:{free_port()}", timeout=2) as backend,
        pytest.raises(HttpError, match="no Rapportsök server at"),
    ):
        backend.check()
