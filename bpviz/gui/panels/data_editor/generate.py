"""Generated data sets for lectures (AND, OR, XOR, the swap table, two noisy classes): the
Generate menu, the two-class set's dialog, and replacing the table with a set.

:class:`GeneratedSets` is a part of :class:`~bpviz.gui.panels.data_editor.editor.DataEditor`
(a mixin): it uses the editor's ``_labels``, ``_commit_editing``, ``_refuse`` and ``_replace``.
"""

from __future__ import annotations

from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QMenu,
    QSpinBox,
    QToolButton,
)

from bpviz.core.datasets import GENERATORS, MAX_ROWS, DataError, generate
from bpviz.gui.panels.data_editor.model import plural


class TwoClassDialog(QDialog):
    """Size, seed and noise of the two-class set."""

    def __init__(self, parent=None, n: int = 40, seed: int = 0, sigma: float = 0.6) -> None:
        super().__init__(parent)
        self.setWindowTitle("Two noisy classes")
        form = QFormLayout(self)
        intro = QLabel(
            "Points around (−1, −1) with target 0 and around (1, 1) with target 1, "
            "alternating; the same seed gives the same set."
        )
        intro.setWordWrap(True)
        form.addRow(intro)
        self.n = QSpinBox()
        self.n.setRange(2, MAX_ROWS)
        self.n.setValue(n)
        self.n.setToolTip("How many points (samples); half in each class")
        self.seed = QSpinBox()
        self.seed.setRange(0, 2_147_483_647)
        self.seed.setValue(seed)
        self.seed.setToolTip("Seed of the random numbers: the same seed gives the same points")
        self.sigma = QDoubleSpinBox()
        self.sigma.setRange(0.0, 5.0)
        self.sigma.setDecimals(2)
        self.sigma.setSingleStep(0.1)
        self.sigma.setValue(sigma)
        self.sigma.setToolTip(
            "Standard deviation σ of the noise around each centre (larger: the classes overlap more)"
        )
        form.addRow("&Points:", self.n)
        form.addRow("&Seed:", self.seed)
        form.addRow("&Noise σ:", self.sigma)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        box.accepted.connect(self.accept)
        box.rejected.connect(self.reject)
        form.addRow(box)

    def values(self) -> dict:
        return {"n": self.n.value(), "seed": self.seed.value(), "sigma": round(self.sigma.value(), 2)}


class GeneratedSets:
    """The DataEditor's Generate menu and generated sets."""

    def _build_generate_menu(self) -> None:
        """The Generate menu, one action per generator, behind a button on the second
        toolbar."""
        self.gen_menu = QMenu("Generate", self)
        self.gen_menu.setToolTipsVisible(True)
        self.gen_actions: dict[str, QAction] = {}
        for name, g in GENERATORS.items():
            dots = "…" if name == "two-class" else ""
            a = self.gen_menu.addAction(
                f"{g.title}{dots}  ({plural(g.n_in, 'input')}, {plural(g.n_out, 'target')})"
            )
            a.setToolTip(g.description)
            a.setStatusTip(g.description)
            a.triggered.connect(lambda _=False, n=name: self.generate_set(n))
            self.gen_actions[name] = a
        self.gen_button = QToolButton(self)
        self.gen_button.setText("Generate")
        self.gen_button.setMenu(self.gen_menu)
        self.gen_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.gen_button.setToolTip(
            "Replace the data with a lecture example: AND, OR, XOR, the swap table or two noisy classes"
        )
        self.toolbar2.addWidget(self.gen_button)

    def generate_set(self, name: str, ask: bool = True, **kw) -> bool:
        """Replace the data with a generated example; refused (with a message) when its shape
        does not fit the network. ``two-class`` asks for its size and seed unless ``ask`` is
        False (then ``kw`` or the last values are used)."""
        if self.session.training:
            return False
        self._commit_editing()
        ins, outs = self._labels()
        g = GENERATORS[name]
        if (g.n_in, g.n_out) != (len(ins), len(outs)):
            try:
                generate(name, len(ins), len(outs))
            except DataError as e:
                self._refuse("Cannot generate the data", f"{e}.")
                return False
        if name == "two-class":
            params = {**self._two_class, **kw}
            if ask and not kw:
                dlg = TwoClassDialog(self, **params)
                if dlg.exec() != QDialog.DialogCode.Accepted:
                    return False
                params = dlg.values()
            kw = params
        try:
            X, T, desc = generate(name, len(ins), len(outs), **kw)
        except DataError as e:
            self._refuse("Cannot generate the data", f"{e}.")
            return False
        if name == "two-class":
            self._two_class = dict(kw)
        return self._replace(X, T, f"Generate {g.title}", f"Generated: {desc}")
