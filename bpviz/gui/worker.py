"""The training thread: a worker object in a QThread that relays commands to the training
engine and emits its immutable snapshots to the GUI thread (at most ~30 a second).

Backends (benchmarks/bench_training.py measured them):
- ``"process"`` (default): the engine runs in a child process with its own interpreter and
  GIL; the QThread only waits on a pipe (which releases the GIL), so the GUI thread never
  waits for numpy and training runs at headless speed on the other core.
- ``"thread"``: the engine runs in the QThread itself, in chunks of a few milliseconds with a
  1 ms GIL switch interval. Simpler, but every Qt call the GUI thread makes must win the GIL
  back from the worker, which shows as stutter.
Stopping goes through one path, ``shutdown()``: abort flag, quit message, wait.
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import queue
import sys
import time
import weakref

from PySide6.QtCore import QObject, QThread, Signal, Slot

from bpviz.core.engine import SNAPSHOT_INTERVAL, TrainingEngine, serve

__all__ = ["TrainingWorker", "WorkerThread"]


class TrainingWorker(QObject):
    snapshot = Signal(object)  # bpviz.core.engine.Snapshot, delivered on the GUI thread
    failed = Signal(str)

    def __init__(self, backend: str = "process") -> None:
        super().__init__()
        self.backend = backend
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._abort = False

    def send(self, *cmd) -> None:
        """Queue a command (any thread); the loop applies it between chunks."""
        self._queue.put(cmd)

    def abort(self) -> None:
        self._abort = True

    @Slot()
    def loop(self) -> None:
        try:
            if self.backend == "process":
                self._loop_process()
            else:
                self._loop_thread()
        except Exception as e:  # never let the thread die silently
            self.failed.emit(f"{type(e).__name__}: {e}")

    def _loop_process(self) -> None:
        ctx = mp.get_context("spawn")  # no fork of a process that runs Qt threads
        parent, child = ctx.Pipe()
        proc = ctx.Process(target=serve, args=(child,), daemon=True, name="bpviz-training")
        proc.start()
        child.close()
        try:
            while not self._abort:
                try:
                    while True:
                        parent.send(self._queue.get_nowait())
                except queue.Empty:
                    pass
                if parent.poll(0.01):  # releases the GIL while it waits
                    snap = parent.recv()
                    while parent.poll(0):  # fell behind: only the latest matters, but
                        nxt = parent.recv()  # keep every error value
                        snap = _merge(snap, nxt)
                    self.snapshot.emit(snap)
                elif not proc.is_alive():
                    self.failed.emit("the training process ended unexpectedly")
                    return
        finally:
            with contextlib.suppress(OSError, ValueError):
                parent.send(("quit",))
            proc.join(0.5)
            if proc.is_alive():
                proc.terminate()
                proc.join(0.5)
            parent.close()

    def _loop_thread(self) -> None:
        old = sys.getswitchinterval()
        sys.setswitchinterval(0.001)
        engine = TrainingEngine()
        last = 0.0
        try:
            while not self._abort:
                dirty = False
                try:
                    while True:
                        engine.command(self._queue.get_nowait())
                        dirty = True
                except queue.Empty:
                    pass
                if engine.trainer is None or not engine.running:
                    if dirty and engine.trainer is not None:
                        self.snapshot.emit(engine.snapshot())
                    time.sleep(0.01)
                    continue
                was = engine.state
                if engine.work(0.002) == 0 and engine.running:
                    time.sleep(0.002)
                time.sleep(0)  # let the GUI thread take the GIL between chunks
                now = time.perf_counter()
                if dirty or engine.state != was or now - last >= SNAPSHOT_INTERVAL:
                    self.snapshot.emit(engine.snapshot())
                    last = now
        finally:
            sys.setswitchinterval(old)


def _merge(a, b):
    """Two snapshots as one: b's state with a's errors in front of its own."""
    import dataclasses

    import numpy as np

    return dataclasses.replace(
        b, errors=np.concatenate([a.errors, b.errors]), first_error_step=a.first_error_step,
        epoch_errors=a.epoch_errors + b.epoch_errors)


_LIVE: weakref.WeakSet = weakref.WeakSet()


def running_threads() -> list[QThread]:
    """Training threads still running (tests fail if any is left behind)."""
    return [w.thread for w in list(_LIVE) if w.thread.isRunning()]


class WorkerThread(QObject):
    """Owns the QThread and the worker; ``shutdown()`` is the one way to stop them."""

    def __init__(self, backend: str = "process", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("bpviz-training")
        self.worker = TrainingWorker(backend)
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.loop)
        self.thread.start()
        _LIVE.add(self)

    def send(self, *cmd) -> None:
        self.worker.send(*cmd)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        if not self.thread.isRunning():
            return True
        self.worker.abort()
        self.thread.quit()
        ok = self.thread.wait(timeout_ms)
        return ok
