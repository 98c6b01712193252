"""The training controller: the one piece of the window that talks to the training engine.

It starts, pauses and stops runs, forwards the session's settings to a running engine as one
typed ``TrainingSettings`` (``Configure``), and adopts the engine's snapshots into the
session. The settings themselves live in the session (η, mode, batch size: undoable; speed
and stop threshold: saved, not undoable); the controller keeps only a run's limits
(``max_steps``, ``target_error``). The worker thread, and with the default backend the
training process, start on the first Train: a window that never trains starts neither.

The data plane: the controller forwards the session's ``plane_request`` (``SetPlane``: after
each Load and whenever it changes) and hands the planes of a running run's snapshots to the
session (``set_live_plane``); paused or stopped, the session computes the plane of the weights
on screen itself.

Scrubbing (issue 16): ``seek(step)`` shows a past step of the run (a running run pauses
first): steps taken by hand since the last run come from the session's step-back store,
the run's from the training process (``Seek``: a replay from its checkpoints, answered with
the weights and the settings in force there; at most one on its way, the latest wanted
waits); ``back_to_live`` and ``train_from_here`` (a Load at the step viewed: the engine's
history goes on up to it and forgets the rest).

Saved checkpoints: File → Save asks the training process for the run's checkpoints
(``saved_checkpoints``: ``GetCheckpoints``, waited for at most ``SAVE_TIMEOUT``); a file's
own (``Document.checkpoints``, from a saved session) go to the training process with the
first Load of its network, which the first seek to a step before the file's makes, so a
reopened session scrubs too. Reset (the file's weights at step 0) forgets them."""

from __future__ import annotations

import collections
import dataclasses
import queue
import time

from PySide6.QtCore import QObject, QTimer, Signal

from bpviz.core.checkpoints import Setup
from bpviz.core.engine import (
    Configure,
    EditParameter,
    GetCheckpoints,
    Load,
    Pause,
    Seek,
    SeekProgress,
    SetPlane,
    Snapshot,
    Stop,
    Train,
)
from bpviz.core.training_settings import TrainingSettings
from bpviz.gui.session import Scores, Session
from bpviz.gui.training.worker import WorkerThread, limit_window_blas

__all__ = ["TrainingController", "CANVAS_INTERVAL"]

CANVAS_INTERVAL = 0.1  # the canvas follows the weights at most 10 times a second
SAVE_TIMEOUT = 2.0  # seconds File → Save waits for the run's checkpoints (then saves without)


