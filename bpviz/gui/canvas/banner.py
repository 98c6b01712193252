"""The banner over the canvas: the phase's number and title, the iteration and sample, and the
phase's formula (or, while training, the step), wrapped to the canvas's width.

``banner_parts`` writes its pieces from the session; ``Banner.fit`` sets them, shortening a
formula that would make the banner taller than a third of the canvas to its first whole terms
and "…" (to "…" alone where even its first term would not fit: a large font zoom in a small
window). Long explanations in words ("Why is δ = out − target? …") stay out of the banner:
the Inspector writes them, and the banner's tooltip gives the whole formula.

A past step of the run on screen (scrubbing the error curve: ``Session.viewing``) puts a
first line over it all, "Viewing step 1,234 of 5,000 — back to live (Esc)", and a click on
the banner then goes back to the live network.
"""

from __future__ import annotations

import html as _html

import pyqtgraph as pg
from PySide6.QtCore import Qt

from bpviz.core.numbers import fmt
from bpviz.core.teach import render
from bpviz.core.teach.trace import formula_text
from bpviz.gui.canvas.texts import html_escape, keep_together
from bpviz.gui.session import Session
from bpviz.gui.theme import ERROR_SIGNAL, FORWARD


class Banner(pg.LabelItem):
    """The phase's title and formula, wrapped to the canvas's width. pyqtgraph's LabelItem
    makes its text's width the layout's minimum width; a long formula (784 inputs) would widen
    the canvas past the window, so the text wraps at the width it is given, and only its height
    is kept as a minimum."""

    _floor = 0.0  # the height the banner keeps (see reserve)
    _scratch: pg.LabelItem | None = None

    def updateMin(self) -> None:  # noqa: N802 - pyqtgraph's name
        super().updateMin()
        self.setMinimumWidth(0)
        self.setFlag(self.GraphicsItemFlag.ItemClipsChildrenToShape, True)
        if self._floor > self.minimumHeight():
            self.setMinimumHeight(self._floor)

    def reserve(self, all_parts, note: str, muted: str, zoom: float, width: float, height: float) -> bool:
        """Keep the height of the tallest of ``all_parts`` (every phase's banner): a shorter
        formula would give the network more room and a longer one take it back, so the whole
        canvas (every edge, every label) would move at each phase, and a phase would look
        different when stepped back to. True when the height kept changed."""
        if self._scratch is None:
            self._scratch = pg.LabelItem(justify="left")
        tallest = 0.0
        for parts in all_parts:
            self._scratch.item.setTextWidth(max(width - 16, 40))
            _write(self._scratch, parts, note, muted, zoom, width, height)
            tallest = max(tallest, self._scratch.itemRect().height())
        if tallest == self._floor:
            return False
        self._floor = tallest
        self.updateMin()
        return True

    def mouseClickEvent(self, ev) -> None:  # noqa: N802 - pyqtgraph's name
        """A click while a past step is on screen goes back to the live network."""
        s = getattr(self.getViewWidget(), "session", None)
        if s is not None and s.viewing is not None and ev.button() == Qt.MouseButton.LeftButton:
            ev.accept()
            s.back_to_live()

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        w = self.rect().width()
        if w > 20 and abs(self.item.textWidth() - w) > 0.5:
            self.item.setTextWidth(w)
        super().resizeEvent(ev)

    def fit(self, parts, note: str, muted: str, zoom: float, width: float, height: float) -> None:
        """The banner's title and formula, wrapped at ``width``; a formula that would take
        more than a third of ``height`` ends after its last whole term that fits, with "…"
        (the inspector and the trace give it whole). ``note``: a quiet line after the head
        (the labels the layout hid)."""
        whole = _write(self, parts, note, muted, zoom, width, height)
        # as rich text, so names from the file (any markup in them) show as written
        self.setToolTip(f"<p style='white-space:pre-wrap'>{html_escape(whole)}</p>" if whole else "")


