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

import atexit
import contextlib
import queue
import socket
import subprocess
import sys
import time
import weakref
from multiprocessing.connection import Connection

from PySide6.QtCore import QObject, QThread, Signal, Slot

from bpviz.core.engine import SNAPSHOT_INTERVAL, TrainingEngine

__all__ = ["TrainingWorker", "WorkerThread"]


class TrainingWorker(QObject):
    snapshot = Signal(object)  # bpviz.core.engine.Snapshot, delivered on the GUI thread
    failed = Signal(str)

    def __init__(self, backend: str = "process") -> None:
        super().__init__()
        if backend == "process" and sys.platform == "win32":
            backend = "thread"  # no inheritable socket pair there
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
        # A fresh interpreter that imports only bpviz.core (not multiprocessing's spawn,
        # which would run the main script again in the child), joined by a socket pair.
        ours, theirs = socket.socketpair()
        proc = subprocess.Popen(
            [sys.executable, "-m", "bpviz.core.engine_process", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
        theirs.close()
        conn = Connection(ours.detach())
        try:
            while not self._abort:
                try:
                    while True:
                        conn.send(self._queue.get_nowait())
                except queue.Empty:
                    pass
                if conn.poll(0.01):  # releases the GIL while it waits
                    snap = conn.recv()
                    while conn.poll(0):  # fell behind: one snapshot, every error value
                        nxt = conn.recv()
                        if _mergeable(snap, nxt):
                            snap = _merge(snap, nxt)
                        else:  # another run's (or not contiguous): both, in order
                            self.snapshot.emit(snap)
                            snap = nxt
                    self.snapshot.emit(snap)
                elif proc.poll() is not None:
                    self.failed.emit("the training process ended unexpectedly "
                                     f"(exit status {proc.returncode})")
                    return
        except (EOFError, OSError) as e:
            self.failed.emit(f"lost the training process: {e}")
        finally:
            with contextlib.suppress(OSError, ValueError):
                conn.send(("quit",))
            try:
                proc.wait(0.5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(0.5)
            conn.close()

    def _loop_thread(self) -> None:
        # "thread" uses a 1 ms switch interval; "thread:0.005" picks another (benchmarks)
        interval = float(self.backend.partition(":")[2] or 0.001)
        old = sys.getswitchinterval()
        sys.setswitchinterval(interval)
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


def _mergeable(a, b) -> bool:
    """Do b's errors continue a's, in the same run? A snapshot of a run that was replaced
    (another load) must not lend its step numbers to the new run's errors."""
    if a.extra.get("gen") != b.extra.get("gen"):
        return False
    return a.first_error_step + len(a.errors) == b.first_error_step or not len(b.errors)


def _merge(a, b):
    """Two snapshots as one: b's state with a's errors in front of its own."""
    import dataclasses

    import numpy as np

    return dataclasses.replace(
        b, errors=np.concatenate([a.errors, b.errors]), first_error_step=a.first_error_step,
        epoch_errors=a.epoch_errors + b.epoch_errors)


_LIVE: weakref.WeakSet = weakref.WeakSet()


@atexit.register
def _shutdown_all() -> None:
    """A script that never ran the event loop still stops its training threads."""
    for w in list(_LIVE):
        w.shutdown(1000)


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
