"""The loss landscape dock: E over two parameters around their current values, the path
training took through it, and the iteration's gradient and update as arrows.

"Why does a big η blow up?" is answered by a picture: the valley of E over two weights, and
the update −η∇E drawn at its true length from the current point, overshooting the valley when
η is large. What it draws:

* E of the iteration's rows (the E whose gradient the step uses: "E of sample 3", "E of all 4
  samples") over a grid of the two parameters, the others as they are (``core.landscape``:
  computed in a background thread, never on the GUI thread; "computing 40 %" while it runs,
  and a newer request cancels an older one). Filled contours in bands of a colour-blind-safe
  sequential scale (cividis), with the level lines (``core.plane.contour``) and a colour bar.
* The current point, and the path training took (``core.trail``: recorded from the window's
  start by :class:`TrailRecorder`, whether or not the dock is shown; projected onto the two
  parameters).
* At the iteration being stepped, once its phases reveal them: the gradient's direction (+∇E,
  scaled to be seen, reddish purple as the backward pass) and the update (−η∇E, or −η·v with
  momentum: the trace's new weights minus the old, at its true length, orange). A change of η
  in the Training dock draws the new update.

The two parameters: the selected weight or bias (``Session.selection``) across, the one
Ctrl+clicked on the canvas (``Session.second_selection``) up, or both chosen in a small dialog
(Choose…); where none is chosen, the two weights of the last layer with the largest |∂E/∂w|,
as the view says. Wider / Narrower double or halve how far the axes reach. Hover reads off E
at the nearest grid point.
"""

from __future__ import annotations

import atexit
import contextlib
import threading
import time
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QObject, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QFontMetricsF, QPainter, QTextOption
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QToolTip,
    QVBoxLayout,
    QWidget,
)

from bpviz.core import landscape as core_landscape
from bpviz.core import plane as core_plane
from bpviz.core.landscape import Landscape, Param
from bpviz.core.numbers import sig
from bpviz.core.trail import Trail
from bpviz.gui.plain_text import MAX_NAME, displayable
from bpviz.gui.session import Selection, Session
from bpviz.gui.shown import WhileShown
from bpviz.gui.theme import ERROR_SIGNAL, SELECT, THEMES, base_point_size

__all__ = [
    "LossLandscape",
    "LandscapeView",
    "TrailRecorder",
    "Job",
    "band_edges",
    "N_BANDS",
    "TRAINING_INTERVAL",
]

N_BANDS = 10  # filled bands between the grid's lowest and highest E
BAND_STRENGTH = 0.8  # how much of the scale's colour a band takes (the rest: the background)
GRADIENT_COLOUR = ERROR_SIGNAL  # the backward pass's colour: ∇E comes from it
UPDATE_COLOUR = SELECT  # orange: the step taken
GRADIENT_SHARE = 0.35  # the gradient arrow reaches this share of the view
TRAINING_INTERVAL = 0.3  # seconds between recomputations while training
SHOW_PROGRESS_AFTER = 0.15  # seconds before "computing …" appears (quick ones never show it)
CHOICES_LISTED = 5000  # parameters the dialog lists; a larger network's are typed
ZOOM_LIMITS = (1 / 64, 64.0)
MIN_PLOT = 150  # pixels the plot keeps before the key below it gives way


