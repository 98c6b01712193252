"""Training from the whole window without stalls: the GUI thread's longest gap, its p99
lateness and throughput against headless, on small and big networks and data sets.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_stall.py [--seconds 4] [--rounds 1]

For each case the whole window (MainWindow, offscreen) trains at full speed with no stop
threshold, while a 16 ms precise QTimer on the GUI thread records when it fires. It prints
the longest gap between two firings, the p99 of their lateness (gap − 16 ms), the steps per
second the window saw against the same network trained headless (core only, in this
process, interleaved because this VM drifts), and the cost of one engine snapshot in the
training process: the one it sends at the frame rate and, where the engine has one, the full
one (every sample's outputs and E of all data) it sends at a lower rate.
Targets (issue 12): longest gap < 100 ms in every case; p99 lateness ≤ 20 ms for swap on a
quiet machine; throughput ≥ 0.8 of headless in every case.

Cases: the swap preset; 2-8-1 × 1,000 samples; 2-16-16-2 × 1,000 samples; 784-128-10,
minibatch 64, × 1,280 samples; 40-40-40 × 200 samples; and softmax networks with
cross-entropy, class names and held-out test rows (issue 14: the training process then also
sends the test error, the accuracy and the confusion matrices): the spiral preset, and
2-16-16-2 softmax × 1,000 samples + 250 test rows. Data: numpy, seeded.

With the data plane on (issue 15; cases marked "plane": the Data plane dock is raised, so the
training process sends the network's output over a 64 × 64 grid with its snapshots and the
window draws it): the circle and spiral presets and 2-8-8-1 × 1,000 samples. For these the
last columns give one plane's cost in the training process (ms) and the share of the training
process's time the planes took in a headless run of the engine's own serve loop (target: a
plane of 2-8-8-1 at 64 × 64 < 2 ms; the window ≥ 0.8 of headless).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402
from PySide6.QtCore import QElapsedTimer, QEventLoop, QSettings, Qt, QTimer  # noqa: E402

from bpviz.gui.app import make_app  # noqa: E402


def make_doc(sizes: list[int], n: int, mode: str = "online", batch: int | None = None, lr: float = 0.5):
    """A sigmoid network of these sizes with ``n`` seeded samples (two noisy classes)."""
    from bpviz.core.build import LayerSpec, NetworkSpec, build_document

    layers = [LayerSpec("i", sizes[0])]
    layers += [
        LayerSpec(f"h{k}" if k < len(sizes) - 1 else "o", s, "sigmoid") for k, s in enumerate(sizes[1:], 1)
    ]
    spec = NetworkSpec(
        layers,
        learning_rate=lr,
        mode=mode,
        batch_size=batch,
        init_scheme="xavier",
        init_scale=1.0,
        n_samples=n,
        title="-".join(map(str, sizes)),
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(12)
    cls = rng.integers(0, sizes[-1] if sizes[-1] > 1 else 2, n)
    centres = rng.normal(0, 1, (max(2, sizes[-1]), sizes[0]))
    doc.inputs = centres[cls] + 0.5 * rng.normal(0, 1, (n, sizes[0]))
    t = np.zeros((n, sizes[-1]))
    if sizes[-1] == 1:
        t[:, 0] = cls
    else:
        t[np.arange(n), cls] = 1.0
    doc.targets = t
    return doc


def make_softmax_doc(sizes: list[int], n: int, n_test: int, mode: str = "online", batch: int | None = None):
    """A tanh network with a softmax output layer and cross-entropy, ``n`` seeded training
    rows and ``n_test`` test rows of ``sizes[-1]`` noisy classes, with class names."""
    from bpviz.core.build import LayerSpec, NetworkSpec, build_document

    k = sizes[-1]
    layers = [LayerSpec("i", sizes[0])]
    layers += [LayerSpec(f"h{j}", s, "tanh") for j, s in enumerate(sizes[1:-1], 1)]
    layers.append(LayerSpec("o", k, "softmax"))
    spec = NetworkSpec(
        layers,
        loss="cross_entropy",
        learning_rate=0.05,
        mode=mode,
        batch_size=batch,
        init_scheme="xavier",
        init_scale=1.0,
        n_samples=n,
        title="-".join(map(str, sizes)) + " softmax",
    )
    doc, _ = build_document(spec)
    rng = np.random.default_rng(14)
    centres = rng.normal(0, 1, (k, sizes[0]))

    def rows(m):
        cls = rng.integers(0, k, m)
        return centres[cls] + 0.5 * rng.normal(0, 1, (m, sizes[0])), np.eye(k)[cls]

    doc.inputs, doc.targets = rows(n)
    doc.test_inputs, doc.test_targets = rows(n_test)
    doc.classes = [f"class {j + 1}" for j in range(k)]
    return doc


def cases():
    from bpviz.core.presets import load_preset

    return [
        ("swap", lambda: load_preset("swap")),
        ("2-8-1 x 1,000", lambda: make_doc([2, 8, 1], 1000)),
        ("2-16-16-2 x 1,000", lambda: make_doc([2, 16, 16, 2], 1000)),
        ("784-128-10 mb64 x 1,280", lambda: make_doc([784, 128, 10], 1280, "minibatch", 64, 0.1)),
        ("40-40-40 x 200", lambda: make_doc([40, 40, 40], 200)),
        ("spiral (softmax, test)", lambda: load_preset("spiral")),
        ("2-16-16-2 sm x 1,000+250", lambda: make_softmax_doc([2, 16, 16, 2], 1000, 250)),
        ("circle (plane)", lambda: load_preset("circle")),
        ("spiral (plane)", lambda: load_preset("spiral")),
        ("2-8-8-1 x 1,000 (plane)", lambda: make_doc([2, 8, 8, 1], 1000)),
    ]


def headless_rate(doc, seconds: float, blas_threads: int | None = None) -> float:
    """Steps per second of the core alone, in this process, with ``blas_threads`` BLAS
    threads (None: as this process has them)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(blas_threads, user_api="blas"):
        return _headless(doc, seconds)


