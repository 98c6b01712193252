"""The window's central widget: the canvas, and what presentation mode adds around it — the
caption under the canvas, a small phase counter in its corner and a black screen, the last
three shown only while presenting."""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from bpviz.gui.presentation.caption import CAPTION_SHARE, Caption
from bpviz.gui.theme import THEMES

__all__ = ["Stage"]


class _Blank(QWidget):
    """A black screen; a click (or any key, see the window's key filter) brings the picture
    back."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("blank")
        self.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
        self.setStyleSheet("QWidget#blank { background: black; }")
        self.setCursor(Qt.CursorShape.BlankCursor)
        self.on_click = None
        self.hide()

    def mousePressEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        if self.on_click is not None:
            self.on_click()
        ev.accept()


class Stage(QWidget):
    """The canvas, with what presentation mode adds around it."""

    def __init__(self, canvas: QWidget, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = canvas
        self.session = session
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addWidget(canvas, 1)
        self.caption = Caption(self)
        lay.addWidget(self.caption)
        self.counter = QLabel(self)
        self.counter.setObjectName("phase-counter")
        self.counter.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.counter.hide()
        self.blank = _Blank(self)
        canvas.installEventFilter(self)  # the counter sits in the canvas's corner
        self.presenting = False
        self._margins: tuple | None = None  # the canvas layout's own, while presenting
        self._html = ""  # the caption's source: the inspector's text
        self._prefer = ""

    # -- presenting ---------------------------------------------------------------------------
    def set_presenting(self, on: bool) -> None:
        self.presenting = on
        if not on:
            self.blank.hide()
            self.caption.hide()
        self.restyle()
        self.update_counter()

    def restyle(self) -> None:
        th, z = THEMES[self.session.theme], self.session.zoom
        self.counter.setStyleSheet(
            f"QLabel#phase-counter {{ color: {th.muted}; "
            f"font-size: {9 * z:.1f}pt; background: transparent; }}"
        )
        self._reserve_counter_room()
        self.caption.setStyleSheet(
            f"QFrame#caption {{ background: {th.background}; "
            f"border-top: 1px solid {th.grid}; }} QTextBrowser {{ "
            f"background: transparent; color: {th.text}; }}"
        )
        self.update_counter()

    def _reserve_counter_room(self) -> None:
        """While presenting, the canvas's layout keeps a strip at its foot for the counter,
        so the counter never covers a label the canvas placed."""
        ci = self.canvas.ci
        if self.presenting:
            if self._margins is None:
                self._margins = tuple(ci.layout.getContentsMargins())
            left, top, right, bottom = self._margins
            self.counter.setText(self.counter.text() or "0 / 0")
            self.counter.adjustSize()
            ci.setContentsMargins(left, top, right, bottom + self.counter.height())
        elif self._margins is not None:
            ci.setContentsMargins(*self._margins)
            self._margins = None

    def update_counter(self) -> None:
        s = self.session
        show = self.presenting and not s.training
        if show:
            self.counter.setText(f"{s.phase_index + 1} / {len(s.names)}")
            self.counter.adjustSize()
            self._place_overlays()
        self.counter.setVisible(show)

    # -- the caption --------------------------------------------------------------------------
    def set_caption(self, html: str | None, prefer: str | None = None) -> None:
        """Show html (the inspector's text) under the canvas, fitted to its share of the
        screen; None or "" hides it. prefer is the colour of the section labels the current
        phase is about (the inspector colours them forward, backward or muted): when not all
        of the text fits, those sections stay and others go."""
        self._html = html or ""
        self._prefer = (prefer or "").lower()
        if not self.presenting or not self._html:
            self.caption.hide()
            return
        self.caption.show()
        self._fit_caption()

    def _fit_caption(self) -> None:
        if self._html and self.caption.isVisible():
            self.caption.fit(
                self._html, self._prefer, max(200, self.width()), max(60, int(self.height() * CAPTION_SHARE))
            )

    # -- geometry -----------------------------------------------------------------------------
    def _place_overlays(self) -> None:
        c = self.canvas.geometry()
        m = max(4, int(6 * self.session.zoom))
        self.counter.move(c.right() - self.counter.width() - m, c.bottom() - self.counter.height())
        self.counter.raise_()
        self.blank.setGeometry(self.rect())
        self.blank.raise_()

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 - Qt's name
        if obj is self.canvas and ev.type() in (QEvent.Type.Resize, QEvent.Type.Move):
            self._place_overlays()
        return False

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        self._place_overlays()
        if self.caption.isVisible():
            self._fit_caption()
            self._place_overlays()
