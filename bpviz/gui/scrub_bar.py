"""Scrubbing the error curve: any past step of the run on screen, from the error plot.

A click on the error plot asks for the network at that step (``Session.request_view``; the
training controller fetches it: a replay from the training process's checkpoints, or the
stepper's own store for steps taken by hand) and a marker stands at the step on screen; drag
the marker to scrub (a drag elsewhere still pans, the wheel still zooms, hovering still reads
a value off); double-click goes back to the live network and follows the run again. Under the
plot, :class:`ScrubBar`: a slider over the run's steps, what is on screen ("Viewing step 1,234
of 5,000"), a long replay's progress, "Back to live" (Esc) and "Train from here", which goes on
from the step on screen and discards the steps after it (the error curve after it goes too).

The controller is passed in (the window's), never imported: views do not talk to the engine.
"""

from __future__ import annotations

import math

import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSlider, QVBoxLayout, QWidget

from bpviz.gui.session import Session
from bpviz.gui.theme import THEMES

__all__ = ["ScrubMarker", "ScrubBar", "TRAIN_FROM_HERE_TIP", "viewing_text"]

TRAIN_FROM_HERE_TIP = (
    "Go on training from the step on screen, with the settings in the Training dock. The run's "
    "steps after it are discarded: their weights and their part of the error curve."
)
BACK_TIP = "Back to the live network, where the run is (Esc)"


def viewing_text(session: Session) -> str:
    """ "Viewing step 1,234 of 5,000" while a past step is on screen, else "Live · step
    5,000"."""
    v = session.viewing
    if v is None:
        return f"Live · step {session.step:,}"
    return f"Viewing step {v:,} of {session.live_step:,}"


class ScrubMarker:
    """On an error plot: the marker at the step on screen, and clicks that scrub."""

    def __init__(self, plot) -> None:
        self.plot = plot
        self.session: Session = plot.session
        # in the theme's text colour: unlike every curve (and the hover cursor's dotted grey)
        self.line = pg.InfiniteLine(
            angle=90,
            movable=True,
            label=" step {value:,.0f}",  # (follows a drag)
            labelOpts={"position": 0.98, "anchors": [(0, 0), (0, 0)]},  # (hangs from the top)
        )
        self.line.setZValue(40)
        self.line.setToolTip("The step on screen: drag to scrub; Esc or double-click for the live run")
        plot.plotItem.addItem(self.line, ignoreBounds=True)
        self.line.hide()
        self._label_shown = True
        self.line.sigDragged.connect(self._dragged)
        self.line.sigPositionChangeFinished.connect(self._dragged)
        plot.scene().sigMouseClicked.connect(self._clicked)
        s = self.session
        s.viewingChanged.connect(self.update)
        s.documentChanged.connect(self.update)
        s.displayChanged.connect(self.update)

    def last_step(self) -> int:
        """The last step one can scrub to: the run's newest."""
        s = self.session
        return max(s.history.n, s.live_step)

    def step_at(self, scene_pos) -> int | None:
        """The step under a point of the plot's scene (None: outside the data area, or no
        steps yet)."""
        vb = self.plot.plotItem.vb
        if not vb.sceneBoundingRect().contains(scene_pos) or self.last_step() < 1:
            return None
        x = vb.mapSceneToView(scene_pos).x()
        if not math.isfinite(x):
            return None
        return int(min(max(round(x), 0), self.last_step()))

    def _clicked(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            return
        if ev.double():  # (the plot follows the run again)
            self.session.back_to_live()
            return
        step = self.step_at(ev.scenePos())
        if step is not None:
            self.session.request_view(step)

    def _dragged(self, *_a) -> None:
        x = self.line.value()
        if math.isfinite(x):
            self.session.request_view(int(min(max(round(x), 0), self.last_step())))

    def show_label(self, shown: bool) -> None:
        """The marker's "step N" label, hidden while the plot's hover readout (which names the
        step hovered, at the same height) is up."""
        label = self.line.label
        if label.isVisible() == shown and self._label_shown == shown:
            return
        self._label_shown = shown
        label.setVisible(shown)
        if shown:
            label.valueChanged()

    def update(self, *_a) -> None:
        v = self.session.viewing
        if v is None:
            self.line.hide()
            return
        colour = THEMES[self.session.theme].text
        self.line.setPen(pg.mkPen(colour, width=2))
        self.line.setHoverPen(pg.mkPen(colour, width=4))
        self.line.label.setColor(colour)
        paper = pg.mkColor(THEMES[self.session.theme].background)
        paper.setAlpha(210)
        self.line.label.fill = pg.mkBrush(paper)  # readable over the curves it crosses
        self.line.show()  # (before the label's text: a hidden label does not take one)
        if not self.line.moving:
            self.line.setPos(v)
        self.line.label.valueChanged()


class ScrubBar(QWidget):
    """Under the error plot: a slider over the steps, what is on screen, Back to live and
    Train from here."""

    def __init__(self, session: Session, controller, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.controller = controller
        outer = QVBoxLayout(self)
        outer.setContentsMargins(4, 0, 4, 2)
        outer.setSpacing(0)
        lay = QHBoxLayout()
        self.label = QLabel()
        self.label.setTextFormat(Qt.TextFormat.PlainText)
        self.label.setToolTip("The step whose network is on screen")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("scrub-slider")
        self.slider.setToolTip(
            "Drag to see the network at any past step of the run (the exact weights of that "
            "step); Shift+← / Shift+→ go one step, Esc back to the live run"
        )
        self.slider.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # (the arrows are the phases')
        self.back = QPushButton("Back to live")
        self.back.setToolTip(BACK_TIP)
        self.here = QPushButton("Train from here")
        self.here.setToolTip(TRAIN_FROM_HERE_TIP)
        outer.addWidget(self.slider)  # a row of its own: the whole width of the dock to scrub
        outer.addLayout(lay)
        lay.addWidget(self.label, 1)
        lay.addWidget(self.back)
        lay.addWidget(self.here)
        self._setting = False
        self._progress = ""
        self.slider.valueChanged.connect(self._slid)
        self.back.clicked.connect(controller.back_to_live)
        self.here.clicked.connect(controller.train_from_here)
        controller.seekProgress.connect(self._on_progress)
        for sig in (session.viewingChanged, session.historyChanged, session.documentChanged):
            sig.connect(self.refresh)
        session.traceChanged.connect(self.refresh)
        session.trainingChanged.connect(self.refresh)
        self.refresh()

    def refresh(self, *_a) -> None:
        s = self.session
        last = max(s.history.n, s.live_step)
        self._setting = True
        try:
            self.slider.setRange(0, max(last, 0))
            self.slider.setValue(s.step if s.viewing is None else s.viewing)
        finally:
            self._setting = False
        self.slider.setEnabled(last > 0)
        viewing = s.viewing is not None
        for b in (self.back, self.here):  # (shown only for a past step: the row stays short)
            b.setEnabled(viewing)
            b.setVisible(viewing)
        self.label.setText(self._progress or viewing_text(s))

    def _slid(self, value: int) -> None:
        if not self._setting:
            self.controller.seek(int(value))

    def _on_progress(self, done: int, total: int) -> None:
        self._progress = f"Replaying {done:,} of {total:,} steps…" if total else ""
        self.label.setText(self._progress or viewing_text(self.session))
