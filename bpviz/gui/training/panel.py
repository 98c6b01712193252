"""Training from the window: the controller (commands to the worker, snapshots into the
session) and the training dock (controls, status line, progress bar).

Watchable by default: a run goes at the network's lecture speed (the file's "speed", else
``LECTURE_SPEED`` steps per second) and stops once E of all samples falls below the session's
stop threshold, so a class sees the canvas and the plot move and the run end at "learned".
Both are settings of the session (saved with it, never undoable edits); full speed is one
click."""

from __future__ import annotations

import math
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from bpviz.core.engine import Snapshot
from bpviz.core.numbers import fmt
from bpviz.gui.session import Session
from bpviz.gui.worker import WorkerThread

__all__ = ["TrainingController", "TrainingPanel"]

CANVAS_INTERVAL = 0.1  # the canvas follows the weights at most 10 times a second


class TrainingController(QObject):
    """Starts, pauses and stops runs; adopts the worker's snapshots into the session."""

    stateChanged = Signal(str)  # idle, running, paused, finished, diverged
    snapshotApplied = Signal(object)
    message = Signal(str, str)  # title, text: one clear message (e.g. divergence)

    def __init__(self, session: Session, backend: str = "process",
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.state = "idle"
        self.last: Snapshot | None = None
        self.settings: dict = {"learning_rate": session.doc.learning_rate,
                               "mode": session.doc.mode, "batch_size": session.doc.batch_size,
                               "shuffle_seed": session.doc.shuffle_seed, "max_steps": None,
                               "stop_error": session.stop_error, "rate": session.speed}
        self._loaded = False
        self._gen = 0
        self._pending: Snapshot | None = None
        self._canvas_t = 0.0
        self._serial_seen = 0
        self.worker = WorkerThread(backend, self)
        self.worker.worker.snapshot.connect(self._on_snapshot)
        self.worker.worker.failed.connect(lambda m: self.message.emit("Training stopped", m))
        session.documentChanged.connect(self._on_document)
        session.parameterEdited.connect(self._on_edit)
        session.traceChanged.connect(self._on_stepper)
        self._adopting = False

    # -- commands --------------------------------------------------------------------------
    def _on_document(self) -> None:
        """Another file or preset: end the run, forget the old network."""
        if self.state in ("running", "paused"):
            self.worker.send("stop")
        self._loaded = False
        d = self.session.doc
        self.settings.update(learning_rate=d.learning_rate, mode=d.mode,
                             batch_size=d.batch_size, shuffle_seed=d.shuffle_seed,
                             rate=self.session.speed, stop_error=self.session.stop_error)
        self._set_state("idle")

    def _load(self) -> None:
        s = self.session
        self._gen += 1
        self.worker.send("load", s.current_document(), s.step, self._gen)
        self._loaded = True

    def train(self) -> None:
        """Train (or resume) from the weights the stepper shows."""
        if self.state == "running":
            return
        if self.state != "paused" or not self._loaded:
            self._load()
        self.worker.send("train", dict(self.settings))
        self._set_state("running")

    def pause(self) -> None:
        if self.state == "running":
            self.worker.send("pause")

    def toggle(self) -> None:
        self.pause() if self.state == "running" else self.train()

    def stop(self) -> None:
        """End the run now: the stepper takes the last weights that arrived, and anything
        the worker sends later about this run is ignored."""
        if self.state not in ("running", "paused"):
            return
        self.worker.send("stop")
        self._loaded = False
        snap = self.last
        if snap is not None and snap.extra.get("gen") == self._gen and \
                (self.state == "running" or self.session.step == snap.step):
            self._adopt(snap)
        self._set_state("idle")

    def reset(self) -> None:
        """Back to the file's weights; the plot clears."""
        self.stop()
        self._loaded = False
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
        if self.session.step != snap.step:
            self.worker.send("stop")
            self._loaded = False
            self._set_state("idle")

    def _on_edit(self, kind: str, index: tuple, value: float) -> None:
        """An edited weight reaches a running or paused trainer at its next step boundary."""
        if self.state in ("running", "paused") and self._loaded:
            self.worker.send("edit", kind, index, value)
        else:
            self._loaded = False  # the next run starts from the stepper's weights

    def update_settings(self, **kw) -> None:
        """learning_rate, mode, batch_size, max_steps, rate (steps per second, None: full
        speed), stop_error (None: no stop); a running trainer takes them at its next step."""
        self.settings.update(kw)
        s = self.session
        if "rate" in kw:
            s.speed = None if kw["rate"] is None else float(kw["rate"])
        if "stop_error" in kw:
            s.stop_error = None if kw["stop_error"] is None else float(kw["stop_error"])
        if "learning_rate" in kw and kw["learning_rate"] != s.doc.learning_rate:
            s.doc.learning_rate = float(kw["learning_rate"])  # the stepper's update uses it
            if not s.training:
                s.adopt_parameters(s.network.weights, s.network.biases, s.step,
                                   keep_phase=True)
        if self.state in ("running", "paused"):
            self.worker.send("set", dict(kw))

    def shutdown(self) -> bool:
        """The one way training ends for good (window closed, app quitting)."""
        return self.worker.shutdown()

    # -- snapshots -------------------------------------------------------------------------
    def _adopt(self, snap: Snapshot, forget_after: bool = True) -> None:
        self._pending = None
        self._adopting = True
        try:
            self.session.adopt_parameters(list(snap.weights), None if snap.biases is None
                                          else list(snap.biases), snap.step, forget_after)
        finally:
            self._adopting = False

    def _adopt_pending(self) -> None:
        snap = self._pending
        if snap is not None and self.state == "running" and \
                snap.extra.get("gen") == self._gen:
            self._adopt(snap, forget_after=False)  # newer errors may have arrived since

    def _set_state(self, st: str) -> None:
        if st != self.state:
            self.state = st
            self.session.set_training(st == "running")
            self.stateChanged.emit(st)

    def _on_snapshot(self, snap: Snapshot) -> None:
        if not self._loaded or snap.extra.get("gen") != self._gen:
            return  # from a run that was already replaced
        s = self.session
        self.last = snap
        if len(snap.errors):
            s.history.extend(snap.first_error_step, snap.errors)
        s.history.add_epochs(snap.epoch_errors)
        if len(snap.errors):
            s.mark_trained()
        s.historyChanged.emit()
        now = time.perf_counter()
        done = snap.state != "running"
        if done:
            # a pause or the end puts the stepper on these weights so the lecturer can step
            # through the next iteration from there
            self._adopt(snap)
        elif now - self._canvas_t >= CANVAS_INTERVAL:
            # while running the canvas shows the latest weights, in an event-loop turn of its
            # own so no single turn keeps the GUI thread long
            self._canvas_t = now
            self._pending = snap
            QTimer.singleShot(0, self._adopt_pending)
        self._set_state({"idle": "idle", "running": "running", "paused": "paused",
                         "finished": "finished", "diverged": "diverged"}[snap.state])
        self.snapshotApplied.emit(snap)
        if snap.state == "diverged" and snap.diverged_at is not None and \
                snap.serial != self._serial_seen:
            self._serial_seen = snap.serial
            self.message.emit(
                "Training diverged",
                f"At step {snap.diverged_at:,} a value became infinite or not a number, so "
                f"training stopped. The network is back at the weights after step "
                f"{snap.diverged_at - 1:,}, the last finite ones.\n\nTry a smaller learning "
                f"rate than {self.settings['learning_rate']:g}.")


class _SpeedBox(QDoubleSpinBox):
    """Steps per second, written as people read them: "20", "0.5", "1,500"."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setDecimals(2)
        self.setRange(0.01, 1_000_000)
        self.setGroupSeparatorShown(True)
        self.setStepType(QDoubleSpinBox.StepType.AdaptiveDecimalStepType)
        self.setSuffix(" steps/s")
        self.setKeyboardTracking(False)  # one change when typing ends, not one per digit

    def textFromValue(self, v: float) -> str:  # noqa: N802 - Qt's name
        loc = self.locale()
        t = loc.toString(float(v), "f", self.decimals())
        dp = loc.decimalPoint()
        if dp in t:
            t = t.rstrip("0").rstrip(dp)
        return t


class TrainingPanel(QWidget):
    """The training dock: controls, stop conditions, speed, status line, progress bar."""

    def __init__(self, controller: TrainingController, plot, parent=None) -> None:
        super().__init__(parent)
        self.c = controller
        self.plot = plot
        s = controller.session
        lay = QVBoxLayout(self)
        row = QHBoxLayout()
        self.btn_train = QPushButton("Train")
        self.btn_train.setToolTip("Train from the weights on the canvas (Space); again to pause")
        self.btn_stop = QPushButton("Stop")
        self.btn_stop.setToolTip("End the run; the stepper takes the current weights")
        self.btn_reset = QPushButton("Reset")
        self.btn_reset.setToolTip("Back to the file's weights; clears the error plot")
        self.btn_step = QPushButton("One step")
        self.btn_step.setToolTip("Run exactly one step (one weight update) and show the next "
                                 "iteration in the stepper")
        for b in (self.btn_train, self.btn_stop, self.btn_step, self.btn_reset):
            row.addWidget(b)
        lay.addLayout(row)
        form = QGridLayout()
        form.setHorizontalSpacing(10)
        form.setVerticalSpacing(4)
        form.setColumnStretch(1, 1)
        self.lr = QLineEdit()
        self.lr.setToolTip("η in w ← w − η·∂E/∂w: a finite number > 0 (Enter to apply)")
        self.lr.editingFinished.connect(self._lr_edited)
        self.lr_note = QLabel()
        self.lr_note.setWordWrap(True)
        form.addWidget(QLabel("Learning rate η"), 0, 0)
        form.addWidget(self.lr, 0, 1)
        mrow = QHBoxLayout()
        self.mode = QComboBox()
        for m in ("online", "batch", "minibatch"):
            self.mode.addItem(m, m)
        self.mode.setToolTip("online: one update per sample; batch: one per pass over all "
                             "samples; minibatch: one per batch")
        self.batch = QSpinBox()
        self.batch.setRange(1, 1)
        self.batch.setPrefix("batch ")
        self.batch.setToolTip("Minibatch size")
        mrow.addWidget(self.mode)
        mrow.addWidget(self.batch)
        form.addWidget(QLabel("Mode"), 1, 0)
        form.addLayout(mrow, 1, 1)
        srow = QHBoxLayout()
        self.rate = _SpeedBox()
        self.rate.setToolTip("A pace the class can follow: the canvas and the error plot move "
                             "while it trains. Each preset has its own (the file's \"speed\").")
        self.full_speed = QCheckBox("full speed")
        self.full_speed.setToolTip("As fast as this computer trains (the canvas follows ten "
                                   "times a second)")
        srow.addWidget(self.rate, 1)
        srow.addWidget(self.full_speed)
        form.addWidget(QLabel("Speed"), 2, 0)
        form.addLayout(srow, 2, 1)
        self.stop_error = QLineEdit()
        self.stop_error.setPlaceholderText("never")
        self.stop_error.setToolTip(
            "Stop once the total error E of all samples falls below this, so the run ends at "
            "\"learned\" (empty: never). A run that starts below it goes on until you stop it.")
        form.addWidget(QLabel("Stop when E <"), 3, 0)
        form.addWidget(self.stop_error, 3, 1)
        self.max_steps = QSpinBox()
        self.max_steps.setRange(0, 2_000_000_000)
        self.max_steps.setSingleStep(1000)
        self.max_steps.setGroupSeparatorShown(True)
        self.max_steps.setSpecialValueText("no limit")
        self.max_steps.setToolTip("Stop when the step count reaches this (0: no limit)")
        form.addWidget(QLabel("Stop at step"), 4, 0)
        form.addWidget(self.max_steps, 4, 1)
        self.log = QCheckBox("log scale")
        self.log.setChecked(True)
        self.log.setToolTip("Plot the error on a logarithmic axis")
        self.log.toggled.connect(plot.set_log_scale)
        form.addWidget(QLabel("Plot"), 5, 0)
        form.addWidget(self.log, 5, 1)
        lay.addLayout(form)
        lay.addWidget(self.lr_note)
        self.progress = QProgressBar()
        self.progress.setVisible(False)
        lay.addWidget(self.progress)
        self.status = QLabel()
        self.status.setTextFormat(Qt.TextFormat.PlainText)  # "E < 0.01" is not a tag
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.status)
        lay.addStretch(1)

        self.btn_train.clicked.connect(controller.toggle)
        self.btn_stop.clicked.connect(controller.stop)
        self.btn_reset.clicked.connect(controller.reset)
        self.btn_step.clicked.connect(controller.one_step)
        self.mode.activated.connect(self._mode_edited)
        self.batch.valueChanged.connect(self._mode_edited)
        self.max_steps.valueChanged.connect(self._stops_edited)
        self.stop_error.editingFinished.connect(self._stops_edited)
        self.full_speed.toggled.connect(self._speed_edited)
        self.rate.valueChanged.connect(self._rate_edited)
        controller.stateChanged.connect(self._on_state)
        controller.stateChanged.connect(self._apply_mode)
        controller.snapshotApplied.connect(self._on_snapshot)
        s.documentChanged.connect(self._from_document)
        s.traceChanged.connect(self._idle_status)
        self._tick = QTimer(self)
        self._from_document()

    # -- from the model --------------------------------------------------------------------
    def _from_document(self) -> None:
        st = self.c.settings
        d = self.c.session.doc
        self.lr.setText(f"{st['learning_rate']:g}")
        self.lr_note.setText("")
        self.mode.setCurrentIndex(self.mode.findData(st["mode"]))
        self.batch.blockSignals(True)
        self.batch.setRange(1, max(1, d.n_samples))
        self.batch.setValue(st["batch_size"] or min(d.n_samples, 32))
        self.batch.blockSignals(False)
        self.batch.setEnabled(st["mode"] == "minibatch")
        self._show_speed()
        self._on_state(self.c.state)
        self._idle_status()

    def _show_speed(self) -> None:
        """The speed and stop threshold the controller uses, in the dock's fields."""
        st = self.c.settings
        rate = st["rate"]
        for w in (self.rate, self.full_speed):
            w.blockSignals(True)
        self.full_speed.setChecked(rate is None)
        if rate is not None:
            self.rate.setValue(rate)
        for w in (self.rate, self.full_speed):
            w.blockSignals(False)
        se = st["stop_error"]
        self.stop_error.setText("" if se is None else f"{se:g}")
        self.stop_error.setStyleSheet("")

    def _on_state(self, st: str) -> None:
        running = st == "running"
        self.btn_train.setText("Pause" if running else ("Resume" if st == "paused" else "Train"))
        self.btn_stop.setEnabled(st in ("running", "paused"))
        self.btn_step.setEnabled(not running)
        self.btn_reset.setEnabled(True)
        self.progress.setVisible(self.c.settings["max_steps"] is not None)
        if running:
            self.plot.update_stop()
        else:
            self._idle_status()

    def speed_text(self) -> str:
        """"at 20 steps/s, stops when E < 0.01": how the next run goes."""
        st = self.c.settings
        rate, se = st["rate"], st["stop_error"]
        pace = "at full speed" if rate is None else f"at {_rate(rate)} steps/s"
        stop = "no stop threshold" if se is None else f"stops when E < {se:g}"
        return f"{pace}, {stop}"

    def stopped_at(self) -> tuple[str, int] | None:
        """(E as written, step) after a run the threshold ended: ("0.00998", 302)."""
        snap = self.c.last
        se = self.c.settings["stop_error"]
        if self.c.state != "finished" or snap is None or snap.reason != "target" or \
                snap.stopped_error is None or se is None:
            return None
        return _below(snap.stopped_error, se), snap.step

    def stopped_text(self) -> str | None:
        """"Stopped: E = 0.00998 < 0.01 at step 302" after a run the threshold ended."""
        at = self.stopped_at()
        if at is None:
            return None
        return f"Stopped: E = {at[0]} < {self.c.settings['stop_error']:g} at step {at[1]:,}"

    def _idle_status(self) -> None:
        if self.c.state == "running":
            return
        s = self.c.session
        e = s.trace.error
        what = {"idle": "ready", "paused": "paused", "finished": "finished",
                "diverged": "diverged"}.get(self.c.state, self.c.state)
        snap = self.c.last
        stopped = self.stopped_text()
        if self.c.state == "finished" and snap is not None:
            what = {"target": "finished", "max_steps": "reached the step limit"
                    }.get(snap.reason, "finished")
        spe = _steps_per_epoch(s)
        here = bool(stopped) and s.step == snap.step  # not once the stepper moved on
        head = f"{stopped} · " if here else f"{what} · "
        self.plot.update_stop(self.stopped_at() if here else None)  # the threshold line's words
        self.status.setText(f"{head}step {s.step:,} · epoch {s.step // spe:,} · "
                            f"E of the next step {fmt(e, 6) if math.isfinite(e) else e}"
                            f"\nNext run: {self.speed_text()}")
        self._progress(s.step)

    def _on_snapshot(self, snap: Snapshot) -> None:
        if snap.state == "running":
            se = self.c.settings["stop_error"]
            if se is None:
                stop = "no stop threshold"
            elif snap.stop_armed:
                stop = f"stops when E < {se:g}"
            else:
                stop = (f"E was below {se:g} when this run began, so it goes on until you "
                        "stop it")
            rate = self.c.settings["rate"]
            pace = (f"{_rate(rate)} steps/s" if rate is not None else
                    f"full speed ({snap.steps_per_second:,.0f} steps/s)")
            self.status.setText(
                f"training · step {snap.step:,} · epoch {snap.epoch:,} · E (all samples) "
                f"{fmt(snap.data_error, 6)}\n{pace} · {stop}")
        elif snap.state == "finished" and snap.reason == "target":
            text = self.stopped_text()
            w = self.window()
            if text and isinstance(w, QMainWindow) and \
                    snap.serial != getattr(self, "_told", None):
                self._told = snap.serial
                w.statusBar().showMessage(text, 15000)
        self._progress(snap.step)

    def _progress(self, step: int) -> None:
        m = self.c.settings["max_steps"]
        if m:
            self.progress.setRange(0, m)
            self.progress.setValue(min(step, m))
            self.progress.setFormat(f"{min(step, m):,} / {m:,} steps")

    # -- edits -----------------------------------------------------------------------------
    def _lr_edited(self) -> None:
        text = self.lr.text().strip()
        try:
            v = float(text)
        except ValueError:
            v = float("nan")
        if not (math.isfinite(v) and v > 0):
            self.lr_note.setText(f"<span style='color:#D55E00'>“{text}” is not a learning rate: "
                                 "type a finite number greater than 0.</span>")
            return
        note = ""
        if v > 100:
            note = ("<span style='color:#D55E00'>This is very large: training will likely "
                    "diverge (bpviz stops it and keeps the last finite weights).</span>")
        self.lr_note.setText(note)
        self.c.update_settings(learning_rate=v)

    def _mode_edited(self, *_a) -> None:
        mode = self.mode.currentData()
        self.batch.setEnabled(mode == "minibatch")
        bs = self.batch.value() if mode == "minibatch" else None
        self.c.update_settings(mode=mode, batch_size=bs)
        self._pending_mode = (mode, bs)
        self._apply_mode()

    def _apply_mode(self, *_a) -> None:
        """The stepper takes a new mode once training is not running (set_mode re-reads the
        document, which would end a run)."""
        pending = getattr(self, "_pending_mode", None)
        if pending is not None and self.c.state != "running":
            self._pending_mode = None
            self.c.session.set_mode(*pending)

    def _stops_edited(self, *_a) -> None:
        m = self.max_steps.value() or None
        t = self.stop_error.text().strip()
        stop = None
        if t:
            try:
                stop = float(t)
            except ValueError:
                stop = float("nan")
            if not (math.isfinite(stop) and stop > 0):
                self.stop_error.setStyleSheet("color: #D55E00")
                self.stop_error.setToolTip(f"“{t}” is not a stop threshold: type a number "
                                           "greater than 0, or leave it empty for no stop")
                return
        self.stop_error.setStyleSheet("")
        self.stop_error.setToolTip(
            "Stop once the total error E of all samples falls below this, so the run ends at "
            "\"learned\" (empty: never). A run that starts below it goes on until you stop it.")
        changed = {}
        if m != self.c.settings["max_steps"]:
            changed["max_steps"] = m
        if stop != self.c.settings["stop_error"]:
            changed["stop_error"] = stop
        if changed:
            self.c.update_settings(**changed)
        self.progress.setVisible(m is not None)
        self._progress(self.c.session.step)
        self.plot.update_stop()
        self._idle_status()

    def _speed_edited(self, *_a) -> None:
        full = self.full_speed.isChecked()
        self.c.update_settings(rate=None if full else self.rate.value())
        self._idle_status()

    def _rate_edited(self, *_a) -> None:
        """A speed typed or stepped in the box is the speed: full speed goes off."""
        self.full_speed.blockSignals(True)
        self.full_speed.setChecked(False)
        self.full_speed.blockSignals(False)
        self._speed_edited()

    def set_full_speed(self, on: bool = True) -> None:
        """Full speed (on) or the lecture speed in the box: the one click."""
        self.full_speed.setChecked(on)


def _rate(v: float) -> str:
    """20, 0.5, 1,500: a speed as the dock writes it."""
    return f"{v:,.0f}" if float(v).is_integer() else f"{v:,.2f}".rstrip("0").rstrip(".")


def _below(e: float, threshold: float) -> str:
    """E with as few digits (at least two) as show that it is below the threshold:
    0.0099 for 0.00995 against 0.01."""
    for d in range(2, 10):
        t = f"{e:.{d}g}"
        if float(t) < threshold:
            return t
    return fmt(e, 9)


def _steps_per_epoch(s: Session) -> int:
    d = s.doc
    if d.mode == "online":
        return max(1, d.n_samples)
    if d.mode == "batch":
        return 1
    return max(1, -(-d.n_samples // (d.batch_size or 1)))
