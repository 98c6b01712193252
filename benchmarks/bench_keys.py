"""Key to painted pixels with the whole window, and the PNG export of a mid-size network.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_keys.py [--runs N] [--heatmaps] [--phases] [names…]

For every preset and the networks 2-64-64-64-2, 784-128-10, 20-40-5 and 40-40-40, a whole
``MainWindow`` (1440×900) gets the Right key from ``QTest`` at every phase of two iterations;
each step is timed from the key press until the canvas is repainted and every other widget's
pending paint has run (``viewport().repaint()`` then ``processEvents``). Printed: the median
and worst step, and the ratio of the worst to its target. Then the PNG export of 20-40-5's
canvas through ``bpviz.gui.export.export_widget`` (scale 1, as ``bpviz export``; and scale 2,
the export dialog's default).

Targets (issue 12): presets worst < 33 ms; 2-64-64-64-2 worst < 60 ms; 784-128-10 median
< 60 ms and worst < 150 ms; 20-40-5 and 40-40-40 worst < 60 ms; export of 20-40-5 < 300 ms.
Issue 15: every phase of digits (its input image, its first layer a weight matrix) < 100 ms;
``--phases`` prints each phase's median and worst; ``--heatmaps`` turns View → Neuron heatmaps
on (networks with one or two inputs draw them).
Run it on the code before and after a change, interleaved, with ``PYTHONPATH`` set to each
tree: this 2-core machine drifts ±35 %.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

# name → (median target, worst target) in ms; None: no target
TARGETS = {
    "2-64-64-64-2": (None, 60.0),
    "784-128-10": (60.0, 150.0),
    "20-40-5": (None, 60.0),
    "40-40-40": (None, 60.0),
    "digits": (None, 100.0),
}
PRESET_TARGET = (None, 33.0)
EXPORT_TARGET = 300.0


def sized_doc(sizes: list[int], samples: int = 8):
    """A sigmoid network of these sizes with biases, as File → New network builds it, and
    ``samples`` random rows of data."""
    from bpviz.core import build

    names = ["x"] + [f"h{k}" for k in range(1, len(sizes) - 1)] + ["y"]
    layers = [build.LayerSpec(names[0], sizes[0])]
    layers += [build.LayerSpec(n, s, "sigmoid") for n, s in zip(names[1:], sizes[1:], strict=True)]
    spec = build.NetworkSpec(layers, title="-".join(map(str, sizes)), n_samples=samples)
    doc, _ = build.build_document(spec)
    rng = np.random.default_rng(0)
    doc.inputs = rng.uniform(size=(samples, sizes[0]))
    doc.targets = rng.uniform(size=(samples, sizes[-1]))
    return doc


def documents(names: list[str]):
    from bpviz.core.presets import PRESETS, load_preset

    for name in names:
        if name in PRESETS:
            yield name, load_preset(name)
        else:
            yield name, sized_doc([int(x) for x in name.split("-")])


def open_window(doc, name, tmp):
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QApplication

    from bpviz.gui.main_window import MainWindow

    st = QSettings(os.path.join(tmp, f"{name}.ini"), QSettings.Format.IniFormat)
    w = MainWindow(doc, name, settings=st)
    w.resize(1440, 900)
    w.show()
    w.activateWindow()
    app = QApplication.instance()
    for _ in range(5):
        app.processEvents()
    w.canvas.setFocus()
    app.processEvents()
    if os.environ.get("BENCH_NO_SETTLE") != "1":  # as bpviz.gui.app.run does (A/B: BENCH_NO_SETTLE=1)
        from bpviz.gui.app import settle_memory

        settle_memory()
    return w


def key_steps(w, by_phase: dict | None = None) -> list[float]:
    """Times (ms) of Right at every phase of two iterations (``by_phase``: each step's time
    added under the name of the phase it stepped to)."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    s = w.session
    n = 2 * len(s.names)
    vp = w.canvas.viewport()
    ts = []
    for _ in range(n):
        before = (s.step, s.phase_index)
        t0 = time.perf_counter()
        QTest.keyClick(w, Qt.Key.Key_Right)
        vp.repaint()
        app.processEvents()
        ts.append((time.perf_counter() - t0) * 1e3)
        if by_phase is not None:
            by_phase.setdefault(s.names[s.phase_index], []).append(ts[-1])
        if (s.step, s.phase_index) == before:
            raise RuntimeError("the Right key did not step (is the window active?)")
    return ts


def export_time(w, tmp, scale: float) -> float:
    from bpviz.gui.export import export_widget

    path = os.path.join(tmp, f"canvas-{scale:g}.png")
    t0 = time.perf_counter()
    export_widget(w.canvas, path, "png", scale)
    return (time.perf_counter() - t0) * 1e3


def verdict(value: float, target: float | None) -> str:
    if target is None:
        return ""
    return f"{value / target:5.2f}× target {target:g}"


def main() -> None:
    from PySide6.QtWidgets import QApplication

    from bpviz.core.presets import PRESETS
    from bpviz.gui.app import make_app

    args = sys.argv[1:]
    runs = 1
    if args[:1] == ["--runs"]:
        runs, args = int(args[1]), args[2:]
    heatmaps = "--heatmaps" in args
    phases = "--phases" in args
    args = [a for a in args if a not in ("--heatmaps", "--phases")]
    names = args or [*PRESETS, "2-64-64-64-2", "784-128-10", "20-40-5", "40-40-40", "export"]
    app = make_app(sys.argv[:1])
    with tempfile.TemporaryDirectory() as tmp:
        for name, doc in documents([n for n in names if n != "export"]):
            ts = []
            by_phase: dict = {}
            for _ in range(runs):
                w = open_window(doc, name, tmp)
                if heatmaps:
                    w.canvas.set_neuron_heatmaps(True)
                    app.processEvents()
                ts += key_steps(w, by_phase)
                w.close()
                w.deleteLater()
                app.processEvents()
            med_t, worst_t = TARGETS.get(name, PRESET_TARGET)
            med, worst = statistics.median(ts), max(ts)
            print(
                f"{name:14s} key→paint median {med:6.1f} ms {verdict(med, med_t):22s}"
                f" worst {worst:6.1f} ms {verdict(worst, worst_t)}  ({len(ts)} steps)",
                flush=True,
            )
            if phases:
                for ph, pts in by_phase.items():
                    print(f"    {ph:16s} median {statistics.median(pts):6.1f} ms  worst {max(pts):6.1f} ms")
        if "export" in names:
            w = open_window(sized_doc([20, 40, 5]), "20-40-5", tmp)
            for scale in (1.0, 2.0):
                t = min(export_time(w, tmp, scale) for _ in range(3))
                print(f"export 20-40-5 PNG ×{scale:g}: {t:7.1f} ms  {verdict(t, EXPORT_TARGET)}", flush=True)
            w.close()
    QApplication.processEvents()


if __name__ == "__main__":
    main()
