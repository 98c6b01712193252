"""Scrubbing the error curve (issue 16): how long a past step takes to show, what the
checkpoints cost in memory and in training speed.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_scrub.py [--seeks 20] [--rounds 6]

1. Scrub latency, end to end in the window (offscreen, the default training process): train
   a run at full speed, then ask for random past steps the way a click on the plot does
   (``TrainingController.seek``) and time each until the session shows that step (the Seek
   answered over the pipe, adopted, the canvas refreshed and painted). Cases: mazur, 100,000
   steps (target < 150 ms); 784-128-10, minibatch 64 of 1,280 shuffled rows, 10,000 steps
   (target < 1 s). Prints the median and the worst, and the replays' lengths.
2. Checkpoint memory: the engine's checkpoints after those runs (in a headless engine: the
   window's training process keeps the same), and 784-128-10 over 100,000 steps (the real
   Checkpoints class fed the real array sizes at 7 steps a chunk: 100,000 real steps would take
   minutes; target ≤ 50 MB).
3. Throughput with checkpoints on against off (``TrainingEngine.keep_checkpoints``): two
   engines in this process trained side by side, a chunk of one then a chunk of the other
   (the VM drifts ±35 %, and other work on it shifts from second to second), each timed only
   while it works; and the share of the time spent taking checkpoints. Cases: mazur (fast
   path), 2-16-16-2 × 1,000 online, 784-128-10 minibatch 64. Target ≥ 0.95.

The machine's load (``os.getloadavg``) is printed with the numbers.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(__file__))

import numpy as np  # noqa: E402
from bench_stall import make_doc  # noqa: E402


def big_doc():
    doc = make_doc([784, 128, 10], 1280, "minibatch", 64, 0.1)
    doc.shuffle_seed = 5
    return doc


def mazur_doc():
    from bpviz.core.presets import load_preset

    return load_preset("mazur")


# -- 1. latency in the window ------------------------------------------------------------------
def window_latency(name: str, doc, steps: int, seeks: int, rng) -> list[float]:
    from PySide6.QtCore import QSettings

    from bpviz.gui.app import make_app
    from bpviz.gui.main_window import MainWindow

    app = make_app([])
    with tempfile.TemporaryDirectory() as tmp:
        st = QSettings(os.path.join(tmp, "b.ini"), QSettings.Format.IniFormat)
        w = MainWindow(doc, name, settings=st)
        w.resize(1400, 900)
        w.show()
        app.processEvents()
        s, c = w.session, w.training
        s.set_speed(None)
        s.set_stop_error(None)
        c.set_limits(max_steps=steps)
        t0 = time.perf_counter()
        c.train()
        while not (c.state == "finished" and s.step == steps):
            app.processEvents()
            time.sleep(0.005)
            if time.perf_counter() - t0 > 900:
                raise SystemExit(f"{name}: the run did not finish")
        print(f"  {name}: {steps:,} steps trained in {time.perf_counter() - t0:.1f} s")
        out = []
        for target in rng.integers(1, steps, seeks):
            target = int(target)
            t0 = time.perf_counter()
            c.seek(target)
            while s.viewing != target:
                app.processEvents()
                if time.perf_counter() - t0 > 30:
                    raise SystemExit(f"{name}: step {target} never came")
            w.canvas.repaint()  # the canvas painted with that step's network
            app.processEvents()
            out.append(time.perf_counter() - t0)
        c.back_to_live()
        c.shutdown()
        w.skip_unsaved_question = True
        w.close()
        app.processEvents()
    return out


# -- 2. memory -------------------------------------------------------------------------------
def engine_bytes(doc, steps: int) -> str:
    from bpviz.core.engine import Load, Train, TrainingEngine
    from bpviz.core.training_settings import TrainingSettings

    e = TrainingEngine()
    e.command(Load(doc, 0, 1))
    e.command(Train(TrainingSettings.of(doc, speed=None, stop_error=None, max_steps=steps)))
    while e.running:
        e.work()
    return e.checkpoints.describe()


def simulated_784(steps: int) -> str:
    from bpviz.core import checkpoints as ck

    doc = big_doc()

    class Fake:
        network = doc.network
        step = 0
        velocity = None
        learning_rate, mode, batch_size, shuffle_seed, momentum, path = 0.1, "minibatch", 64, 5, 0.0, "numpy"

    c = ck.Checkpoints(clock=lambda: 0.0)
    t = Fake()
    c.live, c._run = t, ck._Run()
    c.pin(t)
    worst = 0
    while t.step < steps:
        t.step += 7
        c.after_chunk(t)
        worst = max(worst, c.nbytes)
    return f"{c.describe()}; at most {worst / 1e6:.1f} MB on the way"


# -- 3. throughput ---------------------------------------------------------------------------
def paired_rates(doc, seconds: float) -> tuple[float, float, float]:
    """(steps per second with checkpoints, without, share of the time taking them): two
    engines trained side by side, a chunk of one then a chunk of the other (the order
    alternating), each timed only while it works, so both see the same machine."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1, user_api="blas"):  # as the training process on 2 cores
        return _paired(doc, seconds)


