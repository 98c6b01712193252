"""Presentation mode: the canvas and its banner alone at full screen, in large type, for a
projector; clicker keys step, B or . blanks the screen, Esc leaves and the window comes back
exactly as it was.

:class:`Stage` is the window's central widget: the canvas, a caption under it (the inspector's
text for the selection, read from the inspector, never recomputed), a small phase counter in a
corner and a black screen, the last three shown only while presenting. :class:`Presenter` enters
and leaves: it hides the docks, toolbars, menu and status bar, raises the font zoom to suit the
screen (16:9 and 4:3 alike), and puts every one of them back on leaving.
"""

from __future__ import annotations

import re

from PySide6.QtCore import QByteArray, QEvent, QObject, Qt
from PySide6.QtGui import QFont, QTextCursor, QTextDocument
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QSizePolicy,
    QTextBrowser,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from bpviz.gui.theme import ERROR_SIGNAL, FORWARD, THEMES

__all__ = ["Stage", "Caption", "Presenter", "presentation_zoom", "STATE_VERSION"]

STATE_VERSION = 1  # of QMainWindow.saveState: 1 = the docks in one column beside the canvas
REFERENCE = (1280, 720)  # a screen this size presents at zoom BASE_ZOOM …
BASE_ZOOM = 1.5  # … and every other screen in proportion (by its tighter side)
CAPTION_SHARE = 0.3  # the caption takes at most this share of the screen's height
CAPTION_MIN_SCALE = 0.8  # a long caption shrinks to fit, down to this, then loses sections,
CAPTION_LAST_SCALE = 0.6  # then shrinks down to this, then scrolls
SECTION_MARGIN = 8  # px: the inspector's section labels stand this far (12 px) from the text
_PT = re.compile(r"font-size:\s*([0-9.]+)pt")
_BODY_PT = re.compile(r"<body[^>]*font-size:\s*([0-9.]+)pt")


def presentation_zoom(width: int, height: int, factor: float = 1.0) -> float:
    """The font zoom for a full screen of width × height: 1.5 at 1280×720, 1.2 at 1024×768,
    2.25 at 1920×1080 — the same picture on any projector — times the presenter's own factor
    (remembered from a zoom change while presenting)."""
    fit = min(width / REFERENCE[0], height / REFERENCE[1])
    return float(min(3.0, max(1.0, BASE_ZOOM * fit * factor)))


def scaled_html(html: str, scale: float) -> str:
    """Rich text with every point size multiplied by scale."""
    return _PT.sub(lambda m: f"font-size:{float(m.group(1)) * scale:.2f}pt", html)


def _sections(doc: QTextDocument) -> list[tuple[int, int, str]]:
    """The inspector's text in sections: (first block, last block, label colour). Each starts
    at a label (the inspector's paragraphs with a wide top margin); the title and what comes
    before the first label are not a section (they always stay)."""
    out: list[list] = []
    b, n = doc.begin(), 0
    while b.isValid():
        if b.blockFormat().topMargin() >= SECTION_MARGIN:
            it = b.begin()
            colour = "" if it.atEnd() else \
                it.fragment().charFormat().foreground().color().name().lower()
            out.append([n, n, colour])
        elif out:
            out[-1][1] = n
        b, n = b.next(), n + 1
    return [tuple(x) for x in out]


def _remove_blocks(doc: QTextDocument, first: int, last: int) -> None:
    """Delete blocks first … last with the paragraph break before them."""
    a, b = doc.findBlockByNumber(first), doc.findBlockByNumber(last)
    if not a.isValid() or not b.isValid():
        return
    cur = QTextCursor(doc)
    cur.setPosition(max(0, a.position() - 1))
    cur.setPosition(b.position() + b.length() - 1, QTextCursor.MoveMode.KeepAnchor)
    cur.removeSelectedText()


