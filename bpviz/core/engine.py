"""The training engine behind the app's worker: commands in, immutable snapshots out.

Pure numpy, no Qt, so it runs in a worker process (the GUI's default: the process has its own
GIL, so the window never waits for it) or in a thread. ``serve(conn)`` is the process's main
loop; ``TrainingEngine`` is the state machine both use.

Commands are tuples ``(name, *args)``:

``("load", doc, start_step)``    a new document (and the step its weights are at)
``("train", settings)``          start or resume; settings: learning_rate, mode, batch_size,
                                 shuffle_seed, max_steps (total step count to stop at),
                                 stop_error (stop once E of all samples is below it; a run
                                 that starts below it ignores it), target_error (stop after
                                 a step whose error is ≤ it), rate (steps per second, None =
                                 full speed)
``("pause",)``, ``("stop",)``    pause keeps the run; stop ends it
``("set", settings)``            change settings at the next step boundary
``("params", weights, biases, step)``  replace the parameters (an edit, or the stepper's)
``("edit", kind, index, value)``  one weight ("edge", (j, r, c)) or bias ("bias", (j, i))
``("quit",)``                    end the loop
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from bpviz.core.fileformat import Document
from bpviz.core.training import Trainer

__all__ = ["Snapshot", "TrainingEngine", "serve", "SNAPSHOT_INTERVAL", "CHUNK_SECONDS"]

SNAPSHOT_INTERVAL = 1 / 30  # at most ~30 snapshots a second
CHUNK_SECONDS = 0.004  # one chunk of steps between looks at the command queue
MAX_RESULT_ROWS = 1000  # samples whose outputs a snapshot carries


@dataclass(frozen=True)
class Snapshot:
    """What the GUI needs after some steps; every array is a fresh copy."""

    state: str  # "idle", "running", "paused", "finished", "diverged"
    step: int
    epoch: int
    weights: tuple
    biases: tuple | None
    errors: np.ndarray  # errors of the steps since the previous snapshot
    first_error_step: int  # the step number of errors[0]
    epoch_errors: tuple  # (step, E of all data) since the previous snapshot
    outputs: np.ndarray | None  # network outputs for the first MAX_RESULT_ROWS samples
    data_error: float  # E of the whole data set at these weights
    steps_per_second: float
    reason: str | None = None  # why a run ended: "max_steps", "target", "diverged"
    diverged_at: int | None = None
    stopped_error: float | None = None  # reason "target": the E below the threshold
    stop_armed: bool = True  # False: E was below stop_error when the run began, so it runs on
    serial: int = 0
    extra: dict = field(default_factory=dict)


class TrainingEngine:
    def __init__(self) -> None:
        self.doc: Document | None = None
        self.trainer: Trainer | None = None
        self.state = "idle"
        self.settings: dict = {}
        self._sent = 0  # history entries already sent
        self._sent_epochs = 0
        self._rate_t0 = 0.0
        self._rate_n0 = 0
        self._speed_t = time.perf_counter()
        self._speed_n = 0
        self._sps = 0.0
        self._reason: str | None = None
        self._stopped_error: float | None = None
        self._stop_armed = True
        self._serial = 0
        self.gen = 0  # which load the snapshots belong to

    # -- commands ------------------------------------------------------------------------
    def command(self, cmd: tuple) -> None:
        name = cmd[0]
        if name == "load":
            doc, start = cmd[1], cmd[2]
            self.gen = cmd[3] if len(cmd) > 3 else 0
            self.doc = doc.copy()  # private: the thread backend shares memory with the GUI
            self.settings = {}
            self._new_trainer(self.doc, start)
            self.state = "idle"
        elif name == "params":
            weights, biases, step = cmd[1], cmd[2], cmd[3]
            self.doc.network.set_parameters(weights, biases)
            self._new_trainer(self.doc, step)
            if self.state in ("finished", "diverged"):
                self.state = "idle"
        elif name == "edit":  # one weight or bias, at the next step boundary
            kind, index, value = cmd[1], tuple(cmd[2]), float(cmd[3])
            net = self.trainer.network
            arr = net.weights[index[0]] if kind == "edge" else net.biases[index[0]]
            arr[index[1:]] = value
        elif name == "train":
            self._apply(cmd[1])
            if self.trainer.diverged_at is not None:
                self._new_trainer(self.doc, self.trainer.step)
            self.state = "running"
            self._reason = None
            self._stopped_error = None
            self._arm()
            self._rate_t0, self._rate_n0 = time.perf_counter(), self.trainer.step
        elif name == "set":
            self._apply(cmd[1])
            if "stop_error" in cmd[1]:
                self._arm()
            self._rate_t0, self._rate_n0 = time.perf_counter(), self.trainer.step
        elif name == "pause":
            if self.state == "running":
                self.state = "paused"
        elif name == "stop" and self.state in ("running", "paused"):
            self.state = "idle"
            self._reason = "stopped"

    def _new_trainer(self, doc: Document, start: int) -> None:
        # the epoch curve is for online runs over several samples; with one sample every step
        # would cost a second forward pass for nothing
        self.trainer = Trainer(doc, doc.network.copy(), track_epoch_error=doc.n_samples > 1,
                               start_step=start)
        s = self.settings
        if s:
            self.trainer.learning_rate = s.get("learning_rate", doc.learning_rate)
            if "mode" in s:
                self.trainer.set_mode(s["mode"], s.get("batch_size"), s.get("shuffle_seed"))
        self._sent = 0
        self._sent_epochs = 0

    def _arm(self) -> None:
        """The stop threshold applies to a run unless E is already below it when the run
        begins (a class asked to go on after "learned" sees it go on)."""
        se = self.settings.get("stop_error")
        self._stop_armed = se is None or not self.trainer.data_error() < se

    def _apply(self, settings: dict) -> None:
        """New settings take effect at the next step boundary (between chunks)."""
        t = self.trainer
        self.settings.update(settings)
        s = self.settings  # merged: a partial change keeps the other settings
        if "learning_rate" in settings:
            t.learning_rate = float(settings["learning_rate"])
        if "mode" in s and (s["mode"], s.get("batch_size"), s.get("shuffle_seed")) != (
                t.mode, t.batch_size, t.shuffle_seed):
            t.set_mode(s["mode"], s.get("batch_size"), s.get("shuffle_seed"))

    # -- work ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.state == "running"

    def work(self, seconds: float = CHUNK_SECONDS) -> int:
        """Run one chunk of steps; returns how many ran (0 when the rate says wait)."""
        t = self.trainer
        s = self.settings
        max_total = s.get("max_steps")
        left = None if max_total is None else max_total - t.step
        if left is not None and left <= 0:
            self.state, self._reason = "finished", "max_steps"
            return 0
        rate = s.get("rate")
        if rate:
            # the first step at once, then one every 1/rate seconds
            allowed = int(rate * (time.perf_counter() - self._rate_t0)) + 1 - \
                (t.step - self._rate_n0)
            if allowed <= 0:
                return 0
            left = allowed if left is None else min(left, allowed)
        r = t.run(max_steps=left, seconds=seconds, target_error=s.get("target_error"),
                  stop_error=s.get("stop_error") if self._stop_armed else None)
        if r.reason == "diverged":
            self.state, self._reason = "diverged", "diverged"
        elif r.reason == "target":
            self.state, self._reason = "finished", "target"
            self._stopped_error = r.error
        elif r.reason == "max_steps" and max_total is not None and t.step >= max_total:
            self.state, self._reason = "finished", "max_steps"
        return r.steps

    def snapshot(self) -> Snapshot:
        t = self.trainer
        net = t.network
        now = time.perf_counter()
        if now - self._speed_t >= 0.25:
            self._sps = (t.step - self._speed_n) / (now - self._speed_t)
            self._speed_t, self._speed_n = now, t.step
        if self.state != "running":
            self._sps = 0.0
        hist = t.error_history
        errors = hist[self._sent:].copy()
        first = t.first_step + self._sent + 1
        self._sent = len(hist)
        epochs = tuple(t.epoch_errors[self._sent_epochs:])
        self._sent_epochs = len(t.epoch_errors)
        X = t.inputs[:MAX_RESULT_ROWS]
        with np.errstate(all="ignore"):
            outputs = net.forward(X).out[-1].copy()
        data_error = t.data_error()
        self._serial += 1
        return Snapshot(
            state=self.state, step=t.step, epoch=t.epoch,
            weights=tuple(w.copy() for w in net.weights),
            biases=None if net.biases is None else tuple(b.copy() for b in net.biases),
            errors=errors, first_error_step=first, epoch_errors=epochs, outputs=outputs,
            data_error=data_error if math.isfinite(data_error) else float("nan"),
            steps_per_second=self._sps, reason=self._reason, diverged_at=t.diverged_at,
            stopped_error=self._stopped_error, stop_armed=self._stop_armed,
            serial=self._serial, extra={"gen": self.gen})


def serve(conn) -> None:
    """The worker process's main loop: commands from ``conn``, snapshots back on it."""
    engine = TrainingEngine()
    last = 0.0
    while True:
        dirty = False
        timeout = 0.0 if engine.running else 0.05
        while conn.poll(timeout):
            cmd = conn.recv()
            if cmd[0] == "quit":
                return
            engine.command(cmd)
            dirty = True
            timeout = 0.0
        if engine.trainer is None:
            continue
        was = engine.state
        if engine.running and engine.work() == 0 and engine.running:
            time.sleep(0.002)  # a set rate is ahead of the clock
        now = time.perf_counter()
        if dirty or engine.state != was or (engine.running and now - last >= SNAPSHOT_INTERVAL):
            conn.send(engine.snapshot())
            last = now
