"""File → Export…: what to export (canvas, error plot, window, data plane), PNG at 1×–4× with an optional
transparent background, or SVG with text kept as text."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QSpinBox,
)

__all__ = ["ExportDialog"]


class ExportDialog(QDialog):
    def __init__(
        self, parent=None, what: str = "canvas", fmt: str = "png", scale: int = 2, transparent: bool = False
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export image")
        form = QFormLayout(self)
        self.what = QComboBox()
        for key, text in (
            ("canvas", "The network canvas"),
            ("plot", "The error plot"),
            ("window", "The whole window"),
            ("data", "The data plane (samples and the network's output)"),
        ):
            self.what.addItem(text, key)
        self.what.setCurrentIndex(max(0, self.what.findData(what)))
        self.fmt = QComboBox()
        self.fmt.addItem("PNG image", "png")
        self.fmt.addItem("SVG vector image (text stays text)", "svg")
        self.fmt.setCurrentIndex(max(0, self.fmt.findData(fmt)))
        self.scale = QSpinBox()
        self.scale.setRange(1, 4)
        self.scale.setValue(scale)
        self.scale.setSuffix("×")
        self.scale.setToolTip("2× for projectors, 3–4× for print")
        self.transparent = QCheckBox("transparent background")
        self.transparent.setChecked(transparent)
        form.addRow("Export", self.what)
        form.addRow("Format", self.fmt)
        form.addRow("Scale", self.scale)
        form.addRow("", self.transparent)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Export…")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.fmt.currentIndexChanged.connect(self._fmt_changed)
        self._fmt_changed()

    def _fmt_changed(self, *_a) -> None:
        png = self.fmt.currentData() == "png"
        self.scale.setEnabled(png)
        self.transparent.setEnabled(png)

    def choice(self) -> dict:
        return {
            "what": self.what.currentData(),
            "fmt": self.fmt.currentData(),
            "scale": self.scale.value(),
            "transparent": self.transparent.isChecked(),
        }