class TrainingController(QObject):
    """Starts, pauses and stops runs; adopts the worker's snapshots into the session."""

    stateChanged = Signal(str)  # idle, running, paused, finished, diverged
    snapshotApplied = Signal(object)
    message = Signal(str, str)  # title, text: one clear message (e.g. divergence)
    notice = Signal(str)  # a sentence for the status bar (a past step that is not kept)
    seekProgress = Signal(int, int)  # done, total steps of a long replay (0, 0: over)

    def __init__(self, session: Session, backend: str = "process", parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.backend = backend
        self.state = "idle"
        self.last: Snapshot | None = None
        self.max_steps: int | None = None  # a run's limits, not saved
        self.target_error: float | None = None
        self.worker: WorkerThread | None = None  # made on the first Train
        self._loaded = False
        self._gen = 0
        self._generation = session.generation  # the network and data the run was given
        self._pending: Snapshot | None = None
        self._canvas_t = 0.0
        self._serial_seen = 0
        self._adopting = False
        self._asked = ""  # the last run command sent: "train" or "pause" (see _current_state)
        # scrubbing: the Seeks sent and not answered yet, in order ([step, phase, gen, the
        # session's live_serial, cancelled]), and the next one wanted (step, phase)
        self._seeks: collections.deque = collections.deque()
        self._seek_want: tuple[int, int | None, int] | None = None  # (+ live_serial)
        self._engine_generation: int | None = None  # the network and data the engine last loaded
        # the opened file's checkpoints (session.checkpoints) and the network generation they
        # are of; the document they came with (a new one brings its own)
        self._file_checkpoints: tuple | None = None
        self._file_doc = None
        self._token = 0  # numbers GetCheckpoints
        self._note_file_checkpoints()
        session.viewRequested.connect(self.seek)
        session.documentChanged.connect(self._on_document)
        session.settingsChanged.connect(self._on_settings)
        session.parameterEdited.connect(self._on_edit)
        session.traceChanged.connect(self._on_stepper)
        session.planeRequestChanged.connect(self._on_plane_request)

    @property
    def settings(self) -> TrainingSettings:
        """What the next run uses (and a running one, from its next step)."""
        return self.session.training_settings(max_steps=self.max_steps, target_error=self.target_error)

    # -- the worker ------------------------------------------------------------------------
    def _send(self, cmd) -> None:
        if self.worker is None:
            limit_window_blas()
            self.worker = WorkerThread(self.backend, self)
            self.worker.worker.snapshot.connect(self._on_snapshot)
            self.worker.failed.connect(self._on_failed)
        self.worker.send(cmd)

    def _on_failed(self, worker: WorkerThread, why: str) -> None:
        """The training process (or thread) ended by itself: a killed process, a crash. The
        stepper takes the last weights that arrived (nothing shown is lost), the run ends, and
        the next Train starts a fresh process from there; one sentence says what happened."""
        if worker is not self.worker:
            return  # an old worker's, already replaced
        self._seeks.clear()  # (no answer will come)
        self._seek_want = None
        self.seekProgress.emit(0, 0)
        self._engine_generation = None
        self.worker = None
        worker.shutdown()
        worker.deleteLater()
        was = self.state
        snap = self.last
        if (
            self._loaded
            and snap is not None
            and snap.gen == self._gen
            and was != snap.state
            and (was == "running" or self.session.step == snap.step)
        ):
            self._adopt(snap)
        self._loaded = False
        if was in ("running", "paused"):  # (a finished run stays finished: nothing ran)
            self._set_state("idle")
            self.message.emit(
                "Training stopped",
                f"Training stopped unexpectedly because {why}; the network keeps the weights of "
                f"step {self.session.step:,}, and Train starts again from there.",
            )

    def _end_run(self) -> None:
        """Tell a running or paused engine to stop (no worker: nothing runs)."""
        if self.worker is not None and self.state in ("running", "paused"):
            self.worker.send(Stop())
        self._loaded = False

    def shutdown(self) -> bool:
        """The one way training ends for good (window closed, app quitting)."""
        return True if self.worker is None else self.worker.shutdown()

    # -- commands --------------------------------------------------------------------------
    def _note_file_checkpoints(self) -> None:
        """A new document from a file: its checkpoints are this generation's history."""
        s = self.session
        if s.doc is not self._file_doc:
            self._file_doc = s.doc
            ck = s.doc.checkpoints
            self._file_checkpoints = (s.generation, tuple(ck)) if ck else None

    def file_checkpoints(self) -> tuple:
        """The opened file's checkpoints while they describe the network's past (the same
        network and data, no Reset since); () otherwise."""
        fc = self._file_checkpoints
        return fc[1] if fc is not None and fc[0] == self.session.generation else ()

    def saved_checkpoints(self, timeout: float | None = None) -> tuple | None:
        """The checkpoints File → Save writes for the live step: the training process's
        (within the file's bound; it answers between chunks), or the opened file's when no
        process has this network; None when the process did not answer within ``timeout``
        seconds (default ``SAVE_TIMEOUT``)."""
        s = self.session
        if self.worker is None or self._engine_generation != s.generation:
            return self.file_checkpoints()
        answers = self.worker.worker.answers
        while True:  # (a late answer to an earlier save)
            try:
                answers.get_nowait()
            except queue.Empty:
                break
        self._token += 1
        self.worker.send(GetCheckpoints(s.live_step, self._token))
        deadline = time.monotonic() + (SAVE_TIMEOUT if timeout is None else timeout)
        while (left := deadline - time.monotonic()) > 0:
            try:
                ans = answers.get(timeout=left)
            except queue.Empty:
                break
            if ans.token == self._token:
                return ans.checkpoints
        return None

    def _on_document(self) -> None:
        """Another network or new data: end the run, forget the old network. (A new mode
        rebuilds the views too, but it is a setting: a run takes it and goes on.)"""
        self._note_file_checkpoints()
        if self.session.generation == self._generation:
            return
        self._generation = self.session.generation
        self._end_run()
        self._set_state("idle")

    def _on_settings(self) -> None:
        """η, mode, batch size, speed or threshold changed: a running or paused engine takes
        them at its next step boundary."""
        if self.session.generation != self._generation:
            self._on_document()
        elif self.state in ("running", "paused") and self._loaded:
            self._send(Configure(self.settings))

    def _load(self, run: bool = True) -> None:
        """Load the live network into the engine (with the opened file's checkpoints when
        the engine has no history of it yet); ``run`` False: only for Seek (the engine's
        answers to it are not a run's)."""
        s = self.session
        self._gen += 1
        saved = self.file_checkpoints() if self._engine_generation != s.generation else ()
        self._send(Load(s.current_document(), s.step, self._gen, saved))
        self._send(SetPlane(s.plane_request))
        self._loaded = run
        self._engine_generation = s.generation  # (its checkpoints go on for this network)

    def train(self) -> None:
        """Train (or resume) from the weights the stepper shows (the live network's: a past
        step on screen gives way to it; "Train from here" goes on from a past step)."""
        if self.state == "running":
            return
        self.back_to_live()
        if self.state != "paused" or not self._loaded:
            self._load()
        self._send(Train(self.settings))
        self._asked = "train"
        self._set_state("running")

    def pause(self) -> None:
        if self.state == "running":
            self._send(Pause())
            self._asked = "pause"

    def toggle(self) -> None:
        self.pause() if self.state == "running" else self.train()

    def stop(self) -> None:
        """End the run now: the stepper takes the last weights that arrived, and anything
        the worker sends later about this run is ignored."""
        if self.state not in ("running", "paused"):
            return
        self._end_run()
        snap = self.last
        if (
            snap is not None
            and snap.gen == self._gen
            and (self.state == "running" or self.session.step == snap.step)
        ):
            self._adopt(snap)
        self._set_state("idle")

    def reset(self) -> None:
        """Back to the start weights; the run's curve stays on the plot, faint, among the
        session's earlier runs (``session.runs``)."""
        self.stop()
        self._loaded = False
        # step 0 is the file's weights now: the history that led to them is not this one's
        self._file_checkpoints = None
        self._engine_generation = None
        self.session.reset()
        self._set_state("idle")

    def one_step(self) -> None:
        """Exactly one step (the current iteration's update), then the stepper shows the
        next iteration."""
        if self.state == "running":
            return
        s = self.session
        s.set_phase(s.last_index)
        s.next()
        self._loaded = False

    def _on_stepper(self) -> None:
        """Steps taken by hand while paused: the paused run no longer describes the network
        on screen, so it ends and the next Train starts from the stepper's weights."""
        snap = self.last
        if self._adopting or self.state != "paused" or snap is None:
            return
        if self.session.viewing is None and self.session.step != snap.step:
            self._end_run()
            self._set_state("idle")

    def _on_plane_request(self) -> None:
        """A view began or stopped drawing the plane, or chose other axes: a loaded engine
        sends that plane (or none) from its next snapshot."""
        if self.worker is not None and self._loaded:
            self._send(SetPlane(self.session.plane_request))

    def _on_edit(self, kind: str, index: tuple, value: float) -> None:
        """An edited weight reaches a running or paused trainer at its next step boundary."""
        if self.state in ("running", "paused") and self._loaded:
            self._send(EditParameter(kind, tuple(index), value))
        else:
            self._loaded = False  # the next run starts from the stepper's weights

    def set_limits(self, max_steps: int | None = None, target_error: float | None = None) -> None:
        """A run's limits: the step count it stops at, the error of a step it stops after
        (None: none). Not saved; a running trainer takes them at its next step."""
        new = dataclasses.replace(
            self.settings, max_steps=max_steps, target_error=target_error
        )  # checked there
        self.max_steps, self.target_error = new.max_steps, new.target_error
        self._on_settings()

    def update_settings(self, **changes) -> None:
        """Change settings by their names in ``TrainingSettings`` (for scripts and tests):
        η, α, mode and batch size through the session's undoable setters, speed and stop
        threshold as the session's window settings, the limits here."""
        old = self.settings
        new = dataclasses.replace(old, **changes)  # an unknown name is a TypeError
        s = self.session
        if new.shuffle_seed != old.shuffle_seed:
            raise ValueError("the shuffle seed is the network's (Edit → Network…)")
        if new.learning_rate != old.learning_rate:
            s.set_learning_rate(new.learning_rate)
        if new.momentum != old.momentum:
            s.set_momentum(new.momentum)
        if (new.mode, new.batch_size) != (old.mode, old.batch_size):
            s.set_mode(new.mode, new.batch_size)
        s.set_speed(new.speed)
        s.set_stop_error(new.stop_error)
        self.set_limits(new.max_steps, new.target_error)

    # -- a past step on screen (scrubbing the error curve) -------------------------------------
    def seek(self, step: int, phase: int | None = None) -> None:
        """Show the network at past step ``step`` (the error plot, its slider, Shift+←/→, ←
        from a past step's first phase): a running run pauses first; steps taken by hand
        come from the stepper's own store, a run's from the training process (a replay from
        its checkpoints, bit for bit); the live step or later is the live network again.
        ``phase``: the phase to show (None: the same one). While a replay is on its way only
        the latest step asked for waits (a drag asks for many)."""
        s = self.session
        step = max(0, int(step))
        phase = None if phase is None or phase < 0 else phase
        if self.state == "running":
            self.pause()  # (the run is ahead of the weights on screen: the engine says where)
        elif step >= s.live_step:
            self.back_to_live()
            return
        st = s.past_state(step)
        if st is not None:  # taken by hand since the last run: the stepper's own
            self._cancel_seeks()
            rows, lr, alpha = st.context[:3]
            d = s.doc
            setup = Setup(lr, d.mode, d.batch_size, d.shuffle_seed, alpha, "numpy")
            s.view(st.step, st.weights, st.biases, setup, st.velocity, phase, rows)
            return
        if (self.worker is None or self._engine_generation != s.generation) and self.file_checkpoints():
            if s.viewing is not None:  # (the engine takes the live network)
                self.back_to_live()
            self._load(run=False)  # a reopened session: its file's checkpoints replay
        if self.worker is None or self._engine_generation != s.generation:
            self.notice.emit(
                f"Step {step:,} is not kept: the window can show the steps of this network's "
                "runs since it was opened, and the last steps taken by hand."
            )
            return
        self._seek_want = (step, phase, s.live_serial)
        if all(r[4] for r in self._seeks):  # none on its way (or only forgotten ones)
            self._send_seek()

    def back_to_live(self) -> None:
        """The live network again (Esc); a replay on its way is forgotten."""
        self._cancel_seeks()
        self.session.back_to_live()

    def train_from_here(self) -> None:
        """Go on training from the past step on screen with the settings in the Training
        dock: the run's steps after it, and their error curve, are discarded."""
        s = self.session
        if s.viewing is None:
            return
        self._cancel_seeks()
        self._end_run()
        self._set_state("idle")
        s.commit_view()
        self.train()

    def _cancel_seeks(self) -> None:
        self._seek_want = None
        for r in self._seeks:
            r[4] = True
        self.seekProgress.emit(0, 0)

    def _send_seek(self) -> None:
        step, phase, live = self._seek_want
        self._seek_want = None
        if live != self.session.live_serial:  # back to live since it was asked for
            return
        self._seeks.append([step, phase, self._gen, live, False])
        self._send(Seek(step))

    def _on_seek_answer(self, ans) -> None:
        """A replay's progress, or its answer: the past step goes on screen unless it was
        asked for by a run since replaced, or the user went back to live (or on training)."""
        if not self._seeks:
            return
        if isinstance(ans, SeekProgress) and ans.problem is None:
            if not self._seeks[0][4]:
                self.seekProgress.emit(ans.done, ans.total)
            return
        step, phase, gen, live, cancelled = self._seeks.popleft()
        s = self.session
        if not self._seeks:
            self.seekProgress.emit(0, 0)
        current = not cancelled and ans.gen == gen == self._gen and live == s.live_serial
        if current and self.state != "running":
            if isinstance(ans, SeekProgress):
                self.notice.emit(f"Step {step:,} cannot be shown: {ans.problem}.")
            elif ans.seek >= s.live_step:  # (a run paused at or before it: the live network)
                s.back_to_live()
            else:
                weights = list(ans.weights)
                biases = None if ans.biases is None else list(ans.biases)
                s.view(ans.seek, weights, biases, ans.seek_setup, ans.velocity, phase)
                scores = _scores(ans)
                if scores is not None:  # of the weights on screen now
                    s.set_scores(scores, current=True)
                if ans.seek != step:
                    self.notice.emit(
                        f"Step {step:,} is not kept (steps taken by hand are not; a run's are): "
                        f"showing step {ans.seek:,}, the nearest the run can replay."
                    )
        if self._seek_want is not None and self.worker is not None and all(r[4] for r in self._seeks):
            self._send_seek()

    # -- snapshots -------------------------------------------------------------------------
    def _adopt(self, snap: Snapshot, forget_after: bool = True) -> None:
        self._pending = None
        self._adopting = True
        try:
            self.session.adopt_parameters(
                list(snap.weights),
                None if snap.biases is None else list(snap.biases),
                snap.step,
                forget_after,
                velocity=snap.velocity,  # momentum's v goes with the run's weights
            )
        finally:
            self._adopting = False

    def _adopt_pending(self) -> None:
        snap = self._pending
        if snap is not None and self.state == "running" and snap.gen == self._gen:
            self._adopt(snap, forget_after=False)  # newer errors may have arrived since

    def _set_state(self, st: str) -> None:
        if st != self.state:
            self.state = st
            self.session.set_training(st == "running")
            self.stateChanged.emit(st)

    def _current_state(self, snap: Snapshot) -> str:
        """The run's state as this snapshot tells it. The engine answers commands in order,
        but its answers arrive after the commands the window sent since: an "idle" (the answer
        to the Load before a Train) or a "paused" (the answer to a command sent while paused)
        that arrives after a Train is not the run's state any more — taken as it was, it let
        the stepper take hand steps that the run's next snapshot then replaced."""
        if snap.state == "idle" or (snap.state == "paused" and self._asked == "train"):
            return "running"
        return snap.state

    def _on_snapshot(self, snap: Snapshot) -> None:
        if isinstance(snap, SeekProgress) or snap.seek is not None:
            self._on_seek_answer(snap)
            return
        if not self._loaded or snap.gen != self._gen:
            return  # from a run that was already replaced
        state = self._current_state(snap)
        if state != snap.state:
            snap = dataclasses.replace(snap, state=state)
        s = self.session
        # the same state again (a paused run that took new settings, the answer to a pause
        # that came after the run finished) describes weights the stepper already took; the
        # lecturer may have stepped on from them since
        repeat = snap.state != "running" and snap.state == self.state
        self.last = snap
        if len(snap.errors):
            s.history.extend(snap.first_error_step, snap.errors)
        s.history.add_epochs(snap.epoch_errors)
        s.history.add_test(snap.test_errors)
        s.gradients.add(snap.gradients)  # each layer's gradient health (the Gradients plot)
        if len(snap.errors):
            s.mark_trained()
        s.historyChanged.emit()
        now = time.perf_counter()
        scores = _scores(snap)
        if snap.state != "running":
            # a pause or the end puts the stepper on these weights so the lecturer can step
            # through the next iteration from there
            if not repeat:
                self._adopt(snap)
                if scores is not None:  # of the weights just adopted: no need to measure again
                    s.set_scores(scores, current=True)
        elif now - self._canvas_t >= CANVAS_INTERVAL:
            # while running the canvas shows the latest weights, in an event-loop turn of its
            # own so no single turn keeps the GUI thread long
            self._canvas_t = now
            self._pending = snap
            QTimer.singleShot(0, self._adopt_pending)
        if snap.state == "running" and scores is not None:
            s.set_scores(scores)
        if snap.state == "running" and snap.plane is not None:
            s.set_live_plane(snap.plane)
        self._set_state(snap.state)
        self.snapshotApplied.emit(snap)
        if snap.state == "diverged" and snap.diverged_at is not None and snap.serial != self._serial_seen:
            self._serial_seen = snap.serial
            self.message.emit(
                "Training diverged",
                f"At step {snap.diverged_at:,} a value became infinite or not a number, so "
                f"training stopped. The network is back at the weights after step "
                f"{snap.diverged_at - 1:,}, the last finite ones.\n\nTry a smaller learning "
                f"rate than {s.learning_rate:g}"
                + (f" or a smaller momentum than {s.momentum:g}." if s.momentum else "."),
            )


def _scores(snap: Snapshot) -> Scores | None:
    """A full snapshot's scores, as the session keeps them (None: a light snapshot)."""
    if not snap.scored:
        return None
    e = snap.data_error
    return Scores(
        snap.step,
        e if e == e else None,
        snap.accuracy,
        snap.test_accuracy,
        snap.test_error,
        snap.confusion,
        snap.test_confusion,
    )
