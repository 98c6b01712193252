"""bpviz's trainer against the fastest hand-written loops of the same maths, and the old trainer.

    python benchmarks/bench_core.py [--repeats 5] [--old DIR]

``--old DIR``: a directory holding another bpviz tree (``git archive HEAD bpviz | tar -x -C
DIR``), whose trainer runs interleaved with this one, so "× faster than the old trainer" is
measured in one run on the same machine state.

Runs (each implementation interleaved with the others, best of ``--repeats``):

- mazur, xor, swap (10,000 steps): the trainer as it chooses (the fast path on these) against
  the old trainer; on mazur also against a hand-unrolled CPython loop (one local per weight,
  ``math.exp``: the interpreter's limit) and the best numpy loop;
- 10-20-20-5 online over 50 samples and 784-128-10 minibatch 64: the trainer's numpy path
  against the best hand-written numpy loop (1-D vectors for one sample, preallocated buffers).

Every implementation must end at the same weights (1e-12 relative to the largest weight).
"""

from __future__ import annotations

import argparse
import math
import sys
import time

import numpy as np

from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.network import Network
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer


def hand_online(ws, bs, train_b, X, T, lr, steps):
    """Online sigmoid / ½SSE with 1-D vectors and preallocated buffers: the fastest numpy
    loop (a 1-D dot costs half a (1, n) matmul)."""
    ws = [w.copy() for w in ws]
    bs = None if bs is None else [b.copy() for b in bs]
    L = len(ws)
    outs = [None] + [np.empty(w.shape[0]) for w in ws]
    tmp = [None] + [np.empty(w.shape[0]) for w in ws]
    delta = [None] + [np.empty(w.shape[0]) for w in ws]
    gw = [np.empty_like(w) for w in ws]
    wt = [w.T for w in ws]
    M = len(X)
    err = np.empty(steps)
    dot, outer, exp, neg, recip, sub, mul = (
        np.dot,
        np.outer,
        np.exp,
        np.negative,
        np.reciprocal,
        np.subtract,
        np.multiply,
    )
    rows = [(X[i], T[i]) for i in range(M)]
    for s in range(steps):
        x, t = rows[s % M]
        outs[0] = x
        for k in range(1, L + 1):
            o = outs[k]
            dot(ws[k - 1], outs[k - 1], out=o)
            if bs is not None:
                o += bs[k - 1]
            neg(o, out=o)
            exp(o, out=o)
            o += 1.0
            recip(o, out=o)
        d = sub(outs[L], t, out=delta[L])
        err[s] = 0.5 * dot(d, d)
        for k in range(L, 0, -1):
            if k < L:
                dot(wt[k], delta[k + 1], out=delta[k])
            sub(1.0, outs[k], out=tmp[k])
            tmp[k] *= outs[k]
            delta[k] *= tmp[k]
            outer(delta[k], outs[k - 1], out=gw[k - 1])
        for k in range(L):
            gw[k] *= lr
            ws[k] -= gw[k]
            if train_b:
                mul(delta[k + 1], lr, out=tmp[k + 1])
                bs[k] -= tmp[k + 1]
    return ws, err


def hand_minibatch(ws, X, T, lr, bsz, steps):
    """Minibatch sigmoid / ½SSE, rows are samples, preallocated buffers, no biases."""
    ws = [w.copy() for w in ws]
    L = len(ws)
    outs = [None] + [np.empty((bsz, w.shape[0])) for w in ws]
    tmp = [None] + [np.empty((bsz, w.shape[0])) for w in ws]
    delta = [None] + [np.empty((bsz, w.shape[0])) for w in ws]
    gw = [np.empty_like(w) for w in ws]
    wt = [w.T for w in ws]
    M = len(X)
    nb = M // bsz
    err = np.empty(steps)
    for s in range(steps):
        p = s % nb
        x, t = X[p * bsz : (p + 1) * bsz], T[p * bsz : (p + 1) * bsz]
        outs[0] = x
        for k in range(1, L + 1):
            o = outs[k]
            np.matmul(outs[k - 1], wt[k - 1], out=o)
            np.negative(o, out=o)
            np.exp(o, out=o)
            o += 1.0
            np.reciprocal(o, out=o)
        d = np.subtract(outs[L], t, out=delta[L])
        dr = d.ravel()
        err[s] = 0.5 * np.dot(dr, dr)
        for k in range(L, 0, -1):
            if k < L:
                np.matmul(delta[k + 1], ws[k], out=delta[k])
            np.subtract(1.0, outs[k], out=tmp[k])
            tmp[k] *= outs[k]
            delta[k] *= tmp[k]
            np.matmul(delta[k].T, outs[k - 1], out=gw[k - 1])
        for k in range(L):
            gw[k] *= lr
            ws[k] -= gw[k]
    return ws, err


