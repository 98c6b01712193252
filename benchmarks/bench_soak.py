"""Memory while training for a long time: the window's process and the training process.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_soak.py [--minutes 30] [--only swap]

For each network, in a fresh process of its own, the whole window (MainWindow, offscreen)
trains at full speed with no stop threshold for ``--minutes``; every ``--interval`` seconds
(10) it samples the resident set (VmRSS in /proc/<pid>/status) of the window's process and of
the training process (the worker's ``process``), and prints the steps so far and the size of
the window's error record (``History.nbytes``). At the end it prints RSS at 1 minute and at the
end and the growth between them. Target (issue 13): growth < 50 MB in each process after the
first minute, with the error record bounded (bpviz.gui.error_history: the newest 100,000
steps exactly, older ones in 10,000 buckets; the training process keeps only the steps between
two snapshots).

Networks: the swap preset (2-4-3-2, online over 4 samples); 2-16-16-1, sigmoid, online over
200 seeded samples (two noisy classes). Linux only (/proc).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

MB = 1024 * 1024
CASES = ("swap", "2-16-16-1")


def rss(pid: int | str = "self") -> float:
    """The resident set of process ``pid`` in bytes (NaN when it is gone)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024.0
    except OSError:
        pass
    return float("nan")


def make_doc(name: str):
    if name == "swap":
        from bpviz.core.presets import load_preset

        return load_preset("swap")

    from bench_stall import make_doc as sized  # the stall benchmark's seeded two classes

    return sized([2, 16, 16, 1], 200)


def soak(name: str, minutes: float, interval: float) -> None:
    """Train ``name`` from the window for ``minutes``, printing a sample every ``interval`` s."""
    from PySide6.QtCore import QEventLoop, QSettings, QTimer

    from bpviz.gui.app import make_app
    from bpviz.gui.main_window import MainWindow

    app = make_app(sys.argv[:1])
    ini = tempfile.mktemp(suffix=".ini")  # noqa: S306 - a settings file for this run only
    w = MainWindow(make_doc(name), name, settings=QSettings(ini, QSettings.Format.IniFormat))
    w.resize(1400, 860)
    w.show()
    w.training_panel.set_full_speed(True)
    w.training.update_settings(speed=None, stop_error=None)
    h = w.session.history
    w.training.train()
    t_up = time.perf_counter()
    while h.n == 0 and time.perf_counter() - t_up < 30:  # the training process is up
        app.processEvents()
        time.sleep(0.01)
    proc = w.training.worker.worker.process
    pid = proc.pid if proc is not None else None
    t0 = time.perf_counter()
    rows: list[tuple[float, int, float, float, int]] = []

    def sample() -> None:
        t = time.perf_counter() - t0
        row = (t, h.n, rss(), rss(pid) if pid else float("nan"), h.nbytes)
        rows.append(row)
        print(
            f"  {t / 60:6.2f} min  step {row[1]:>13,}  GUI {row[2] / MB:7.1f} MB  "
            f"training {row[3] / MB:7.1f} MB  record {row[4] / MB:5.2f} MB  state {w.training.state}",
            flush=True,
        )

    print(f"{name}: {minutes:g} min at full speed, a sample every {interval:g} s", flush=True)
    sample()
    timer = QTimer()
    timer.timeout.connect(sample)
    timer.start(int(interval * 1000))
    loop = QEventLoop()  # an event loop as the app's own runs it
    QTimer.singleShot(int(minutes * 60_000), loop.quit)
    loop.exec()
    timer.stop()
    sample()
    state = w.training.state
    w.training.stop()
    w.session.mark_saved(w.session.source)  # no "save changes?" box on close
    w.close()
    if os.path.exists(ini):
        os.unlink(ini)
    at1 = min(rows, key=lambda r: abs(r[0] - 60.0))
    end = rows[-1]
    peak_gui = max(r[2] for r in rows if r[0] >= at1[0])
    peak_tr = max(r[3] for r in rows if r[0] >= at1[0])
    rate = (end[1] - rows[0][1]) / max(end[0] - rows[0][0], 1e-9)
    print(f"{name}: {end[1]:,} steps in {end[0] / 60:.1f} min ({rate:,.0f} steps/s), state {state}")
    for label, i, peak in (("GUI", 2, peak_gui), ("training", 3, peak_tr)):
        grow = end[i] - at1[i]
        verdict = "ok" if grow < 50 * MB else "OVER 50 MB"
        print(
            f"{name}: {label:8s} RSS at {at1[0] / 60:.1f} min {at1[i] / MB:7.1f} MB, at the end "
            f"{end[i] / MB:7.1f} MB, growth {grow / MB:+7.1f} MB (peak after 1 min "
            f"{peak / MB:.1f} MB) {verdict}",
            flush=True,
        )
    print(f"{name}: error record {end[4] / MB:.2f} MB (bound {h.max_nbytes / MB:.2f} MB)", flush=True)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--minutes", type=float, default=30.0)
    ap.add_argument("--interval", type=float, default=10.0, help="seconds between samples")
    ap.add_argument("--only", default="", help="networks whose name contains this")
    ap.add_argument("--case", help=argparse.SUPPRESS)  # run one network in this process
    args = ap.parse_args()
    if args.case:
        soak(args.case, args.minutes, args.interval)
        return
    print(f"load: {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    for name in CASES:
        if args.only and args.only not in name:
            continue
        # a fresh window process for each network, so one's memory does not count for the next
        cmd = [sys.executable, __file__, "--case", name, "--minutes", str(args.minutes)]
        subprocess.run([*cmd, "--interval", str(args.interval)], check=False)


if __name__ == "__main__":
    main()
