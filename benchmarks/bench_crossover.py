"""Where the fast path stops paying: generated Python against the numpy path, per step.

    python benchmarks/bench_crossover.py [--repeats 3]

Trains sigmoid networks from 2-2-1 to 20-40-20 (online, and batch / minibatch with 4 to 64
rows a step) on both of the trainer's paths, interleaved, and prints the best µs per step of
each, the multiply-adds of a step (``fastpath.work_per_step``) and the ratio numpy / fast.
The crossover ``fastpath.FAST_WORK_PER_LAYER`` is set from this table: the fast path is chosen while
the ratio is clearly above 1.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from bpviz.core import fastpath
from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.network import Network
from bpviz.core.training import Trainer

CASES = [  # sizes, samples, mode, batch size
    ([2, 2, 1], 4, "online", None),
    ([2, 4, 3, 2], 4, "online", None),
    ([4, 8, 4], 8, "online", None),
    ([4, 12, 4], 8, "online", None),
    ([6, 12, 6], 8, "online", None),
    ([8, 12, 8], 8, "online", None),
    ([8, 16, 8], 8, "online", None),
    ([4, 8, 8, 4], 8, "online", None),
    ([6, 12, 12, 6], 8, "online", None),
    ([10, 20, 5], 50, "online", None),
    ([10, 20, 20, 5], 50, "online", None),
    ([16, 32, 16], 50, "online", None),
    ([20, 40, 20], 50, "online", None),
    ([2, 2, 1], 4, "batch", None),
    ([2, 8, 1], 8, "batch", None),
    ([2, 4, 1], 16, "batch", None),
    ([2, 8, 1], 16, "batch", None),
    ([2, 8, 1], 64, "batch", None),
    ([2, 16, 16, 2], 16, "batch", None),
    ([4, 8, 4], 32, "minibatch", 8),
    ([2, 8, 1], 1000, "minibatch", 64),
    ([8, 16, 8], 64, "minibatch", 16),
]


def make_doc(sizes, M, mode, batch_size, seed=0):
    rng = np.random.default_rng(seed)
    sig = make_activation("sigmoid")
    ws = [rng.uniform(-0.5, 0.5, (sizes[j + 1], sizes[j])) for j in range(len(sizes) - 1)]
    bs = [rng.uniform(-0.5, 0.5, sizes[j + 1]) for j in range(len(sizes) - 1)]
    names = [f"L{k}" for k in range(len(sizes))]
    net = Network(names, sizes, [sig] * (len(sizes) - 1), ws, bs, True, make_loss("half_sse"))
    X, T = rng.uniform(0, 1, (M, sizes[0])), rng.uniform(0, 1, (M, sizes[-1]))
    return Document(net, X, T, 0.5, mode, batch_size, shuffle_seed=1 if mode == "minibatch" else None)


def per_step(doc, path, seconds=0.15):
    t = Trainer(doc, path=path)
    t.run(max_steps=2)  # compile (the fast path) and warm up
    t0 = time.perf_counter()
    t.run(seconds=seconds)
    return (time.perf_counter() - t0) / (t.step - 2) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    head = f"{'network':14s} {'mode':14s} {'work':>7s} {'numpy µs':>9s} {'fast µs':>9s}"
    print(f"{head} {'numpy/fast':>10s}  chosen")
    for sizes, M, mode, bs in CASES:
        doc = make_doc(sizes, M, mode, bs)
        tn, tf = [], []
        for _ in range(args.repeats):
            tn.append(per_step(doc, "numpy"))
            tf.append(per_step(doc, "fast"))
        t = Trainer(doc)
        sch = t.schedule
        rows = 1 if mode == "online" else -(-M // sch.steps_per_epoch)
        work = fastpath.work_per_step(doc.network, M, rows, sch.steps_per_epoch, False)
        label = f"{mode} {bs}" if bs else mode
        n, f = min(tn), min(tf)
        net = "-".join(map(str, sizes))
        print(f"{net:14s} {label:14s} {work:7.0f} {n:9.2f} {f:9.2f} {n / f:10.2f}  {t.path}")


if __name__ == "__main__":
    main()
