"""The training engine behind the window: typed commands in, immutable snapshots out.

Pure numpy, no Qt, so it runs in a worker process (the GUI's default: the process has its own
GIL, so the window never waits for it) or in a thread. ``TrainingEngine`` is the state
machine; ``serve(channel)`` is the one loop that drives it, for both: the process serves a
pipe, the thread backend a queue (``bpviz.gui.training.worker``).

Commands are small frozen dataclasses (``Load``, ``Train``, ``Configure``, ``EditParameter``,
``Pause``, ``Stop``, ``Quit``); settings travel as one ``TrainingSettings``. A snapshot says
which load it belongs to (``gen``), so the window can ignore a replaced run's late ones.

Memory: each snapshot carries the errors of the steps since the one before and the trainer
then forgets them (``Trainer.drain``), so a run of any length holds only the steps between two
snapshots here; the window keeps the bounded record (``bpviz.gui.error_history``).

Held-out rows (data.test) and classes: a snapshot carries the test error at the current step
(``Trainer.test_error``: the one definition, on a training step's scale) at most every
``TEST_INTERVAL``, and full snapshots carry the accuracy and the confusion matrix of the
training and the test rows (``bpviz.core.classify``) and the test rows' outputs. None of it is
computed per step. Each of these looks is spaced so that it takes at most ``MAX_SHARE`` of the
training process's time (a large test set is measured less often, never slows the run more).

The data plane (``bpviz.core.plane``): while the window shows it, the window asks for it
(``SetPlane``: which inputs span the plane, None: no plane) and snapshots carry the network's
output over the grid (``Snapshot.plane``) at most every ``PLANE_INTERVAL`` while running (a
pause and the end always send one), spaced by its cost like the test error; the grid's frame
(ranges, held inputs) is made once per load and spec.

The run's past (issue 16, scrubbing the error curve): the engine keeps checkpoints of its runs
(``bpviz.core.checkpoints``): one pinned at each Load, each change of the settings that compute
the steps (η, α, mode, batch size, path) and each edited weight, and more at chunk ends within
a byte budget. ``Seek(step)`` replays a fresh trainer from the nearest one and answers with a
snapshot whose ``seek`` is the step shown (``SeekProgress`` first when the replay is long); the
run goes on as it was. File → Save asks for them (``GetCheckpoints``: those up to the step
saved, within the file's bound), answered at once with ``SavedCheckpoints``; a ``Load`` may
bring a saved session's (``Load.checkpoints``: the history its network goes on from).

Gradient health (issue 16, ``bpviz.core.gradient_health``): snapshots carry each layer's mean
|δ| and ‖∂E/∂W‖ of the next step at the current weights (``Snapshot.gradients``), at most every
``GRADIENT_INTERVAL`` while running and spaced by their cost like the test error.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, replace
from typing import Protocol

import numpy as np

from bpviz.core import classify
from bpviz.core import gradient_health as _health
from bpviz.core import momentum as _momentum
from bpviz.core import plane as _plane
from bpviz.core.checkpoints import Checkpoints, Setup
from bpviz.core.fileformat import Document, SavedCheckpoint
from bpviz.core.training import MAX_RESULT_ROWS, Trainer
from bpviz.core.training_settings import TrainingSettings

__all__ = [
    "Load",
    "Train",
    "Configure",
    "EditParameter",
    "Pause",
    "Stop",
    "Quit",
    "SetPlane",
    "Seek",
    "SeekProgress",
    "GetCheckpoints",
    "SavedCheckpoints",
    "Command",
    "Snapshot",
    "TrainingEngine",
    "serve",
    "continues",
    "merged",
    "SNAPSHOT_INTERVAL",
    "FULL_INTERVAL",
    "TEST_INTERVAL",
    "PLANE_INTERVAL",
    "GRADIENT_INTERVAL",
    "MAX_SHARE",
    "CHUNK_SECONDS",
    "MAX_RESULT_ROWS",
]

SNAPSHOT_INTERVAL = 1 / 30  # at most ~30 snapshots a second (the parameters, the errors)
FULL_INTERVAL = 1 / 4  # every sample's outputs and E of all data: at most 4 times a second
CHUNK_SECONDS = 0.004  # one chunk of steps between looks at the command queue
TEST_INTERVAL = 1 / 15  # the test error (a pass over the test rows): at most 15 times a second
MAX_SHARE = 0.05  # the looks at all data and at the test rows take at most this share of the time
PLANE_INTERVAL = 1 / 15  # the data plane: at most 15 times a second (each at most MAX_SHARE)
GRADIENT_INTERVAL = 1 / 30  # gradient health (one step's pass): at most 30 times a second


# -- commands ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Load:
    """A new document whose weights are at step ``start_step``; ``gen`` numbers the load.
    ``checkpoints``: a saved session's (``Document.checkpoints``), the history of this
    network before ``start_step`` (replacing the engine's); empty: the engine's history goes
    on for the same network and data, or starts anew."""

    doc: Document
    start_step: int = 0
    gen: int = 0
    checkpoints: tuple[SavedCheckpoint, ...] = ()


@dataclass(frozen=True)
class Train:
    """Start, or resume a paused run, with these settings."""

    settings: TrainingSettings


@dataclass(frozen=True)
class Configure:
    """New settings for the run, from its next step boundary."""

    settings: TrainingSettings


@dataclass(frozen=True)
class EditParameter:
    """One weight (kind "edge", index (j, r, c)) or bias ("bias", (j, i)), at the next step
    boundary."""

    kind: str
    index: tuple[int, ...]
    value: float


@dataclass(frozen=True)
class Pause:
    """Pause a running run (it keeps its place)."""


@dataclass(frozen=True)
class Stop:
    """End the run."""


@dataclass(frozen=True)
class Quit:
    """End the serve loop."""


@dataclass(frozen=True)
class SetPlane:
    """Send the data plane over these inputs with the snapshots (None: no plane); it stays
    asked for across loads."""

    spec: _plane.PlaneSpec | None


@dataclass(frozen=True)
class Seek:
    """Send the network at past step ``step`` (scrubbing the error curve): replayed from the
    nearest checkpoint (``bpviz.core.checkpoints``), answered with a snapshot whose ``seek``
    is the step it shows; the run itself is not touched."""

    step: int


@dataclass(frozen=True)
class SeekProgress:
    """A long replay's progress (sent between its pieces): ``done`` of ``total`` steps on
    the way to ``step``; ``problem``: why there is no answer (nothing to replay from)."""

    step: int
    done: int
    total: int
    gen: int = 0
    problem: str | None = None


@dataclass(frozen=True)
class GetCheckpoints:
    """What a session saved at step ``upto`` keeps of the checkpoints (File → Save), answered
    at once with ``SavedCheckpoints`` carrying ``token``."""

    upto: int
    token: int = 0


@dataclass(frozen=True)
class SavedCheckpoints:
    """The answer to ``GetCheckpoints``: the checkpoints up to its step, within the file's
    bound (``Checkpoints.saved``), of the Load ``gen``."""

    token: int
    gen: int
    checkpoints: tuple[SavedCheckpoint, ...]


Command = Load | Train | Configure | EditParameter | Pause | Stop | Quit | SetPlane | Seek | GetCheckpoints


# -- snapshots -----------------------------------------------------------------------------
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
    outputs: np.ndarray | None  # outputs for the first MAX_RESULT_ROWS samples; None: not sent
    data_error: float  # E of the whole data set (computed in full snapshots, else the last one)
    steps_per_second: float
    reason: str | None = None  # why a run ended: "max_steps", "target", "diverged", "stopped"
    diverged_at: int | None = None
    stopped_error: float | None = None  # reason "target": the E below the threshold
    stop_armed: bool = True  # False: E was below stop_error when the run began, so it runs on
    serial: int = 0
    gen: int = 0  # the Load this snapshot's run came from
    # held-out rows and classes (data.test, data.classes); see the module's docstring
    test_errors: tuple = ()  # (step, E of the test rows at the weights after that step) since the last
    test_error: float | None = None  # the latest of them (None: no test rows)
    test_outputs: np.ndarray | None = None  # the first MAX_RESULT_ROWS test rows' outputs (full only)
    scored: bool = False  # a full snapshot: the four below are at this step's weights
    accuracy: float | None = None  # fraction of the training rows classified right (None: n/a)
    test_accuracy: float | None = None  # of the test rows (None: none, or n/a)
    confusion: np.ndarray | None = None  # (k, k) counts on the training rows: true × predicted
    test_confusion: np.ndarray | None = None  # on the test rows
    plane: _plane.Plane | None = None  # the data plane at this step's weights (None: none new)
    velocity: _momentum.Velocity | None = None  # v of momentum after this step (None: α = 0 / zeros)
    # gradient health since the last snapshot: (step n, gradient_health.Health of step n: its
    # rows at the weights after step n − 1), at most every GRADIENT_INTERVAL (see _gradient_point)
    gradients: tuple = ()
    # the answer to a Seek: the past step these weights are of (None: the run's own state),
    # and the settings in force there (η, α, mode, …: what the steps from it used)
    seek: int | None = None
    seek_setup: Setup | None = None


def continues(a: Snapshot, b: Snapshot) -> bool:
    """Do b's errors continue a's, in the same run? A snapshot of a run that was replaced
    (another load) must not lend its step numbers to the new run's errors. The answer to a
    Seek (and its progress) continues nothing: it is not the run's state."""
    if not (isinstance(a, Snapshot) and isinstance(b, Snapshot)) or a.seek is not None or b.seek is not None:
        return False
    if a.gen != b.gen:
        return False
    return a.first_error_step + len(a.errors) == b.first_error_step or not len(b.errors)


def merged(a: Snapshot, b: Snapshot) -> Snapshot:
    """Two snapshots (``continues(a, b)``) as one: b's state with a's errors before its own."""
    scores = {}
    if a.scored and not b.scored:  # b is a light one: a's scores are the latest
        scores = {
            k: getattr(a, k)
            for k in ("scored", "accuracy", "test_accuracy", "confusion", "test_confusion", "test_outputs")
        }
    return replace(
        b,
        outputs=a.outputs if b.outputs is None else b.outputs,
        errors=np.concatenate([a.errors, b.errors]),
        first_error_step=a.first_error_step,
        epoch_errors=a.epoch_errors + b.epoch_errors,
        test_errors=a.test_errors + b.test_errors,
        gradients=a.gradients + b.gradients,
        plane=a.plane if b.plane is None else b.plane,
        **scores,
    )


# -- the engine ----------------------------------------------------------------------------
class TrainingEngine:
    """One document's trainer, driven by commands; ``work()`` runs a chunk of steps."""

    def __init__(self) -> None:
        self.doc: Document | None = None
        self.trainer: Trainer | None = None
        self.state = "idle"
        self.settings: TrainingSettings | None = None  # None: the document's own
        self._rate_t0 = 0.0
        self._rate_n0 = 0
        self._speed_t = time.perf_counter()
        self._speed_n = 0
        self._sps = 0.0
        self._reason: str | None = None
        self._stopped_error: float | None = None
        self._stop_armed = True
        self._serial = 0
        self._data_error = float("nan")  # E of all data at the last full snapshot
        self.gen = 0  # which load the snapshots belong to
        self._scored_doc: Document | None = None  # the document with the trainer's network
        self._test_step: int | None = None  # the step of the last test error
        self._test_error: float | None = None
        self._test_due = 0.0  # perf_counter time of the next test error while running
        self.full_interval = FULL_INTERVAL  # stretched when a full snapshot costs much
        self.plane_spec: _plane.PlaneSpec | None = None  # the data plane asked for (SetPlane)
        self._frame: _plane.Frame | None = None  # its grid for this load (made when first due)
        self._plane_step: int | None = None  # the step of the last plane sent
        self._plane_due = 0.0
        self.plane_cost = 0.0  # seconds the last plane took (benchmarks)
        self.plane_seconds = 0.0  # seconds all planes took since the load (benchmarks)
        self._meter: _health.Meter | None = None  # gradient health of the trainer's network
        self._grad_step: int | None = None  # the trainer's step at the last gradient point
        self._grad_due = 0.0
        self._grad_early: tuple = ()  # a point taken before a chunk, for the next snapshot
        # the run's past, for Seek (bpviz.core.checkpoints); keep_checkpoints False: none
        # taken after chunks (benchmarks compare), the pinned ones still are
        self.checkpoints = Checkpoints()
        self.keep_checkpoints = True
        self.seek_answer: Snapshot | SeekProgress | None = None  # the last Seek's

    def command(self, cmd: Command) -> None:
        match cmd:
            case Load(doc, start, gen, saved):
                self.gen = gen
                self.doc = doc.copy()  # private: the thread backend shares memory with the GUI
                self.settings = None
                if saved:  # a reopened session's history (the start below goes on from it)
                    self.checkpoints.restore(self.doc, saved)
                self._new_trainer(start)
                self.state = "idle"
            case Train(settings):
                self._configure(settings)
                if self.trainer.diverged_at is not None:
                    self._new_trainer(self.trainer.step)
                self.state = "running"
                self._reason = None
                self._stopped_error = None
                self._arm()
                self._rate_t0, self._rate_n0 = time.perf_counter(), self.trainer.step
            case Configure(settings):
                old = self._loaded().settings
                self._configure(settings)
                if old is None or old.stop_error != settings.stop_error:
                    self._arm()
                self._rate_t0, self._rate_n0 = time.perf_counter(), self.trainer.step
            case EditParameter(kind, index, value):
                net = self._loaded().trainer.network
                arr = net.weights[index[0]] if kind == "edge" else net.biases[index[0]]
                arr[tuple(index[1:])] = float(value)
                self.checkpoints.pin(self.trainer)  # the steps from here start from the edit
            case Pause():
                if self.state == "running":
                    self.state = "paused"
            case Stop():
                if self.state in ("running", "paused"):
                    self.state = "idle"
                    self._reason = "stopped"
            case SetPlane(spec):
                if spec != self.plane_spec:
                    self.plane_spec = spec
                    self._frame = None
                    self._plane_step = None
                    self._plane_due = 0.0
            case Seek(step):
                self.seek_answer = self.seek(step)
            case GetCheckpoints(upto, token):
                self.seek_answer = self.saved_checkpoints(upto, token)
            case Quit():
                pass  # the serve loop's business
            case _:
                raise TypeError(f"not an engine command: {cmd!r}")

    def _loaded(self) -> TrainingEngine:
        if self.trainer is None:
            raise RuntimeError("no network loaded (send Load first)")
        return self

    def _new_trainer(self, start: int) -> None:
        doc = self.doc
        # the epoch curve is for online runs over several samples; with one sample every step
        # would cost a second forward pass for nothing
        self.trainer = Trainer(doc, doc.network.copy(), track_epoch_error=doc.n_samples > 1, start_step=start)
        # what classify reads (classes, loss, targets) with the weights being trained
        self._scored_doc = copy.copy(doc)
        self._scored_doc.network = self.trainer.network
        self._test_step = self._test_error = None
        self._test_due = 0.0
        self._frame = None
        self._plane_step = None
        self._plane_due = 0.0
        self.plane_seconds = 0.0
        self._meter = _health.Meter(self.trainer.network)
        self._grad_step = None
        self._grad_due = 0.0
        self._grad_early = ()
        if self.settings is not None:
            self.trainer.learning_rate = self.settings.learning_rate
            self.trainer.set_mode(*self.settings.schedule)
            self.trainer.momentum = self.settings.momentum
        # the history goes on for the same network and data (up to this step), else anew
        self.checkpoints.start(self.trainer, doc)

    def _configure(self, settings: TrainingSettings) -> None:
        """New settings take effect at the next step boundary (between chunks); the order of
        the samples is drawn again only when mode, batch size or seed change."""
        t = self._loaded().trainer
        before = Setup.of(t)
        self.settings = settings
        t.learning_rate = settings.learning_rate
        if settings.momentum != t.momentum:  # (α = 0 drops the velocity: Trainer.momentum)
            t.momentum = settings.momentum
        if settings.schedule != (t.mode, t.batch_size, t.shuffle_seed):
            t.set_mode(*settings.schedule)
        if Setup.of(t) != before:  # the steps from here are computed otherwise: a replay
            self.checkpoints.pin(t)  # must start here (the history repeats the change)

    def _arm(self) -> None:
        """The stop threshold applies to a run unless E is already below it when the run
        begins (a class asked to go on after "learned" sees it go on)."""
        se = self.settings.stop_error if self.settings else None
        self._stop_armed = se is None or not self.trainer.data_error() < se

    # -- work ------------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return self.state == "running"

    def work(self, seconds: float = CHUNK_SECONDS) -> int:
        """Run one chunk of steps; returns how many ran (0 when the speed says wait)."""
        t = self.trainer
        s = self.settings
        max_total = s.max_steps
        left = None if max_total is None else max_total - t.step
        if left is not None and left <= 0:
            self.state, self._reason = "finished", "max_steps"
            return 0
        if s.speed:
            # the first step at once, then one every 1/speed seconds
            allowed = int(s.speed * (time.perf_counter() - self._rate_t0)) + 1 - (t.step - self._rate_n0)
            if allowed <= 0:
                return 0
            left = allowed if left is None else min(left, allowed)
        if self._grad_step is None:  # a load's first chunk: the first step's gradient before it
            self._grad_early = self._gradient_point(time.perf_counter())
        r = t.run(
            max_steps=left,
            seconds=seconds,
            target_error=s.target_error,
            stop_error=s.stop_error if self._stop_armed else None,
        )
        if self.keep_checkpoints and r.steps:
            self.checkpoints.after_chunk(t)
        if r.reason == "diverged":
            self.state, self._reason = "diverged", "diverged"
        elif r.reason == "target":
            self.state, self._reason = "finished", "target"
            self._stopped_error = r.error
        elif max_total is not None and t.step >= max_total:
            # (also when the chunk's time ran out on the last step: the run is done now, and
            # this snapshot is its last, with the end's gradient point)
            self.state, self._reason = "finished", "max_steps"
        return r.steps

    def snapshot(self, full: bool = True) -> Snapshot:
        """The state after the steps so far. ``full`` adds every sample's outputs, E of all
        data, and the accuracy and confusion matrix of the training and test rows (passes
        over the whole data: sent at a lower rate while running); otherwise ``outputs`` is
        None and ``data_error`` is the last full snapshot's. The test error comes at most
        every ``TEST_INTERVAL`` while running (see ``_test_point``)."""
        t = self.trainer
        net = t.network
        now = time.perf_counter()
        if now - self._speed_t >= 0.25:
            self._sps = (t.step - self._speed_n) / (now - self._speed_t)
            self._speed_t, self._speed_n = now, t.step
        if self.state != "running":
            self._sps = 0.0
        # the steps since the last snapshot, which the trainer then forgets: the window keeps
        # the record (bounded, bpviz.gui.error_history), so this process's memory stays flat
        first, errors, epochs = t.drain()
        epochs = tuple(epochs)
        test_points = self._test_point(now)
        plane = self._plane_point(now)
        gradients = self._grad_early + self._gradient_point(now)
        self._grad_early = ()
        outputs = None
        scores: dict = {}
        if full:
            t0 = time.perf_counter()
            outputs, scores = self._full()
            self.full_interval = max(FULL_INTERVAL, (time.perf_counter() - t0) / MAX_SHARE)
        data_error = self._data_error
        self._serial += 1
        return Snapshot(
            state=self.state,
            step=t.step,
            epoch=t.epoch,
            weights=tuple(w.copy() for w in net.weights),
            biases=None if net.biases is None else tuple(b.copy() for b in net.biases),
            errors=errors,
            first_error_step=first,
            epoch_errors=epochs,
            outputs=outputs,
            data_error=data_error,
            steps_per_second=self._sps,
            reason=self._reason,
            diverged_at=t.diverged_at,
            stopped_error=self._stopped_error,
            stop_armed=self._stop_armed,
            serial=self._serial,
            gen=self.gen,
            test_errors=test_points,
            test_error=self._test_error,
            plane=plane,
            velocity=_momentum.copy(t.velocity),
            gradients=gradients,
            **scores,
        )

    def seek(self, step: int, progress=None) -> Snapshot | SeekProgress:
        """The network at past step ``step`` (or the nearest step the checkpoints reach: the
        snapshot's ``seek`` says which), replayed without touching the run; with its outputs
        and scores on the run's rows. ``progress(SeekProgress)`` hears of a long replay.
        A SeekProgress with a ``problem`` when there is nothing to replay from."""
        ck = self.checkpoints
        if self.trainer is None or not len(ck):
            return SeekProgress(step, 0, 0, self.gen, "no run to replay from")

        def told(done: int, total: int) -> None:
            if progress is not None:
                progress(SeekProgress(step, done, total, self.gen))

        c, _ = ck.locate(step)
        t = ck.replay(step, told)
        net = t.network
        outputs, scores = self._full(net)
        return Snapshot(
            state=self.state,
            step=t.step,
            epoch=t.epoch,
            weights=tuple(w.copy() for w in net.weights),
            biases=None if net.biases is None else tuple(b.copy() for b in net.biases),
            errors=np.empty(0),
            first_error_step=t.step + 1,
            epoch_errors=(),
            outputs=outputs,
            steps_per_second=0.0,
            serial=self._serial,
            gen=self.gen,
            velocity=_momentum.copy(t.velocity),
            seek=t.step,
            seek_setup=c.setup,
            **scores,
        )

    def saved_checkpoints(self, upto: int, token: int = 0) -> SavedCheckpoints:
        """The checkpoints a session saved at step ``upto`` keeps (none before a Load)."""
        kept = () if self.trainer is None else tuple(self.checkpoints.saved(upto))
        return SavedCheckpoints(token, self.gen, kept)

    def _test_point(self, now: float) -> tuple:
        """((step, E of the test rows),) when one is due: the step moved on since the last,
        and the run is not running (a pause, the end: the weights the stepper takes) or
        ``TEST_INTERVAL`` has passed, stretched so the passes take at most ``MAX_SHARE`` of
        the time. A value that is not finite is not sent."""
        t = self.trainer
        if not len(t.test_inputs) or t.step == self._test_step:
            return ()
        if self.state == "running" and now < self._test_due:
            return ()
        t0 = time.perf_counter()
        e = t.test_error()
        cost = time.perf_counter() - t0
        self._test_due = now + max(TEST_INTERVAL, cost / MAX_SHARE)
        self._test_step = t.step
        if e is None or not math.isfinite(e):
            self._test_error = None
            return ()
        self._test_error = e
        return ((t.step, e),)

    def _gradient_point(self, now: float) -> tuple:
        """((step n, gradient health of step n),) when one is due: the trainer's step moved
        on since the last (n = that step + 1: the next step's rows at the current weights, the
        pass that step will make), and the run is not running or ``GRADIENT_INTERVAL`` has
        passed, stretched so the passes take at most ``MAX_SHARE`` of the time. Numbers that
        are not finite (the step that diverged) are not sent."""
        t = self.trainer
        if self._meter is None or t.step == self._grad_step:
            return ()
        if self.state == "running" and now < self._grad_due:
            return ()
        t0 = time.perf_counter()
        rows = t.next_rows()  # (the schedule draws as the trainer will: same rows, same order)
        h = self._meter(t.inputs[rows], t.targets[rows])
        cost = time.perf_counter() - t0
        self._grad_due = now + max(GRADIENT_INTERVAL, cost / MAX_SHARE)
        self._grad_step = t.step
        if not (np.isfinite(h.delta).all() and np.isfinite(h.grad).all()):
            return ()
        return ((t.step + 1, h),)

    def _plane_point(self, now: float) -> _plane.Plane | None:
        """The data plane at the current weights when one is asked for and due: the step
        moved on since the last (or the spec changed), and the run is not running or
        ``PLANE_INTERVAL`` has passed, stretched so planes take at most ``MAX_SHARE`` of the
        time."""
        spec = self.plane_spec
        t = self.trainer
        if spec is None or t.step == self._plane_step:
            return None
        if self.state == "running" and now < self._plane_due:
            return None
        t0 = time.perf_counter()
        if self._frame is None:
            self._frame = _plane.frame(self.doc, spec, net=t.network)
        plane = _plane.compute(t.network, self._frame, t.step)
        cost = time.perf_counter() - t0
        self.plane_cost = cost
        self.plane_seconds += cost
        self._plane_due = now + max(PLANE_INTERVAL, cost / MAX_SHARE)
        self._plane_step = t.step
        return plane

    def _full(self, other=None) -> tuple[np.ndarray, dict]:
        """The outputs of the first rows, E of all data, and the scores of a full snapshot;
        ``other``: of another network on the run's rows (a Seek's past weights)."""
        t = self.trainer
        net = t.network if other is None else other
        doc = self._scored_doc
        if other is not None:
            doc = copy.copy(doc)
            doc.network = other
        classed = classify.applies(doc)
        with np.errstate(all="ignore"):
            # one pass over the training rows serves the table and the accuracy
            out = net.outputs(t.inputs if classed else t.inputs[:MAX_RESULT_ROWS])
            outputs = out[:MAX_RESULT_ROWS].copy()
            e = t.data_error() if other is None else float(net.error(t.inputs, t.targets))
            test_out = net.outputs(t.test_inputs) if len(t.test_inputs) else None
        scores: dict = {"scored": True}
        if other is None:
            self._data_error = e if math.isfinite(e) else float("nan")
        else:  # (the run's own E of all data stays the last full snapshot's)
            scores["data_error"] = e if math.isfinite(e) else float("nan")
        if test_out is not None:
            scores["test_outputs"] = test_out[:MAX_RESULT_ROWS].copy()
        if classed:
            scores["accuracy"] = classify.accuracy(doc, out, t.targets)
            scores["confusion"] = classify.confusion(doc, out, t.targets)
            if test_out is not None:
                scores["test_accuracy"] = classify.accuracy(doc, test_out, t.test_targets)
                scores["test_confusion"] = classify.confusion(doc, test_out, t.test_targets)
        return outputs, scores


# -- the serve loop ------------------------------------------------------------------------
class Channel(Protocol):
    """Where commands come from and snapshots go: a multiprocessing Connection, or the
    thread backend's queue."""

    def poll(self, timeout: float) -> bool: ...

    def recv(self) -> Command: ...

    def send(self, snapshot: Snapshot) -> None: ...


def serve(
    channel: Channel,
    chunk_seconds: float = CHUNK_SECONDS,
    idle_wait: float = 0.05,
    engine: TrainingEngine | None = None,
) -> None:
    """The engine's one loop, for both backends: apply every waiting command, run a chunk of
    steps, and send a snapshot after commands, when the state changes, and at most every
    ``SNAPSHOT_INTERVAL`` while running. A snapshot is full (outputs, E of all data) after
    commands and state changes and at most every ``FULL_INTERVAL`` while running; the others
    carry the parameters and errors only (a full snapshot that costs much comes less often:
    ``engine.full_interval``). Returns on ``Quit``. While nothing runs it waits up
    to ``idle_wait`` seconds for a command. A ``Seek`` is answered at once (its progress
    first, when the replay is long), after a snapshot of the commands before it."""
    engine = engine or TrainingEngine()
    last = last_full = 0.0
    while True:
        dirty = False
        timeout = 0.0 if engine.running else idle_wait
        while channel.poll(timeout):
            cmd = channel.recv()
            if isinstance(cmd, Quit):
                return
            if isinstance(cmd, Seek):  # answered at once, after the commands before it
                if dirty and engine.trainer is not None:
                    channel.send(engine.snapshot(True))
                    last = last_full = time.perf_counter()
                    dirty = False
                channel.send(engine.seek(cmd.step, channel.send))
                timeout = 0.0
                continue
            if isinstance(cmd, GetCheckpoints):  # answered at once (File → Save waits for it)
                channel.send(engine.saved_checkpoints(cmd.upto, cmd.token))
                timeout = 0.0
                continue
            engine.command(cmd)
            dirty = True
            timeout = 0.0
        if engine.trainer is None:
            continue
        was = engine.state
        if engine.running:
            if engine.work(chunk_seconds) == 0 and engine.running:
                time.sleep(0.002)  # a set speed is ahead of the clock
            time.sleep(0)  # a thread backend: let the GUI thread take the GIL between chunks
        now = time.perf_counter()
        changed = dirty or engine.state != was
        if changed or (engine.running and now - last >= SNAPSHOT_INTERVAL):
            full = changed or now - last_full >= engine.full_interval
            channel.send(engine.snapshot(full))
            last = now
            if full:
                last_full = now
