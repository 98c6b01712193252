"""The canvas's text items: made once per network, updated only when their text, colour,
font or fill changed.

:class:`TextItems` is a part of :class:`~bpviz.gui.canvas.view.NetworkView` (a mixin): it
uses the view's session (for the font zoom) and its ``_cache`` (item id → the key of what the
item shows) and ``_docs`` (item id → its last few laid-out documents). The label layout
shrinks and restores the same labels on every phase step; a form seen lately comes back by
swapping its document in, not by laying its rich text out again.
"""

from __future__ import annotations

import pyqtgraph as pg
import shiboken6
from PySide6.QtGui import QColor, QFont, QTextDocument

DOCS_PER_LABEL = 4  # laid-out forms kept per label
DOCUMENT_MARGIN = 2  # px around a label's text, whatever its font


def new_text_item(anchor=(0.0, 0.0)) -> pg.TextItem:
    t = pg.TextItem(anchor=anchor)
    t.textItem.document().setDocumentMargin(DOCUMENT_MARGIN)
    return t


class TextItems:
    """Fonts and text updates of the NetworkView's text items."""

    def _font(self, pt: float, bold: bool = False) -> QFont:
        f = QFont()
        f.setPointSizeF(pt * self.session.zoom)
        f.setBold(bold)
        return f

    def _set_text(
        self,
        item,
        text: str,
        color: str,
        pt: float,
        bold: bool = False,
        fill: QColor | None = None,
        html: bool = False,
    ) -> None:
        """Update a text item's content only if something about it changed (the layout
        places it)."""
        key = (
            text,
            color,
            round(pt * self.session.zoom, 2),
            bold,
            None if fill is None else fill.rgba(),
            html,
        )
        if self._cache.get(id(item)) == key:
            return
        self._cache[id(item)] = key
        item.fill = pg.mkBrush(fill) if fill is not None else pg.mkBrush(None)
        # a label's last few forms keep their laid-out documents: the layout shrinks and
        # restores the same labels on every step, and setting rich text lays it out anew
        docs = self._docs.setdefault(id(item), {})
        doc = docs.get(key)
        if doc is not None:
            item.textItem.setDocument(doc)
            if not html:
                item.setColor(color)
            item.updateTextPos()
            item.update()
            return
        doc = QTextDocument()
        doc.setDocumentMargin(DOCUMENT_MARGIN)
        item.textItem.setDocument(doc)
        if html:
            item.setHtml(text)
        else:
            item.setText(text, color=color)
        item.setFont(self._font(pt, bold))
        if len(docs) >= DOCS_PER_LABEL:
            # the item keeps every document it was ever given (PySide6 ties each to it): the
            # one leaving the cache is deleted, or a label changing its numbers while training
            # leaks ~20 KB a change (+80 MB in five minutes of swap, benchmarks/bench_soak.py).
            # It is never the item's current document: that is ``doc``, set above.
            shiboken6.delete(docs.pop(next(iter(docs))))
        docs[key] = doc
        item.update()