# ------------------------------------------------------------------------------ the trail
class TrailRecorder(QObject):
    """Keeps the path: the weights of each iteration the session shows (each stepper update,
    each adopted training snapshot), from the window's start, cleared by a new document."""

    def __init__(self, session: Session, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.trail = Trail()
        self._doc = session.doc
        session.traceChanged.connect(self.record)
        session.documentChanged.connect(self._on_document)
        self.record()

    def record(self) -> None:
        s = self.session
        if getattr(s, "viewing", None) is not None:
            return  # a past step on screen (scrubbing): the path stays the run's
        if s.doc is not self._doc:
            self._on_document()
            return
        self.trail.record(s.step, s.network.weights, s.network.biases)

    def _on_document(self) -> None:
        s = self.session
        if s.doc is not self._doc:
            self._doc = s.doc
            self.trail.clear()
        self.trail.record(s.step, s.network.weights, s.network.biases)


# ------------------------------------------------------------------------------ the work
@dataclass(eq=False)
class Job:
    """One landscape to compute, with what the picture needs besides the grid. Built on the
    GUI thread from the session's trace (copies: the thread reads nothing else)."""

    serial: int
    network: object  # a copy of the trace's network (the weights before the update)
    inputs: np.ndarray
    targets: np.ndarray
    a: Param
    b: Param
    spans: tuple[float, float]
    n: int
    error: float  # the trace's E (the centre's value)
    grad: tuple[float, float]  # ∂E/∂a, ∂E/∂b of the iteration
    update: tuple[float, float]  # the update of a and b (new − old)
    labels: tuple[str, str]
    why: tuple[str, str]  # how each was chosen ("selected", "Ctrl+clicked", "largest |∂E/∂w| …")
    rows: str  # "sample 3", "all 4 samples", "32 samples"
    step: int
    learning_rate: float
    momentum: float
    grad_phase: int | None  # the 1-based phase that reveals both gradients (None: training)
    update_phase: int | None
    path_note: str = ""  # why there is no path, if there is none


class _Bridge(QObject):
    """Carries the thread's results to the GUI thread (queued: this object lives there)."""

    progress = Signal(int, float)  # job serial, share done
    finished = Signal(int, object)  # job serial, Landscape or a sentence


class _Computer:
    """One background thread for every view's jobs: the latest job per view, the older ones
    cancelled between chunks. The thread ends after a few idle seconds."""

    IDLE_SECONDS = 5.0

    def __init__(self) -> None:
        self._cv = threading.Condition()
        self._pending: dict[int, tuple[Job, _Bridge, object]] = {}
        self._thread: threading.Thread | None = None
        self._stop = False

    def submit(self, job: Job, bridge: _Bridge, owner) -> None:
        with self._cv:
            self._pending[id(owner)] = (job, bridge, owner)
            if self._thread is None or not self._thread.is_alive():
                self._stop = False
                self._thread = threading.Thread(target=self._loop, name="bpviz-landscape", daemon=True)
                self._thread.start()
            self._cv.notify()

    def busy(self) -> bool:
        with self._cv:
            return bool(self._pending) or getattr(self, "_running", False)

    def stop(self, timeout: float = 2.0) -> None:
        with self._cv:
            self._stop = True
            self._pending.clear()
            self._cv.notify()
            th = self._thread
        if th is not None and th.is_alive() and th is not threading.current_thread():
            th.join(timeout)

    def _loop(self) -> None:
        while True:
            with self._cv:
                waited = time.monotonic()
                while not self._pending and not self._stop:
                    if time.monotonic() - waited > self.IDLE_SECONDS:
                        self._thread = None
                        return
                    self._cv.wait(0.5)
                if self._stop:
                    self._thread = None
                    return
                _key, (job, bridge, owner) = self._pending.popitem()
                self._running = True
            try:
                self._run(job, bridge, owner)
            finally:
                self._running = False

    @staticmethod
    def _run(job: Job, bridge: _Bridge, owner) -> None:
        def cancelled() -> bool:
            return owner.serial != job.serial

        last = [0.0]

        def progress(done: int, total: int) -> None:
            now = time.monotonic()
            if now - last[0] > 0.05:
                last[0] = now
                _emit(bridge.progress, job.serial, done / total)

        try:
            result = core_landscape.compute(
                job.network,
                job.inputs,
                job.targets,
                job.a,
                job.b,
                job.spans,
                job.n,
                progress,
                cancelled,
            )
        except core_landscape.Cancelled:
            return
        except (ValueError, MemoryError) as e:
            result = f"The landscape cannot be computed: {e}."
        _emit(bridge.finished, job.serial, result)


def _emit(signal, *args) -> None:
    with contextlib.suppress(RuntimeError):  # the view was closed meanwhile
        signal.emit(*args)


COMPUTER = _Computer()
atexit.register(COMPUTER.stop)


# ------------------------------------------------------------------------------ bands
def band_edges(values: np.ndarray, bands: int = N_BANDS) -> np.ndarray | None:
    """The E of the bands' edges (bands + 1, rising) over the finite values: evenly spaced,
    or in equal ratios where E is positive and spans more than a factor of 50 (an overshoot
    makes E far larger than at the valley, which would be one band otherwise). None: no
    finite value."""
    v = np.asarray(values, dtype=np.float64)
    v = v[np.isfinite(v)]
    if not v.size:
        return None
    lo, hi = float(v.min()), float(v.max())
    if not hi > lo:
        pad = max(abs(lo) * 1e-6, 1e-12)
        lo, hi = lo - pad, hi + pad
    if lo > 0 and hi / lo > 50:
        return np.geomspace(lo, hi, bands + 1)
    return np.linspace(lo, hi, bands + 1)


def band_colours(theme, bands: int = N_BANDS) -> np.ndarray:
    """(bands, 3) uint8: cividis (colour-blind safe, dark blue → yellow) at each band's
    middle, BAND_STRENGTH of the way from the theme's background."""
    cmap = pg.colormap.get("cividis")
    cols = cmap.map(((np.arange(bands) + 0.5) / bands), mode="byte")[:, :3].astype(np.float64)
    bg = pg.mkColor(theme.background)
    bgv = np.array([bg.red(), bg.green(), bg.blue()], dtype=np.float64)
    return np.round(bgv + (cols - bgv) * BAND_STRENGTH).astype(np.uint8)


def _html(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _SmoothImage(pg.ImageItem):
    def paint(self, painter, *args) -> None:
        painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
        super().paint(painter, *args)


# ------------------------------------------------------------------------------ the plot
class LandscapeView(pg.PlotWidget):
    """The plot: bands, level lines, colour bar, path, current point and arrows."""

    result: Landscape | None = None  # (class level: Qt resizes the view inside __init__)
    job: Job | None = None

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.session = session
        self.result: Landscape | None = None
        self.job: Job | None = None
        self.path: tuple[np.ndarray, np.ndarray] = (np.zeros(0, dtype=np.int64), np.zeros((0, 2)))
        self.edges: np.ndarray | None = None
        pi = self.plotItem
        pi.setMenuEnabled(False)
        pi.hideButtons()
        self.setMinimumSize(160, 160)
        self.image = _SmoothImage(axisOrder="row-major")
        self.image.setZValue(-20)
        pi.addItem(self.image)
        self.levels = pg.PlotCurveItem(connect="pairs", antialias=True)
        self.levels.setZValue(-10)
        pi.addItem(self.levels)
        self.path_halo = pg.PlotCurveItem(antialias=True)
        self.path_halo.setZValue(4)
        pi.addItem(self.path_halo)
        self.path_line = pg.PlotCurveItem(antialias=True)
        self.path_line.setZValue(5)
        pi.addItem(self.path_line)
        self.path_dots = pg.ScatterPlotItem(pxMode=True)
        self.path_dots.setZValue(6)
        pi.addItem(self.path_dots)
        self.arrows: dict[str, tuple] = {}
        for name, colour in (("gradient", GRADIENT_COLOUR), ("update", UPDATE_COLOUR)):
            halo = pg.PlotCurveItem(connect="pairs", antialias=True)
            line = pg.PlotCurveItem(connect="pairs", antialias=True)
            halo.setZValue(8)
            line.setZValue(9)
            label = pg.TextItem(color=colour, anchor=(0, 1))
            label.setZValue(11)
            for it in (halo, line, label):
                pi.addItem(it, ignoreBounds=True)
            self.arrows[name] = (halo, line, label, colour)
        self.point = pg.ScatterPlotItem(pxMode=True)
        self.point.setZValue(10)
        pi.addItem(self.point)
        self.key = pg.LabelItem(justify="left")
        pi.layout.addItem(self.key, 4, 1)
        self.bar = pg.ColorBarItem(
            values=(0, N_BANDS),
            colorMap=pg.ColorMap(None, [(0, 0, 0), (1, 1, 1)]),
            interactive=False,
            orientation="vertical",
            width=12,
        )
        self._bar_shown = False
        self.message = pg.TextItem(anchor=(0.5, 0.5))
        pi.addItem(self.message, ignoreBounds=True)
        self.message.hide()
        pi.vb.setMouseEnabled(False, False)
        for ax in ("left", "bottom"):
            pi.getAxis(ax).enableAutoSIPrefix(False)
        pi.titleLabel.item.document().setDefaultTextOption(QTextOption(Qt.AlignmentFlag.AlignHCenter))
        self.scene().sigMouseMoved.connect(self._hover)
        pi.vb.sigResized.connect(self._draw_arrows)
        self._theme()

    # -- looks ---------------------------------------------------------------------------
    def _theme(self) -> None:
        s = self.session
        th = self.th = THEMES[s.theme]
        self.setBackground(th.background)
        self._colours = band_colours(th)
        lut = np.repeat(self._colours, 256 // N_BANDS + 1, axis=0)[:256]
        self.bar.setColorMap(pg.ColorMap(np.linspace(0, 1, len(lut)), lut))
        z = self._z = s.zoom
        pt = self._pt = base_point_size() * z
        font = QFont(self.font())
        font.setPointSizeF(pt)
        self._font = font
        for ax in ("left", "bottom"):
            a = self.plotItem.getAxis(ax)
            a.setPen(th.muted)
            a.setTextPen(th.text)
            a.setTickFont(font)
            a.labelStyle = {"color": th.text, "font-size": f"{pt:.1f}pt"}
        self.bar.axis.setTickFont(font)
        self.bar.axis.setTextPen(th.text)
        self.bar.axis.setPen(th.muted)
        for _halo, _line, label, _c in self.arrows.values():
            label.setFont(font)
            paper = pg.mkColor(th.background)
            paper.setAlpha(210)  # readable over any band
            label.fill = pg.mkBrush(paper)
        self.message.setFont(font)
        self.message.setColor(th.text)

    def on_display(self) -> None:
        self._theme()
        self.draw()

    # -- what to draw ---------------------------------------------------------------------
    def set_result(self, job: Job, result: Landscape | str, path) -> None:
        self.job = job
        self.result = result if isinstance(result, Landscape) else None
        self._problem = result if isinstance(result, str) else None
        self.path = path
        self.draw()

    def show_problem(self, text: str) -> None:
        self.job = None
        self.result = None
        self._problem = text
        self.draw()

    def draw(self) -> None:
        pi = self.plotItem
        res = self.result
        if res is None:
            for it in (self.image, self.levels, self.path_halo, self.path_line, self.path_dots, self.point):
                it.hide()
            for halo, line, label, _c in self.arrows.values():
                halo.hide(), line.hide(), label.hide()
            self._show_bar(False)
            pi.setTitle("")
            self.key.setText("")
            self.message.setText(getattr(self, "_problem", None) or "")
            self.message.setPos(0.5, 0.5)
            pi.vb.setRange(xRange=(0, 1), yRange=(0, 1), padding=0)
            self.message.show()
            return
        self.message.hide()
        self._draw_bands(res)
        self._draw_path()
        self._draw_point()
        (x0, x1), (y0, y1) = (res.xs[0], res.xs[-1]), (res.ys[0], res.ys[-1])
        pi.vb.setRange(xRange=(x0, x1), yRange=(y0, y1), padding=0)
        self._write_labels()
        self._draw_arrows()

    def _draw_bands(self, res: Landscape) -> None:
        e = res.errors
        edges = self.edges = band_edges(e)
        if edges is None:
            self.image.hide()
            self.levels.hide()
            self._show_bar(False)
            return
        with np.errstate(invalid="ignore"):
            idx = np.searchsorted(edges[1:-1], np.nan_to_num(e, nan=np.inf), side="right")
        rgb = self._colours[np.clip(idx, 0, N_BANDS - 1)]
        bad = ~np.isfinite(e)
        if bad.any():  # not a number (an overflow): the background
            bg = pg.mkColor(self.th.background)
            rgb[bad] = (bg.red(), bg.green(), bg.blue())
        self.image.setImage(np.ascontiguousarray(rgb), autoLevels=False, levels=None)
        xs, ys = res.xs, res.ys
        dx = (xs[-1] - xs[0]) / (len(xs) - 1)
        dy = (ys[-1] - ys[0]) / (len(ys) - 1)
        self.image.setRect(QRectF(xs[0] - dx / 2, ys[0] - dy / 2, dx * len(xs), dy * len(ys)))
        self.image.show()
        segs = [core_plane.contour(e, float(at), xs, ys) for at in edges[1:-1]]
        segs = [s for s in segs if len(s)]
        if segs:
            seg = np.concatenate(segs)
            self.levels.setPen(pg.mkPen(self.th.text, width=max(1.0, 0.8 * self._z)))
            self.levels.setData(seg[:, 0], seg[:, 1], connect="pairs")
            self.levels.show()
        else:
            self.levels.hide()
        self._show_bar(True)
        ticks = [(i, sig(float(edges[i]), 3)) for i in range(0, N_BANDS + 1, 2)]
        self.bar.axis.setTicks([ticks, []])
        # the colour bar's numbers need their width at the font zoom (the axis kept the width
        # of 1×, and at 2× every number was cut away)
        fm = QFontMetricsF(getattr(self, "_font", None) or self.font())
        need = max(fm.horizontalAdvance(t) for _i, t in ticks) + 6 + 5 * self._z
        if abs(self.bar.axis.width() - need) > 0.5:
            self.bar.axis.setWidth(max(45.0, need))

    def _show_bar(self, on: bool) -> None:
        pi = self.plotItem
        if on and not self._bar_shown:
            pi.layout.addItem(self.bar, 2, 3)  # beside the plot: a short dock keeps its height
            self.bar.show()
        elif not on and self._bar_shown:
            pi.layout.removeItem(self.bar)
            self.bar.hide()
        self._bar_shown = on
        if on:
            self.bar.setLevels((0, N_BANDS))

    def _draw_path(self) -> None:
        steps, pts = self.path
        if len(pts) < 1:
            for it in (self.path_halo, self.path_line, self.path_dots):
                it.hide()
            return
        z = self._z
        dark = "#000000" if self.session.theme == "light" else "#FFFFFF"
        light = "#FFFFFF" if self.session.theme == "light" else "#000000"
        self.path_halo.setPen(pg.mkPen(dark, width=4.0 * z))
        self.path_line.setPen(pg.mkPen(light, width=2.0 * z))
        self.path_halo.setData(pts[:, 0], pts[:, 1])
        self.path_line.setData(pts[:, 0], pts[:, 1])
        self.path_dots.setData(
            pts[:, 0], pts[:, 1], size=5 * z, brush=pg.mkBrush(light), pen=pg.mkPen(dark, width=1)
        )
        for it in (self.path_halo, self.path_line, self.path_dots):
            it.show()

    def _draw_point(self) -> None:
        res = self.result
        z = self._z
        self.point.setData(
            [res.centre[0]],
            [res.centre[1]],
            size=13 * z,
            brush=pg.mkBrush("#FFFFFF"),
            pen=pg.mkPen("#000000", width=2.5 * z),
            symbol="o",
        )
        self.point.show()

    # -- arrows ---------------------------------------------------------------------------
    def arrow_vectors(self) -> dict[str, tuple[float, float] | None]:
        """The arrows drawn, in data units from the current point: "gradient" (+∇E's
        direction, scaled to GRADIENT_SHARE of the view) and "update" (the true update);
        None where the phases have not revealed it yet (or it is 0)."""
        job, res = self.job, self.result
        out: dict[str, tuple[float, float] | None] = {"gradient": None, "update": None}
        if job is None or res is None:
            return out
        s = self.session
        phase = None if s.training else s.phase_index + 1
        ga, gb = job.grad
        sa, sb = job.spans
        revealed = job.grad_phase is None or phase is None or phase >= job.grad_phase
        if revealed and np.isfinite([ga, gb]).all():
            reach = max(abs(ga) / sa, abs(gb) / sb)
            if reach > 0:
                k = GRADIENT_SHARE / reach
                out["gradient"] = (ga * k, gb * k)
        if job.update_phase is None or phase is None or phase >= job.update_phase:
            ua, ub = job.update
            if np.isfinite([ua, ub]).all() and (ua or ub):
                out["update"] = (ua, ub)
        return out

    def _draw_arrows(self, *_a) -> None:
        res = self.result
        vecs = self.arrow_vectors()
        vb = self.plotItem.vb
        px = vb.viewPixelSize()  # data units per pixel (x, y)
        z = self._z
        for name, (halo, line, label, colour) in self.arrows.items():
            v = vecs[name]
            if v is None or res is None or not (px[0] > 0 and px[1] > 0):
                halo.hide(), line.hide(), label.hide()
                continue
            x0, y0 = res.centre
            x1, y1 = x0 + v[0], y0 + v[1]
            seg = [(x0, y0), (x1, y1)]
            # the head: two strokes back from the tip at ±25°, 11 px long, drawn in pixels
            dxp, dyp = v[0] / px[0], v[1] / px[1]
            length = float(np.hypot(dxp, dyp))
            if length > 0:
                ux, uy = dxp / length, dyp / length
                head = min(11.0 * z, 0.6 * length)
                for ang in (np.radians(25), -np.radians(25)):
                    c, s_ = np.cos(ang), np.sin(ang)
                    bx, by = -(ux * c - uy * s_) * head, -(ux * s_ + uy * c) * head
                    seg += [(x1, y1), (x1 + bx * px[0], y1 + by * px[1])]
            pts = np.array(seg)
            halo.setPen(pg.mkPen("#000000", width=4.5 * z))
            line.setPen(pg.mkPen(colour, width=2.5 * z))
            halo.setData(pts[:, 0], pts[:, 1], connect="pairs")
            line.setData(pts[:, 0], pts[:, 1], connect="pairs")
            halo.show(), line.show()
            label.setText(self._arrow_words(name))
            anchor = self._label_anchor(label, x1, y1, v)
            if anchor is None:  # a plot too small for it (the arrow's colour says which)
                label.hide()
                continue
            label.setAnchor(anchor)
            label.setPos(x1, y1)
            label.show()

    def _label_anchor(self, label, x: float, y: float, v) -> tuple[float, float] | None:
        """Where an arrow's label hangs from its tip (``v``: the arrow, in data units): beyond
        the tip, on the side of the tip away from the arrow's shaft; where that would leave
        the plot (a label cut by the plot's edge at 2× zoom) it is slid back inside; None
        where the plot is too small to hold it at all."""
        vb = self.plotItem.vb
        box = vb.sceneBoundingRect()
        tip = vb.mapViewToScene(QPointF(x, y))
        r = label.boundingRect()  # (pixels: the label ignores the view's scale)
        if not (box.contains(tip) and r.width() <= box.width() and r.height() <= box.height()):
            return None
        # horizontally: from the tip onwards, slid inside where it would run off an edge
        left = tip.x() if v[0] >= 0 else tip.x() - r.width()
        left = min(max(left, box.left()), box.right() - r.width())
        ax = (tip.x() - left) / r.width()
        # vertically: the shaft comes from below a tip that points up (label above), from
        # above one that points down (label below); the other side where there is no room
        above = v[1] >= 0
        if above and tip.y() - r.height() < box.top():
            above = False
        elif not above and tip.y() + r.height() > box.bottom():
            above = True
        top = tip.y() - r.height() if above else tip.y()
        if top < box.top() or top + r.height() > box.bottom():
            return None
        return (ax, 1.0 if above else 0.0)

    def _arrow_words(self, name: str) -> str:
        job = self.job
        if name == "gradient":
            return "∇E (direction)"
        return "−η·v" if job is not None and job.momentum > 0 else "−η∇E"

    # -- words ----------------------------------------------------------------------------
    def _write_labels(self) -> None:
        job = self.job
        pi = self.plotItem
        la, lb = (_html(t) for t in job.labels)
        pi.setLabel("bottom", la, **pi.getAxis("bottom").labelStyle)
        pi.setLabel("left", lb, **pi.getAxis("left").labelStyle)
        s = self.session
        when = "while training" if s.training else f"iteration {job.step + 1:,}"
        title = f"E of {_html(job.rows)}  ·  {when}"
        why = [f"{_html(lab)}: {w}" for lab, w in zip(job.labels, job.why, strict=True) if w]
        if job.why[0] and job.why[0] == job.why[1]:
            why = [f"{la} and {lb}: {job.why[0]}"]
        if why:  # how the axes were chosen, where the user did not choose (says how to)
            title += "<br>" + " · ".join(why)
        if title != getattr(self, "_title", None):
            self._title = title
            pi.setTitle(title, color=self.th.text, size=f"{self._pt:.1f}pt")
        self._write_key()
        self._fit_texts()

    def _write_key(self) -> None:
        job = self.job
        th = self.th
        parts = []

        def sym(colour, glyph, words):
            parts.append(
                f"<span style='white-space:nowrap'><span style='color:{colour}'>{glyph}</span>"
                f"&nbsp;{words}</span>"
            )

        sym(th.text, "◯", f"now E = {sig(job.error, 4)}")
        steps = self.path[0]
        if len(steps) > 1:
            sym(th.text, "━", f"path, steps {int(steps[0]):,}–{int(steps[-1]):,}")
        elif job.path_note:
            parts.append(f"<span style='color:{th.muted}'>{job.path_note}</span>")
        vecs = self.arrow_vectors()
        eta = sig(job.learning_rate, 3)
        if vecs["gradient"] is not None:
            sym(GRADIENT_COLOUR, "➔", "∇E (direction)")
        elif job.grad_phase is not None:
            sym(GRADIENT_COLOUR, "➔", f"∇E at phase {job.grad_phase}")
        ua, ub = job.update
        upd = f"({sig(ua, 3)}, {sig(ub, 3)})"
        what = f"−η·v, α = {sig(job.momentum, 3)}" if job.momentum > 0 else "−η∇E"
        if vecs["update"] is not None:
            sym(UPDATE_COLOUR, "➔", f"{what} = {upd}, η = {eta}")
        elif job.update_phase is not None and (ua or ub):
            sym(UPDATE_COLOUR, "➔", f"{what} at phase {job.update_phase}")
        parts.append(f"<span style='color:{th.muted}'>other weights fixed</span>")
        text = " &nbsp; ".join(parts)
        key = (text, th.text, self._pt)
        if key != getattr(self, "_key", None):
            self._key = key
            self.key.setText(text, color=th.text, size=f"{self._pt:.1f}pt")

    def _fit_texts(self) -> None:
        pi = self.plotItem
        bar = self.bar.width() + 8 if self._bar_shown else 0
        room = max(60.0, self.width() - pi.getAxis("left").width() - bar - 12)
        for label in (pi.titleLabel, self.key):
            item = label.item
            item.setTextWidth(-1)
            if item.boundingRect().width() > room:
                item.setTextWidth(room)
            label.updateMin()
            label.resizeEvent(None)
        h = pi.titleLabel.item.boundingRect().height() + 4
        pi.titleLabel.setMaximumHeight(h)
        pi.layout.setRowFixedHeight(0, h)
        k = self.key.item.boundingRect().height() + 4  # the key's row: as tall as its text
        axis = pi.getAxis("bottom").height()
        # a short dock (1280 × 720) keeps the picture: the key goes (hover and the arrows'
        # labels still say it) where the plot would be left less than MIN_PLOT pixels
        self.key_shown = self.height() - h - axis - k >= MIN_PLOT * self._z
        self.key.setVisible(self.key_shown)
        k = k if self.key_shown else 0
        self.key.setMaximumHeight(k)
        pi.layout.setRowFixedHeight(4, k)
        if self.centralWidget is not None:  # a taller text grew the plot past the view: fit
            self.centralWidget.setGeometry(self.range)

    def resizeEvent(self, ev) -> None:  # noqa: N802 - Qt's name
        super().resizeEvent(ev)
        if self.result is not None:
            self._fit_texts()
            QTimer.singleShot(0, self._refit)  # once the plot's layout has the new width

    def _refit(self) -> None:
        if self.result is not None:
            self._fit_texts()
            self._draw_arrows()  # the heads are sized in pixels

    # -- hover ----------------------------------------------------------------------------
    def _hover(self, pos) -> None:
        vb = self.plotItem.vb
        if not vb.sceneBoundingRect().contains(pos):
            QToolTip.hideText()
            return
        p = vb.mapSceneToView(pos)
        text = self.describe(p.x(), p.y())
        if text:
            QToolTip.showText(self.mapToGlobal(self.mapFromScene(pos)), text, self)

    def describe(self, x: float, y: float) -> str:
        """E at the grid point nearest (x, y), with its coordinates; near a point of the path,
        its step."""
        res, job = self.result, self.job
        if res is None or job is None:
            return ""
        la, lb = job.labels
        steps, pts = self.path
        px = self.plotItem.vb.viewPixelSize()
        if len(pts) and px[0] > 0 and px[1] > 0:
            d = np.hypot((pts[:, 0] - x) / px[0], (pts[:, 1] - y) / px[1])
            i = int(np.argmin(d))
            if d[i] <= 6 * self._z:
                return (
                    f"step {int(steps[i]):,} of the path: {la} = {sig(pts[i, 0], 4)}, "
                    f"{lb} = {sig(pts[i, 1], 4)}"
                )
        at = res.nearest(x, y)
        if at is None:
            return ""
        iy, ix = at
        e = float(res.errors[iy, ix])
        where = f"{la} = {sig(res.xs[ix], 4)}, {lb} = {sig(res.ys[iy], 4)}"
        now = " (now)" if (iy, ix) == (len(res.ys) // 2, len(res.xs) // 2) else ""
        return f"{where}{now}: E = {sig(e, 6)}"


# ------------------------------------------------------------------------------ choosing
def _param_of(sel: Selection | None, net) -> Param | None:
    if sel is None or sel.kind not in ("edge", "bias"):
        return None
    p = Param(sel.kind, tuple(int(i) for i in sel.index))
    return None if p.problem(net) else p


def _count(net) -> int:
    """The network's weights and biases."""
    return sum(w.size for w in net.weights) + sum(b.size for b in net.biases or ())


def all_params(net) -> list[Param]:
    out = [
        Param("edge", (j, r, c))
        for j, w in enumerate(net.weights)
        for r in range(w.shape[0])
        for c in range(w.shape[1])
    ]
    if net.biases is not None:
        out += [Param("bias", (j, i)) for j, b in enumerate(net.biases) for i in range(len(b))]
    return out


def choice_names(net) -> dict[str, Param]:
    """Every weight and bias by its display label; a label two share (Mazur's b1 of both
    hidden neurons) says whose it is: "b1 (of h2)", "w (h1 → o1)"."""
    params = all_params(net)
    labels = [p.label(net) for p in params]
    count: dict[str, int] = {}
    for lab in labels:
        count[lab] = count.get(lab, 0) + 1
    neurons = net.labels.neurons
    out = {}
    for p, lab in zip(params, labels, strict=True):
        if count[lab] > 1:
            j = p.layer
            lab += (
                f" (of {neurons[j + 1][p.row]})"
                if p.kind == "bias"
                else f" ({neurons[j][p.col]} → {neurons[j + 1][p.row]})"
            )
        out[lab] = p
    return out


class ChooseDialog(QDialog):
    """Two parameters by their labels: the selection across, the second up."""

    def __init__(self, net, a: Param | None, b: Param | None, parent=None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Loss landscape: choose two weights")
        self.net = net
        self._listed = _count(net) <= CHOICES_LISTED
        self._by_label = choice_names(net) if self._listed else {}
        form = QFormLayout(self)
        self.x_box, self.y_box = QComboBox(), QComboBox()
        for box, p, tip in (
            (self.x_box, a, "The weight (or bias) across: it becomes the selection"),
            (self.y_box, b, "The weight (or bias) up (as a Ctrl+click on its edge sets it)"),
        ):
            box.setEditable(True)
            box.addItems(list(self._by_label))
            box.setToolTip(tip + ("" if self._listed else "; type its label, e.g. w(h1,i2)"))
            if p is not None:
                names = [k for k, v in self._by_label.items() if v == p]
                box.setCurrentText(names[0] if names else p.label(net))
        form.addRow("Weight on x", self.x_box)
        form.addRow("Weight on y", self.y_box)
        self.problem = QLabel()
        self.problem.setTextFormat(Qt.TextFormat.PlainText)  # it quotes what was typed
        self.problem.setWordWrap(True)
        form.addRow(self.problem)
        ok_cancel = QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        buttons = QDialogButtonBox(ok_cancel)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.chosen: tuple[Param, Param] | None = None

    def find(self, text: str) -> Param | None:
        text = text.strip()
        p = self._by_label.get(text)
        if p is not None or self._listed:
            return p
        return choice_names(self.net).get(text)  # a large network: named only when asked

    def _accept(self) -> None:
        a, b = self.find(self.x_box.currentText()), self.find(self.y_box.currentText())
        if a is None or b is None:
            bad = self.x_box.currentText() if a is None else self.y_box.currentText()
            self.problem.setText(f"No weight or bias is labelled “{displayable(bad, MAX_NAME)}”.")
            return
        if a == b:
            self.problem.setText("Choose two different weights.")
            return
        self.chosen = (a, b)
        self.accept()


# ------------------------------------------------------------------------------ the dock
class LossLandscape(WhileShown, QWidget):
    """The dock's widget: the choices and progress over the plot. It records the path from
    the start (its TrailRecorder) and computes only while shown."""

    def __init__(self, session: Session, parent=None) -> None:
        super().__init__(parent)
        self.setObjectName("loss-landscape")
        self.session = session
        self.recorder = TrailRecorder(session, self)
        self.serial = 0  # the latest job's; the thread cancels the older ones
        self.zoom = 1.0  # × the default span
        self.grid = core_landscape.GRID
        self._view: LandscapeView | None = None
        self._bridge = _Bridge(self)
        self._bridge.progress.connect(self._on_progress)
        self._bridge.finished.connect(self._on_finished)
        self._jobs: dict[int, Job] = {}
        self._started = 0.0
        self._last_start = 0.0
        row = QHBoxLayout()
        row.setContentsMargins(4, 2, 4, 0)
        self.choose_button = QPushButton("Choose…")
        self.choose_button.setToolTip(
            "Choose the two weights (or biases) by their labels; on the canvas, click one and "
            "Ctrl+click another"
        )
        self.wider_button = QPushButton("Wider")
        self.wider_button.setToolTip("Show twice as far around the current point")
        self.narrower_button = QPushButton("Narrower")
        self.narrower_button.setToolTip("Show half as far around the current point")
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setFormat("computing %p %")
        self.progress.setToolTip("The landscape is computed in the background")
        self.progress.setMaximumWidth(160)
        self.progress.hide()
        for w in (self.choose_button, self.wider_button, self.narrower_button):
            row.addWidget(w)
        row.addStretch(1)
        row.addWidget(self.progress)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(0)
        lay.addLayout(row)
        self._layout = lay
        self.setToolTip(
            "The loss landscape: E of this iteration's samples over two weights around their "
            "current values (the others fixed), the path training took, and the iteration's "
            "gradient and update as arrows. Click a weight and Ctrl+click another on the "
            "canvas to choose them. Hover to read off E."
        )
        self.choose_button.clicked.connect(self.choose)
        self.wider_button.clicked.connect(lambda: self.set_zoom(self.zoom * 2))
        self.narrower_button.clicked.connect(lambda: self.set_zoom(self.zoom / 2))
        s = session
        for sig_ in (s.traceChanged, s.selectionChanged, s.secondSelectionChanged, s.documentChanged):
            sig_.connect(self.request)
        s.phaseChanged.connect(self._on_phase)
        s.trainingChanged.connect(self.request)
        s.displayChanged.connect(self._on_display)
        self._display = (s.theme, s.zoom)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._start)
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.timeout.connect(self._show_progress)
        self._stale = True
        self._key: tuple | None = None  # what the last job was of

    @property
    def view(self) -> LandscapeView:
        if self._view is None:
            self._view = LandscapeView(self.session, self)
            self._layout.addWidget(self._view, 1)
        return self._view

    @property
    def trail(self) -> Trail:
        return self.recorder.trail

    # -- visibility (shown.WhileShown) -------------------------------------------------------
    def _shown_changed(self, on: bool) -> None:
        if on and self._stale:
            self.request()
        elif not on:
            self.serial += 1  # cancel what runs: nobody looks
            self._jobs.clear()
            self._stale = True
            self._hide_progress()

    # -- choices ---------------------------------------------------------------------------
    def set_zoom(self, z: float) -> None:
        z = float(min(max(z, ZOOM_LIMITS[0]), ZOOM_LIMITS[1]))
        if z != self.zoom:
            self.zoom = z
            self.request()

    def params(self, tr=None) -> tuple[Param, Param, str, str] | str:
        """The two parameters and how each was chosen, or why there are not two."""
        s = self.session
        tr = tr or s.trace
        net = tr.network
        if _count(net) < 2:
            return "The landscape needs two parameters; this network has one."
        a = _param_of(s.selection, net)
        b = _param_of(s.second_selection, net)
        why_a = why_b = ""  # chosen: the axes say which
        if a is not None and b == a:
            b, why_b = None, ""
        if a is None and b is None:
            a, b = core_landscape.largest_gradients(net, tr.p.grad_w, 2)
            why_a = why_b = "the last layer's largest |∂E/∂w| (click a weight, Ctrl+click another)"
            return a, b, why_a, why_b
        if a is None:
            a, b, why_a, why_b = b, None, why_b, ""
        if b is None:
            layer = a.layer
            cands = core_landscape.largest_gradients(net, tr.p.grad_w, 3, layer)
            b = next(p for p in cands if p != a)
            whose = "its" if b.layer == a.layer else "the"
            why_b = f"largest |∂E/∂w| of {whose} layer (Ctrl+click another weight)"
        return a, b, why_a, why_b

    def choose(self) -> None:
        """The dialog: the two parameters by their labels."""
        s = self.session
        got = self.params()
        a, b = (got[0], got[1]) if not isinstance(got, str) else (None, None)
        dlg = ChooseDialog(s.network, a, b, self)
        if dlg.exec() and dlg.chosen is not None:
            x, y = dlg.chosen
            s.select(Selection(x.kind, x.index))
            s.set_second_selection(Selection(y.kind, y.index))

    # -- computing -------------------------------------------------------------------------
    def request(self, *_a) -> None:
        """Compute again soon (at once while stepping; while training at most every
        TRAINING_INTERVAL seconds)."""
        if not self._shown:
            self._stale = True
            return
        self._stale = False
        if self._timer.isActive():
            return
        wait = 0.0
        if self.session.training:
            wait = max(0.0, TRAINING_INTERVAL - (time.monotonic() - self._last_start))
        self._timer.start(round(wait * 1000))

    def _on_phase(self, _i: int) -> None:
        """A new phase reveals the gradient or the update: the arrows and key, no new grid."""
        if self._shown and self._view is not None and self._view.result is not None:
            self._view._write_key()
            self._view._fit_texts()  # a longer key may wrap onto another line: its row grows
            self._view._draw_arrows()

    def _on_display(self) -> None:
        s = self.session
        if (s.theme, s.zoom) != self._display:
            self._display = (s.theme, s.zoom)
            if self._view is not None:
                self._view.on_display()

    def make_job(self) -> Job | str:
        """The job for the iteration on screen (on the GUI thread: copies, no maths)."""
        s = self.session
        tr = s.trace
        got = self.params(tr)
        if isinstance(got, str):
            return got
        a, b, why_a, why_b = got
        net = tr.network
        p = tr.p
        grad = (a.of(p.grad_w, p.grad_b), b.of(p.grad_w, p.grad_b))
        after_b = tr.biases_after
        upd = tuple(
            q.of(tr.weights_after, after_b) - q.value(net) if q.kind == "edge" or after_b is not None else 0.0
            for q in (a, b)
        )
        spans = tuple(
            self.zoom * core_landscape.default_span(q.value(net), u) for q, u in zip((a, b), upd, strict=True)
        )
        m = len(tr.samples)
        n_all = s.doc.n_samples
        if m == 1:
            rows = f"sample {tr.samples[0] + 1}"
        elif m == n_all:
            rows = f"all {m:,} samples"
        else:
            rows = f"{m:,} samples"
        grad_phase = update_phase = None  # (1-based) the phases that reveal them, while stepping
        if not s.training:
            rv = s.revealed
            what = ("grad_w" if q.kind == "edge" else "grad_b" for q in (a, b))
            grad_phase = 1 + max(rv.at(w, q.layer + 1) for w, q in zip(what, (a, b), strict=True))
            update_phase = 1 + rv.at("after")
        self.serial += 1
        return Job(
            self.serial,
            net.copy(),
            np.array(tr.inputs, dtype=np.float64, copy=True),
            np.array(tr.targets, dtype=np.float64, copy=True),
            a,
            b,
            spans,
            self.grid,
            float(tr.error),
            grad,
            upd,
            (a.label(net), b.label(net)),
            (why_a, why_b),
            rows,
            int(s.step),
            float(tr.learning_rate),
            float(getattr(s, "momentum", 0.0) or 0.0),
            grad_phase,
            update_phase,
            f"no path: kept for up to {self.trail.max_parameters:,} weights and biases"
            if self.trail.too_large
            else "",
        )

    def _start(self) -> None:
        if not self._shown:
            self._stale = True
            return
        job = self.make_job()
        if isinstance(job, str):
            self.serial += 1
            self.view.show_problem(job)
            return
        self._last_start = time.monotonic()
        self._jobs = {job.serial: job}
        self._started = time.monotonic()
        if not self._progress_timer.isActive() and not self.progress.isVisible():
            self._progress_timer.start(round(SHOW_PROGRESS_AFTER * 1000))
        COMPUTER.submit(job, self._bridge, self)

    def _show_progress(self) -> None:
        if self._jobs:
            self.progress.show()

    def _hide_progress(self) -> None:
        self._progress_timer.stop()
        self.progress.hide()

    def _on_progress(self, serial: int, share: float) -> None:
        if serial == self.serial:
            self.progress.setValue(round(100 * share))

    def _on_finished(self, serial: int, result) -> None:
        job = self._jobs.pop(serial, None)
        if job is None or serial != self.serial:
            return
        self._hide_progress()
        self.progress.setValue(0)
        path = self._path(job)
        self.view.set_result(job, result, path)

    def _path(self, job: Job) -> tuple[np.ndarray, np.ndarray]:
        """The trail's states up to the step on screen, projected onto the two parameters."""
        params = [(job.a.kind, job.a.index), (job.b.kind, job.b.index)]
        return self.trail.project(params, until=job.step)

    @property
    def computing(self) -> bool:
        return bool(self._jobs)
