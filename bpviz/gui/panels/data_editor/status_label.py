"""The data editor's status line: as many wrapped lines as the dock gives it, never more.

A word-wrapped QLabel asks the layout for the height of all its lines; in a short dock (2× font
zoom in a 1024×768 window) the layout cannot give it, and the label was painted over the table.
This label asks for one line at least and four at most, paints the lines that fit, ends the last
one with "…" when the text goes on, and then shows the whole text in its tooltip. ``text()``
stays the whole text.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QRect, QSize, Qt
from PySide6.QtGui import QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QLabel, QSizePolicy, QToolTip

from bpviz.gui.plain_text import auto

__all__ = ["StatusLabel", "wrap"]

MAX_LINES = 4  # the most the label asks for (a long reason scrolls into the tooltip)


def wrap(fm: QFontMetrics, text: str, width: int) -> list[str]:
    """The text's lines at ``width`` pixels: its own lines, each broken between words (a word
    wider than the width stays whole, to be elided)."""
    out: list[str] = []
    for para in text.split("\n"):
        line = ""
        for word in para.split(" "):
            trial = f"{line} {word}" if line else word
            if line and fm.horizontalAdvance(trial) > width:
                out.append(line)
                line = word
            else:
                line = trial
        out.append(line)
    return out


class StatusLabel(QLabel):
    """Plain text, wrapped at the label's width, cut to the lines its height holds."""

    def __init__(self, parent=None) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self.setWordWrap(False)  # (the label wraps itself: no height-for-width)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)

    def _inner(self) -> QRect:
        return self.contentsRect()

    def tooltip_text(self) -> str:
        """What its tooltip shows: the whole text first where some of it is cut."""
        tip = self.toolTip()
        if self.visible_lines() != self._lines(self._inner().width()):
            tip = self.text() + ("\n\n" + tip if tip else "")
        return tip

    def _lines(self, width: int) -> list[str]:
        return wrap(self.fontMetrics(), self.text(), max(width, 20))

    def sizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        m = self.contentsMargins()
        fm = self.fontMetrics()
        w = max(self.width(), 120) - m.left() - m.right()
        n = min(len(self._lines(w)), MAX_LINES)
        return QSize(fm.horizontalAdvance("0") * 20, n * fm.lineSpacing() + m.top() + m.bottom())

    def minimumSizeHint(self) -> QSize:  # noqa: N802 - Qt's name
        m = self.contentsMargins()
        fm = self.fontMetrics()
        return QSize(fm.horizontalAdvance("0") * 8, fm.lineSpacing() + m.top() + m.bottom())

    def visible_lines(self) -> list[str]:
        """The lines painted now: those that fit the label's height, the last one elided if
        the text goes on."""
        r = self._inner()
        fm = self.fontMetrics()
        lines = self._lines(r.width())
        fit = max(1, r.height() // max(fm.lineSpacing(), 1))
        if len(lines) <= fit:
            return lines
        last = " ".join([lines[fit - 1]] + lines[fit:])
        return lines[: fit - 1] + [fm.elidedText(last, Qt.TextElideMode.ElideRight, r.width())]

    def setText(self, text: str) -> None:  # noqa: N802 - Qt's name
        super().setText(text)
        self.updateGeometry()
        self.update()

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        self.updateGeometry()  # another width: another number of lines

    def paintEvent(self, _ev) -> None:  # noqa: N802 - Qt's name
        shown = self.visible_lines()
        p = QPainter(self)
        r = self._inner()
        ls = self.fontMetrics().lineSpacing()
        for n, line in enumerate(shown):
            self.style().drawItemText(
                p,
                QRect(r.x(), r.y() + n * ls, r.width(), ls),
                int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter),
                self.palette(),
                self.isEnabled(),
                line,
                QPalette.ColorRole.WindowText,
            )
        p.end()

    def event(self, ev) -> bool:
        """Its tooltip: the whole text first where some of it is cut, then what it is for."""
        if ev.type() == QEvent.Type.ToolTip:
            QToolTip.showText(ev.globalPos(), auto(self.tooltip_text()), self)  # names from the file: as text
            return True
        return super().event(ev)