def _write(
    label: pg.LabelItem, parts, note: str, muted: str, zoom: float, width: float, height: float
) -> str:
    """Set ``label``'s text (see Banner.fit); returns its tooltip ("" unless shortened)."""
    head, formula, extra = parts
    if note:
        head += f"<span style='color:{muted}; font-size:{9 * zoom:.1f}pt'> &nbsp; {note}</span>"
    if formula is None:
        label.setText(head)
        return ""
    span, terms, text, whole = formula
    width -= 16
    cap = max(60.0, height / 3)
    if width > 40:
        label.item.setTextWidth(width)

    def html(n: int) -> str:
        body = "; ".join(terms[:n]) + (("; …" if n else "…") if n < len(terms) else "")
        return f"{head}<br>{span}{body}{extra if n == len(terms) else ''}</span>"

    n = len(terms)
    label.setText(html(n))
    while n > 0 and width > 40 and label.item.boundingRect().height() > cap:
        n = n // 2 if n > 8 else n - 1
        label.setText(html(n))
    return text if n < len(terms) or not whole else ""


PROSE = 120  # a word item of the formula longer than this is an explanation: the Inspector's


def _terms(ph) -> tuple[list[str], bool]:
    """The formula's items as Qt rich text, one per equation (a banner may end after any),
    without long explanations in words; and whether nothing was left out."""
    r = render.Html()
    out: list[str] = []
    whole = True
    for x in ph.equations:
        if x == "…" and out:
            out[-1] += " …"
        elif isinstance(x, str) and len(x) > PROSE:
            whole = False
        else:
            out.append(_html.escape(x) if isinstance(x, str) else r(x))
    return out, whole


def banner_parts(s: Session, th, ph=None) -> tuple:
    """(head, formula, extra) of phase ``ph`` (default: the current one): the head line in
    Qt rich text; the formula as (its opening span, its terms in rich text, its plain text,
    whether the terms hold every item) or None while training; and what follows the last
    term (E_total at the error phase)."""
    tr, z = s.trace, s.zoom
    ph = s.phase if ph is None else ph
    sm = s.display_sample
    step_txt = f"iteration {s.step + 1:,}"
    if len(tr.samples) == 1:
        step_txt += f" · sample {tr.samples[0] + 1:,} of {s.doc.n_samples:,}"
    else:
        step_txt += f" · {len(tr.samples):,} samples (showing sample {tr.samples[sm] + 1:,})"
    # the note wraps as a whole, never inside "sample 1 of 4"
    step_txt = step_txt.replace(" ", "&nbsp;").replace("&nbsp;·&nbsp;", " · ")
    color = (
        ERROR_SIGNAL if ph.direction == "backward" else (FORWARD if ph.direction == "forward" else th.text)
    )
    extra = ""
    if ph.kind == "error":
        extra = f" &nbsp; <i>E</i><sub>total</sub> = {fmt(tr.error, s.decimals).replace('-', '−')}"
    lead = ""
    viewing = getattr(s, "viewing", None)
    if viewing is not None:  # a past step of the run on screen: said first, clickable
        lead = (
            f"<span style='color:{th.text}; font-size:{12 * z:.1f}pt; font-weight:700'>"
            f"Viewing step {viewing:,} of {s.live_step:,} — <u>back to live (Esc)</u></span><br>"
        )
    if s.training:
        return (
            f"<span style='color:{th.text}; font-size:{13 * z:.1f}pt; font-weight:600'>"
            f"Training · step {s.step:,}</span><span style='color:{th.muted}; "
            f"font-size:{10 * z:.1f}pt'> &nbsp; the canvas shows the latest weights; "
            f"pause to step through the next iteration</span>",
            None,
            "",
        )
    terms, whole = _terms(ph)
    return (
        f"{lead}<span style='color:{color}; font-size:{13 * z:.1f}pt; font-weight:600'>"
        f"{ph.index + 1}/{len(s.names)} · {keep_together(html_escape(ph.title))}</span>"
        f"<span style='color:{th.muted}; font-size:{10 * z:.1f}pt'> &nbsp; {step_txt}</span>",
        (
            f"<span style='color:{th.text}; font-size:{11 * z:.1f}pt'>",
            terms,
            formula_text(ph),
            whole,
        ),
        extra,
    )
