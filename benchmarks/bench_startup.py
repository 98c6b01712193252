"""Start-up: time from process start to the main window's first paint, against a bare
PySide6 + pyqtgraph window with one PlotWidget; and the first user actions after it.

    python benchmarks/bench_startup.py [--runs 7] [--no-bytecode-cache] [--also OTHER_CHECKOUT]

Every run is a fresh process, offscreen, with its own empty settings (XDG_CONFIG_HOME), and
bytecode cached as an installed app has it (in a cache of this benchmark's own,
PYTHONPYCACHEPREFIX, warmed by a first run); ``--no-bytecode-cache`` measures as
PYTHONDONTWRITEBYTECODE=1 runs (every bpviz module compiled at every start):
``python -m bpviz`` with ``BPVIZ_EXIT_AFTER_FIRST_PAINT=1`` (the window on mazur prints the
monotonic clock and its CPU time after its canvas's first paint, and quits), and a bare window
that does the same through the same hook. Runs are interleaved (this 2-core machine drifts
±35 %; the CPU time drifts far less when other work shares the cores). It prints every run
(wall clock and CPU time), the medians, the ratio (issue 12's target: ≤ 1.3×), ``uptime``, then — in fresh
windows — the time of the first quick export (PNG of the canvas), of the first F5 (into
presentation mode and back) and of the first Train until its first error arrives (the window
starts no training process before it) after the first paint: what deferring costs the user.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

BARE = """
import os
os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")
import pyqtgraph as pg
from PySide6.QtWidgets import QMainWindow
from bpviz.gui.app import exit_after_first_paint, make_app
app = make_app()
w = QMainWindow()
plot = pg.PlotWidget()
plot.plot([0, 1, 2], [1, 0, 1])
w.setCentralWidget(plot)
w.resize(1440, 900)
exit_after_first_paint(plot.viewport())
w.show()
app.exec()
"""

FIRST_ACTIONS = """
import os, sys, time
from PySide6.QtCore import QTimer
from bpviz.gui.app import exit_after_first_paint, make_app
from bpviz.core.presets import resolve
from bpviz.gui.main_window import MainWindow
app = make_app()
w = MainWindow(resolve("mazur"), "mazur")
w.settings.setValue("export/quick_dir", sys.argv[1])

def act():
    t0 = time.perf_counter()
    assert w.quick_export()
    t1 = time.perf_counter()
    w.toggle_presentation()
    app.processEvents()
    w.toggle_presentation()
    app.processEvents()
    t2 = time.perf_counter()
    w.training.train()  # starts the training process: the first error arrives from it
    while w.session.history.n == 0 and time.perf_counter() - t2 < 30:
        app.processEvents()
        time.sleep(0.001)
    t3 = time.perf_counter()
    w.training.stop()
    w.training.shutdown()
    print(
        f"export {1000 * (t1 - t0):.1f} presentation {1000 * (t2 - t1):.1f} train {1000 * (t3 - t2):.1f}",
        flush=True,
    )
    os._exit(0)  # not app.quit(): the trained window would ask "Save changes?"

