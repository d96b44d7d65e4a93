"""torch.nn.MultiheadAttention cases for Fixtures/attention_cases.json (float64, eval mode):
parameters, inputs, masks, outputs, attention weights, and the gradients of sum(output * u)
with respect to the parameters and the query.

Run with PyTorch installed: python3 make_attention_cases.py (writes ../Fixtures/attention_cases.json).
"""
import json
import os

import torch

torch.manual_seed(20261202)
dt = torch.float64


def t(x):
    return {"shape": list(x.shape), "data": x.detach().reshape(-1).tolist()}


cases = []


def case(name, E, H, batch_first, L, S, N, self_attention=False, attn_mask=None, key_padding_mask=None,
         is_causal=False, need_weights=True, average=True, bias=True, unbatched=False):
    mha = torch.nn.MultiheadAttention(E, H, bias=bias, batch_first=batch_first, dtype=dt).eval()
    with torch.no_grad():
        for p in mha.parameters():
            p.copy_(torch.randn_like(p) * 0.5)

    def shaped(length):
        if unbatched:
            return torch.randn(length, E, dtype=dt)
        return torch.randn(N, length, E, dtype=dt) if batch_first else torch.randn(length, N, E, dtype=dt)

    q = shaped(L).requires_grad_(True)
    k = q if self_attention else shaped(S)
    v = q if self_attention else shaped(S)
    mask = attn_mask
    if is_causal:
        mask = torch.nn.Transformer.generate_square_subsequent_mask(L, dtype=dt)
    out, w = mha(q, k, v, key_padding_mask=key_padding_mask, attn_mask=mask, need_weights=need_weights,
                 average_attn_weights=average, is_causal=is_causal)
    u = torch.randn_like(out)
    params = list(mha.named_parameters())
    grads = torch.autograd.grad([out], [p for _, p in params] + [q], [u])
    cases.append({
        "name": name, "embed_dim": E, "num_heads": H, "batch_first": batch_first, "bias": bias,
        "self_attention": self_attention, "is_causal": is_causal, "need_weights": need_weights,
        "average_attn_weights": average,
        "parameters": {n: t(p) for n, p in params},
        "query": t(q), "key": t(k), "value": t(v),
        "attn_mask": None if attn_mask is None else {**t(attn_mask.to(dt)), "dtype": str(attn_mask.dtype).split(".")[1]},
        "key_padding_mask": None if key_padding_mask is None else {**t(key_padding_mask.to(dt)), "dtype": "bool"},
        "output": t(out), "weights": None if w is None else t(w), "upstream": t(u),
        "grads": {n: t(g) for (n, _), g in zip(params, grads[:-1])}, "query_grad": t(grads[-1]),
    })


case("batch-first self-attention", 8, 2, True, 5, 5, 3, self_attention=True)
case("sequence-first cross-attention, float mask, per-head weights", 8, 4, False, 4, 6, 2,
     attn_mask=torch.randn(4, 6, dtype=dt), average=False)
case("bool mask per batch and head, key padding", 6, 3, True, 3, 5, 2,
     attn_mask=torch.cat([torch.zeros(2 * 3, 3, 1, dtype=torch.bool), torch.rand(2 * 3, 3, 4) < 0.3], dim=2),
     key_padding_mask=torch.tensor([[False, False, False, True, True], [False, True, False, False, False]]))
case("causal, no weights", 8, 2, True, 6, 6, 2, self_attention=True, is_causal=True, need_weights=False)
case("unbatched, no bias", 4, 2, False, 3, 4, 1, bias=False, unbatched=True)

json.dump({"meta": {"generator": "PyTorch " + torch.__version__, "seeds": "fixed",
                    "script": "Tests/TrainingTests/Reference/make_attention_cases.py"}, "cases": cases},
          open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Fixtures", "attention_cases.json"), "w"))
print(len(cases))
