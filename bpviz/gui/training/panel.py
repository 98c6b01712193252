"""The Training dock: the buttons, the settings of a run, its status line and progress bar.

It only sets and listens: η, momentum α, mode and batch size go through the session's undoable setters,
speed and stop threshold through its window settings, the step limit to the controller; the
fields follow the session's ``settingsChanged``. Typed numbers are read with
``core.numbers.read_number`` and checked by ``core.training_settings``.

Watchable by default: a run goes at the network's lecture speed (the file's "speed", else
``LECTURE_SPEED`` steps per second) and stops once E of all samples falls below the session's
stop threshold, so a class sees the canvas and the plot move and the run end at "learned".
Full speed is one click."""

from __future__ import annotations

import math

from PySide6.QtCore import Qt
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

from bpviz.core.numbers import fmt, read_number
from bpviz.core.training_settings import MODES, check_stop_error, read_learning_rate
from bpviz.gui.plain_text import auto, escaped
from bpviz.gui.runs import weights_origin
from bpviz.gui.training.controller import TrainingController

__all__ = ["TrainingPanel"]

WARN = "#D55E00"  # the colour-blind-safe orange of a note that something is wrong
STOP_TIP = (
    "Stop once the total error E of all samples falls below this, so the run ends at "
    '"learned" (empty: never). A run that starts below it goes on until you stop it.'
)


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


MOMENTUM_TIP = (
    "Momentum α in v ← α·v + ∂E/∂w, w ← w − η·v (each weight keeps a velocity v): "
    "0 = plain gradient descent; 0.9 is common"
)