def _headless(doc, seconds: float) -> float:
    from bpviz.core.training import Trainer

    t = Trainer(doc, doc.network.copy(), track_epoch_error=doc.n_samples > 1)
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        t.run(seconds=0.004)
    return (t.step) / (time.perf_counter() - t0)


def snapshot_costs(doc, reps: int = 30) -> tuple[float, float | None]:
    """Milliseconds of one frame-rate snapshot and (when the engine sends them at a lower
    rate) one full snapshot, in this process after a few steps."""
    from bpviz.core import engine as E
    from bpviz.core.training_settings import TrainingSettings

    eng = E.TrainingEngine()
    eng.command(E.Load(doc))
    eng.command(E.Train(TrainingSettings.of(doc, speed=None, stop_error=None)))
    eng.work(0.02)
    full_kw = {"full": True} if "full" in E.TrainingEngine.snapshot.__code__.co_varnames else None

    def one(**kw):
        t0 = time.perf_counter()
        for _ in range(reps):
            eng.snapshot(**kw)
        return (time.perf_counter() - t0) / reps * 1e3

    if full_kw is None:
        return one(), None
    return one(full=False), one(**full_kw)


def plane_costs(doc, seconds: float = 1.0) -> tuple[float, float]:
    """(ms of one plane, share of the time the planes took) in the engine's own serve loop in
    this process, at full speed with the default plane asked for."""
    from bpviz.core import engine as E
    from bpviz.core import plane as P
    from bpviz.core.training_settings import TrainingSettings

    eng = E.TrainingEngine()
    t_end = [None]

    class Chan:
        todo = [
            E.SetPlane(P.default_spec(doc)),
            E.Load(doc),
            E.Train(TrainingSettings.of(doc, speed=None, stop_error=None)),
        ]
        planes = 0

        def poll(self, timeout):
            if t_end[0] is not None and time.perf_counter() >= t_end[0] and not self.todo:
                self.todo.append(E.Quit())
            return bool(self.todo)

        def recv(self):
            return self.todo.pop(0)

        def send(self, snap):
            if t_end[0] is None:
                t_end[0] = time.perf_counter() + seconds
            Chan.planes += snap.plane is not None

    t0 = time.perf_counter()
    E.serve(Chan(), engine=eng)
    elapsed = time.perf_counter() - t0
    return eng.plane_seconds / max(1, Chan.planes) * 1e3, eng.plane_seconds / elapsed


def pump(app, cond, timeout):
    t0 = time.perf_counter()
    while not cond() and time.perf_counter() - t0 < timeout:
        app.processEvents()
        time.sleep(0.001)