def _remove_leading_blocks(doc: QTextDocument, n: int) -> None:
    """Delete the first n blocks; what is left keeps its own paragraph format."""
    b = doc.findBlockByNumber(n)
    if n <= 0 or not b.isValid():
        return
    fmt = b.blockFormat()
    cur = QTextCursor(doc)
    cur.setPosition(b.position(), QTextCursor.MoveMode.KeepAnchor)
    cur.removeSelectedText()
    cur.setPosition(0)
    cur.setBlockFormat(fmt)


def _fill(doc: QTextDocument, html: str, scale: float, drops) -> None:
    """doc ← html with its sizes scaled and the sections drops left out."""
    html = scaled_html(html, scale)
    body = _BODY_PT.search(html)
    if body:  # headings are sized relative to the default font
        f = QFont(doc.defaultFont())
        f.setPointSizeF(float(body.group(1)))
        doc.setDefaultFont(f)
    doc.setHtml(html)
    for a, b in sorted(drops, reverse=True):  # the last first: block numbers stay valid
        _remove_blocks(doc, a, b)


def _document(html: str, scale: float, drops, width: int) -> QTextDocument:
    d = QTextDocument()
    _fill(d, html, scale, drops)
    d.setTextWidth(width)
    return d


def _balanced_split(doc: QTextDocument) -> tuple[int | None, int]:
    """The block that starts the second column so the taller column is shortest, and that
    height. A column starts at a section label or a new equation, never at an equation's
    "= …" continuation, in a table or right after a label."""
    lay = doc.documentLayout()
    total = doc.size().height()
    margin = doc.documentMargin()
    best, best_h = None, int(total) + 2
    b, prev = doc.begin().next(), doc.begin()
    while b.isValid():
        ok = (not b.text().lstrip().startswith("=")
              and QTextCursor(b).currentTable() is None
              and prev.blockFormat().topMargin() < SECTION_MARGIN)
        if ok:
            y = lay.blockBoundingRect(b).top()
            h = int(max(y + margin, total - y + margin)) + 2
            if h < best_h:
                best, best_h = b.blockNumber(), h
        prev, b = b, b.next()
    return best, best_h


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


