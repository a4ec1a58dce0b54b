#!/usr/bin/env python3
"""tools/reference/int8_kld_reference.py - an independent float64 check (numpy, no GenRT code) of
the KL divergence that NNCF-style INT8 weight quantization causes on the bundled stories260K model.

Re-implements the llama2.c forward pass in float64 (checked against reference.json's logits, which
it matches to their 6 printed decimals), quantizes the weights with NNCF's INT8_ASYM / INT8_SYM formulas (per
output row, f16 scales), samples 16 x 128 tokens from the base model (seed 0) and reports mean/max
KL(P_base || P_quant) and top-1 agreement for: f16 weights, INT8_ASYM, INT8_SYM, INT8_ASYM group 32,
and INT8_ASYM on one kind of tensor at a time. Used for docs/COMPRESSION.md ("Is KLD < 1e-3
reachable at 8 bits?"). Needs python3-numpy (Debian); about 80 s on one core.

  /usr/bin/python3 tools/reference/int8_kld_reference.py [MODEL.bin [reference.json]]
"""
import json, os, sys, time
import numpy as np

_here = os.path.dirname(os.path.abspath(__file__))
MODEL = sys.argv[1] if len(sys.argv) > 1 else os.path.join(_here, "../../models/stories260K/stories260K.bin")
REF = sys.argv[2] if len(sys.argv) > 2 else os.path.join(_here, "../../models/stories260K/reference.json")

# ---------------------------------------------------------------- load
raw = open(MODEL, "rb").read()
dim, hidden, L, nh, nkv, vocab, seq_len = np.frombuffer(raw[:28], dtype="<i4").tolist()
shared = vocab > 0
vocab = abs(vocab)
hs = dim // nh
kv_dim = dim * nkv // nh
f = np.frombuffer(raw[28:], dtype="<f4").astype(np.float64)
off = 0
def take(*shape):
    global off
    n = int(np.prod(shape))
    a = f[off:off + n].reshape(shape).copy()
    off += n
    return a
W = {}
W["emb"] = take(vocab, dim)
W["rms_att"] = take(L, dim)
W["wq"] = take(L, dim, dim)
W["wk"] = take(L, kv_dim, dim)
W["wv"] = take(L, kv_dim, dim)
W["wo"] = take(L, dim, dim)
W["rms_ffn"] = take(L, dim)
W["w1"] = take(L, hidden, dim)
W["w2"] = take(L, dim, hidden)
W["w3"] = take(L, hidden, dim)
W["rms_final"] = take(dim)
rest = f.size - off
assert shared
assert rest == seq_len * hs // 2 * 2, (rest, seq_len * hs)  # legacy freq_cis real+imag
MATS = ["emb", "wq", "wk", "wv", "wo", "w1", "w2", "w3"]

# RoPE tables: pair (i, i+1), freq = 1/10000^((i % hs)/hs)
def rope_tables(T):
    i = np.arange(0, dim, 2)
    freq = 1.0 / 10000.0 ** ((i % hs) / hs)
    ang = np.arange(T)[:, None] * freq[None, :]          # [T, dim/2]
    return np.cos(ang), np.sin(ang)

