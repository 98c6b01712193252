"""The training thread: a worker object in a QThread that carries typed commands to the
training engine and emits its immutable snapshots to the GUI thread (at most ~30 a second).

Backends (benchmarks/bench_training.py measured them):
- ``"process"`` (default): the engine's serve loop runs in a child process with its own
  interpreter and GIL; the QThread only relays over a pipe (waiting on it releases the GIL),
  so the GUI thread never waits for numpy and training runs at headless speed on another core.
  Its BLAS gets the cores the GUI leaves it (``blas_environment``: one thread on 2 cores),
  unless the user's environment sets the thread count.
- ``"thread"``: the same serve loop runs in the QThread itself, in chunks of 2 ms with a 1 ms
  GIL switch interval. Simpler, but every Qt call the GUI thread makes must win the GIL back
  from the worker, which shows as stutter.
Answers the GUI thread waits for (``SavedCheckpoints``, for File → Save) skip the signal: the
relay puts them in ``TrainingWorker.answers``, a thread-safe queue, so a save waits for one
without running the event loop. The controller makes a ``WorkerThread`` on the first Train,
so a window that never trains starts no thread and no process. Stopping goes through one
path, ``shutdown()``: abort, quit, wait.

The training process runs in a session of its own (``start_new_session``): a Ctrl+C in the
terminal reaches the window, which stops training the normal way, not the process behind its
back. When the process dies anyway (killed, out of memory), the relay says how in one phrase
(``failed``: "the training process was killed by SIGKILL (9)") and ends; the controller then
starts a fresh one on the next Train.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import signal
import socket
import subprocess
import sys
import weakref
from multiprocessing.connection import Connection

from PySide6.QtCore import QObject, QThread, Signal, Slot

from bpviz.core.engine import Command, Quit, SavedCheckpoints, Snapshot, continues, merged, serve
from bpviz.core.engine_process import BLAS_THREAD_VARIABLES, blas_environment

__all__ = ["TrainingWorker", "WorkerThread", "running_threads", "how_it_ended"]

THREAD_CHUNK_SECONDS = 0.002  # the thread backend's chunks: short, for the GUI thread's sake


def how_it_ended(returncode: int | None) -> str:
    """The training process's end as a phrase: "the training process was killed by SIGKILL
    (9)", "… exited with status 1", "… stopped answering"."""
    if returncode is None:
        return "the training process stopped answering"
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = "a signal"
        return f"the training process was killed by {name} ({-returncode})"
    if returncode == 0:
        return "the training process exited"
    return f"the training process exited with status {returncode}"


# The window's process computes one iteration's trace at a time (a 64 × 784 minibatch at most):
# one BLAS thread does that in a millisecond or two. With numpy's default, one thread per core,
# its BLAS threads spin at a barrier while the training process holds the other core: a
# 784-128-10 trace took 9–15 ms instead of ~2, and the GUI thread's longest gap while training
# went from ~57 ms to ~120 ms (benchmarks/bench_stall.py, both ways).
WINDOW_BLAS_THREADS = 1


def limit_window_blas() -> None:
    """The window's process uses WINDOW_BLAS_THREADS BLAS threads from its first Train on
    (when the training process starts), unless the user's environment sets a thread count
    (then it wins, as for the training process). Not at start-up: threadpoolctl's look at the
    loaded libraries costs ~15 ms of the first paint, and a window that never trains has no
    training process to compete with."""
    if any(os.environ.get(v, "").strip() for v in BLAS_THREAD_VARIABLES):
        return
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a dependency; without it numpy's default stays
        return
    threadpool_limits(WINDOW_BLAS_THREADS, user_api="blas")


