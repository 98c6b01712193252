"""The caption of presentation mode: the inspector's text for the selection, in large type
under the canvas, fitted to a share of the screen's height — in one column or two side by
side, leaving out the sections the current phase is not about when it must, shrinking last.
It shows the inspector's own rich text (sizes scaled) and never recomputes it."""

from __future__ import annotations

import re

from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QTextCursor, QTextDocument
from PySide6.QtWidgets import QFrame, QHBoxLayout, QSizePolicy, QTextBrowser, QWidget

__all__ = ["Caption", "scaled_html", "CAPTION_SHARE"]

CAPTION_SHARE = 0.3  # the caption takes at most this share of the screen's height
CAPTION_MIN_SCALE = 0.8  # a long caption shrinks to fit, down to this, then loses sections,
CAPTION_LAST_SCALE = 0.6  # then shrinks down to this, then scrolls
SECTION_MARGIN = 8  # px: the inspector's section labels stand this far (12 px) from the text
_PT = re.compile(r"font-size:\s*([0-9.]+)pt")
_BODY_PT = re.compile(r"<body[^>]*font-size:\s*([0-9.]+)pt")


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
            colour = "" if it.atEnd() else it.fragment().charFormat().foreground().color().name().lower()
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


_IMG = re.compile(r"<img\b[^>]*>", re.I)


def _fill(doc: QTextDocument, html: str, scale: float, drops) -> None:
    """doc ← html with its sizes scaled and the sections drops left out. The inspector's
    pictures (weight images, the neuron's heatmap: resources of its own document) are left out:
    the caption is the chain rule in large type."""
    html = scaled_html(_IMG.sub("", html), scale)
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
        ok = (
            not b.text().lstrip().startswith("=")
            and QTextCursor(b).currentTable() is None
            and prev.blockFormat().topMargin() < SECTION_MARGIN
        )
        if ok:
            y = lay.blockBoundingRect(b).top()
            h = int(max(y + margin, total - y + margin)) + 2
            if h < best_h:
                best, best_h = b.blockNumber(), h
        prev, b = b, b.next()
    return best, best_h


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
        levels = [
            [(a, b) for j, (a, b, _c) in enumerate(sections) if j not in order[:n]]
            for n in range(len(order), 0, -1)
        ] or [[]]
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
            c.setVerticalScrollBarPolicy(
                Qt.ScrollBarPolicy.ScrollBarAsNeeded if h > limit else Qt.ScrollBarPolicy.ScrollBarAlwaysOff
            )

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
