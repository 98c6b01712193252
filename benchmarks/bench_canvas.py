"""How long a phase step and a hover take on the canvas, next to one bare repaint.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_canvas.py

For every preset and a 784-128-10 network: the median and worst time of one phase step
(the session moves one phase, the canvas updates its items and repaints synchronously), of one
hover (hit-test at a point plus the overlay repaint), and of one bare repaint with nothing
changed. Targets (issue 3): a step < 16 ms for the presets; < 100 ms for 784-128-10 and a
hover < 30 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

from bpviz.gui.app import make_app  # noqa: E402


def measure(fn, n):
    ts = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ts.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(ts), max(ts)


def bench(name, doc, app, steps):
    from bpviz.gui.canvas import NetworkView
    from bpviz.gui.session import Session

    s = Session(doc, name)
    v = NetworkView(s)
    v.resize(1200, 700)
    v.show()
    app.processEvents()
    vp = v.viewport()

    def step():
        s.next()
        vp.repaint()

    def bare():
        vp.repaint()

    pts = [p for layer in v._pos for p in layer]
    rng = np.random.default_rng(0)

    def hover():
        a = pts[rng.integers(len(pts))]
        b = pts[rng.integers(len(pts))]
        x, y = (a + b) / 2
        v._hover = v.hit(x, y)
        v._refresh_overlay()
        vp.repaint()

    step_med, step_max = measure(step, steps)
    hov_med, hov_max = measure(hover, 30)
    bare_med, _ = measure(bare, 10)
    print(
        f"{name:12s} phase step {step_med:7.1f} ms (worst {step_max:6.1f})   hover "
        f"{hov_med:6.1f} ms (worst {hov_max:6.1f})   bare repaint {bare_med:6.1f} ms"
    )
    v.hide()
    v.deleteLater()


def main() -> None:
    app = make_app(sys.argv[:1])
    from bpviz.core.fileformat import Document
    from bpviz.core.functions import make_activation, make_loss
    from bpviz.core.network import Network
    from bpviz.core.presets import PRESETS, load_preset

    for name in PRESETS:
        bench(name, load_preset(name), app, 40)
    rng = np.random.default_rng(0)
    sizes = [784, 128, 10]
    net = Network(
        ["x", "h", "y"],
        sizes,
        [make_activation("sigmoid")] * 2,
        [rng.normal(0, 0.1, (128, 784)), rng.normal(0, 0.3, (10, 128))],
        None,
        True,
        make_loss("half_sse"),
    )
    doc = Document(net, rng.uniform(size=(8, 784)), rng.uniform(size=(8, 10)))
    bench("784-128-10", doc, app, 24)


if __name__ == "__main__":
    main()