def _paired(doc, seconds: float) -> tuple[float, float, float]:
    from bpviz.core.engine import Load, Train, TrainingEngine
    from bpviz.core.training_settings import TrainingSettings

    engines = []
    for keep in (True, False):
        e = TrainingEngine()
        e.keep_checkpoints = keep
        e.command(Load(doc, 0, 1))
        e.command(Train(TrainingSettings.of(doc, speed=None, stop_error=None)))
        e.work(0.05)  # warm up (passes, the generated code)
        engines.append([e, e.trainer.step, 0.0])
    t_end = time.perf_counter() + seconds
    k = 0
    while time.perf_counter() < t_end:
        for rec in engines if k % 2 == 0 else engines[::-1]:
            t0 = time.perf_counter()
            rec[0].work()
            rec[2] += time.perf_counter() - t0
        k += 1
    (on, n_on, s_on), (off, n_off, s_off) = engines
    return (on.trainer.step - n_on) / s_on, (off.trainer.step - n_off) / s_off, on.checkpoints.seconds / s_on


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seeks", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--skip-window", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(16)
    print(f"load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} on {os.cpu_count()} cores")
    if not args.skip_window:
        print("1. scrub latency in the window (seek → that step painted)")
        for name, make, steps, target in (
            ("mazur", mazur_doc, 100_000, 0.150),
            ("784-128-10 mb64", big_doc, 10_000, 1.0),
        ):
            t = np.array(window_latency(name, make(), steps, args.seeks, rng)) * 1e3
            verdict = "ok" if t.max() < target * 1e3 else "OVER"
            print(
                f"  {name}: median {np.median(t):.0f} ms, worst {t.max():.0f} ms "
                f"(target < {target * 1e3:.0f} ms: {verdict}); {len(t)} seeks"
            )
        print(f"load average {os.getloadavg()[0]:.2f}")
    print("2. checkpoint memory")
    print(f"  mazur, 100,000 steps: {engine_bytes(mazur_doc(), 100_000)}")
    print(f"  784-128-10 mb64, 10,000 steps: {engine_bytes(big_doc(), 10_000)}")
    print(f"  784-128-10, 100,000 steps (simulated chunks): {simulated_784(100_000)}")
    print("3. throughput, checkpoints on / off (two engines, chunk by chunk, rounds of 2 s)")
    for name, make in (
        ("mazur", mazur_doc),
        ("2-16-16-2 x 1,000", lambda: make_doc([2, 16, 16, 2], 1000)),
        ("784-128-10 mb64", big_doc),
    ):
        doc = make()
        rounds = [paired_rates(doc, 2.0) for _ in range(args.rounds)]
        ratios = np.array([a / b for a, b, _ in rounds])
        share = max(c for _, _, c in rounds)
        print(
            f"  {name}: on/off median {np.median(ratios):.3f} "
            f"(rounds {', '.join(f'{x:.3f}' for x in ratios)}); taking checkpoints: at most "
            f"{share:.2%} of the time; {rounds[0][1]:,.0f} steps/s without"
        )
    print(f"load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