def unrolled_mazur(ws, bs, X, T, lr, steps):
    """Mazur (2-2-2, sigmoid, ½SSE, fixed biases, one sample) written out by hand in CPython."""
    (a, b), (c, d) = ws[0].tolist()
    (e, f), (g, h) = ws[1].tolist()
    b1, b2 = bs[0].tolist()
    b3, b4 = bs[1].tolist()
    x1, x2 = X[0].tolist()
    t1, t2 = T[0].tolist()
    exp = math.exp
    err = [0.0] * steps
    for s in range(steps):
        h1 = 1.0 / (1.0 + exp(-(a * x1 + b * x2 + b1)))
        h2 = 1.0 / (1.0 + exp(-(c * x1 + d * x2 + b2)))
        o1 = 1.0 / (1.0 + exp(-(e * h1 + f * h2 + b3)))
        o2 = 1.0 / (1.0 + exp(-(g * h1 + h * h2 + b4)))
        q1, q2 = o1 - t1, o2 - t2
        err[s] = 0.5 * (q1 * q1 + q2 * q2)
        d1 = q1 * ((1.0 - o1) * o1)
        d2 = q2 * ((1.0 - o2) * o2)
        u1 = (d1 * e + d2 * g) * ((1.0 - h1) * h1)
        u2 = (d1 * f + d2 * h) * ((1.0 - h2) * h2)
        e -= d1 * h1 * lr
        f -= d1 * h2 * lr
        g -= d2 * h1 * lr
        h -= d2 * h2 * lr
        a -= u1 * x1 * lr
        b -= u1 * x2 * lr
        c -= u2 * x1 * lr
        d -= u2 * x2 * lr
    return [np.array([[a, b], [c, d]]), np.array([[e, f], [g, h]])], np.array(err)


def make_doc(sizes, M, mode, batch_size=None, seed=0, lr=0.5):
    rng = np.random.default_rng(seed)
    sig = make_activation("sigmoid")
    ws = [rng.uniform(-0.5, 0.5, (sizes[j + 1], sizes[j])) for j in range(len(sizes) - 1)]
    net = Network(
        [f"L{k}" for k in range(len(sizes))],
        sizes,
        [sig] * (len(sizes) - 1),
        ws,
        None,
        True,
        make_loss("half_sse"),
    )
    X = rng.uniform(0, 1, (M, sizes[0]))
    T = rng.uniform(0, 1, (M, sizes[-1]))
    return Document(net, X, T, lr, mode, batch_size)


def load_old(root: str):
    """The old tree's Trainer, imported under its own module names (the old modules keep their
    references to each other; this process's ``bpviz`` stays the new one). It trains the new
    tree's documents: the file model is the same."""
    saved = {k: v for k, v in sys.modules.items() if k == "bpviz" or k.startswith("bpviz.")}
    for k in saved:
        del sys.modules[k]
    sys.path.insert(0, root)
    try:
        from bpviz.core.training import Trainer as OldTrainer  # noqa: PLC0415
    finally:
        sys.path.remove(root)
        for k in [k for k in sys.modules if k == "bpviz" or k.startswith("bpviz.")]:
            sys.modules[f"old_{k}"] = sys.modules.pop(k)
        sys.modules.update(saved)
    return OldTrainer


def trainer_run(cls, doc, steps, **kw):
    def go():
        t = cls(doc, **kw)
        t.run(max_steps=steps)
        return t.network.weights, t.error_history

    return go


def timed(fn):
    t0 = time.perf_counter()
    res = fn()
    return time.perf_counter() - t0, res


def same(a, b) -> bool:
    wa, ea = a
    wb, eb = b
    scale = max(float(np.abs(w).max()) for w in wa)
    ok = all(np.allclose(x, y, rtol=0, atol=1e-12 * scale) for x, y in zip(wa, wb, strict=True))
    return ok and np.allclose(ea, eb, rtol=1e-10, atol=1e-15)


