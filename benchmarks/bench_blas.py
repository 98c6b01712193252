"""The training process's BLAS threads: one (what the app starts it with on 2 cores) against
numpy's default (one per core), on a quiet machine and beside a busy loop.

    python benchmarks/bench_blas.py [--rounds 5] [--seconds 1.5]

Each run is a fresh training process (``python benchmarks/bench_blas.py --child``) that
trains 784-128-10, minibatch 64 of 1,280 random samples, in chunks of 10 steps and reports
each chunk's time per step. Its environment is ``blas_environment()`` (the app's: the cores
the GUI leaves it) or the same without the BLAS variables (numpy's default). "busy" runs a
spinning Python process beside it, like the GUI thread or anything else using the other core.
Runs are interleaved (this machine drifts); it prints the median and p90 step time of each
case, the ratio default / limited, and ``uptime`` before and after. Issue 12: with two BLAS
threads on 2 cores a step went from 0.76 ms to 15–37 ms median when anything else ran.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bpviz.core.engine_process import BLAS_THREAD_VARIABLES, blas_environment  # noqa: E402

CHUNK = 10


def child(seconds: float) -> None:
    """In the training process: time chunks of CHUNK steps; print ms per step as JSON."""
    import numpy as np

    from bpviz.core.build import LayerSpec, NetworkSpec, build_document
    from bpviz.core.training import Trainer

    spec = NetworkSpec(
        [LayerSpec("i", 784), LayerSpec("h", 128, "sigmoid"), LayerSpec("o", 10, "sigmoid")],
        mode="minibatch",
        batch_size=64,
        learning_rate=0.1,
        n_samples=1280,
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(0)
    doc.inputs = rng.random((1280, 784))
    doc.targets = np.eye(10)[rng.integers(0, 10, 1280)]
    t = Trainer(doc)
    t.run(max_steps=20)  # warm up
    out = []
    t_end = time.perf_counter() + seconds
    while time.perf_counter() < t_end:
        t0 = time.perf_counter()
        t.run(max_steps=CHUNK)
        out.append((time.perf_counter() - t0) * 1000 / CHUNK)
    print(json.dumps(out))


def environments() -> dict[str, dict[str, str]]:
    plain = {k: v for k, v in os.environ.items() if k not in BLAS_THREAD_VARIABLES}
    limited = blas_environment(plain)
    return {f"limited ({limited['OPENBLAS_NUM_THREADS']})": limited, "default": plain}


def run_child(env: dict[str, str], seconds: float) -> list[float]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(seconds)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return json.loads(out.stdout)


def busy_loop() -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", "while True: pass"])


def p90(xs: list[float]) -> float:
    return sorted(xs)[int(0.9 * (len(xs) - 1))]


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "uptime: not available"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=1.5)
    ap.add_argument("--child", type=float, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child is not None:
        child(a.child)
        return
    envs = environments()
    print(f"cores: {os.cpu_count()}; {uptime()}")
    times: dict[tuple[str, str], list[float]] = {}
    medians: dict[tuple[str, str], list[float]] = {}
    for r in range(a.rounds):
        for load in ("quiet", "busy"):
            spinner = busy_loop() if load == "busy" else None
            try:
                names = list(envs) if r % 2 == 0 else list(reversed(envs))
                for name in names:
                    xs = run_child(envs[name], a.seconds)
                    times.setdefault((load, name), []).extend(xs)
                    medians.setdefault((load, name), []).append(statistics.median(xs))
            finally:
                if spinner is not None:
                    spinner.kill()
                    spinner.wait()
    print(f"784-128-10, minibatch 64: ms per step ({a.rounds} interleaved rounds of {a.seconds} s)")
    print(f"{'load':6} {'BLAS threads':14} {'median':>8} {'p90':>8}   per-round medians")
    for (load, name), xs in times.items():
        rounds = " ".join(f"{m:.2f}" for m in medians[(load, name)])
        print(f"{load:6} {name:14} {statistics.median(xs):8.2f} {p90(xs):8.2f}   {rounds}")
    limited = next(iter(envs))
    for load in ("quiet", "busy"):
        ratio = statistics.median(times[(load, "default")]) / statistics.median(times[(load, limited)])
        print(f"{load}: default / limited median = {ratio:.2f}×")
    print(uptime())


if __name__ == "__main__":
    main()