class TrainingWorker(QObject):
    snapshot = Signal(object)  # bpviz.core.engine.Snapshot, delivered on the GUI thread
    failed = Signal(str)  # why training stopped: a phrase ("the training process was killed …")

    def __init__(self, backend: str = "process") -> None:
        super().__init__()
        if backend == "process" and sys.platform == "win32":
            backend = "thread"  # no inheritable socket pair there
        self.backend = backend
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self.answers: queue.SimpleQueue = queue.SimpleQueue()  # SavedCheckpoints, for Save
        self._abort = False
        self.process: subprocess.Popen | None = None  # the training process, once started

    def send(self, cmd: Command) -> None:
        """Queue a command (any thread); the loop applies it between chunks."""
        self._queue.put(cmd)

    def deliver(self, msg) -> None:
        """One message from the engine: an answer a caller waits for goes to ``answers``,
        anything else out as ``snapshot``."""
        if isinstance(msg, SavedCheckpoints):
            self.answers.put(msg)
        else:
            self.snapshot.emit(msg)

    def abort(self) -> None:
        self._abort = True
        self._queue.put(Quit())  # wakes a thread backend that waits for a command

    @Slot()
    def loop(self) -> None:
        try:
            if self.backend == "process":
                self._relay_to_process()
            else:
                self._serve_in_thread()
        except Exception as e:  # never let the thread die silently
            if not self._abort:
                what = f"{type(e).__name__}: {e}" if str(e) else type(e).__name__
                self.failed.emit(f"training failed ({what})")

    def _relay_to_process(self) -> None:
        # A fresh interpreter that imports only bpviz.core (not multiprocessing's spawn,
        # which would run the main script again in the child), joined by a socket pair; its
        # BLAS thread count is in its environment, read when its numpy loads.
        ours, theirs = socket.socketpair()
        proc = self.process = subprocess.Popen(
            [sys.executable, "-m", "bpviz.core.engine_process", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),),
            stdin=subprocess.DEVNULL,
            env=blas_environment(),
            start_new_session=os.name == "posix",  # the terminal's Ctrl+C is the window's
        )
        theirs.close()
        conn = Connection(ours.detach())
        try:
            while not self._abort:
                try:
                    while True:
                        cmd = self._queue.get_nowait()
                        if isinstance(cmd, Quit):
                            return  # the process gets its Quit below
                        conn.send(cmd)
                except queue.Empty:
                    pass
                if conn.poll(0.01):  # releases the GIL while it waits
                    snap = conn.recv()
                    if isinstance(snap, SavedCheckpoints):
                        self.deliver(snap)
                        continue
                    while conn.poll(0):  # fell behind: one snapshot, every error value
                        nxt = conn.recv()
                        if isinstance(nxt, SavedCheckpoints):
                            self.deliver(nxt)
                        elif continues(snap, nxt):
                            snap = merged(snap, nxt)
                        else:  # another run's (or not contiguous): both, in order
                            self.snapshot.emit(snap)
                            snap = nxt
                    self.snapshot.emit(snap)
                elif proc.poll() is not None:
                    if not self._abort:
                        self.failed.emit(how_it_ended(proc.returncode))
                    return
        except (EOFError, OSError):
            # the pipe closed: the process died (or is dying); its exit status says how
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(1.0)
            if not self._abort:
                self.failed.emit(how_it_ended(proc.poll()))
        finally:
            with contextlib.suppress(OSError, ValueError):
                conn.send(Quit())
            try:
                proc.wait(0.5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(0.5)
            conn.close()

    def _serve_in_thread(self) -> None:
        # "thread" uses a 1 ms switch interval; "thread:0.005" picks another (benchmarks)
        interval = float(self.backend.partition(":")[2] or 0.001)
        old = sys.getswitchinterval()
        sys.setswitchinterval(interval)
        try:
            serve(_QueueChannel(self), chunk_seconds=THREAD_CHUNK_SECONDS)
        finally:
            sys.setswitchinterval(old)


class _QueueChannel:
    """The serve loop's channel in the thread backend: commands from the worker's queue,
    snapshots out as the worker's signal; an abort reads as Quit."""

    def __init__(self, worker: TrainingWorker) -> None:
        self.w = worker
        self._next: Command | None = None

    def poll(self, timeout: float) -> bool:
        if self.w._abort:
            self._next = Quit()
            return True
        if self._next is None:
            try:  # a blocking get releases the GIL while it waits
                self._next = self.w._queue.get(timeout=timeout) if timeout > 0 else self.w._queue.get_nowait()
            except queue.Empty:
                return False
        return True

    def recv(self) -> Command:
        cmd, self._next = self._next, None
        return cmd

    def send(self, snap: Snapshot) -> None:
        self.w.deliver(snap)


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
    """Owns the QThread and the worker; ``shutdown()`` is the one way to stop them.
    ``failed(self, why)`` arrives on the GUI thread when the worker's loop ended by itself."""

    failed = Signal(object, str)

    def __init__(self, backend: str = "process", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.thread = QThread()
        self.thread.setObjectName("bpviz-training")
        self.worker = TrainingWorker(backend)
        self.worker.moveToThread(self.thread)
        self.worker.failed.connect(self._on_failed)  # queued: this object lives on the GUI thread
        self.thread.started.connect(self.worker.loop)
        self.thread.start()
        _LIVE.add(self)

    @Slot(str)
    def _on_failed(self, why: str) -> None:
        self.failed.emit(self, why)

    def send(self, cmd: Command) -> None:
        self.worker.send(cmd)

    def shutdown(self, timeout_ms: int = 2000) -> bool:
        if not self.thread.isRunning():
            return True
        self.worker.abort()
        self.thread.quit()
        return self.thread.wait(timeout_ms)
