"""The document the views observe: the network, the current iteration's phase list, the
current phase, the selection and the display settings. Views subscribe to its signals; they
never compute backprop (the phase list does) and never poll.

Changes worth saving go through setters that push an undo command (session_commands): a
weight, the data, the network, and the training settings η, mode and batch size
(``set_learning_rate``, ``set_mode``: undoable, they mark the document modified and emit
``settingsChanged``). Speed and stop threshold are settings of the window, saved with the
session but not undoable edits (``set_speed``, ``set_stop_error``).

Momentum (``bpviz.core.momentum``): ``set_momentum`` sets α like η (undoable; α = 0 drops the
velocity, undo brings it back). ``velocity`` is v with the weights on screen: ``next`` applies
the step's velocity update, ``previous`` brings back the velocity before that step (the
step-back store keeps it with each state), a run's snapshot brings its own
(``adopt_parameters(velocity=…)``), Reset the file's, and Save writes it (``current_document``).

``scores``: E of all training rows, the accuracy and confusion matrix of the training and
test rows, and the test error, at the weights on screen (:class:`Scores`). While training
they are the training process's (``set_scores`` from each full snapshot, ``scoresChanged``);
otherwise the core computes them when a view first asks after the weights changed, if the
data is small enough to do so on the GUI thread (``GUI_PASS_BUDGET``), else they are None.
The stepper adds a point to the test curve after each update (``history.test_record``).

``plane``: the data plane (``bpviz.core.plane``), the network's output over the plane of two
inputs (``plane_axes``) at the weights on screen. Views that draw it say so
(``set_plane_use``); the session then asks the training process for it (``plane_request``,
``planeRequestChanged``: the controller forwards it), and while training ``plane`` is the
latest the training process sent (``set_live_plane``, ``planeChanged``). Otherwise the session
computes it when a view first asks after the weights changed; at the update phase
``plane_after`` is the plane at the weights after this iteration's update.

A past step of the run on screen (scrubbing the error curve, issue 16): ``view`` puts the
weights of step ``viewing`` on screen (the training controller fetches them: a replay in the
training process, or the step-back store for steps taken by hand) with the η, α and mode in
force there (``learning_rate``, ``momentum`` and the schedule say those while viewing); the
live network waits behind it and ``back_to_live`` brings it back as it was; ``commit_view``
("Train from here") makes the step viewed the live one and discards the history after it.
The error history is never touched while viewing; stepping works from the step viewed (with
a way back of its own, ``viewRequested`` past it); edits of settings are the live run's, an
edited weight waits for the live network, and anything else that changes the network goes
back to live first (``_leave_view``); ``viewingChanged`` tells the views."""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QUndoStack

from bpviz.core import classify
from bpviz.core import momentum as core_momentum
from bpviz.core import plane as core_plane
from bpviz.core import training as core_training
from bpviz.core.fileformat import Document
from bpviz.core.iteration.phases import Phase, Trace, phase_names, trace_step
from bpviz.core.iteration.reveal import Revealed, reveal_index
from bpviz.core.iteration.step_history import StepHistory
from bpviz.core.network import Network
from bpviz.core.training import Schedule, default_speed, default_stop_error
from bpviz.core.training_settings import (
    TrainingSettings,
    check_learning_rate,
    check_mode,
    check_momentum,
    check_speed,
    check_stop_error,
)
from bpviz.gui.error_history import History
from bpviz.gui.gradient_series import GradientSeries
from bpviz.gui.runs import RunList, reinitialised, run_facts
from bpviz.gui.session_commands import EditParameter, ReplaceDocument, SetData, SetMomentum, SetSettings

__all__ = [
    "Session",
    "Selection",
    "History",
    "Scores",
    "EDGE_MODES",
    "SIG_DIGITS",
    "GUI_PASS_BUDGET",
    "KEEP_VELOCITY",
]

KEEP_VELOCITY = object()  # adopt_parameters: the session's velocity stays as it is

EDGE_MODES = ("weight", "grad", "delta_w")  # what edges show: w, ∂E/∂w, Δw = −η·∂E/∂w
SIG_DIGITS = (3, 4, 5, 6)  # the canvas's choices of significant figures (View menu)
# rows × weights the GUI thread may pass through the network for the scores and a test point
# after a hand step (~10 ms); larger data is scored by the training process only
GUI_PASS_BUDGET = 20_000_000


@dataclass(frozen=True)
class Scores:
    """How the network does at one step's weights: E of all training rows, and where
    accuracy applies (bpviz.core.classify) the fraction classified right and the confusion
    matrix (rows: true class, columns: predicted) of the training and of the test rows; the
    test error on a step's scale (core ``training.test_error``). None: does not apply / no
    test rows."""

    step: int
    error: float | None = None
    accuracy: float | None = None
    test_accuracy: float | None = None
    test_error: float | None = None
    confusion: np.ndarray | None = None
    test_confusion: np.ndarray | None = None


@dataclass(frozen=True)
class Selection:
    """A neuron [layer k, i], an edge [weight layer j, row, col] or a bias [j, i]."""

    kind: str  # "neuron", "edge", "bias"
    index: tuple[int, ...]


@dataclass
class _Live:
    """The live network behind a past step on screen (``Session.view``)."""

    weights: list
    biases: list | None
    velocity: object
    step: int
    phase: int
    trace: object
    steps_back: StepHistory
    sample_choice: int | None
    display_sample: int
    new_schedule: bool = False  # the document's mode changed meanwhile (views rebuild)


