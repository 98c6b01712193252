"""The window's toolbar: the phase buttons (first, previous, next, last, play), the play delay,
the sample an iteration uses and the built-in example networks."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QLabel, QSpinBox, QToolBar

from bpviz.core.presets import preset_titles
from bpviz.gui.preferences import read_delay

__all__ = ["PhaseToolbar"]

MAX_SHOWN_INPUTS = 4  # a sample's entry shows this many inputs, then "…"


class PhaseToolbar(QToolBar):
    """Built from the window's phase actions; ``show_document`` refills the sample and example
    choosers from the session (a new network, a new data set)."""

    def __init__(self, window) -> None:
        super().__init__("Phases", window)
        self.window = window
        self.session = window.session
        self.setObjectName("toolbar-phases")
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        for a in (window.act_first, window.act_prev, window.act_next, window.act_last, window.act_play):
            self.addAction(a)
        self.delay = QSpinBox()
        self.delay.setRange(200, 10_000)
        self.delay.setSingleStep(100)
        self.delay.setSuffix(" ms")
        self.delay.setValue(read_delay(window.settings))
        self.delay.setToolTip("Delay between phases while playing")
        self.delay.valueChanged.connect(window.player.set_delay)
        self.addWidget(self.delay)
        self.addSeparator()
        self.addWidget(QLabel(" Sample "))
        self.sample_box = QComboBox()
        self.sample_box.setToolTip(
            "The sample an online iteration uses (next in order by "
            "default); in batch mode, the sample the canvas shows"
        )
        # as wide as its longest entry ("12: (0.25, 1, …)"), never cut
        self.sample_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.sample_box.activated.connect(self._on_sample_chosen)
        self.addWidget(self.sample_box)
        self.addSeparator()
        self.addWidget(QLabel(" Network "))
        self.preset_box = QComboBox()
        self.preset_box.setToolTip("Open a built-in example network")
        for name, title in preset_titles():
            self.preset_box.addItem(f"{name} — {title}", name)
        self.preset_box.activated.connect(lambda i: window.files.open_preset(self.preset_box.itemData(i)))
        self.addWidget(self.preset_box)

    def show_document(self) -> None:
        """The samples of the session's data ("next in order" first in online mode) and the
        example it came from (none for a file)."""
        s = self.session
        doc = s.doc
        box = self.sample_box
        box.blockSignals(True)
        box.clear()
        if doc.mode == "online":
            box.addItem("next in order", None)
        for i in range(doc.n_samples):
            xs = ", ".join(f"{v:g}" for v in doc.inputs[i][:MAX_SHOWN_INPUTS])
            more = ", …" if doc.inputs.shape[1] > MAX_SHOWN_INPUTS else ""
            box.addItem(f"{i + 1}: ({xs}{more})", i)
        box.blockSignals(False)
        idx = self.preset_box.findData(s.source)
        self.preset_box.blockSignals(True)
        self.preset_box.setCurrentIndex(idx if idx >= 0 else -1)
        self.preset_box.blockSignals(False)

    def set_training(self, on: bool) -> None:
        """While training the phase buttons and the sample wait."""
        w = self.window
        for a in (w.act_first, w.act_prev, w.act_next, w.act_last, w.act_play):
            a.setEnabled(not on)
        self.sample_box.setEnabled(not on)

    def _on_sample_chosen(self, i: int) -> None:
        self.session.set_sample_choice(self.sample_box.itemData(i))