def window_run(app, name: str, doc, seconds: float, plane: bool = False):
    """(steps/s, longest gap ms, p99 lateness ms, ticks) training ``doc`` from the window."""
    from bpviz.gui.main_window import MainWindow

    ini = tempfile.mktemp(suffix=".ini")  # noqa: S306 - a settings file for this run only
    w = MainWindow(doc, name, settings=QSettings(ini, QSettings.Format.IniFormat))
    w.resize(1400, 860)
    w.show()
    w.training_panel.set_full_speed(True)
    w.training.update_settings(speed=None, stop_error=None)
    if plane:
        w.plane_dock.raise_()  # the data plane on screen: planes computed and drawn
    pump(app, lambda: False, 0.5)
    if plane:
        assert w.data_plane.shown and w.session.plane_request is not None
    gaps: list[float] = []
    clock = QElapsedTimer()
    timer = QTimer()
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.setInterval(16)
    last = [None]

    def tick():
        now = clock.nsecsElapsed() / 1e6
        if last[0] is not None:
            gaps.append(now - last[0])
        last[0] = now

    timer.timeout.connect(tick)
    w.training.train()
    pump(app, lambda: w.session.history.n > 0, 20)  # the training process is up
    clock.start()
    timer.start()
    n0, t0 = w.session.history.n, time.perf_counter()
    # an event loop as the app's own runs it (app.quit would close the window too)
    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    # a tick that is due but not yet run counts as a gap too
    tail = clock.nsecsElapsed() / 1e6 - (last[0] or 0.0)
    rate = (w.session.history.n - n0) / (time.perf_counter() - t0)
    if plane:
        assert w.session._live_plane is not None, "no plane arrived"
    timer.stop()
    w.training.stop()
    w.session.mark_saved(w.session.source)  # no "save changes?" box on close
    w.close()
    w.deleteLater()
    pump(app, lambda: False, 0.2)
    if os.path.exists(ini):
        os.unlink(ini)
    gaps.append(tail)
    late = sorted(max(0.0, g - 16) for g in gaps)
    return rate, max(gaps), late[int(0.99 * (len(late) - 1))], len(gaps)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--rounds", type=int, default=1, help="repeats of each case")
    ap.add_argument("--only", default="", help="cases whose name contains this")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds a case may take (then: skipped)")
    ap.add_argument(
        "--plane-off", action="store_true", help="run the (plane) cases with the data plane hidden (A/B)"
    )
    args = ap.parse_args()
    from threadpoolctl import threadpool_info

    default_threads = max((p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"), default=1)
    app = make_app(sys.argv[:1])  # the window's process: one BLAS thread (gui.app.limit_blas)
    from bpviz.core.engine_process import blas_environment

    train_threads = int(blas_environment()["OPENBLAS_NUM_THREADS"])
    print(
        f"BLAS threads: numpy's default here {default_threads}; the training process "
        f"{train_threads}. 'headless' trains with the training process's count, "
        f"'default' with numpy's."
    )
    print(f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f}")
    print(
        f"{'case':24s} {'gap max':>9s} {'late p99':>9s} {'ticks':>6s} {'steps/s':>9s} "
        f"{'headless':>9s} {'ratio':>6s} {'default':>9s} {'ratio':>6s} {'snap ms':>8s} {'full ms':>8s}"
        f" {'plane ms':>8s} {'plane %':>7s}"
    )
    for name, make in cases():
        if args.only and args.only not in name:
            continue
        for _ in range(args.rounds):
            try:
                with time_limit(args.timeout):
                    row = one_case(
                        app, name, make, args.seconds, train_threads, default_threads, not args.plane_off
                    )
            except CaseTimeout:
                print(f"{name:24s} took over {args.timeout:g} s: skipped", flush=True)
                continue
            print(row, flush=True)


class CaseTimeout(Exception):
    pass


@contextlib.contextmanager
def time_limit(seconds: float):
    """Raise CaseTimeout in the main thread after ``seconds`` (SIGALRM; the Qt event loop runs
    Python's signal handlers between its events, so a stuck case ends at the next one)."""

    def expired(*_a):
        raise CaseTimeout

    old = signal.signal(signal.SIGALRM, expired)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def one_case(app, name, make, seconds, train_threads, default_threads, planes=True) -> str:
    """One row: the window's run between two headless ones (interleaved: the VM drifts)."""
    plane = planes and "(plane)" in name
    head = headless_rate(make(), seconds / 2, train_threads)
    rate, gap, p99, n = window_run(app, name, make(), seconds, plane)
    dflt = headless_rate(make(), seconds / 2, default_threads)
    snap, full = snapshot_costs(make())
    full_s = "-" if full is None else f"{full:.2f}"
    plane_s = ""
    if plane:
        from threadpoolctl import threadpool_limits

        with threadpool_limits(train_threads, user_api="blas"):
            ms, share = plane_costs(make(), min(2.0, seconds / 2))
        plane_s = f" {ms:8.2f} {100 * share:6.1f}%"
    return (
        f"{name:24s} {gap:7.0f} ms {p99:6.1f} ms {n:6d} {rate:9,.0f} {head:9,.0f} "
        f"{rate / head:6.2f} {dflt:9,.0f} {rate / dflt:6.2f} {snap:8.2f} {full_s:>8s}{plane_s}"
    )


if __name__ == "__main__":
    main()