class Caption(QFrame):
    """The inspector's text under the canvas: large, in one column or two side by side, fitted
    to a height. It shows the inspector's own rich text (sizes scaled), never recomputes it."""

    MIN_COLUMN = 380  # px: narrower columns would wrap the equations

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("caption")
        lay = QHBoxLayout(self)
        lay.setContentsMargins(6, 4, 6, 2)
        lay.setSpacing(24)
        self.columns = [self._browser(), self._browser()]
        for c in self.columns:
            lay.addWidget(c, 1)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.scale = 1.0  # of the inspector's sizes
        self.dropped = 0  # sections left out to fit
        self.n_columns = 1
        self.hide()

    def _browser(self) -> QTextBrowser:
        b = QTextBrowser(self)
        b.setFrameShape(QFrame.Shape.NoFrame)
        b.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        b.setOpenLinks(False)
        b.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        b.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        b.setAttribute(Qt.WidgetAttribute.WA_TranslucentBackground, True)
        b.viewport().setAutoFillBackground(False)
        return b

    def text(self) -> str:
        """What the caption shows, as plain text."""
        return "\n".join(c.toPlainText() for c in self.columns[: self.n_columns])

    def fit(self, html: str, prefer: str, width: int, limit: int) -> None:
        """Show html in width × at most limit px: large type first (down to
        CAPTION_MIN_SCALE of the inspector's sizes), in two columns when one is too tall;
        then without the sections the phase is not about (prefer: the colour of the labels
        of those it is about), then smaller (down to CAPTION_LAST_SCALE); scroll only if the
        title and one section still do not fit."""
        m = self.layout().contentsMargins()
        inner = max(100, width - m.left() - m.right())
        limit = max(40, limit - m.top() - m.bottom())
        sections = _sections(_document(html, 1.0, (), inner))
        order = [i for i, c in enumerate(sections) if c[2] and c[2] == prefer]
        order += [i for i in range(len(sections)) if i not in order]
        levels = [[(a, b) for j, (a, b, _c) in enumerate(sections) if j not in order[:n]]
                  for n in range(len(order), 0, -1)] or [[]]
        two = inner >= 2 * self.MIN_COLUMN + self.layout().spacing()
        col_w = (inner - self.layout().spacing()) // 2
        best = None
        for drops in levels:
            for scale in (1.0, 0.9, CAPTION_MIN_SCALE):
                best = self._try(html, scale, drops, inner, col_w if two else 0, limit)
                if best[0] <= limit:
                    break
            if best[0] <= limit:
                break
        scale = best[1]
        while best[0] > limit and scale > CAPTION_LAST_SCALE:
            scale = max(CAPTION_LAST_SCALE, scale * 0.9)
            best = self._try(html, scale, levels[-1], inner, col_w if two else 0, limit)
        h, scale, drops, split = best
        self._show(html, scale, drops, split, inner if split is None else col_w)
        self.scale, self.dropped = scale, len(drops)
        self.setFixedHeight(min(h, limit) + m.top() + m.bottom())
        for c in self.columns:
            c.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded if h > limit
                                         else Qt.ScrollBarPolicy.ScrollBarAlwaysOff)

    def _try(self, html, scale, drops, width, col_w, limit):
        """(height, scale, drops, split): one column, else two if col_w (split: the first
        block of the second column)."""
        d = _document(html, scale, drops, width)
        h = int(d.size().height()) + 2
        if h <= limit or not col_w:
            return h, scale, drops, None
        d = _document(html, scale, drops, col_w)
        k, h2 = _balanced_split(d)
        if k is None or h2 >= h:
            return h, scale, drops, None
        return h2, scale, drops, k

    def _show(self, html, scale, drops, split, col_w) -> None:
        self.n_columns = 1 if split is None else 2
        for i, c in enumerate(self.columns):
            if i >= self.n_columns:
                c.hide()
                c.clear()
                continue
            _fill(c.document(), html, scale, drops)
            d = c.document()
            if split is not None:
                last = d.blockCount() - 1
                if i == 0:
                    _remove_blocks(d, split, last)
                else:
                    _remove_leading_blocks(d, split)
            c.show()



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
        self.counter.setStyleSheet(f"QLabel#phase-counter {{ color: {th.muted}; "
                                   f"font-size: {9 * z:.1f}pt; background: transparent; }}")
        self._reserve_counter_room()
        self.caption.setStyleSheet(f"QFrame#caption {{ background: {th.background}; "
                                   f"border-top: 1px solid {th.grid}; }} QTextBrowser {{ "
                                   f"background: transparent; color: {th.text}; }}")
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
            self.caption.fit(self._html, self._prefer, max(200, self.width()),
                             max(60, int(self.height() * CAPTION_SHARE)))

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