w.show_on_screen()
QTimer.singleShot(0, act)
app.exec()
"""


PYCACHE: str | None = None  # the bytecode cache's folder, None: no bytecode written


def env(config: str, root: Path = ROOT) -> dict[str, str]:
    e = dict(os.environ)
    e.pop("PYTHONDONTWRITEBYTECODE", None)
    if PYCACHE is None:
        e["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        e["PYTHONPYCACHEPREFIX"] = PYCACHE
    e.update(
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=config,
        BPVIZ_EXIT_AFTER_FIRST_PAINT="1",
        PYTHONPATH=str(root) + os.pathsep + e.get("PYTHONPATH", ""),
    )
    return e


def first_paint(cmd: list[str], root: Path = ROOT) -> tuple[float, float]:
    """Seconds from starting ``cmd`` (in the checkout ``root``) to the first paint it reports,
    and the CPU seconds it used until then (less sensitive to what else runs)."""
    with tempfile.TemporaryDirectory() as config:
        t0 = time.monotonic()
        out = subprocess.run(cmd, env=env(config, root), capture_output=True, text=True, cwd=root, timeout=60)
    for line in out.stdout.splitlines():
        if line.startswith("first-paint "):
            _, clock, cpu = line.split()
            return float(clock) - t0, float(cpu)
    raise RuntimeError(f"{cmd}: no first paint\n{out.stdout}\n{out.stderr}")


def first_actions(root: Path) -> tuple[float, float, float]:
    with tempfile.TemporaryDirectory() as config, tempfile.TemporaryDirectory() as out_dir:
        e = env(config, root)
        del e["BPVIZ_EXIT_AFTER_FIRST_PAINT"]
        out = subprocess.run(
            [sys.executable, "-c", FIRST_ACTIONS, out_dir],
            env=e,
            capture_output=True,
            text=True,
            cwd=root,
            timeout=60,
        )
    for line in out.stdout.splitlines():
        if line.startswith("export "):
            parts = line.split()
            return float(parts[1]), float(parts[3]), float(parts[5])
    raise RuntimeError(f"first actions: no output\n{out.stdout}\n{out.stderr}")


def uptime() -> str:
    try:
        return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()
    except OSError:
        return "uptime: not available"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--no-bytecode-cache", action="store_true", help="compile every module at every start")
    ap.add_argument(
        "--also", type=Path, metavar="DIR", help="another checkout's window too (before/after), interleaved"
    )
    a = ap.parse_args()
    global PYCACHE
    cache = tempfile.TemporaryDirectory()
    PYCACHE = None if a.no_bytecode_cache else cache.name
    cases = {
        "bare PySide6 + pyqtgraph": ([sys.executable, "-c", BARE], ROOT),
        "bpviz (python -m bpviz)": ([sys.executable, "-m", "bpviz"], ROOT),
    }
    if a.also is not None:
        cases[f"bpviz in {a.also}"] = ([sys.executable, "-m", "bpviz"], a.also.resolve())
    print(uptime())
    for cmd, root in cases.values():
        first_paint(cmd, root)  # warm the file and bytecode caches
    runs: dict[str, list[tuple[float, float]]] = {k: [] for k in cases}
    for r in range(a.runs):
        for name in list(cases) if r % 2 == 0 else list(reversed(cases)):
            runs[name].append(first_paint(*cases[name]))
    how = "every module compiled" if PYCACHE is None else "bytecode cached"
    for i, what in enumerate(("wall clock", "CPU time")):
        print(f"first paint, {what}, offscreen, {how}, {a.runs} interleaved runs (s):")
        times = {name: [x[i] for x in xs] for name, xs in runs.items()}
        for name, xs in times.items():
            print(f"  {name:26} median {statistics.median(xs):.3f}   " + " ".join(f"{x:.3f}" for x in xs))
        bare, *apps = (statistics.median(xs) for xs in times.values())
        for name, app in zip(list(times)[1:], apps, strict=True):
            print(f"  {name} / bare = {app / bare:.2f}× (target ≤ 1.3×)")
    print("first actions after the first paint (ms, 3 fresh windows each):")
    roots = {name: root for name, (_, root) in list(cases.items())[1:]}
    acts: dict[str, list[tuple[float, float]]] = {name: [] for name in roots}
    for _ in range(3):
        for name, root in roots.items():
            acts[name].append(first_actions(root))
    for name, xs in acts.items():
        print(
            f"  {name:26} quick export "
            + " ".join(f"{x[0]:.0f}" for x in xs)
            + "; F5 into presentation and back "
            + " ".join(f"{x[1]:.0f}" for x in xs)
            + "; first Train to its first error (starts the training process) "
            + " ".join(f"{x[2]:.0f}" for x in xs)
        )
    print(uptime())
    cache.cleanup()


if __name__ == "__main__":
    main()
