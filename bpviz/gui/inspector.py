"""The inspector: the selection's chain rule in the network's own symbols, then with the numbers
of the current iteration (seed 004's layout); the matrix form of its layer (seed 003's); and a
finite-difference check. It only reads the session's trace (it never runs backprop), and what the
stepper has not revealed yet shows as "?", so students can predict it first.

The Matrix and Gradient check tabs (and their modules) are made when first shown or asked for,
not with the window: its first paint does not wait for them (issue 12)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QTimer, QUrl
from PySide6.QtGui import QFont, QImage
from PySide6.QtWidgets import (
    QLabel,
    QTableWidget,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from bpviz.core import plane as core_plane
from bpviz.core.teach.pictures import Picture
from bpviz.core.teach.selection import Explainer
from bpviz.gui.pictures import picture_size, pictures_across, render_bar, render_picture
from bpviz.gui.theme import ERROR_SIGNAL, FORWARD, SELECT, THEMES

if TYPE_CHECKING:
    from bpviz.gui.gradcheck_tab import GradCheckTab
    from bpviz.gui.matrix_tab import MatrixTab

__all__ = ["Inspector", "PictureBrowser"]


def __getattr__(name: str):
    """CAP and MAX_CHECK, the tabs' caps, still importable from here (their modules are
    imported when asked for)."""
    if name == "CAP":
        from bpviz.gui.matrix_tab import CAP

        return CAP
    if name == "MAX_CHECK":
        from bpviz.gui.gradcheck_tab import MAX_CHECK

        return MAX_CHECK
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


class PictureBrowser(QTextBrowser):
    """The Selection tab's text browser: serves the text's pictures (``pic:KEY`` and
    ``pic:KEY:bar``) from the images it was given."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.images: dict[str, QImage] = {}

    def loadResource(self, kind: int, url: QUrl):  # noqa: N802 (Qt's name)
        if url.scheme() == "pic":
            img = self.images.get(url.toString())
            if img is not None:
                return img
        return super().loadResource(kind, url)


