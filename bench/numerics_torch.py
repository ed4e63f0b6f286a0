#!/usr/bin/python3
"""The GPTs of bench/numerics.ts in PyTorch CPU, out of the box (default threads): one training step
(forward, backward, clipping when asked, AdamW) timed over several steps. Prints one JSON line: step_ms
(median), peak_rss_mb, threads.
Usage: numerics_torch.py D_MODEL LAYERS HEADS SEQ BATCH VOCAB FFN WARMUP STEPS [TIED ACT BETA2 CLIP]
  TIED 1 ties the head to the token embedding (default 0), ACT gelu or gelu_tanh (default gelu_tanh), BETA2
  AdamW's second beta (default 0.999), CLIP the max gradient norm (default 0: no clipping)."""
import json
import math
import resource
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

H, L, NH, T, B, V, FF, WARMUP, STEPS = map(int, sys.argv[1:10])
EXTRA = sys.argv[10:] + ["0", "gelu_tanh", "0.999", "0"][len(sys.argv[10:]):]
TIED, ACT, BETA2, CLIP = EXTRA[0] == "1", EXTRA[1], float(EXTRA[2]), float(EXTRA[3])
APPROX = "tanh" if ACT == "gelu_tanh" else "none"


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.ln1 = nn.LayerNorm(H)
        self.qkv = nn.Linear(H, 3 * H)
        self.out = nn.Linear(H, H)
        self.ln2 = nn.LayerNorm(H)
        self.fc1 = nn.Linear(H, FF)
        self.fc2 = nn.Linear(FF, H)
        self.register_buffer("causal", torch.triu(torch.full((T, T), float("-inf")), diagonal=1))

    def forward(self, x):
        b, t, _ = x.shape
        q, k, v = self.qkv(self.ln1(x)).split(H, dim=-1)
        q, k, v = [z.view(b, t, NH, H // NH).transpose(1, 2) for z in (q, k, v)]
        s = q @ k.transpose(-1, -2) / math.sqrt(H // NH) + self.causal
        a = (torch.softmax(s, dim=-1) @ v).transpose(1, 2).reshape(b, t, H)
        x = x + self.out(a)
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x)), approximate=APPROX))


class GPT(nn.Module):
    def __init__(self):
        super().__init__()
        self.wte = nn.Embedding(V, H)
        self.wpe = nn.Embedding(T, H)
        self.blocks = nn.ModuleList([Block() for _ in range(L)])
        self.ln_f = nn.LayerNorm(H)
        self.head = nn.Linear(H, V, bias=False)
        if TIED:
            self.head.weight = self.wte.weight

    def forward(self, ids, labels):
        x = self.wte(ids) + self.wpe.weight[: ids.shape[1]]
        for blk in self.blocks:
            x = blk(x)
        logits = self.head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, V), labels.view(-1))


torch.manual_seed(0)
model = GPT()
opt = torch.optim.AdamW(model.parameters(), lr=1e-4, betas=(0.9, BETA2), weight_decay=0.01)
ids = torch.randint(0, V, (B, T + 1))
x, y = ids[:, :-1].contiguous(), ids[:, 1:].contiguous()
times = []
for i in range(WARMUP + STEPS):
    t0 = time.perf_counter()
    opt.zero_grad(set_to_none=True)
    loss = model(x, y)
    loss.backward()
    if CLIP > 0:
        torch.nn.utils.clip_grad_norm_(model.parameters(), CLIP)
    opt.step()
    dt = (time.perf_counter() - t0) * 1000
    if i >= WARMUP:
        times.append(dt)
times.sort()
print(json.dumps({
    "step_ms": times[len(times) // 2],
    "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    "threads": torch.get_num_threads(),
    "loss": float(loss),
}))
