"""Render evaluation results: a text table, a JSON file and a bar chart (matplotlib, Agg)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict
from pathlib import Path
from typing import Any

from eval.runner import (
    ASK_METRICS,
    RETRIEVAL_METRICS,
    AskResults,
    RetrievalResults,
    RetrievalRow,
)

TYPES = ("fact", "table", "paraphrase", "section", "keyword", "comparison", "english")


def _f(x: float) -> str:
    return "  -  " if math.isnan(x) else f"{x:.3f}"


def splits_of(retrieval: RetrievalResults) -> list[str]:
    """The groups a summary is shown for: dev and test when both were run, else all."""
    present = {r.split for r in retrieval.rows}
    return [s for s in ("dev", "test") if s in present] if len(present) > 1 else ["all"]


def retrieval_table(retrieval: RetrievalResults) -> str:
    """Per split: one line per mode with the five metrics and the median latency; then
    hit@5 / MRR@10 per question type and mode (over every evaluated question)."""
    lines: list[str] = []
    modes = list(retrieval.means)
    head = f"{'mode':<18}{'n':>4}" + "".join(f"{m:>9}" for m in RETRIEVAL_METRICS)
    for split in splits_of(retrieval):
        label = "all questions" if split == "all" else f"{split} split"
        lines.append(f"Retrieval, {label} (answerable questions)")
        lines.append(head + f"{'p50 ms':>9}")
        for mode in modes:
            g = retrieval.means[mode].get(split)
            if g is None:
                continue
            lines.append(
                f"{mode:<18}{int(g['n']):>4}"
                + "".join(f"{_f(g[m]):>9}" for m in RETRIEVAL_METRICS)
                + f"{retrieval.latency_ms[mode]:>9.1f}"
            )
        lines.append("")
    lines.append("Per question type: hit@5 / MRR@10")
    lines.append(f"{'type':<12}{'n':>4}" + "".join(f"{m:>18}" for m in modes))
    for qtype in TYPES:
        first = retrieval.means[modes[0]].get(qtype) if modes else None
        if first is None:
            continue
        cells = []
        for mode in modes:
            g = retrieval.means[mode][qtype]
            cells.append(f"{_f(g['hit@5'])} / {_f(g['mrr@10'])}")
        lines.append(f"{qtype:<12}{int(first['n']):>4}" + "".join(f"{c:>18}" for c in cells))
    return "\n".join(lines)


def ask_table(ask: AskResults, splits: list[str]) -> str:
    """/ask: evidence cited and quoted, abstentions (right and wrong), median latency."""
    lines = [
        "/ask (hybrid search, 5 passages): rates over answerable / unanswerable questions",
        f"{'split':<8}{'answerable':>11}{'answer-hit':>12}{'cites evidence':>16}"
        f"{'quotes evidence':>17}{'wrongly abstains':>18}{'unanswerable':>14}{'abstains':>14}"
        f"{'comparisons complete':>22}{'reports without it left out':>29}"
        f"{'header/caption answers':>24}",
    ]
    for split in splits:
        g = ask.means.get(split)
        if g is None:
            continue
        rows = [r for r in ask.rows if split == "all" or r.split == split]
        n_ans = sum(r.answerable for r in rows)
        n_un = len(rows) - n_ans
        wrong = sum(r.answerable and not r.answered for r in rows)
        right = sum(not r.answerable and not r.answered for r in rows)
        bad = sum(r.bad_unit for r in rows)
        lines.append(
            f"{split:<8}{n_ans:>11}{_f(g.get('answer_hit', math.nan)):>12}"
            f"{_f(g['cites_evidence']):>16}"
            f"{_f(g['quotes_evidence']):>17}"
            f"{_f(g['wrong_abstain_answerable']) + f' ({wrong}/{n_ans})':>18}{n_un:>14}"
            f"{_f(g['abstain_unanswerable']) + f' ({right}/{n_un})':>14}"
            f"{_f(g.get('comparison_complete', float('nan'))):>22}"
            f"{_f(g.get('comparison_left_out', float('nan'))):>29}{bad:>24}"
        )
    lines.append("per question type: answer-hit over answerable, abstains over unanswerable")
    for qtype in dict.fromkeys(r.type for r in ask.rows):
        g = ask.means.get(qtype, {})
        n = sum(r.type == qtype for r in ask.rows)
        key = "abstain_unanswerable" if qtype == "unanswerable" else "answer_hit"
        lines.append(f"  {qtype:<14}{n:>4}{_f(g.get(key, float('nan'))):>10}")
    lines.append(f"median /ask latency {ask.latency_ms:.1f} ms")
    return "\n".join(lines)


def format_report(retrieval: RetrievalResults, ask: AskResults | None) -> str:
    """The whole printed report."""
    text = retrieval_table(retrieval)
    if ask is not None:
        text += "\n\n" + ask_table(ask, splits_of(retrieval))
    return text


def to_json(
    retrieval: RetrievalResults, ask: AskResults | None, meta: dict[str, Any]
) -> dict[str, Any]:
    """Everything as a JSON-ready dict: meta, means, latencies and per-question rows."""
    data: dict[str, Any] = {
        "meta": meta,
        "retrieval": {
            "means": retrieval.means,
            "median_latency_ms": retrieval.latency_ms,
            "rows": [_retrieval_row(r) for r in retrieval.rows],
        },
    }
    if ask is not None:
        data["ask"] = {
            "means": ask.means,
            "median_latency_ms": ask.latency_ms,
            "metrics": list(ASK_METRICS),
            "rows": [{**asdict(r), "latency_ms": round(r.latency_ms, 1)} for r in ask.rows],
        }
    return data


def _retrieval_row(row: RetrievalRow) -> dict[str, Any]:
    """A row for JSON: the ranks of the relevant passages instead of the relevance list."""
    data = asdict(row)
    del data["relevance"]
    data["relevant_ranks"] = [i for i, r in enumerate(row.relevance, start=1) if r]
    data["latency_ms"] = round(row.latency_ms, 1)
    return data


def write_json(data: dict[str, Any], path: Path) -> Path:
    """Write `data` as UTF-8 JSON (NaN becomes null), creating the folder: indented, except
    that each per-question row stays on one line (small files, readable diffs)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    clean = json.loads(json.dumps(data, allow_nan=True).replace("NaN", "null"))
    rows: list[str] = []

    def mark(obj: Any) -> Any:
        if isinstance(obj, dict):
            return {
                k: ([_placeholder(rows, r) for r in v] if k == "rows" else mark(v))
                for k, v in obj.items()
            }
        return obj

    text = json.dumps(mark(clean), ensure_ascii=False, indent=1)
    for i, row in enumerate(rows):
        text = text.replace(f'"@@row{i}@@"', row, 1)
    path.write_text(text + "\n", encoding="utf-8")
    return path