class _AlphaBox(_SpeedBox):
    """The momentum α, 0 ≤ α < 1, written without trailing zeros ("0.9", "0")."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setDecimals(4)
        self.setRange(0.0, 0.9999)
        self.setSingleStep(0.1)
        self.setStepType(QDoubleSpinBox.StepType.DefaultStepType)
        self.setGroupSeparatorShown(False)
        self.setSuffix("")


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
        self.btn_reset.setToolTip(
            "Back to the start weights (the file's, or the last Re-initialise's); the run's "
            "curve stays on the error plot, faint, to compare with the next run"
        )
        self.btn_reinit = QPushButton("New weights…")
        self.btn_step = QPushButton("One step")
        self.btn_step.setToolTip(
            "Run exactly one step (one weight update) and show the next iteration in the stepper"
        )
        for b in (self.btn_train, self.btn_stop, self.btn_step):
            row.addWidget(b)
        lay.addLayout(row)
        row = QHBoxLayout()  # the start weights: back to them, or new ones (a row of its own:
        for b in (self.btn_reset, self.btn_reinit):  # five buttons overflow a narrow dock)
            row.addWidget(b)
        lay.addLayout(row)
        # a past step of the run on screen (a click on the error plot): go on from it
        self.btn_here = QPushButton("Train from here")
        self.btn_here.setToolTip(
            "Go on training from the step on screen, with these settings. The run's steps "
            "after it are discarded: their weights and their part of the error curve."
        )
        self.btn_here.clicked.connect(controller.train_from_here)
        self.btn_here.setVisible(False)
        lay.addWidget(self.btn_here)
        s.viewingChanged.connect(lambda: self.btn_here.setVisible(s.viewing is not None))
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
        lrow = QHBoxLayout()
        lrow.addWidget(self.lr, 1)
        lrow.addSpacing(8)
        alpha_label = QLabel("Momentum α")
        alpha_label.setToolTip(MOMENTUM_TIP)
        self.alpha = _AlphaBox()
        self.alpha.setToolTip(MOMENTUM_TIP)
        alpha_label.setBuddy(self.alpha)
        lrow.addWidget(alpha_label)
        lrow.addWidget(self.alpha)
        form.addLayout(lrow, 0, 1)
        mrow = QHBoxLayout()
        self.mode = QComboBox()
        for m in MODES:
            self.mode.addItem(m, m)
        self.mode.setToolTip(
            "online: one update per sample; batch: one per pass over all samples; minibatch: one per batch"
        )
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
        self.rate.setToolTip(
            "A pace the class can follow: the canvas and the error plot move "
            'while it trains. Each preset has its own (the file\'s "speed").'
        )
        self.full_speed = QCheckBox("full speed")
        self.full_speed.setToolTip("As fast as this computer trains (the canvas follows ten times a second)")
        srow.addWidget(self.rate, 1)
        srow.addWidget(self.full_speed)
        form.addWidget(QLabel("Speed"), 2, 0)
        form.addLayout(srow, 2, 1)
        self.stop_error = QLineEdit()
        self.stop_error.setPlaceholderText("never")
        self.stop_error.setToolTip(STOP_TIP)
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
        self.btn_reinit.clicked.connect(self._reinitialise)
        self.btn_step.clicked.connect(controller.one_step)
        self.mode.activated.connect(self._mode_edited)
        self.batch.valueChanged.connect(self._mode_edited)
        self.max_steps.valueChanged.connect(self._stops_edited)
        self.stop_error.editingFinished.connect(self._stops_edited)
        self.full_speed.toggled.connect(self._speed_edited)
        self.rate.valueChanged.connect(self._rate_edited)
        self.alpha.valueChanged.connect(self._alpha_edited)
        controller.stateChanged.connect(self._on_state)
        controller.snapshotApplied.connect(self._on_snapshot)
        s.documentChanged.connect(self._from_session)
        s.settingsChanged.connect(self._from_session)
        s.traceChanged.connect(self._idle_status)
        self._from_session()

    # -- from the model --------------------------------------------------------------------
    def _from_session(self) -> None:
        """The fields show the session's settings (after an edit here, an undo, a new file)."""
        s = self.c.session
        d = s.doc
        self.lr.setText(f"{d.learning_rate:g}")
        self.lr_note.setText("")
        self.alpha.blockSignals(True)
        self.alpha.setValue(d.momentum)
        self.alpha.blockSignals(False)
        for w in (self.mode, self.batch):
            w.blockSignals(True)
        self.mode.setCurrentIndex(self.mode.findData(d.mode))
        self.batch.setRange(1, max(1, d.n_samples))
        self.batch.setValue(d.batch_size or min(d.n_samples, 32))
        self.batch.setEnabled(d.mode == "minibatch")
        for w in (self.mode, self.batch):
            w.blockSignals(False)
        self._show_speed()
        self._on_state(self.c.state)
        self.btn_reinit.setToolTip(
            f"Re-initialise: draw new start weights from a new seed (now: {weights_origin(d)}); "
            "the run so far stays on the error plot, faint; Undo brings the old weights back"
        )

    def _show_speed(self) -> None:
        """The session's speed and stop threshold in the dock's fields."""
        s = self.c.session
        for w in (self.rate, self.full_speed):
            w.blockSignals(True)
        self.full_speed.setChecked(s.speed is None)
        if s.speed is not None:
            self.rate.setValue(s.speed)
        for w in (self.rate, self.full_speed):
            w.blockSignals(False)
        self.stop_error.setText("" if s.stop_error is None else f"{s.stop_error:g}")
        self.stop_error.setStyleSheet("")
        self.stop_error.setToolTip(STOP_TIP)

    def _on_state(self, st: str) -> None:
        running = st == "running"
        self.btn_train.setText("Pause" if running else ("Resume" if st == "paused" else "Train"))
        self.btn_stop.setEnabled(st in ("running", "paused"))
        self.btn_step.setEnabled(not running)
        self.btn_reset.setEnabled(True)
        self.progress.setVisible(self.c.max_steps is not None)
        if running:
            self.plot.update_stop()
        else:
            self._idle_status()

    def _reinitialise(self) -> None:
        """Training → Re-initialise weights… (a dialog: the scheme and a new seed)."""
        from bpviz.gui.run_list import reinitialise_weights

        reinitialise_weights(self.c.session, self.c, self)

    def speed_text(self) -> str:
        """ "at 20 steps/s, stops when E < 0.01": how the next run goes."""
        s = self.c.session
        pace = "at full speed" if s.speed is None else f"at {_rate(s.speed)} steps/s"
        stop = "no stop threshold" if s.stop_error is None else f"stops when E < {s.stop_error:g}"
        return f"{pace}, {stop}"

    def stopped_at(self) -> tuple[str, int] | None:
        """(E as written, step) after a run the threshold ended: ("0.00998", 302)."""
        snap = self.c.last
        se = self.c.session.stop_error
        if (
            self.c.state != "finished"
            or snap is None
            or snap.reason != "target"
            or snap.stopped_error is None
            or se is None
        ):
            return None
        return _below(snap.stopped_error, se), snap.step

    def stopped_text(self) -> str | None:
        """ "Stopped: E = 0.00998 < 0.01 at step 302" after a run the threshold ended."""
        at = self.stopped_at()
        if at is None:
            return None
        return f"Stopped: E = {at[0]} < {self.c.session.stop_error:g} at step {at[1]:,}"

    def _idle_status(self) -> None:
        if self.c.state == "running" or self.c.session.training:
            return  # (and the iteration's trace is not built for it)
        s = self.c.session
        e = s.trace.error
        what = {"idle": "ready", "paused": "paused", "finished": "finished", "diverged": "diverged"}.get(
            self.c.state, self.c.state
        )
        snap = self.c.last
        stopped = self.stopped_text()
        if self.c.state == "finished" and snap is not None:
            what = {"target": "finished", "max_steps": "reached the step limit"}.get(snap.reason, "finished")
        here = bool(stopped) and s.step == snap.step  # not once the stepper moved on
        head = f"{stopped} · " if here else f"{what} · "
        self.plot.update_stop(self.stopped_at() if here else None)  # the threshold line's words
        self.status.setText(
            f"{head}step {s.step:,} · epoch {s.step // s.steps_per_epoch:,} · "
            f"E of the next step {fmt(e, 6) if math.isfinite(e) else e}"
            f"\nNext run: {self.speed_text()}"
        )
        self._progress(s.step)

    def _on_snapshot(self, snap) -> None:
        s = self.c.session
        if snap.state == "running":
            se = s.stop_error
            if se is None:
                stop = "no stop threshold"
            elif snap.stop_armed:
                stop = f"stops when E < {se:g}"
            else:
                stop = f"E was below {se:g} when this run began, so it goes on until you stop it"
            pace = (
                f"{_rate(s.speed)} steps/s"
                if s.speed is not None
                else f"full speed ({snap.steps_per_second:,.0f} steps/s)"
            )
            test = "" if snap.test_error is None else f" · test E {fmt(snap.test_error, 6)}"
            self.status.setText(
                f"training · step {snap.step:,} · epoch {snap.epoch:,} · E (all samples) "
                f"{fmt(snap.data_error, 6)}{test}\n{pace} · {stop}"
            )
        elif snap.state == "finished" and snap.reason == "target":
            text = self.stopped_text()
            w = self.window()
            if text and isinstance(w, QMainWindow) and snap.serial != getattr(self, "_told", None):
                self._told = snap.serial
                w.statusBar().showMessage(text, 15000)
        self._progress(snap.step)

    def _progress(self, step: int) -> None:
        m = self.c.max_steps
        if m:
            self.progress.setRange(0, m)
            self.progress.setValue(min(step, m))
            self.progress.setFormat(f"{min(step, m):,} / {m:,} steps")

    # -- edits: through the session's setters --------------------------------------------
    def _lr_edited(self) -> None:
        text = self.lr.text().strip()
        try:
            v = read_learning_rate(text)
        except ValueError as e:
            self.lr_note.setText(f"<span style='color:{WARN}'>Not a learning rate: {escaped(e, 200)}.</span>")
            return
        note = ""
        if v > 100:
            note = (
                f"<span style='color:{WARN}'>This is very large: training will likely "
                "diverge (bpviz stops it and keeps the last finite weights).</span>"
            )
        self.c.session.set_learning_rate(v)  # undoable; the fields follow settingsChanged
        self.lr_note.setText(note)

    def _alpha_edited(self, v: float) -> None:
        """A new momentum α: undoable, like η; a running trainer takes it at its next step."""
        try:
            self.c.session.set_momentum(round(v, self.alpha.decimals()))
        except ValueError as e:  # (the box's range keeps α within 0 ≤ α < 1)
            self.lr_note.setText(f"<span style='color:{WARN}'>Not a momentum: {escaped(e, 200)}.</span>")

    def _mode_edited(self, *_a) -> None:
        mode = self.mode.currentData()
        self.batch.setEnabled(mode == "minibatch")
        self.c.session.set_mode(mode, self.batch.value() if mode == "minibatch" else None)

    def _stops_edited(self, *_a) -> None:
        m = self.max_steps.value() or None
        t = self.stop_error.text().strip()
        try:
            stop = check_stop_error(read_number(t)) if t else None
        except ValueError as e:
            self.stop_error.setStyleSheet(f"color: {WARN}")
            self.stop_error.setToolTip(
                auto(
                    f"“{t}” is not a stop threshold ({e}): type a number greater than 0, "
                    "or leave it empty for no stop"
                )
            )
            return
        self.stop_error.setStyleSheet("")
        self.stop_error.setToolTip(STOP_TIP)
        if m != self.c.max_steps:
            self.c.set_limits(max_steps=m, target_error=self.c.target_error)
        self.c.session.set_stop_error(stop)
        self.progress.setVisible(m is not None)
        self._progress(self.c.session.step)
        self.plot.update_stop()
        self._idle_status()

    def _speed_edited(self, *_a) -> None:
        self.c.session.set_speed(None if self.full_speed.isChecked() else self.rate.value())
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