class Presenter(QObject):
    """Enters and leaves presentation mode on a main window that has ``stage``, ``canvas``,
    ``inspector``, ``session`` and ``settings``."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.stage: Stage = window.stage
        self.active = False
        self.caption_on = str(window.settings.value("present/caption", "true")) == "true"
        self._saved: dict | None = None
        self._auto = 1.0  # the zoom this screen presents at (before the presenter's factor)
        s = self.session
        self.stage.blank.on_click = self.unblank
        for sig in (s.phaseChanged, s.traceChanged, s.documentChanged, s.trainingChanged):
            sig.connect(self.stage.update_counter)
        s.displayChanged.connect(self._on_display)
        s.selectionChanged.connect(self.update_caption)
        s.trainingChanged.connect(self.update_caption)
        window.inspector.text.textChanged.connect(self.update_caption)

    @property
    def blanked(self) -> bool:
        return self.active and self.stage.blank.isVisible()

    # -- entering and leaving -----------------------------------------------------------------
    def enter(self) -> None:
        if self.active:
            return
        w, s = self.window, self.session
        self._saved = {
            "window_state": w.windowState(),
            "geometry": w.geometry(),
            "state": QByteArray(w.saveState(STATE_VERSION)),
            "menu": w.menuBar().isVisibleTo(w),
            "status": w.statusBar().isVisibleTo(w),
            "zoom": s.zoom,
            "tab": w.inspector.tabs.currentIndex(),
            "focus": w.focusWidget(),
        }
        self.active = True
        for d in w.findChildren(QDockWidget, options=Qt.FindChildOption.FindDirectChildrenOnly):
            d.hide()
        for t in w.findChildren(QToolBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            t.hide()
        w.menuBar().hide()
        w.statusBar().hide()
        # the caption reads the inspector's Selection tab, which draws only while it is shown
        w.inspector.tabs.setCurrentIndex(0)
        scr = (w.screen() or w.windowHandle().screen()).geometry()
        self._auto = presentation_zoom(scr.width(), scr.height())
        try:
            factor = float(w.settings.value("present/zoom_factor", 1.0))
        except (TypeError, ValueError):
            factor = 1.0
        self.stage.set_presenting(True)
        s.set_zoom(min(3.0, max(1.0, self._auto * min(2.0, max(0.5, factor)))))
        # the screen's whole area even where no window manager applies "full screen" (a
        # kiosk, a bare X server): the window would otherwise keep its size, larger than a
        # projector's 1280×720, and the canvas would run off the screen
        w.setGeometry(scr)
        w.showFullScreen()
        w.canvas.setFocus()
        self.update_caption()
        self._sync_action()

    def leave(self) -> None:
        if not self.active:
            return
        w, s, saved = self.window, self.session, self._saved
        if self._auto > 0:  # a zoom chosen while presenting is kept for next time
            w.settings.setValue("present/zoom_factor", round(s.zoom / self._auto, 4))
        self.active = False
        self.stage.set_presenting(False)
        s.set_zoom(saved["zoom"])
        w.inspector.tabs.setCurrentIndex(saved["tab"])
        w.menuBar().setVisible(saved["menu"])
        w.statusBar().setVisible(saved["status"])
        # the window state itself, not restoreGeometry: that one guesses frame sizes when
        # it leaves full screen, and a maximised window would come back a few pixels smaller
        ws = saved["window_state"]
        w.setWindowState(ws)
        if not ws & (Qt.WindowState.WindowMaximized | Qt.WindowState.WindowFullScreen):
            w.setGeometry(saved["geometry"])
        w.restoreState(saved["state"], STATE_VERSION)
        focus = saved["focus"]
        (focus if isinstance(focus, QWidget) and focus.isVisible() else w.canvas).setFocus()
        self._saved = None
        self._sync_action()

    def toggle(self) -> None:
        self.leave() if self.active else self.enter()

    def zoom_to_restore(self) -> float | None:
        """The window's own zoom while presenting (what Settings should keep), else None."""
        return self._saved["zoom"] if self.active and self._saved else None

    def _sync_action(self) -> None:
        """View → Presentation is checked while presenting, View → Full screen only for F11's
        full screen."""
        w = self.window
        for name, on in (("act_present", self.active),
                         ("act_full", w.isFullScreen() and not self.active)):
            a = getattr(w, name, None)
            if a is not None and a.isChecked() != on:
                a.setChecked(on)

    # -- blank screen -------------------------------------------------------------------------
    def blank(self) -> None:
        if self.active:
            self.stage.blank.setGeometry(self.stage.rect())
            self.stage.blank.show()
            self.stage.blank.raise_()

    def unblank(self) -> None:
        self.stage.blank.hide()

    # -- caption ------------------------------------------------------------------------------
    def set_caption_on(self, on: bool) -> None:
        self.caption_on = bool(on)
        self.window.settings.setValue("present/caption", "true" if on else "false")
        self.update_caption()

    def update_caption(self, *_a) -> None:
        if not self.active:
            return
        s = self.session
        show = self.caption_on and s.selection is not None and not s.training
        html = self.window.inspector.text.toHtml() if show else None
        if show and not self.window.inspector.text.toPlainText().strip():
            html = None
        ph = s.phase
        prefer = (ERROR_SIGNAL if ph.direction == "backward" else
                  THEMES[s.theme].muted if ph.kind == "update" else FORWARD)
        self.stage.set_caption(html, prefer)

    def _on_display(self) -> None:
        self.stage.restyle()
        self.update_caption()