def _placeholder(rows: list[str], row: Any) -> str:
    rows.append(json.dumps(row, ensure_ascii=False, separators=(",", ":")))
    return f"@@row{len(rows) - 1}@@"


def plot(retrieval: RetrievalResults, path: Path, title: str = "Rapportsök retrieval") -> Path:
    """A grouped bar chart: the five metrics (x) for each mode (bars), one panel per split."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    splits = splits_of(retrieval)
    modes = list(retrieval.means)
    fig, axes = plt.subplots(1, len(splits), figsize=(6.5 * len(splits), 4.5), squeeze=False)
    width = 0.8 / max(len(modes), 1)
    palette = {"lexical": "tab:blue", "dense": "tab:orange", "hybrid": "tab:green"}
    for ax, split in zip(axes[0], splits, strict=True):
        for i, mode in enumerate(modes):
            g = retrieval.means[mode].get(split, {})
            values = [g.get(m, 0.0) for m in RETRIEVAL_METRICS]
            xs = [j + (i - (len(modes) - 1) / 2) * width for j in range(len(RETRIEVAL_METRICS))]
            # A baseline mode has its mode's colour, lighter and hatched.
            baseline = mode.startswith("baseline-")
            colour = palette.get(mode.removeprefix("baseline-"), "tab:gray")
            ax.bar(
                xs,
                values,
                width,
                label=mode,
                color=colour,
                alpha=0.4 if baseline else 1.0,
                hatch="//" if baseline else None,
                edgecolor="white",
                linewidth=0.5,
            )
        n = int(retrieval.means[modes[0]].get(split, {}).get("n", 0)) if modes else 0
        ax.set_title(f"{split} split ({n} questions)" if split != "all" else f"{n} questions")
        ax.set_xticks(range(len(RETRIEVAL_METRICS)), RETRIEVAL_METRICS)
        ax.set_ylim(0, 1.0)
        ax.grid(axis="y", alpha=0.3)
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(modes), fontsize=8, frameon=False)
    fig.suptitle(title)
    fig.tight_layout(rect=(0, 0.07, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