def rope(x, cos, sin):
    # x [B, T, n] with n <= dim; pairs along last axis
    n = x.shape[-1]
    xr = x.reshape(*x.shape[:-1], n // 2, 2)
    c = cos[:, : n // 2]; s = sin[:, : n // 2]
    a, b = xr[..., 0], xr[..., 1]
    out = np.stack([a * c - b * s, a * s + b * c], axis=-1)
    return out.reshape(x.shape)

def rmsnorm(x, w):
    return x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + 1e-5) * w

def forward(Wt, toks):
    """toks [B, T] int -> logits [B, T, vocab], full causal pass (float64)."""
    toks = np.asarray(toks)
    B, T = toks.shape
    cos, sin = rope_tables(T)
    x = Wt["emb"][toks]                                   # [B,T,dim]
    mask = np.triu(np.full((T, T), -np.inf), 1)
    grp = nh // nkv
    for l in range(L):
        xb = rmsnorm(x, Wt["rms_att"][l])
        q = xb @ Wt["wq"][l].T
        k = xb @ Wt["wk"][l].T
        v = xb @ Wt["wv"][l].T
        q = rope(q, cos, sin); k = rope(k, cos, sin)
        q = q.reshape(B, T, nh, hs).transpose(0, 2, 1, 3)      # [B,nh,T,hs]
        k = k.reshape(B, T, nkv, hs).transpose(0, 2, 1, 3)
        v = v.reshape(B, T, nkv, hs).transpose(0, 2, 1, 3)
        k = np.repeat(k, grp, axis=1); v = np.repeat(v, grp, axis=1)  # head h -> kv h//grp
        s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(hs) + mask
        s = s - s.max(-1, keepdims=True)
        p = np.exp(s); p /= p.sum(-1, keepdims=True)
        o = (p @ v).transpose(0, 2, 1, 3).reshape(B, T, dim)
        x = x + o @ Wt["wo"][l].T
        xb = rmsnorm(x, Wt["rms_ffn"][l])
        h1 = xb @ Wt["w1"][l].T
        h3 = xb @ Wt["w3"][l].T
        x = x + (h1 / (1.0 + np.exp(-h1)) * h3) @ Wt["w2"][l].T
    x = rmsnorm(x, Wt["rms_final"])
    return x @ Wt["emb"].T

def log_softmax(z):
    z = z - z.max(-1, keepdims=True)
    return z - np.log(np.exp(z).sum(-1, keepdims=True))

# ---------------------------------------------------------------- quantizers
f16 = lambda s: s.astype(np.float16).astype(np.float64)

def q_asym(Wm, gs=None):
    """NNCF INT8_ASYM per output row (or per group of gs along input). Wm [..., out, in]."""
    shp = Wm.shape
    n_in = shp[-1]
    if gs is not None and n_in % gs == 0:
        X = Wm.reshape(*shp[:-1], n_in // gs, gs)
    else:
        X = Wm[..., None, :]
    lo = np.minimum(X.min(-1, keepdims=True), 0.0)
    hi = np.maximum(X.max(-1, keepdims=True), 0.0)
    scale = f16((hi - lo) / 255.0)
    scale = np.where(scale == 0, 1.0, scale)
    zp = np.clip(np.round(-lo / scale), 0, 255)
    q = np.clip(np.round(X / scale) + zp, 0, 255)
    return ((q - zp) * scale).reshape(shp)

def q_sym(Wm):
    amax = np.abs(Wm).max(-1, keepdims=True)
    scale = f16(amax / 127.0)
    scale = np.where(scale == 0, 1.0, scale)
    q = np.clip(np.round(Wm / scale), -128, 127)
    return q * scale

def q_f16(Wm):
    return f16(Wm)

def make(fn, kinds=MATS):
    Wt = dict(W)
    for k in kinds:
        Wt[k] = fn(W[k])
    return Wt

# ---------------------------------------------------------------- main
out_lines = []
def out(s=""):
    print(s); out_lines.append(s); sys.stdout.flush()

t0 = time.time()
ref = json.load(open(REF))
prompt = ref["prompt"]
lg = forward(W, np.array([prompt]))[0]
refl = np.array(ref["logits"], dtype=np.float64)
err = np.abs(lg - refl).max()
out(f"config dim={dim} hidden={hidden} L={L} nh={nh} nkv={nkv} vocab={vocab} seq_len={seq_len} shared={shared}")
out(f"validation vs reference.json: max abs logit error = {err:.3e} over {refl.shape} (max |logit| {np.abs(refl).max():.2f})")
out(f"  reference.json stores 6 decimals; max |round(mine,6) - ref| = {np.abs(np.round(lg,6)-refl).max():.1e}")
assert err < 1e-6

# sample 16 sequences of 128 tokens (BOS + 127 sampled), seed 0, temperature 1
NSEQ, T = 16, 128
rng = np.random.default_rng(0)
seqs = np.zeros((NSEQ, T), dtype=np.int64)
seqs[:, 0] = 1
for t in range(1, T):
    lp = log_softmax(forward(W, seqs[:, :t])[:, -1])   # batch forward on prefix
    for b in range(NSEQ):
        p = np.exp(lp[b]); p /= p.sum()
        seqs[b, t] = rng.choice(vocab, p=p)
out(f"sampled {NSEQ} x {T} tokens (BOS + {T-1} sampled, rng.choice, seed 0) in {time.time()-t0:.1f}s; "
    f"first seq head: {seqs[0,:16].tolist()}")
# Sanity: the full causal pass on the sampled tokens equals the incremental prefix logits
base_lp = log_softmax(forward(W, seqs))                  # [16,128,512]
base_p = np.exp(base_lp)
base_top = base_lp.argmax(-1)
out(f"KLD evaluated at all {NSEQ}x{T} = {NSEQ*T} positions (logits after each token incl. the last)")

def evaluate(name, Wt):
    lq = log_softmax(forward(Wt, seqs))
    kl = (base_p * (base_lp - lq)).sum(-1)
    top1 = (lq.argmax(-1) == base_top).mean()
    out(f"{name:<28s} meanKLD={kl.mean():.3e}  maxKLD={kl.max():.3e}  top1={top1*100:.2f}%")
    return kl.mean()

out()
out("relative RMS weight error ||Wq-W||/||W|| per tensor kind:")
out(f"{'kind':<6s} {'ASYM':>10s} {'SYM':>10s} {'F16':>10s} {'ASYM-g32':>10s}")
for k in MATS:
    r = lambda Wq: np.linalg.norm(Wq - W[k]) / np.linalg.norm(W[k])
    out(f"{k:<6s} {r(q_asym(W[k])):10.3e} {r(q_sym(W[k])):10.3e} {r(q_f16(W[k])):10.3e} {r(q_asym(W[k], 32)):10.3e}")
out()
evaluate("base (self-check)", W)
evaluate("F16 all", make(q_f16))
evaluate("INT8_ASYM per-row all", make(q_asym))
evaluate("INT8_SYM per-row all", make(q_sym))
evaluate("INT8_ASYM g32 (w2 per-row)", make(lambda m: q_asym(m, 32)))
for k in MATS:
    evaluate(f"INT8_ASYM only {k}", make(q_asym, [k]))
evaluate("INT8_ASYM all but emb", make(q_asym, [k for k in MATS if k != "emb"]))
out(f"total time {time.time()-t0:.1f}s")
