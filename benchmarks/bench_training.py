"""Training from the window: throughput, GUI-thread latency, plot cost.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_training.py [--seconds 4]

For each worker backend — a plain thread with Python's default 5 ms GIL switch interval, a
thread with a 1 ms interval and short chunks that yield, and a worker process behind the
thread (the default) — it trains `swap` with the whole window open and plotting, while a
16 ms QTimer on the GUI thread records how late it fires. It prints steps per second as a
ratio of the same run headless (core only, same process), the timer's lateness (median, p99),
the cost of one plot update with 1,000,000 points already plotted, and mazur's 10,000 steps
started from the window against the headless time.
Targets (issue 4): throughput ≥ 80 % of headless; p99 lateness ≤ 20 ms; plot update < 10 ms;
mazur from the GUI ≤ 1.5× headless.

The window trains at each network's lecture speed and stops at its threshold by default
(issue 9); every run here is at full speed with no stop threshold (``full_speed``), and
``--lecture`` times each preset at its own speed from Train to the stop at "learned".
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QSettings, QTimer  # noqa: E402

from bpviz.gui.app import make_app  # noqa: E402


def headless_rate(name: str, seconds: float) -> float:
    from bpviz.core.presets import load_preset
    from bpviz.core.training import Trainer

    t = Trainer(load_preset(name), track_epoch_error=True)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        t.run(seconds=0.004)
    return t.step / (time.perf_counter() - t0)


def full_speed(w) -> None:
    """Full speed and no stop threshold: what the benchmark measures."""
    w.training_panel.set_full_speed(True)
    w.training.update_settings(speed=None, stop_error=None)
    assert w.training.settings.speed is None and w.training.settings.stop_error is None


def pump(app, cond, timeout):
    t0 = time.perf_counter()
    while not cond() and time.perf_counter() - t0 < timeout:
        app.processEvents()
        time.sleep(0.001)


def window_run(app, backend: str, seconds: float):
    from bpviz.core.presets import load_preset
    from bpviz.gui.main_window import MainWindow

    ini = tempfile.mktemp(suffix=".ini")  # noqa: S306 - a settings file for this run only
    w = MainWindow(
        load_preset("swap"), "swap", settings=QSettings(ini, QSettings.Format.IniFormat), backend=backend
    )
    w.resize(1400, 860)
    w.show()
    full_speed(w)
    pump(app, lambda: False, 1.0)  # let the worker start
    late = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setInterval(16)
    last = [None]

    def tick():
        now = clock.elapsed()
        if last[0] is not None:
            late.append(max(0, now - last[0] - 16))
        last[0] = now

    timer.timeout.connect(tick)
    clock.start()
    timer.start()
    w.training.train()
    pump(app, lambda: w.session.history.n > 0, 5)
    n0, t0 = w.session.history.n, time.perf_counter()
    pump(app, lambda: False, seconds)
    rate = (w.session.history.n - n0) / (time.perf_counter() - t0)
    timer.stop()
    w.training.stop()
    w.session.mark_saved(w.session.source)  # no "save changes?" box on close
    w.close()
    if os.path.exists(ini):
        os.unlink(ini)
    late.sort()
    return rate, statistics.median(late), late[int(0.99 * (len(late) - 1))]


def plot_append(app) -> float:
    from bpviz.core.presets import load_preset
    from bpviz.gui.error_plot import ErrorPlot
    from bpviz.gui.session import Session

    s = Session(load_preset("mazur"))
    p = ErrorPlot(s)
    p.resize(1200, 250)
    p.show()
    e = np.exp(-np.linspace(0, 12, 1_000_000)) + 1e-6
    s.history.extend(1, e)
    p.refresh()
    app.processEvents()
    ts = []
    for _ in range(20):
        s.history.extend(s.history.n + 1, e[:500])
        t0 = time.perf_counter()
        p.refresh()
        p.viewport().repaint()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts)


def mazur_from_gui(app) -> tuple[float, float]:
    from bpviz.core.presets import load_preset
    from bpviz.core.training import Trainer
    from bpviz.gui.main_window import MainWindow

    t = Trainer(load_preset("mazur"))
    t0 = time.perf_counter()
    t.run(max_steps=10_000)
    headless = time.perf_counter() - t0
    ini = tempfile.mktemp(suffix=".ini")  # noqa: S306 - a settings file for this run only
    w = MainWindow(load_preset("mazur"), "mazur", settings=QSettings(ini, QSettings.Format.IniFormat))
    w.show()
    full_speed(w)
    pump(app, lambda: False, 1.0)
    w.training.update_settings(max_steps=10_000)
    t0 = time.perf_counter()
    w.training.train()
    pump(app, lambda: w.training.state == "finished", 30)
    gui = time.perf_counter() - t0
    assert w.session.step == 10_000
    w.session.mark_saved(w.session.source)
    w.close()
    if os.path.exists(ini):
        os.unlink(ini)
    return headless, gui


def lecture_run(app, name: str) -> tuple[float, int, float, float | None]:
    """Train ``name`` at its own speed from the window until it stops at its threshold:
    (seconds, steps, speed, threshold)."""
    from bpviz.core.presets import load_preset
    from bpviz.gui.main_window import MainWindow

    ini = tempfile.mktemp(suffix=".ini")  # noqa: S306 - a settings file for this run only
    w = MainWindow(load_preset(name), name, settings=QSettings(ini, QSettings.Format.IniFormat))
    w.show()
    pump(app, lambda: False, 1.0)
    c = w.training
    speed, stop = c.settings.speed, c.settings.stop_error
    t0 = time.perf_counter()
    c.train()
    pump(app, lambda: c.state == "finished", 300)
    dt = time.perf_counter() - t0
    steps = w.session.step
    w.session.mark_saved(w.session.source)
    w.close()
    if os.path.exists(ini):
        os.unlink(ini)
    return dt, steps, speed, stop


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--rounds", type=int, default=2, help="repeats of each measurement")
    ap.add_argument(
        "--lecture",
        action="store_true",
        help="only: each preset at its own speed until it stops (about a minute each)",
    )
    args = ap.parse_args()
    app = make_app(sys.argv[:1])
    if args.lecture:
        from bpviz.core.presets import PRESETS

        for name in PRESETS:
            dt, steps, speed, stop = lecture_run(app, name)
            print(
                f"{name:9s} at {speed:g} steps/s: stopped at step {steps:,} (E < {stop:g}) after {dt:.1f} s"
            )
        return
    print(
        f"{'backend':22s} {'steps/s':>9s} {'headless':>9s} {'ratio':>6s} "
        f"{'late median':>12s} {'late p99':>9s}"
    )
    for backend, label in (
        ("thread:0.005", "thread, 5 ms switch"),
        ("thread", "thread, 1 ms switch"),
        ("process", "process (default)"),
    ):
        for _ in range(args.rounds):
            head = headless_rate("swap", args.seconds / 2)  # interleaved: the VM drifts
            rate, med, p99 = window_run(app, backend, args.seconds)
            print(f"{label:22s} {rate:9,.0f} {head:9,.0f} {rate / head:6.2f} {med:10.1f} ms {p99:6.1f} ms")
    print(f"plot update with 1,000,000 points: {plot_append(app):.1f} ms (median of 20)")
    for _ in range(args.rounds):
        h, g = mazur_from_gui(app)
        print(
            f"mazur 10,000 steps: headless {h * 1e3:.0f} ms, from the window {g * 1e3:.0f} "
            f"ms, ratio {g / h:.2f}"
        )


if __name__ == "__main__":
    main()
