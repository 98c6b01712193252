"""The stepper's step-back history for 784-128-10: the old list of 200 traces against the
bounded store (bpviz.core.iteration.step_history) with checkpoints and replay.

    python benchmarks/bench_history.py [--steps 200] [--batch 64]

Each way (no history at all, the old list of traces, the store) runs in a fresh process of
its own: it makes the traces as the stepper does (one ``trace_step`` a step, its phase list
built as the views build it), keeps what that way keeps, and prints the process RSS before and
after the steps. For the store it also prints its own size (``nbytes``), its checkpoint
interval, and the time of each step back, split into a step back to a state the store holds
and one it replays (and the trace the session then makes again at that step). Every state
popped is checked bit for bit against the straight run (by a digest of its bytes).
Qt-free: numpy only.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.iteration.phases import trace_step
from bpviz.core.iteration.step_history import StepHistory
from bpviz.core.network import Network
from bpviz.core.training import Schedule

MB = 1e6


def rss() -> float:
    """The process's resident set now, in bytes (Linux)."""
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def make_doc(batch: int) -> Document:
    rng = np.random.default_rng(0)
    sig = make_activation("sigmoid")
    net = Network(
        ["in", "h", "out"],
        [784, 128, 10],
        [sig, sig],
        [rng.uniform(-0.1, 0.1, (128, 784)), rng.uniform(-0.5, 0.5, (10, 128))],
        [np.zeros(128), np.zeros(10)],
        loss=make_loss("half_sse"),
    )
    X, T = rng.uniform(0, 1, (640, 784)), rng.uniform(0, 1, (640, 10))
    return Document(net, X, T, 0.1, "minibatch", batch, shuffle_seed=1)


def digest(weights, biases) -> str:
    """A fingerprint of the parameters' bytes (the states themselves would weigh on the RSS)."""
    h = hashlib.blake2b()
    for a in [*weights, *(biases or ())]:
        h.update(np.ascontiguousarray(a).tobytes())
    return h.hexdigest()


def run(way: str, steps: int, batch: int) -> dict:
    doc = make_doc(batch)
    sched = Schedule(doc.n_samples, doc.mode, doc.batch_size, doc.shuffle_seed)
    net = doc.network.copy()
    scratch = doc.network.copy()

    def advance(step, w, b, _context):
        scratch.set_parameters(w, b)
        tr = trace_step(doc, sched.rows(step), network=scratch)
        return tr.weights_after, tr.biases_after

    store = StepHistory(advance)
    kept: list = []  # the old way: (trace, step)
    seen = {}  # step → digest of its parameters in the straight run
    out = {"way": way, "rss_before": rss()}
    tr = trace_step(doc, sched.rows(0), network=net)
    _ = tr.phases
    t0 = time.perf_counter()
    for step in range(steps):
        if way == "traces":
            kept.append((tr, step))
            del kept[:-200]
        elif way == "store":
            seen[step] = digest(net.weights, net.biases)
            store.push(step, net.weights, net.biases)
        net.set_parameters(tr.weights_after, tr.biases_after)
        tr = trace_step(doc, sched.rows(step + 1), network=net)
        _ = tr.phases  # the views build the phase list of every iteration they show
    out["forward_s"] = time.perf_counter() - t0
    out["rss_after"] = rss()
    if way != "store":
        out["held"] = len(kept)
        return out
    out.update(
        nbytes=store.nbytes,
        budget=store.budget,
        interval=store.interval,
        capacity=store.capacity,
        reachable=len(store),
        state_bytes=store.state_nbytes,
    )
    held_t, replay_t, trace_t, replay_steps = [], [], [], []
    while True:
        before = store.replays
        t0 = time.perf_counter()
        st = store.pop()
        dt = time.perf_counter() - t0
        if st is None:
            break
        (replay_t if store.replays > before else held_t).append(dt)
        if store.replays > before:
            replay_steps.append(store.replays - before)
        assert digest(st.weights, st.biases) == seen[st.step], st.step
        t0 = time.perf_counter()
        net.set_parameters(st.weights, st.biases)  # what Session.previous then does
        _ = trace_step(doc, sched.rows(st.step), network=net).phases
        trace_t.append(time.perf_counter() - t0)
    out.update(
        held_ms=[1e3 * statistics.median(held_t), 1e3 * max(held_t), len(held_t)],
        replay_ms=[1e3 * statistics.median(replay_t), 1e3 * max(replay_t), len(replay_t)]
        if replay_t
        else None,
        replay_steps_max=max(replay_steps, default=0),
        retrace_ms=1e3 * statistics.median(trace_t),
        rss_end=rss(),
        all_equal=True,
    )
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=200)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--way", choices=["none", "traces", "store"], help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.way:
        print(json.dumps(run(a.way, a.steps, a.batch)))
        return
    print(f"784-128-10, minibatch {a.batch}, {a.steps} steps forward, then every step back")
    for way in ("none", "traces", "store"):
        res = json.loads(
            subprocess.run(
                [sys.executable, __file__, "--way", way, "--steps", str(a.steps), "--batch", str(a.batch)],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
        print(
            f"\n{way}: RSS {res['rss_before'] / MB:.0f} MB → {res['rss_after'] / MB:.0f} MB "
            f"after the steps ({res['forward_s']:.2f} s)"
        )
        if way != "store":
            print(
                f"  {res['held']} traces held"
                + (" (the old Session._history)" if res["held"] else " (no way back: the stepper alone)")
            )
            continue
        print(
            f"  store: {res['nbytes'] / MB:.1f} MB held of a {res['budget'] / MB:.1f} MB budget "
            f"({res['state_bytes'] / MB:.3f} MB a state, room for {res['capacity']}), "
            f"interval {res['interval']}, {res['reachable']} steps back reachable"
        )
        h, r = res["held_ms"], res["replay_ms"]
        print(f"  step back, state held:     median {h[0]:.3f} ms, max {h[1]:.3f} ms ({h[2]} times)")
        if r:
            print(
                f"  step back, state replayed: median {r[0]:.2f} ms, max {r[1]:.2f} ms ({r[2]} "
                f"times, at most {res['replay_steps_max']} steps replayed)"
            )
        print(f"  the trace made again at that step (Session.previous): median {res['retrace_ms']:.2f} ms")
        print(
            f"  every state bit for bit the straight run's: {res['all_equal']}; "
            f"RSS at the end {res['rss_end'] / MB:.0f} MB"
        )


if __name__ == "__main__":
    main()