class Inspector(QWidget):
    """Tabs: the selection's chain rule, the phase in matrix form (matrix_tab), a gradient
    check (gradcheck_tab)."""

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.tabs = QTabWidget(self)
        QVBoxLayout(self).addWidget(self.tabs)
        self.layout().setContentsMargins(0, 0, 0, 0)
        self.text = PictureBrowser()
        self.text.setOpenLinks(False)
        self.pictures: dict[str, Picture] = {}  # the Selection tab's pictures, by key
        self._body = ""  # its rich text (drawn again when the width changes the pictures' sizes)
        self._sizes: dict[str, tuple[int, int]] = {}
        self._grids: tuple | None = None  # (key, (frame, grids)): neuron grids of the plane
        self._across = 4  # pictures side by side
        self._refit_pending = False
        self.text.viewport().installEventFilter(self)
        self._matrix: MatrixTab | None = None
        self._check: GradCheckTab | None = None
        self._holders = (QWidget(), QWidget())  # the tabs' pages; each gets its tab when made
        for holder in self._holders:
            QVBoxLayout(holder).setContentsMargins(0, 0, 0, 0)
        for page, name, tip in (
            (
                self.text,
                "Selection",
                "The chain rule of the selected weight, neuron or bias: "
                "in symbols, then with numbers; ? = not revealed by the stepper yet",
            ),
            (
                self._holders[0],
                "Matrix",
                "The current phase in matrix form: W·out + b = net, "
                "f(net) = out, Wᵀ·δ, ∂E/∂out ⊙ f′(net) = δ (out − target = δ where the loss fits "
                "the output, a softmax's Jacobian per sample), δ·outᵀ = ∂E/∂W, the update",
            ),
            (
                self._holders[1],
                "Gradient check",
                "Backprop's gradient against a central finite "
                "difference (ε = 1e−6) for the selected weight, bias or neuron's layer",
            ),
        ):
            self.tabs.setTabToolTip(self.tabs.addTab(page, name), tip)
        self._css = ""
        self._dirty = [True, True, True]
        self.tabs.currentChanged.connect(self._refresh)
        for sig in (
            session.traceChanged,
            session.phaseChanged,
            session.selectionChanged,
            session.documentChanged,
        ):
            sig.connect(self._on_change)
        session.displayChanged.connect(self._on_display)
        session.trainingChanged.connect(self._on_change)
        self._restyle()
        self._refresh()

    @property
    def matrix(self) -> MatrixTab:
        """The Matrix tab (made now if it was not yet)."""
        if self._matrix is None:
            from bpviz.gui.matrix_tab import MatrixTab

            self._matrix = self._made(0, MatrixTab(self.session))
        return self._matrix

    @property
    def check(self) -> GradCheckTab:
        """The Gradient check tab (made now if it was not yet)."""
        if self._check is None:
            from bpviz.gui.gradcheck_tab import GradCheckTab

            self._check = self._made(1, GradCheckTab(self.session))
        return self._check

    def _made(self, i: int, page: QWidget) -> QWidget:
        page.setObjectName("page")
        page.setStyleSheet(self._css)
        self._holders[i].layout().addWidget(page)
        page.show()  # now, not at the next event loop turn: the tabs' size counts it at once
        return page

    # the tabs' parts, by their old names (tests, presentation)
    @property
    def tables(self) -> dict:
        return self.matrix.tables

    @property
    def matrix_note(self) -> QLabel:
        return self.matrix.note

    @property
    def check_table(self) -> QTableWidget:
        return self.check.table

    @property
    def check_note(self) -> QLabel:
        return self.check.note

    @property
    def check_results(self) -> list[dict]:
        return self.check.results

    # -- signals -----------------------------------------------------------------------------
    def _on_change(self, *_args) -> None:
        self._dirty = [True, True, True]
        self._refresh()

    def _on_display(self) -> None:
        self._restyle()
        self._on_change()

    def _refresh(self, *_args) -> None:
        """Only the visible tab is drawn; the others when they are shown. While training
        the weights change many times a second: the panel waits for the pause."""
        if self.session.training:
            return
        i = self.tabs.currentIndex()
        if i >= 0 and self._dirty[i]:
            self._dirty[i] = False
            if i == 0:
                self._show_selection()
            else:  # a tab made now if it was not yet
                (self.matrix if i == 1 else self.check).refresh()

    def _restyle(self) -> None:
        th, z = THEMES[self.session.theme], self.session.zoom
        self.text.setStyleSheet(
            f"QTextBrowser {{ background: {th.background}; color: {th.text}; border: none; }}"
        )
        doc = self.text.document()
        f = QFont(self.text.font())
        f.setPointSizeF(12.5 * z)
        doc.setDefaultFont(f)
        doc.setDocumentMargin(10 * z)
        ind = f"{28 * z:.0f}px"
        doc.setDefaultStyleSheet(
            f"h3 {{ font-size: {15 * z:.1f}pt; margin-top: 2px; margin-bottom: 2px; }}"
            f"p {{ margin-top: 3px; margin-bottom: 3px; }} p.n {{ margin-left: {ind}; }}"
            f"p.lb, p.lf, p.lm {{ font-size: {10.5 * z:.1f}pt; font-weight: 600; margin-top: 12px; }}"
            f"p.lb {{ color: {ERROR_SIGNAL}; }} p.lf {{ color: {FORWARD}; }}"
            f"p.lm, p.m {{ color: {th.muted}; }} p.m {{ font-size: {10.5 * z:.1f}pt; }}"
            f".q {{ color: {SELECT}; font-weight: bold; }} th {{ color: {th.muted}; }}"
            f"table {{ margin-left: {ind}; border-color: {th.neutral_edge}; }}"
            f".pc {{ color: {th.muted}; font-size: {10 * z:.1f}pt; }}"
        )
        css = (
            f"QWidget#page {{ background: {th.background}; }}"
            f"QLabel {{ color: {th.text}; font-size: {11 * z:.1f}pt; }}"
            f"QLabel#op {{ color: {th.muted}; font-size: {15 * z:.1f}pt; font-weight: 600; }}"
            f"QTableWidget {{ background: {th.background}; color: {th.text}; "
            f"gridline-color: {th.neutral_edge}; font-size: {10.5 * z:.1f}pt; }}"
            f"QHeaderView::section {{ background: {th.banner_bg}; color: {th.muted}; "
            f"border: none; padding: 2px 6px; font-size: {10 * z:.1f}pt; }}"
            f"QTableCornerButton::section {{ background: {th.banner_bg}; border: none; }}"
            f"QLabel#note {{ padding: 6px; background: {th.banner_bg}; }}"
        )
        self._css = css
        for page in (self._matrix, self._check):
            if page is not None:
                page.setStyleSheet(css)

    # -- the selection tab -------------------------------------------------------------------
    def _neuron_plane(self) -> tuple | None:
        """(frame, every neuron's out over it) at the trace's weights, for a neuron's plane
        heatmap: only where the plane is the whole input (one or two raw inputs) and there
        are data to span it (two rows at least). The core computes it (one batched pass),
        once per iteration and axes."""
        s = self.session
        net = s.trace.network
        if net.n_raw > 2 or len(s.doc.inputs) < 2:
            return None
        fr = s.plane_frame
        key = (id(s.trace), id(fr), s.generation)
        if self._grids is None or self._grids[0] != key:
            self._grids = (key, (fr, core_plane.neuron_grids(net, fr)))
        return self._grids[1]

    def _show_selection(self) -> None:
        s = self.session
        sel = s.selection
        plane = None
        if sel is not None and sel.kind == "neuron" and sel.index[0] > 0:
            try:
                plane = self._neuron_plane()
            except (ValueError, IndexError):
                plane = None
        self._across = pictures_across(self._picture_width(), s.zoom)
        w = Explainer(s.trace, s.revealed, s.display_sample, s.decimals, plane, self._across)
        try:
            body = (
                w.phase(s.phase, len(s.names))
                if sel is None
                else w.edge(*sel.index)
                if sel.kind == "edge"
                else w.bias(*sel.index)
                if sel.kind == "bias"
                else w.neuron(*sel.index)
            )
        except IndexError:  # a selection from another network
            body = w.phase(s.phase, len(s.names))
        self.pictures, self._body = w.pictures, body
        self._sizes = {}
        self._draw_pictures()
        self.text.setHtml(body)

    def _refit(self) -> None:
        self._refit_pending = False
        if not self.pictures or self.session.training:
            return
        if pictures_across(self._picture_width(), self.session.zoom) != self._across:
            self._show_selection()  # another number of pictures a row: the text again
        elif self._draw_pictures():
            bar = self.text.verticalScrollBar()
            at = bar.value()
            self.text.setHtml(self._body)
            bar.setValue(at)

    def _picture_width(self) -> float:
        """The width the pictures' row may take: the text's, less margins, the indent and
        a scroll bar (shown or not: its coming and going must not resize the pictures)."""
        z, t = self.session.zoom, self.text
        inner = t.width() - 2 * t.frameWidth() - t.verticalScrollBar().sizeHint().width()
        return max(100.0, inner - 2 * 10 * z - 28 * z - 8)

    def _draw_pictures(self) -> bool:
        """The pictures as images at the sizes the panel's width gives them; True when a
        size changed (the text must be laid out again)."""
        s = self.session
        th, z = THEMES[s.theme], s.zoom
        width = self._picture_width()
        sizes = {k: picture_size(p, width, z, self._across) for k, p in self.pictures.items()}
        if sizes == self._sizes:
            return False
        self._sizes = sizes
        images: dict[str, QImage] = {}
        for k, p in self.pictures.items():
            images[f"pic:{k}"] = render_picture(p, th, sizes[k], z)
            images[f"pic:{k}:bar"] = render_bar(p, th, sizes[k][0], z)
        self.text.images = images
        return True

    def eventFilter(self, obj, event) -> bool:  # noqa: N802 (Qt's name)
        """A new width: the pictures sized again to fit it (after this event: a scroll bar
        appearing while the text is laid out resizes the viewport within setHtml)."""
        resized = obj is self.text.viewport() and event.type() == event.Type.Resize
        if resized and self.pictures and not self._refit_pending:
            self._refit_pending = True
            QTimer.singleShot(0, self._refit)
        return super().eventFilter(obj, event)
        if pictures_across(self._picture_width(), self.session.zoom) != self._across:
            self._show_selection()  # another number of pictures a row: the text again
        elif self._draw_pictures():
            bar = self.text.verticalScrollBar()
            at = bar.value()
            self.text.setHtml(self._body)
            bar.setValue(at)
        return super().eventFilter(obj, event)

    def selection_text(self) -> str:
        """The Selection tab as plain text (sub- and superscripts flattened)."""
        return self.text.toPlainText()
