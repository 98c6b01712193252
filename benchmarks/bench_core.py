"""bpviz's trainer against a hand-written in-place numpy loop of the same maths.

    python benchmarks/bench_core.py [--repeats 5]

Three runs: the mazur preset (10,000 online steps), a 10-20-20-5 sigmoid net online over 50
samples, and a 784-128-10 sigmoid net with minibatch 64. The two implementations run
interleaved, several times, because this machine's speed drifts; the script prints the best
µs per step of each and the ratio bpviz / hand-written. Both must end at the same weights.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.network import Network
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer


def hand_online(ws, bs, train_b, X, T, lr, steps):
    """Online sigmoid / ½SSE with 1-D vectors and preallocated buffers (the textbook loop)."""
    ws = [w.copy() for w in ws]
    bs = None if bs is None else [b.copy() for b in bs]
    L = len(ws)
    outs = [None] + [np.empty(w.shape[0]) for w in ws]
    tmp = [None] + [np.empty(w.shape[0]) for w in ws]
    delta = [None] + [np.empty(w.shape[0]) for w in ws]
    gw = [np.empty_like(w) for w in ws]
    M = len(X)
    err = np.empty(steps)
    for s in range(steps):
        x, t = X[s % M], T[s % M]
        outs[0] = x
        for k in range(1, L + 1):
            o = outs[k]
            np.dot(ws[k - 1], outs[k - 1], out=o)
            if bs is not None:
                o += bs[k - 1]
            np.negative(o, out=o)
            np.exp(o, out=o)
            o += 1.0
            np.reciprocal(o, out=o)
        d = np.subtract(outs[L], t, out=delta[L])
        err[s] = 0.5 * np.dot(d, d)
        for k in range(L, 0, -1):
            if k < L:
                np.dot(ws[k].T, delta[k + 1], out=delta[k])
            np.subtract(1.0, outs[k], out=tmp[k])
            tmp[k] *= outs[k]
            delta[k] *= tmp[k]
            np.outer(delta[k], outs[k - 1], out=gw[k - 1])
        for k in range(L):
            gw[k] *= lr
            ws[k] -= gw[k]
            if train_b:
                bs[k] -= lr * delta[k + 1]
    return ws, err


def hand_minibatch(ws, X, T, lr, bsz, steps):
    """Minibatch sigmoid / ½SSE, rows are samples, preallocated buffers, no biases."""
    ws = [w.copy() for w in ws]
    L = len(ws)
    outs = [None] + [np.empty((bsz, w.shape[0])) for w in ws]
    tmp = [None] + [np.empty((bsz, w.shape[0])) for w in ws]
    delta = [None] + [np.empty((bsz, w.shape[0])) for w in ws]
    gw = [np.empty_like(w) for w in ws]
    M = len(X)
    nb = M // bsz
    err = np.empty(steps)
    for s in range(steps):
        p = s % nb
        x, t = X[p * bsz : (p + 1) * bsz], T[p * bsz : (p + 1) * bsz]
        outs[0] = x
        for k in range(1, L + 1):
            o = outs[k]
            np.matmul(outs[k - 1], ws[k - 1].T, out=o)
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


def bench(name, doc, steps, hand, repeats):
    t_b, t_h = [], []
    for _ in range(repeats):
        tr = Trainer(doc)
        t0 = time.perf_counter()
        tr.run(max_steps=steps)
        t_b.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ws, err = hand()
        t_h.append(time.perf_counter() - t0)
    same = all(np.allclose(a, b, rtol=0, atol=1e-12) for a, b in zip(tr.network.weights, ws, strict=True))
    same = same and np.allclose(tr.error_history, err, rtol=0, atol=1e-12)
    b, h = min(t_b) / steps * 1e6, min(t_h) / steps * 1e6
    print(
        f"{name:32s} bpviz {b:9.2f} µs/step   hand-written {h:9.2f} µs/step   "
        f"ratio {b / h:5.2f}   same result: {'yes' if same else 'NO'}"
    )
    return b / h


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    r = args.repeats

    doc = load_preset("mazur")
    n = doc.network
    bench(
        "mazur, 10,000 online steps",
        doc,
        10_000,
        lambda: hand_online(n.weights, n.biases, False, doc.inputs, doc.targets, 0.5, 10_000),
        r,
    )

    doc2 = make_doc([10, 20, 20, 5], 50, "online", seed=1)
    n2 = doc2.network
    bench(
        "10-20-20-5, online, 5,000 steps",
        doc2,
        5_000,
        lambda: hand_online(n2.weights, None, False, doc2.inputs, doc2.targets, 0.5, 5_000),
        r,
    )

    doc3 = make_doc([784, 128, 10], 640, "minibatch", batch_size=64, seed=2, lr=0.1)
    n3 = doc3.network
    bench(
        "784-128-10, minibatch 64, 200 st.",
        doc3,
        200,
        lambda: hand_minibatch(n3.weights, doc3.inputs, doc3.targets, 0.1, 64, 200),
        r,
    )


if __name__ == "__main__":
    main()