def race(title, steps, impls, repeats, ratios):
    """Run ``impls`` (name → callable) interleaved; print µs/step and the asked ratios."""
    times = {k: [] for k in impls}
    results = {}
    for k, fn in impls.items():  # warm up (the fast path compiles once per shape)
        results[k] = fn()
    for _ in range(repeats):
        for k, fn in impls.items():
            dt, results[k] = timed(fn)
            times[k].append(dt)
    best = {k: min(v) / steps * 1e6 for k, v in times.items()}
    ref = next(iter(results.values()))
    print(f"{title}")
    for k, v in best.items():
        print(f"    {k:34s} {v:9.2f} µs/step   same result: {'yes' if same(ref, results[k]) else 'NO'}")
    for a, b, target in ratios:
        if a in best and b in best:
            print(f"    {a} / {b}: {best[a] / best[b]:6.2f}   (target {target})")
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--old", help="a directory with another bpviz tree (git archive) to race against")
    args = ap.parse_args()
    r = args.repeats
    old = load_old(args.old) if args.old else None

    doc = load_preset("mazur")
    n = doc.network
    impls = {"trainer (" + Trainer(doc).path + " path)": trainer_run(Trainer, doc, 10_000)}
    if old:
        impls["old trainer"] = trainer_run(old, doc, 10_000)
    impls["trainer, numpy path"] = trainer_run(Trainer, doc, 10_000, path="numpy")
    impls["best numpy loop (1-D)"] = lambda: hand_online(
        n.weights, n.biases, False, doc.inputs, doc.targets, 0.5, 10_000
    )
    impls["hand-unrolled CPython loop"] = lambda: unrolled_mazur(
        n.weights, n.biases, doc.inputs, doc.targets, 0.5, 10_000
    )
    new = next(iter(impls))
    race(
        "mazur, 10,000 online steps",
        10_000,
        impls,
        r,
        [
            ("old trainer", new, "≥ 8"),
            (new, "hand-unrolled CPython loop", "≤ 3"),
            ("trainer, numpy path", "best numpy loop (1-D)", "—"),
        ],
    )
    print("    (target: the trainer ≤ 2.5 µs/step)")

    for name in ("xor", "swap"):
        d = load_preset(name)
        impls = {"trainer (" + Trainer(d).path + " path)": trainer_run(Trainer, d, 10_000)}
        if old:
            impls["old trainer"] = trainer_run(old, d, 10_000)
        impls["trainer, numpy path"] = trainer_run(Trainer, d, 10_000, path="numpy")
        race(f"{name}, 10,000 steps", 10_000, impls, r, [("old trainer", next(iter(impls)), "≥ 5")])

    doc2 = make_doc([10, 20, 20, 5], 50, "online", seed=1)
    n2 = doc2.network
    impls = {"trainer (" + Trainer(doc2).path + " path)": trainer_run(Trainer, doc2, 5_000)}
    if old:
        impls["old trainer"] = trainer_run(old, doc2, 5_000)
    impls["best numpy loop (1-D)"] = lambda: hand_online(
        n2.weights, None, False, doc2.inputs, doc2.targets, 0.5, 5_000
    )
    new = next(iter(impls))
    race(
        "10-20-20-5, online over 50 samples, 5,000 steps",
        5_000,
        impls,
        r,
        [(new, "best numpy loop (1-D)", "≤ 1.25"), ("old trainer", "best numpy loop (1-D)", "—")],
    )

    doc3 = make_doc([784, 128, 10], 640, "minibatch", batch_size=64, seed=2, lr=0.1)
    n3 = doc3.network
    impls = {"trainer (" + Trainer(doc3).path + " path)": trainer_run(Trainer, doc3, 200)}
    if old:
        impls["old trainer"] = trainer_run(old, doc3, 200)
    impls["best numpy loop"] = lambda: hand_minibatch(n3.weights, doc3.inputs, doc3.targets, 0.1, 64, 200)
    new = next(iter(impls))
    race(
        "784-128-10, minibatch 64, 200 steps",
        200,
        impls,
        r,
        [(new, "best numpy loop", "≤ 1.1"), ("old trainer", "best numpy loop", "—")],
    )


if __name__ == "__main__":
    main()
