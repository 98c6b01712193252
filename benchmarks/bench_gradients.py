"""What gradient health costs the training process: steps per second with the engine's gradient
points on (``Snapshot.gradients``) against off, interleaved.

    python benchmarks/bench_gradients.py [--repeats 5] [--seconds 0.5]

For each network, drives a ``TrainingEngine`` as ``serve`` does (a chunk of steps, then a light
snapshot at most every ``SNAPSHOT_INTERVAL``) for about ``--seconds`` a round, alternating on
and off round by round so that the machine's drift (±35 % on a shared VM) hits both alike, and
prints the median steps per second of each, their ratio, and the points sent per second. The
engine spaces the points so their passes take at most ``MAX_SHARE`` (5 %) of the time; a
784-128-10 network in batch mode over 2,000 rows makes each point cost a full batch pass.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import statistics
import time

import numpy as np

from bpviz.core.engine import CHUNK_SECONDS, SNAPSHOT_INTERVAL, Load, Train, TrainingEngine
from bpviz.core.fileformat import parse
from bpviz.core.presets import load_preset
from bpviz.core.training_settings import TrainingSettings


def wide_batch():
    """784-128-10 sigmoid in batch mode over 2,000 random rows (a costly pass a point)."""
    rng = np.random.default_rng(0)
    x = rng.uniform(0, 1, (2000, 784)).round(3)
    t = np.eye(10)[rng.integers(0, 10, 2000)]
    return parse(
        {
            "format": "bpviz/1",
            "layers": [
                {"name": "x", "size": 784},
                {"name": "h", "size": 128, "activation": "sigmoid"},
                {"name": "y", "size": 10, "activation": "sigmoid"},
            ],
            "init": {"scheme": "xavier", "seed": 0},
            "learning_rate": 0.1,
            "mode": "batch",
            "data": {"inputs": x.tolist(), "targets": t.tolist()},
        }
    )


NETWORKS = {
    "mazur": lambda: load_preset("mazur"),
    "deep-sigmoid": lambda: load_preset("deep-sigmoid"),
    "digits": lambda: load_preset("digits"),
    "784-128-10 batch": wide_batch,
}


def rate(doc, on: bool, seconds: float) -> tuple[float, float]:
    e = TrainingEngine()
    if not on:
        e._gradient_point = lambda now: ()
    e.command(Load(doc, 0, 1))
    s = dataclasses.replace(TrainingSettings.of(doc, speed=None, stop_error=None), max_steps=None)
    e.command(Train(s))
    e.work(CHUNK_SECONDS)
    e.snapshot(False)
    n0, t0, last, points = e.trainer.step, time.perf_counter(), 0.0, 0
    while (now := time.perf_counter()) - t0 < seconds and e.running:
        e.work(CHUNK_SECONDS)
        if now - last >= SNAPSHOT_INTERVAL:
            points += len(e.snapshot(False).gradients)
            last = now
    dt = time.perf_counter() - t0
    return (e.trainer.step - n0) / dt, points / dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=0.5)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.repeats} interleaved rounds of {args.seconds} s")
    print(f"{'network':18s} {'off steps/s':>12s} {'on steps/s':>11s} {'on / off':>9s} {'points/s':>9s}")
    for name, make in NETWORKS.items():
        doc = make()
        off, on, pts = [], [], []
        for _ in range(args.repeats):
            off.append(rate(doc, False, args.seconds)[0])
            r, p = rate(doc, True, args.seconds)
            on.append(r)
            pts.append(p)
        a, b = statistics.median(off), statistics.median(on)
        print(f"{name:18s} {a:12,.0f} {b:11,.0f} {b / a:9.2f} {statistics.median(pts):9.1f}")


if __name__ == "__main__":
    main()
