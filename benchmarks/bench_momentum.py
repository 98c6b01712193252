"""What momentum costs the trainer: steps per second with α = 0.9 against α = 0, interleaved.

    python benchmarks/bench_momentum.py [--repeats 5] [--seconds 0.5]

For each preset, trains on the numpy path (the generated fast path declines α > 0, so a small
network with momentum runs there: the second table compares α = 0.9 on numpy with α = 0 on the
path the trainer chooses) for about ``--seconds`` a round, alternating α = 0 and α = 0.9 round
by round so that the machine's drift (±35 % on a shared VM) hits both alike, and prints the
median steps per second of each and their ratio. α = 0 runs today's update unchanged (one
branch per step), so its ratio to itself is the noise floor.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer

PRESETS = ("mazur", "xor", "circle", "spiral", "digits")


def rate(name: str, alpha: float, seconds: float, path: str | None) -> tuple[float, str]:
    doc = load_preset(name)
    doc.momentum = alpha
    t = Trainer(doc, path=path)
    t.run(max_steps=50)  # warm up: passes and buffers allocated
    t.drain()
    n0, t0 = t.step, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        t.run(seconds=0.05)
        t.drain()
    return (t.step - n0) / (time.perf_counter() - t0), t.path


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=0.5)
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; {args.repeats} interleaved rounds of {args.seconds} s")
    for title, plain_path in (("both on the numpy path", "numpy"), ("α = 0 on the chosen path", None)):
        head = f"{'preset':10s} {'α = 0 steps/s':>15s} {'α = 0.9 steps/s':>16s} {'0.9 / 0':>8s}  paths"
        print(f"\n{title}\n{head}")
        for name in PRESETS:
            a, b, paths = [], [], set()
            for _ in range(args.repeats):
                r, p = rate(name, 0.0, args.seconds, plain_path)
                a.append(r)
                paths.add(p)
                r, p = rate(name, 0.9, args.seconds, None)
                b.append(r)
                paths.add(p)
            ma, mb = statistics.median(a), statistics.median(b)
            print(f"{name:10s} {ma:15,.0f} {mb:16,.0f} {mb / ma:8.2f}  {'/'.join(sorted(paths))}")


if __name__ == "__main__":
    main()