class Session(QObject):
    documentChanged = Signal()  # a new network structure: views rebuild
    traceChanged = Signal()  # a new iteration (new values): views refresh
    phaseChanged = Signal(int)
    selectionChanged = Signal()
    displayChanged = Signal()  # edge mode, decimals, significant figures, sample shown
    modifiedChanged = Signal(bool)
    historyChanged = Signal()
    trainingChanged = Signal(bool)
    parameterEdited = Signal(str, tuple, float)  # kind, index, value: for a running trainer
    settingsChanged = Signal()  # η, mode, batch size, speed or stop threshold
    stepRefused = Signal(str)  # why next() did not apply an update
    scoresChanged = Signal()  # the training process sent new scores (see ``scores``)
    planeChanged = Signal()  # a new data plane to draw: the run's, or new axes (see ``plane``)
    planeRequestChanged = Signal()  # what the training process should send (``plane_request``)
    viewingChanged = Signal()  # a past step on screen, another one, or the live network again
    viewRequested = Signal(int, int)  # step, phase: the stepper went back past what it holds
    secondSelectionChanged = Signal()  # the loss landscape's second parameter (Ctrl+click)

    def __init__(self, doc: Document, source: str = "", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.edge_mode = "weight"
        self.decimals = 9  # the inspector's: 9 as seed 004 prints, or 4 as seed 003 rounds
        self.sig_digits = 4  # the canvas's significant figures (SIG_DIGITS)
        self.zoom = 1.0  # font zoom: every size and font follows it
        self.theme = "light"
        self.show_weight_labels = True
        self.show_legend = False  # the colour key on the canvas (View → Legend, export --legend)
        self.selection: Selection | None = None
        self.undo_stack = QUndoStack(self)
        self.undo_stack.cleanChanged.connect(self._on_clean_changed)
        self._trained = False  # weights changed by training since the last save or load
        self.generation = 0  # counts up with each new network or new data (not settings)
        self._scores: Scores | None = None
        self._scores_key: tuple | None = None  # the weights they are of (None: a live run's)
        self.plane_axes: core_plane.PlaneSpec | None = None  # set per document in _set_doc
        self._plane_users: set[str] = set()  # the views that draw planes now
        self._live_plane: core_plane.Plane | None = None  # the training process's latest
        self._planes: dict = {}  # computed planes by the weights and spec they are of
        self._frame_key: tuple | None = None
        self._frame: core_plane.Frame | None = None
        # earlier runs of this network, to compare (runs.py): kept on Reset, new weights or a
        # new network; opening another file starts a new list
        self.runs = RunList(self)
        self._set_doc(doc, source)
        self._training_defaults(doc)
        self.gradients = GradientSeries(self)  # each layer's gradient health (gradient_series.py)
        self.settingsChanged.connect(self._note_run)
        self._note_run()

    # -- document --------------------------------------------------------------------------
    def _set_doc(self, doc: Document, source: str) -> None:
        self.doc = doc
        self.generation += 1
        self.source = source  # a preset name or a file path
        self.network: Network = doc.network.copy()
        self.step = 0  # updates applied since the file's weights
        self.sample_choice: int | None = None  # None: the mode's own next sample
        self.display_sample = 0  # which row of the step the canvas shows (batch mode)
        # a past step of the run on screen (scrubbing: ``view``); None: the live network
        self.viewing: int | None = None
        self._live: _Live | None = None  # the live network behind it
        self._view_setup = None  # the settings in force at the step viewed (None: the document's)
        self.live_serial = getattr(self, "live_serial", 0) + 1  # counts returns to live
        # the way back through past iterations: parameters within a memory budget, older
        # ones replayed from checkpoints (bit for bit); each step keeps its rows, η and α, and
        # with momentum the velocity before it
        self._steps_back = StepHistory(self._advance, velocity=True)
        # v of gradient descent with momentum with the weights on screen (the stepper's, a
        # run's adopted); None while α = 0 or before the first step (zeros)
        self.velocity: core_momentum.Velocity | None = (
            core_momentum.copy(doc.velocity) if doc.momentum else None
        )
        self.history = History()
        self.training = False
        sess = doc.session or {}
        if sess.get("error_history"):
            self.history.extend(1, sess["error_history"])
        self.step = int(sess.get("step", 0))  # a saved session resumes where it was
        self._schedule = Schedule(doc.n_samples, doc.mode, doc.batch_size, doc.shuffle_seed)
        self.selection = None
        self.second_selection: Selection | None = None  # the loss landscape's second parameter
        self.names = phase_names(self.network)
        self.phase_index = max(0, min(int(sess.get("phase", 0)), len(self.names) - 1))
        self.trace_serial = 0
        self.trace = self._make_trace()
        self._add_test_point()
        self.plane_axes = core_plane.default_spec(doc)  # (another network: its own default)
        self._live_plane = None

    def load(self, doc: Document, source: str = "") -> None:
        self.runs.clear()  # another network: a new list of runs
        self._set_doc(doc, source)
        self._training_defaults(doc)
        self.undo_stack.clear()
        self._trained = False
        self.modifiedChanged.emit(False)
        self.documentChanged.emit()
        self.traceChanged.emit()
        self.phaseChanged.emit(self.phase_index)
        self.selectionChanged.emit()
        self.settingsChanged.emit()

    def _training_defaults(self, doc: Document) -> None:
        """How the window trains a newly opened file: steps per second (None: full speed)
        and the stop threshold (None: no stop). Settings, not undoable edits: the training
        dock changes them, Save writes them ("speed", session.stop_error)."""
        self.speed: float | None = default_speed(doc)
        self.stop_error: float | None = default_stop_error(doc)

    # -- changes that are worth saving, with undo --------------------------------------------
    @property
    def modified(self) -> bool:
        return self._trained or not self.undo_stack.isClean()

    def _on_clean_changed(self, clean: bool) -> None:
        self.modifiedChanged.emit(self._trained or not clean)

    def mark_trained(self) -> None:
        if not self._trained:
            self._trained = True
            self.modifiedChanged.emit(True)

    def mark_saved(self, source: str) -> None:
        self.source = source
        self._trained = False
        self.undo_stack.setClean()
        self.modifiedChanged.emit(False)

    def edit_parameter(self, kind: str, index: tuple, value: float) -> None:
        """Set one weight (kind "edge", index (j, r, c)) or bias ("bias", (j, i)); undoable.
        The stepper restarts the iteration from the new value."""
        value = float(value)
        if not np.isfinite(value):
            raise ValueError("a weight must be a finite number")
        if self.viewing is not None:  # (a weight of the past is not the run's to change)
            self.stepRefused.emit(
                f"Step {self.viewing:,} of the run is on screen: Esc goes back to the live "
                "network, Train from here goes on from this step; then edit the weight."
            )
            return
        arr = self._param_array(kind, index)
        old = float(arr[index[1:]])
        if old != value:
            self.undo_stack.push(EditParameter(self, kind, index, old, value))

    def _param_array(self, kind: str, index: tuple) -> np.ndarray:
        if kind == "edge":
            return self.network.weights[index[0]]
        if kind == "bias" and self.network.biases is not None:
            return self.network.biases[index[0]]
        raise ValueError(f"no {kind} at {index}")

    def _set_parameter(self, kind: str, index: tuple, value: float) -> None:
        self._leave_view()  # (an undo or redo while a past step is on screen)
        self._param_array(kind, index)[index[1:]] = value
        self.parameterEdited.emit(kind, tuple(index), value)
        self.adopt_parameters(
            self.network.weights,
            self.network.biases,
            self.step,
            forget_after=not self.training,
            keep_phase=True,
        )

    def set_data(self, inputs, targets, text: str = "Change the data") -> None:
        """Replace the samples (undoable); the sample chooser and the iteration follow."""
        inputs = np.array(inputs, dtype=float, ndmin=2)
        targets = np.array(targets, dtype=float, ndmin=2)
        net = self.network
        if (
            inputs.shape[0] < 1
            or inputs.shape[0] != targets.shape[0]
            or inputs.shape[1] != net.n_raw
            or targets.shape[1] != net.sizes[-1]
        ):
            raise ValueError(
                f"expected rows of {net.n_raw} inputs and {net.sizes[-1]} targets, one row per sample"
            )
        if not (np.isfinite(inputs).all() and np.isfinite(targets).all()):
            raise ValueError("every input and target must be a finite number")
        self.undo_stack.push(
            SetData(self, (self.doc.inputs.copy(), self.doc.targets.copy()), (inputs, targets), text)
        )

    def _apply_data(self, inputs, targets) -> None:
        self._leave_view()
        d = self.doc
        d.inputs, d.targets = inputs.copy(), targets.copy()
        self.generation += 1
        if d.batch_size is not None and d.batch_size > d.n_samples:
            d.batch_size = d.n_samples
        self._schedule = Schedule(d.n_samples, d.mode, d.batch_size, d.shuffle_seed)
        if self.sample_choice is not None and self.sample_choice >= d.n_samples:
            self.sample_choice = None
        self.display_sample = 0
        self.adopt_parameters(self.network.weights, self.network.biases, self.step)
        self.documentChanged.emit()

    def replace_document(self, doc: Document, text: str = "Change the network") -> None:
        """A new network or new settings for this one (undoable), from the network dialog.
        Undo brings back the old network with its file weights, progress and history."""
        self._leave_view()  # (the live network is the one undo brings back)
        self.undo_stack.push(ReplaceDocument(self, self._state(), (doc.copy(),), text))

    def _state(self) -> tuple:
        h = self.history
        return (
            self.doc.copy(),
            self.network.copy(),
            self.step,
            self.phase_index,
            h.copy(),  # the bounded record itself (old steps' envelopes kept, ~5 MB at most)
            core_momentum.copy(self.velocity),
        )

    def _apply_document(self, state: tuple) -> None:
        self._leave_view()
        source = self.source
        if len(state) == 1:  # a new document: the run so far stays on the plot, faint
            self.runs.archive(self.history, run_facts(self.doc), "network")
        self._set_doc(state[0].copy(), source)
        if len(state) > 1:  # the state an undo brings back
            doc, net, step, phase, history, velocity = state
            self.network.set_parameters(net.weights, net.biases)
            self.velocity = core_momentum.copy(velocity)
            self.step = step
            self.history = history.copy()
            self.runs.restored(self.history)  # (its run is the live one again)
            self.trace = self._make_trace()
            self.phase_index = phase
        self.documentChanged.emit()
        self.traceChanged.emit()
        self.phaseChanged.emit(self.phase_index)
        self.selectionChanged.emit()
        self.historyChanged.emit()
        self.settingsChanged.emit()

    # -- training settings -----------------------------------------------------------------
    @property
    def learning_rate(self) -> float:
        """η of the iteration on screen: the document's, or at a past step on screen the η
        in force there."""
        v = self._view_setup
        return self.doc.learning_rate if v is None else v.learning_rate

    def set_learning_rate(self, value: float) -> None:
        """η for the stepper's update and for training (undoable; ValueError when it is not
        a finite number > 0)."""
        v = check_learning_rate(value)
        d = self.doc
        if v != d.learning_rate:
            self.undo_stack.push(
                SetSettings(
                    self,
                    (d.learning_rate, d.mode, d.batch_size),
                    (v, d.mode, d.batch_size),
                    f"Set η to {v:g}",
                )
            )

    @property
    def momentum(self) -> float:
        """α of the update v ← α·v + ∂E/∂w, w ← w − η·v (0: plain gradient descent); at a
        past step on screen the α in force there."""
        v = self._view_setup
        return self.doc.momentum if v is None else v.momentum

    def set_momentum(self, value: float) -> None:
        """α for the stepper's update and for training (undoable; ValueError when it is not
        a finite number with 0 ≤ α < 1). The velocity goes on from where it is; α = 0 drops
        it (undo brings it back)."""
        a = check_momentum(value)
        d = self.doc
        if a != d.momentum:
            old = (d.momentum, core_momentum.copy(self.velocity))
            new = (a, core_momentum.copy(self.velocity) if a else None)
            self.undo_stack.push(SetMomentum(self, old, new, f"Set momentum α to {a:g}"))

    def _apply_momentum(self, alpha: float, velocity) -> None:
        if self._live is not None:  # a past step on screen: α is the live run's (and Train
            self.doc.momentum = alpha  # from here's); the step viewed keeps its own
            self._live.velocity = core_momentum.copy(velocity) if alpha else None
            self._live.trace = None  # (its iteration is taken again on the way back)
            self.settingsChanged.emit()
            return
        self.doc.momentum = alpha
        # the iteration is taken again (a running trainer takes α at its next step)
        self.adopt_parameters(
            self.network.weights,
            self.network.biases,
            self.step,
            forget_after=not self.training,
            keep_phase=True,
            velocity=velocity,
        )
        self.settingsChanged.emit()

    def set_mode(self, mode: str, batch_size: int | None = None) -> None:
        """How steps pick their samples: online, batch, or minibatch with a batch size
        (undoable; ValueError for an invalid pair). The current iteration is taken again."""
        mode, batch_size = check_mode(mode, batch_size, self.doc.n_samples)
        d = self.doc
        if (mode, batch_size) == (d.mode, d.batch_size if d.mode == "minibatch" else None):
            return
        text = f"Set mode to {mode}" + (f" (batch {batch_size})" if batch_size else "")
        self.undo_stack.push(
            SetSettings(
                self, (d.learning_rate, d.mode, d.batch_size), (d.learning_rate, mode, batch_size), text
            )
        )

    def _apply_settings(self, learning_rate: float, mode: str, batch_size: int | None) -> None:
        d = self.doc
        new_schedule = (mode, batch_size) != (d.mode, d.batch_size)
        d.learning_rate, d.mode, d.batch_size = learning_rate, mode, batch_size
        if self._live is not None:  # a past step on screen: the settings are the live run's
            live = self._live  # (and Train from here's); the step viewed keeps its own
            live.trace = None  # (its iteration is taken again on the way back)
            if new_schedule:
                live.new_schedule, live.sample_choice, live.phase = True, None, 0
            self.settingsChanged.emit()
            return
        if new_schedule:
            self._schedule = Schedule(d.n_samples, mode, batch_size, d.shuffle_seed)
            self.sample_choice = None
        # the iteration is taken again (a running trainer adds to the error history on)
        self.adopt_parameters(
            self.network.weights,
            self.network.biases,
            self.step,
            forget_after=not self.training,
            keep_phase=not new_schedule,
        )
        self.settingsChanged.emit()
        if new_schedule:
            self.documentChanged.emit()  # the views that list samples by mode rebuild

    def set_speed(self, steps_per_second: float | None) -> None:
        """Training speed in steps per second (None: full speed). A setting of the window,
        saved with the session, not an undoable edit."""
        v = check_speed(steps_per_second)
        if v != self.speed:
            self.speed = v
            self.settingsChanged.emit()

    def set_stop_error(self, threshold: float | None) -> None:
        """Stop a run once E of all samples is below this (None: never). Saved with the
        session, not an undoable edit."""
        v = check_stop_error(threshold)
        if v != self.stop_error:
            self.stop_error = v
            self.settingsChanged.emit()

    def training_settings(self, **run) -> TrainingSettings:
        """The settings a run uses now; ``run`` adds its limits (max_steps, target_error)."""
        return TrainingSettings.of(self.doc, speed=self.speed, stop_error=self.stop_error, **run)

    # -- the iteration -----------------------------------------------------------------------
    @property
    def steps_per_epoch(self) -> int:
        """Steps in one pass over the data, in the document's mode."""
        return self._schedule.steps_per_epoch

    def _advance(self, step: int, weights, biases, context, velocity=None) -> tuple:
        """One straight step from the parameters (and velocity) before step ``step``'s update
        (what ``next`` did), for the step-back store to replay a state it did not keep."""
        rows, lr, alpha = context
        net = self.network.copy()
        net.set_parameters(weights, biases)
        tr = trace_step(
            self.doc, list(rows), network=net, learning_rate=lr, momentum=alpha, velocity=velocity
        )
        return tr.weights_after, tr.biases_after, tr.velocity_after

    def rows_for_step(self, step: int) -> list[int]:
        if self.sample_choice is not None and self.doc.mode == "online":
            return [self.sample_choice]
        return [int(r) for r in self._schedule.rows(step)]

    def _make_trace(self) -> Trace:
        rows = self.rows_for_step(self.step)
        tr = trace_step(
            self.doc,
            rows,
            network=self.network,
            learning_rate=self.learning_rate,
            momentum=self.momentum,
            velocity=self.velocity,
        )
        self.display_sample = min(self.display_sample, len(rows) - 1)
        return tr

    @property
    def trace(self) -> Trace:
        """The current iteration's trace, built when a view first asks for it (adopting a
        training snapshot only marks it stale: views that do not look cost nothing)."""
        if self._trace is None:
            self._trace = self._make_trace()
        return self._trace

    @trace.setter
    def trace(self, tr: Trace | None) -> None:
        self._trace = tr
        self.trace_serial += 1  # which iteration (built or not yet)

    @property
    def phases(self) -> list[Phase]:
        return self.trace.phases

    @property
    def phase(self) -> Phase:
        return self.trace.phases[self.phase_index]

    @property
    def last_index(self) -> int:
        return len(self.names) - 1

    @property
    def revealed(self) -> Revealed:
        """What the current phase has revealed: ``revealed.known("delta", k)``."""
        tr = self.trace
        if getattr(self, "_reveal_for", None) is not tr:  # one index per iteration's list
            self._reveal_for, self._reveal_at = tr, reveal_index(tr.phases)
        return Revealed(tr.phases, self.phase_index, self._reveal_at)

    def reached(self, name: str) -> bool:
        """Has the stepper revealed phase ``name`` of this iteration yet?"""
        return self.names.index(name) <= self.phase_index

    def set_phase(self, i: int) -> None:
        i = max(0, min(self.last_index, int(i)))
        if i != self.phase_index:
            self.phase_index = i
            self.phaseChanged.emit(i)

    def next(self) -> None:
        """Next phase; after the update, the update is applied and the next iteration begins."""
        if self.phase_index < self.last_index:
            self.set_phase(self.phase_index + 1)
            return
        tr = self.trace
        after = list(tr.weights_after) + list(tr.biases_after or [])
        if not (np.isfinite(tr.error) and all(np.isfinite(a).all() for a in after)):
            self.stepRefused.emit(
                "This update gives values that are not finite (an overflow), so it is not "
                "applied: try a smaller learning rate, or undo the last edit."
            )
            return
        self._steps_back.push(
            self.step,
            self.network.weights,
            self.network.biases,
            (tuple(tr.samples), tr.learning_rate, tr.momentum),
            self.velocity,
        )
        if self.viewing is None:  # (a past step on screen: the run's record stays as it is)
            self.history.extend(self.step + 1, [tr.error])
            self.gradients.add_trace(self.step + 1, tr)
        self.network.set_parameters(tr.weights_after, tr.biases_after)
        self.velocity = core_momentum.copy(tr.velocity_after)  # (None: α = 0)
        self.step += 1
        if self.viewing is None:
            self._add_test_point()
        else:
            self.viewing = self.step
        self.trace = self._make_trace()
        self.phase_index = 0
        self.traceChanged.emit()
        self.phaseChanged.emit(0)
        self.historyChanged.emit()
        if self.viewing is not None:
            self.viewingChanged.emit()

    def previous(self) -> None:
        """Previous phase; from the first phase, back to the last phase of the iteration before
        (its update undone)."""
        if self.phase_index > 0:
            self.set_phase(self.phase_index - 1)
            return
        if self.viewing is not None and not self._steps_back:
            if self.step > 0:  # (the controller fetches it: a replay or the live stepper's)
                self.viewRequested.emit(self.step - 1, self.last_index)
            return
        st = self._steps_back.pop()
        if st is None:
            return
        rows, lr, alpha = st.context
        if self.viewing is None:
            self.history.set_length(st.step)
        self.network.set_parameters(st.weights, st.biases)
        self.velocity = core_momentum.copy(st.velocity)  # the velocity before that step
        self.step = st.step
        if self.viewing is not None:
            self.viewing = st.step
        self.trace = trace_step(
            self.doc,
            list(rows),
            network=self.network,
            learning_rate=lr,
            momentum=alpha,
            velocity=self.velocity,
        )
        self.display_sample = min(self.display_sample, len(rows) - 1)
        self.phase_index = self.last_index
        self.traceChanged.emit()
        self.phaseChanged.emit(self.phase_index)
        self.historyChanged.emit()
        if self.viewing is not None:
            self.viewingChanged.emit()

    def can_go_back(self) -> bool:
        return self.phase_index > 0 or bool(self._steps_back) or bool(self.viewing)

    def first(self) -> None:
        self.set_phase(0)

    def last(self) -> None:
        self.set_phase(self.last_index)

    def set_sample_choice(self, sample: int | None) -> None:
        """The sample an online iteration uses (None: the next one in order); in batch mode,
        the sample whose values the canvas shows."""
        if self.doc.mode == "online":
            self.sample_choice = sample
            self.trace = self._make_trace()
            self.traceChanged.emit()
            self.phaseChanged.emit(self.phase_index)
        else:
            rows = self.trace.samples
            self.display_sample = rows.index(sample) if sample in rows else 0
            self.displayChanged.emit()

    def adopt_parameters(
        self,
        weights,
        biases,
        step: int,
        forget_after: bool = True,
        keep_phase: bool = False,
        velocity=KEEP_VELOCITY,
    ) -> None:
        """Take new parameters (from training or an edit) and start the iteration there (at
        its first phase, or at the same phase for an edit); the error history after ``step``
        is forgotten unless training is still adding to it. The iteration's trace is built
        only when a view reads it. ``velocity``: momentum's v that goes with the weights (a
        run's snapshot; None: zeros); by default the session's stays (an edit, new settings).
        They are the live network's: a past step on screen gives way first."""
        self._leave_view()
        self.network.set_parameters(weights, biases)
        if velocity is not KEEP_VELOCITY:
            self.velocity = core_momentum.copy(velocity) if self.momentum else None
        self.step = step
        self._steps_back.clear()
        if forget_after:
            self.history.set_length(step)
            if not self.training:  # (a run's test points come from the training process)
                self._add_test_point()
        self.trace = None  # built when a view reads it (see ``trace``)
        self.phase_index = self.phase_index if keep_phase else 0
        self.traceChanged.emit()
        self.phaseChanged.emit(self.phase_index)

    def reset(self) -> None:
        """Back to the file's weights; the error history is cleared, its curve kept in
        ``runs`` to compare with the next run."""
        self._leave_view()
        self.runs.archive(self.history, run_facts(self.doc))
        self.history.clear()
        self.adopt_parameters(
            self.doc.network.weights, self.doc.network.biases, 0, velocity=self.doc.velocity
        )  # (the file's velocity goes with the file's weights)
        self._note_run()
        self.historyChanged.emit()

    def _note_run(self) -> None:
        """Tell the run list the settings now (the start of the run before its first step)."""
        self.runs.note(run_facts(self.doc), self.history.n)

    def reinitialise(
        self, seed: int | None = None, scheme: str | None = None, scale: float | None = None
    ) -> str:
        """New start weights from ``seed`` (None: a new one) with the file's init scheme, or
        uniform ±0.5 (``runs.reinitialised``), as one undoable step; Reset goes back to them.
        Returns the sentence for the status bar. ValueError for a bad seed, scheme or scale."""
        doc, text = reinitialised(self.doc, seed, scheme, scale)
        self.replace_document(doc, f"Re-initialise weights (seed {doc.init['seed']})")
        return text

    # -- a past step on screen (scrubbing the error curve) ----------------------------------------
    @property
    def live_step(self) -> int:
        """The step of the live network: the one on screen, or behind a past step viewed."""
        return self.step if self._live is None else self._live.step

    def past_state(self, step: int):
        """The live stepper's own state before step ``step`` + 1 (steps taken by hand since
        the last run: the step-back store's; ``State``), or None when it does not hold it."""
        sb = self._steps_back if self._live is None else self._live.steps_back
        if sb.last_step is None or not sb.first_step <= step <= sb.last_step:
            return None
        return sb.state_at(step)

    def view(self, step: int, weights, biases, setup=None, velocity=None, phase=None, rows=None) -> None:
        """Show past step ``step`` of the run: its weights (and momentum's v) with the
        settings in force there (``setup``, a ``core.checkpoints.Setup``; None: the
        document's), at phase ``phase`` (None: the same phase); ``rows``: the rows its
        iteration used (a step taken by hand). The live network waits behind it
        (``back_to_live``); the error history is untouched, and stepping works from here
        with a way back of its own."""
        if self._live is None:
            self._live = _Live(
                [w.copy() for w in self.network.weights],
                None if self.network.biases is None else [b.copy() for b in self.network.biases],
                core_momentum.copy(self.velocity),
                self.step,
                self.phase_index,
                self._trace,
                self._steps_back,
                self.sample_choice,
                self.display_sample,
            )
            self._steps_back = StepHistory(self._advance, velocity=True)
        else:
            self._steps_back.clear()
        self._view_setup = setup
        d = self.doc
        if setup is None:
            sched = (d.mode, d.batch_size, d.shuffle_seed)
        else:
            sched = (setup.mode, setup.batch_size, setup.shuffle_seed)
        self._schedule = Schedule(d.n_samples, *sched)
        self.network.set_parameters(weights, biases)
        self.velocity = core_momentum.copy(velocity) if self.momentum else None
        self.step = self.viewing = int(step)
        one = rows is not None and len(rows) == 1 and sched[0] == "online"
        self.sample_choice = int(rows[0]) if one else None  # (the row a hand step chose)
        self.display_sample = 0
        self.trace = None  # built when a view reads it
        if phase is not None:
            self.phase_index = max(0, min(int(phase), self.last_index))
        self.traceChanged.emit()
        self.phaseChanged.emit(self.phase_index)
        self.viewingChanged.emit()

    def request_view(self, step: int, phase: int | None = None) -> None:
        """A view asks for past step ``step`` (at ``phase``; None: the same phase): the
        training controller fetches it (``viewRequested``) and puts it on screen."""
        self.viewRequested.emit(int(step), -1 if phase is None else int(phase))

    def back_to_live(self) -> None:
        """Back from a past step to the live network, as it was (Esc); a past step asked
        for and not here yet will not come."""
        self.live_serial += 1
        live = self._live
        if live is None:
            return
        self._end_view()
        self.network.set_parameters(live.weights, live.biases)
        self.velocity = live.velocity
        self.step = live.step
        self._steps_back = live.steps_back
        self.sample_choice, self.display_sample = live.sample_choice, live.display_sample
        self.trace = live.trace  # (None: built when a view reads it)
        self.phase_index = live.phase
        self.traceChanged.emit()
        self.phaseChanged.emit(self.phase_index)
        self.viewingChanged.emit()
        if live.new_schedule:
            self.documentChanged.emit()  # the views that list samples by mode rebuild

    def commit_view(self) -> int | None:
        """Train from here: the past step on screen becomes the live network and the error
        history after it is discarded (the steps after it are gone). Returns the step (None:
        no past step was on screen). The document's settings apply from here."""
        step = self.viewing
        if step is None:
            return None
        new_schedule = self._live.new_schedule
        self._end_view()
        self.sample_choice = None
        if not self.momentum:
            self.velocity = None
        self.history.set_length(step)
        self._add_test_point()
        self.trace = None
        self.mark_trained()
        self.traceChanged.emit()
        self.phaseChanged.emit(self.phase_index)
        self.historyChanged.emit()
        self.viewingChanged.emit()
        if new_schedule:
            self.documentChanged.emit()
        return step

    def _end_view(self) -> None:
        """No past step on screen any more: the document's settings again."""
        self._live = None
        self.viewing = None
        self._view_setup = None
        self.live_serial += 1
        d = self.doc
        self._schedule = Schedule(d.n_samples, d.mode, d.batch_size, d.shuffle_seed)

    def _leave_view(self) -> None:
        """An edit, new settings or data, a run's weights: they are the live network's, so a
        past step on screen gives way to it first."""
        if self._live is not None:
            self.back_to_live()

    # -- scores: accuracy, confusion, test error -------------------------------------------------
    def _cheap(self, rows: int) -> bool:
        """May the GUI thread pass ``rows`` rows through the network (GUI_PASS_BUDGET)?"""
        return rows * sum(w.size for w in self.network.weights) <= GUI_PASS_BUDGET

    def _scored_document(self) -> Document:
        """The document with the weights on screen: what core classify and training read."""
        doc = copy.copy(self.doc)
        doc.network = self.network
        return doc

    def _add_test_point(self) -> None:
        """The test error at the weights on screen, at this step, on the test curve (when
        the data has test rows and they are few enough for the GUI thread)."""
        d = self.doc
        if not d.n_test or not self._cheap(d.n_test):
            return
        e = core_training.test_error(self._scored_document(), self.network)
        if e is not None and math.isfinite(e):
            self.history.add_test([(self.step, e)])

    @property
    def scores(self) -> Scores | None:
        """The scores of the weights on screen (see the module's docstring); while training,
        the latest the training process sent."""
        if self.training:
            return self._scores
        key = (self.generation, self.trace_serial)
        if self._scores_key != key:
            self._scores_key = key
            d = self.doc
            self._scores = self._measure() if self._cheap(d.n_samples + d.n_test) else None
        return self._scores

    def _measure(self) -> Scores:
        doc = self._scored_document()
        net = self.network
        acc = test_acc = conf = test_conf = None
        with np.errstate(all="ignore"):
            error = float(net.error(doc.inputs, doc.targets))
            test_error = core_training.test_error(doc, net) if doc.n_test else None
            if classify.applies(doc):
                out = net.outputs(doc.inputs)
                acc = classify.accuracy(doc, out, doc.targets)
                conf = classify.confusion(doc, out, doc.targets)
                if doc.n_test:
                    test_out = net.outputs(doc.test_inputs)
                    test_acc = classify.accuracy(doc, test_out, doc.test_targets)
                    test_conf = classify.confusion(doc, test_out, doc.test_targets)
        return Scores(
            self.step,
            error if math.isfinite(error) else None,
            acc,
            test_acc,
            test_error if test_error is not None and math.isfinite(test_error) else None,
            conf,
            test_conf,
        )

    def set_scores(self, scores: Scores, current: bool = False) -> None:
        """Scores the training process computed: of the run (``current`` False: while it
        runs) or of the weights on screen now (the end of a run, adopted)."""
        self._scores = scores
        self._scores_key = (self.generation, self.trace_serial) if current else None
        self.scoresChanged.emit()

    def set_training(self, on: bool) -> None:
        if on != self.training:
            self.training = on
            if on:
                self._live_plane = None  # the run's planes come from the training process
            self.trainingChanged.emit(on)

    # -- the data plane ----------------------------------------------------------------------
    @property
    def plane_request(self) -> core_plane.PlaneSpec | None:
        """The plane the training process should send with its snapshots: the axes, with
        every neuron's grid when a view draws those ("neurons"); None when no view draws a
        plane (then nothing is computed for it)."""
        if not self._plane_users:
            return None
        return replace(self.plane_axes, neurons="neurons" in self._plane_users)

    def set_plane_use(self, who: str, on: bool) -> None:
        """A view starts (``on``) or stops drawing planes: "plane" (the data plane) or
        "neurons" (per-neuron heatmaps, which need every neuron's grid)."""
        before = self.plane_request
        (self._plane_users.add if on else self._plane_users.discard)(who)
        if self.plane_request != before:
            self.planeRequestChanged.emit()

    def set_plane_axes(self, x: int, y: int | None) -> None:
        """The raw inputs (0-based) across and up the plane; ``y`` None: the function curve
        of ``x``. A pair that does not fit the data gives the default."""
        spec = core_plane.fit_spec(core_plane.PlaneSpec(x, y, self.plane_axes.resolution), self.network)
        if spec != self.plane_axes:
            self.plane_axes = spec
            self._live_plane = None
            self.planeRequestChanged.emit()
            self.planeChanged.emit()

    def set_live_plane(self, plane: core_plane.Plane) -> None:
        """A plane the training process computed while it runs (the controller's)."""
        self._live_plane = plane
        self.planeChanged.emit()

    @property
    def plane_frame(self) -> core_plane.Frame:
        """The grid of the current axes over the document's data (made once per data and
        axes)."""
        spec = self.plane_request or self.plane_axes
        key = (self.generation, spec)
        if self._frame_key != key or self._frame is None:
            self._frame = core_plane.frame(self.doc, spec, net=self.network)
            self._frame_key = key
            self._planes.clear()
        return self._frame

    def _plane_at(self, tag: str, network, step: int) -> core_plane.Plane:
        """The plane of ``network()`` (called only when not yet computed for these weights)."""
        fr = self.plane_frame
        key = (tag, self.generation, self.trace_serial, fr.spec)
        pl = self._planes.get(key)
        if pl is None:
            if len(self._planes) > 8:
                self._planes.clear()
            pl = self._planes[key] = core_plane.compute(network(), fr, step)
        return pl

    @property
    def plane(self) -> core_plane.Plane | None:
        """The data plane at the weights on screen: the stepper's (before this iteration's
        update), computed by the core when first asked after the weights changed; while
        training the latest plane the training process sent (None until one came)."""
        if self.training:
            return self._live_plane
        return self._plane_at("now", lambda: self.network, self.step)

    @property
    def plane_after(self) -> core_plane.Plane | None:
        """At the update phase, the plane at the weights after this iteration's update (the
        view draws the boundary before it dashed); None at other phases and while training."""
        if self.training or self.phase_index != self.last_index:
            return None

        def after() -> Network:
            tr = self.trace
            net = self.network.copy()
            net.set_parameters(tr.weights_after, tr.biases_after)
            return net

        return self._plane_at("after", after, self.step + 1)

    def current_document(self) -> Document:
        """The document as it stands: current weights, settings and data."""
        doc = self.doc.copy()
        doc.network = self.network.copy()
        doc.velocity = core_momentum.copy(self.velocity)  # momentum's v goes with the weights
        doc.session = None  # the caller says what progress goes with it (see save_to)
        return doc

    # -- selection and display ---------------------------------------------------------------
    def select(self, sel: Selection | None) -> None:
        if sel != self.selection:
            self.selection = sel
            self.selectionChanged.emit()

    def set_second_selection(self, sel: Selection | None) -> None:
        """The loss landscape's second parameter (Ctrl+click on an edge or a bias on the
        canvas); anything else than an edge or a bias clears it."""
        if sel is not None and sel.kind not in ("edge", "bias"):
            sel = None
        if sel != self.second_selection:
            self.second_selection = sel
            self.secondSelectionChanged.emit()

    def selected_weight_layer(self) -> int:
        """The weight layer j the selection belongs to (a neuron's incoming one, the first
        for an input; the last when nothing is selected)."""
        sel, L = self.selection, self.network.L
        if sel is None:
            return L - 1
        j = max(sel.index[0] - 1, 0) if sel.kind == "neuron" else sel.index[0]
        return min(j, L - 1)

    def set_edge_mode(self, mode: str) -> None:
        if mode not in EDGE_MODES:
            raise ValueError(mode)
        self.edge_mode = mode
        self.displayChanged.emit()

    def set_decimals(self, d: int) -> None:
        self.decimals = int(d)
        self.displayChanged.emit()

    def set_sig_digits(self, d: int) -> None:
        """How many significant figures the canvas writes (3 to 6)."""
        self.sig_digits = int(min(max(int(d), SIG_DIGITS[0]), SIG_DIGITS[-1]))
        self.displayChanged.emit()

    def set_zoom(self, z: float) -> None:
        self.zoom = float(min(3.0, max(0.5, z)))
        self.displayChanged.emit()

    def set_theme(self, theme: str) -> None:
        if theme not in ("light", "dark"):
            raise ValueError(theme)
        self.theme = theme
        self.displayChanged.emit()

    def set_show_weight_labels(self, on: bool) -> None:
        self.show_weight_labels = bool(on)
        self.displayChanged.emit()

    def set_show_legend(self, on: bool) -> None:
        self.show_legend = bool(on)
        self.displayChanged.emit()

    def edge_values(self, j: int) -> np.ndarray:
        """What the edges of weight layer j show in the current edge mode."""
        tr = self.trace
        if self.edge_mode == "grad":
            return tr.p.grad_w[j]
        if self.edge_mode == "delta_w":
            return tr.weights_after[j] - tr.network.weights[j]
        return tr.network.weights[j]
