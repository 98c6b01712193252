"""The inspector's Matrix tab: the current phase as one matrix equation, in seed 003's form.

Each phase is a product or an element-wise step on whole layers, and the tab writes that one:
W·out + b = net and f(net) = out going forward, the error terms, ∂E/∂out from the loss or
Wᵀ·δ (the error signal reaching a layer), δ by the core's rule (``delta_rule``): ∂E/∂out ⊙
f′(net) = δ, out − target = δ where the loss fits the output activation (softmax +
cross-entropy, sigmoid + binary cross-entropy), or a softmax's Jacobian times ∂E/∂out per
sample; δ·outᵀ = ∂E/∂W, and the update W − η·∂E/∂W. It reads the session's trace and its
phase list; it computes nothing. What the stepper has not revealed yet is "?"; the selection's
row, column or cell is lit; large matrices show CAP rows and columns around the selection.

Where the inputs are an image (``layers[0].shape``), a matrix with a row or a column per input
is drawn as images of that shape instead of a 64- or 784-column table: W of the first layer
(and its ∂E/∂W and W after the update) a small image per neuron on one sign scale, the inputs
an image per sample (``ImageGrid``, at most IMAGE_CAP around the selection).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGridLayout,
    QLabel,
    QScrollArea,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpviz.core.iteration.chain import delta_rule
from bpviz.core.numbers import fmt
from bpviz.core.teach.pictures import Picture, cell_of, ink_range, sign_range
from bpviz.gui.pictures import render_bar, render_picture
from bpviz.gui.theme import SELECT, THEMES

__all__ = ["MatrixTab", "CAP", "IMAGE_CAP", "ImageGrid"]

CAP = 30  # rows / columns of a matrix and samples of a batch written out
IMAGE_CAP = 32  # images of a matrix drawn (neurons or samples, around the selection)
IMAGE_SIDE = 56  # px (× font zoom) of each image


@dataclass
class _Axis:
    """One side of a matrix: the neurons of layer ``layer``, or the step's samples (None)."""

    labels: list[str]
    layer: int | None
    focus: int | None  # the index the window is centred on


@dataclass
class _Block:
    key: str  # the table's name (tests and the layout use it)
    title: str  # rich text
    arr: np.ndarray  # rows × cols
    rows: _Axis
    cols: _Axis
    known: tuple | None  # (quantity, layer) for Revealed; None: known from the start
    op: str = ""  # the operator written before this block ("·", "+", "=", "⊙")


_OPS = {"·": "· (matrix product)", "⊙": "⊙ (entry by entry)", "+": "+ (to each column)"}


def _window(n: int, focus: int | None, cap: int = CAP) -> range:
    """At most ``cap`` indices of range(n), around ``focus``."""
    if n <= cap:
        return range(n)
    start = 0 if focus is None else max(0, min(n - cap, focus - cap // 2))
    return range(start, start + cap)


def _table() -> QTableWidget:
    t = QTableWidget()
    t.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    t.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
    t.setFocusPolicy(Qt.FocusPolicy.NoFocus)
    return t


def _s(name: str) -> str:
    return f"<sub>{html.escape(name)}</sub>"


class ImageGrid(QWidget):
    """A matrix whose rows (or columns) are images of the input's shape: one small image per
    neuron or sample, captioned by its label, on one colour scale (its bar under them); the
    selection's image framed and its pixel ringed. ``pictures``: what is drawn, in order;
    ``items``: the neuron or sample index of each."""

    def __init__(
        self, pictures: list[Picture], items: list[int], lit: set[int], theme, zoom: float, per_row: int
    ):
        super().__init__()
        self.pictures, self.items, self.lit = pictures, items, lit
        self.labels: list[QLabel] = []
        grid = QGridLayout(self)
        grid.setSizeConstraint(QGridLayout.SizeConstraint.SetFixedSize)  # never squeezed: scrolled
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setHorizontalSpacing(round(8 * zoom))
        grid.setVerticalSpacing(round(2 * zoom))
        rows, cols = pictures[0].shape if pictures else (1, 1)
        cell = max(1, round(IMAGE_SIDE * zoom / max(rows, cols)))
        size = (cell * cols, cell * rows)
        pw = max(2, round(2 * zoom))
        for n, (p, item) in enumerate(zip(pictures, items, strict=True)):
            r, c = divmod(n, max(1, per_row))
            img = QLabel()
            img.setPixmap(QPixmap.fromImage(render_picture(p, theme, size, zoom)))
            border = SELECT if item in lit else theme.background
            img.setStyleSheet(f"QLabel {{ border: {pw}px solid {border}; background: {theme.background}; }}")
            img.setFixedSize(size[0] + 2 * pw, size[1] + 2 * pw)
            img.setToolTip(p.caption)
            cap = QLabel(p.caption)
            cap.setTextFormat(Qt.TextFormat.PlainText)
            cap.setAlignment(Qt.AlignmentFlag.AlignHCenter)
            self.labels.append(img)
            grid.addWidget(img, 2 * r, c, Qt.AlignmentFlag.AlignHCenter)
            grid.addWidget(cap, 2 * r + 1, c, Qt.AlignmentFlag.AlignHCenter)
        if pictures and pictures[0].known:
            width = min(max(size[0], 160), max(1, per_row) * (size[0] + 2 * pw))
            bar = QLabel()
            bar.setPixmap(QPixmap.fromImage(render_bar(pictures[0], theme, width, zoom)))
            words = QLabel(f"{pictures[0].scale_words()}: one scale for every image")
            words.setTextFormat(Qt.TextFormat.PlainText)
            at = 2 * ((len(pictures) - 1) // max(1, per_row) + 1)
            grid.addWidget(bar, at, 0, 1, max(1, per_row), Qt.AlignmentFlag.AlignLeft)
            grid.addWidget(words, at + 1, 0, 1, max(1, per_row), Qt.AlignmentFlag.AlignLeft)


class MatrixTab(QWidget):
    """The current phase's matrix equation, one table per operand, headed by the phase."""

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("note")
        self.note.setTextFormat(Qt.TextFormat.RichText)
        self._content = QWidget()
        self._content.setObjectName("page")
        self._box = QVBoxLayout(self._content)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._content)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.note)
        lay.addWidget(scroll, 1)
        self.tables: dict[str, QTableWidget] = {}
        self.images: dict[str, ImageGrid] = {}  # matrices drawn as images (an image input)
        self.titles: dict[str, QLabel] = {}
        self.ops: list[QLabel] = []
        self.blocks: list[_Block] = []

    # -- what the phase is about ---------------------------------------------------------------
    def _blocks(self) -> tuple[str, list[_Block]]:
        """The phase's equation in the network's symbols, and its operands."""
        s = self.session
        tr, ph = s.trace, s.phase
        net, p, m = tr.network, tr.p, len(tr.samples)
        L, names, lab = net.L, net.names, net.labels.neurons
        sel = s.selection
        focus: dict[int, int] = {}  # layer → the selected neuron's index
        if sel is not None and sel.kind == "neuron":
            focus[sel.index[0]] = sel.index[1]
        elif sel is not None and sel.kind == "edge":
            j, r, c = sel.index
            focus[j + 1], focus[j] = r, c
        elif sel is not None and sel.kind == "bias":
            focus[sel.index[0] + 1] = sel.index[1]
        self._focus, self._edge_sel = focus, sel is not None and sel.kind == "edge"
        slab = [f"sample {x + 1}" if m <= 4 else f"s{x + 1}" for x in tr.samples]

        def ax(k: int) -> _Axis:
            return _Axis(list(lab[k]), k, focus.get(k))

        samples = _Axis(slab, None, s.display_sample)
        one = _Axis([""], None, None)
        per = " (a column per sample)" if m > 1 else ""
        n = {k: html.escape(names[k]) for k in range(L + 1)}

        def out_sym(k: int) -> str:
            return "x" if k == 0 else f"out{_s(names[k])}"

        def out_block(k: int, op: str = "") -> _Block:
            arr = tr.inputs.T if k == 0 else p.out[k].T
            what = ("input", 0) if k == 0 else ("out", k)
            title = f"x: the inputs of layer {n[0]}{per}" if k == 0 else f"out{_s(names[k])}{per}"
            return _Block(f"out{k}", title, arr, ax(k), samples, what, op)

        kind, k = ph.kind, ph.layer_index
        b: list[_Block] = []
        if kind == "input":
            eq = f"x and target{_s(names[L])}"
            b.append(out_block(0))
            b.append(
                _Block("target", f"target{_s(names[L])}{per}", tr.targets.T, ax(L), samples, ("target", L))
            )
        elif kind == "net":
            j = k - 1
            eq = (
                f"W{_s(names[k])} · {out_sym(j)}"
                + (f" + b{_s(names[k])}" if net.biases is not None else "")
                + f" = net{_s(names[k])}"
            )
            b.append(
                _Block(
                    "W", f"W{_s(names[k])}: the weights {n[j]} → {n[k]}", net.weights[j], ax(k), ax(j), None
                )
            )
            b.append(out_block(j, "·"))
            if net.biases is not None:
                b.append(
                    _Block(
                        "b",
                        f"b{_s(names[k])}: the biases (added to each column)",
                        net.biases[j][:, None],
                        ax(k),
                        one,
                        None,
                        "+",
                    )
                )
            b.append(_Block("net", f"net{_s(names[k])}{per}", p.net[k].T, ax(k), samples, ("net", k), "="))
        elif kind == "out":
            act = net.activations[k - 1].name
            eq = f"f(net{_s(names[k])}) = out{_s(names[k])}, f = {html.escape(act)}, entry by entry"
            b.append(_Block("net", f"net{_s(names[k])}{per}", p.net[k].T, ax(k), samples, ("net", k)))
            b.append(out_block(k, "f ↦"))
        elif kind == "error":
            eq = (
                f"E{_s(names[L])} per output and sample, from out{_s(names[L])} and "
                f"target{_s(names[L])}; E = {fmt(tr.error, s.decimals).replace('-', '−')}"
            )
            b.append(out_block(L))
            b.append(
                _Block(
                    "target", f"target{_s(names[L])}{per}", tr.targets.T, ax(L), samples, ("target", L), "vs"
                )
            )
            terms = {e["neuron"][1]: e["value"] for e in ph.values if e["quantity"] == "error_term"}
            arr = np.array([terms[i] for i in range(net.sizes[L])], dtype=float)
            b.append(
                _Block(
                    "error", f"the error terms E{_s(names[L])}{per}", arr, ax(L), samples, ("error", L), "→"
                )
            )
        elif kind == "grad_out" and k == L:
            eq = f"∂E/∂out{_s(names[L])} from the loss, entry by entry"
            b.append(out_block(L))
            b.append(
                _Block(
                    "target", f"target{_s(names[L])}{per}", tr.targets.T, ax(L), samples, ("target", L), "vs"
                )
            )
            b.append(
                _Block(
                    "grad_out",
                    f"∂E/∂out{_s(names[L])}{per}",
                    p.grad_out[L].T,
                    ax(L),
                    samples,
                    ("grad_out", L),
                    "→",
                )
            )
        elif kind == "grad_out":
            eq = f"∂E/∂out{_s(names[k])} = W{_s(names[k + 1])}<sup>T</sup> · δ{_s(names[k + 1])}"
            b.append(
                _Block(
                    "WT",
                    f"W{_s(names[k + 1])}<sup>T</sup>: the weights {n[k]} → {n[k + 1]}, transposed",
                    net.weights[k].T,
                    ax(k),
                    ax(k + 1),
                    None,
                )
            )
            b.append(
                _Block(
                    "delta_next",
                    f"δ{_s(names[k + 1])}{per}",
                    p.delta[k + 1].T,
                    ax(k + 1),
                    samples,
                    ("delta", k + 1),
                    "·",
                )
            )
            b.append(
                _Block(
                    "grad_out",
                    f"∂E/∂out{_s(names[k])}{per}",
                    p.grad_out[k].T,
                    ax(k),
                    samples,
                    ("grad_out", k),
                    "=",
                )
            )
        elif kind == "delta" and delta_rule(net, k) == "out − target":
            eq = (
                f"δ{_s(names[k])} = out{_s(names[k])} − target{_s(names[k])}, entry by entry: "
                f"{html.escape(net.activations[k - 1].name)} and {html.escape(net.loss.title)} "
                "fit, so ∂E/∂out and the activation's derivative cancel in the chain rule"
            )
            b.append(out_block(k))
            b.append(
                _Block(
                    "target", f"target{_s(names[k])}{per}", tr.targets.T, ax(k), samples, ("target", k), "−"
                )
            )
            b.append(
                _Block(
                    "delta",
                    f"δ{_s(names[k])} = ∂E/∂net{_s(names[k])}{per}",
                    p.delta[k].T,
                    ax(k),
                    samples,
                    ("delta", k),
                    "=",
                )
            )
        elif kind == "delta" and delta_rule(net, k) == "jacobian":
            b += self._jacobian_blocks(ph, k, ax, samples, slab)
            eq = (
                f"δ{_s(names[k])} = J<sup>T</sup> · ∂E/∂out{_s(names[k])} for each sample: "
                f"{html.escape(net.activations[k - 1].name)}'s every out depends on every net, "
                "J<sub>ij</sub> = ∂out<sub>i</sub>/∂net<sub>j</sub> = "
                "out<sub>i</sub>·([i = j] − out<sub>j</sub>)"
                + (f" ({html.escape(slab[s.display_sample])} shown)" if m > 1 else "")
            )
            if len(b) == 3 and b[0].key == "jacobian_diagonal":
                eq += "; the layer is too wide for its whole Jacobian: its diagonal"
        elif kind == "delta":
            eq = f"δ{_s(names[k])} = ∂E/∂out{_s(names[k])} ⊙ f′(net{_s(names[k])}), entry by entry"
            b.append(
                _Block(
                    "grad_out",
                    f"∂E/∂out{_s(names[k])}{per}",
                    p.grad_out[k].T,
                    ax(k),
                    samples,
                    ("grad_out", k),
                )
            )
            b.append(
                _Block(
                    "fprime", f"f′(net{_s(names[k])}){per}", p.fprime[k].T, ax(k), samples, ("fprime", k), "⊙"
                )
            )
            b.append(
                _Block(
                    "delta",
                    f"δ{_s(names[k])} = ∂E/∂net{_s(names[k])}{per}",
                    p.delta[k].T,
                    ax(k),
                    samples,
                    ("delta", k),
                    "=",
                )
            )
        elif kind == "grad":
            j = k - 1
            summed = f", summed over the {m} samples" if m > 1 else ""
            eq = f"∂E/∂W{_s(names[k])} = δ{_s(names[k])} · {out_sym(j)}<sup>T</sup>" + summed
            b.append(_Block("delta", f"δ{_s(names[k])}{per}", p.delta[k].T, ax(k), samples, ("delta", k)))
            xo = tr.inputs if j == 0 else p.out[j]
            b.append(
                _Block(
                    "outT",
                    f"{out_sym(j)}<sup>T</sup>" + (" (a row per sample)" if m > 1 else ""),
                    xo,
                    samples,
                    ax(j),
                    ("input", 0) if j == 0 else ("out", j),
                    "·",
                )
            )
            b.append(
                _Block("grad", f"∂E/∂W{_s(names[k])}{summed}", p.grad_w[j], ax(k), ax(j), ("grad_w", k), "=")
            )
            if p.grad_b is not None:
                b.append(
                    _Block(
                        "grad_b",
                        f"∂E/∂b{_s(names[k])} = δ{_s(names[k])}" + summed,
                        p.grad_b[j][:, None],
                        ax(k),
                        one,
                        ("grad_b", k),
                        "and",
                    )
                )
        else:  # the update, of the selection's weight layer
            j = s.selected_weight_layer()
            k = j + 1
            eta = fmt(tr.learning_rate)
            alpha = float(tr.momentum)
            if alpha:  # v⁺ = α·v + ∂E/∂W, then W⁺ = W − η·v⁺
                eq = (
                    f"V{_s(names[k])}<sup>+</sup> = α · V{_s(names[k])} + ∂E/∂W{_s(names[k])}, "
                    f"W{_s(names[k])}<sup>+</sup> = W{_s(names[k])} − η · V{_s(names[k])}<sup>+</sup>, "
                    f"α = {fmt(alpha)}, η = {eta} (select a neuron or an edge for another layer)"
                )
            else:
                eq = (
                    f"W{_s(names[k])}<sup>+</sup> = W{_s(names[k])} − η · ∂E/∂W{_s(names[k])}, "
                    f"η = {eta} (select a neuron or an edge for another layer)"
                )
            b.append(
                _Block(
                    "W",
                    f"W{_s(names[k])}: the weights {n[j]} → {n[k]}, before the update",
                    net.weights[j],
                    ax(k),
                    ax(j),
                    None,
                )
            )
            if alpha:
                b.append(
                    _Block(
                        "velocity",
                        f"V{_s(names[k])}<sup>+</sup>: the velocity, α × the last one + ∂E/∂W"
                        f"{_s(names[k])}" + (f" (summed over the {m} samples)" if m > 1 else ""),
                        tr.velocity_after.weights[j],
                        ax(k),
                        ax(j),
                        None,
                        f"− {eta} ×",
                    )
                )
            else:
                b.append(
                    _Block(
                        "grad",
                        f"∂E/∂W{_s(names[k])}" + (f", summed over the {m} samples" if m > 1 else ""),
                        p.grad_w[j],
                        ax(k),
                        ax(j),
                        ("grad_w", k),
                        f"− {eta} ×",
                    )
                )
            b.append(
                _Block(
                    "after",
                    f"W{_s(names[k])}<sup>+</sup>: after the update",
                    tr.weights_after[j],
                    ax(k),
                    ax(j),
                    ("after", None),
                    "=",
                )
            )
        return eq, b

    def _jacobian_blocks(self, ph, k: int, ax, samples: _Axis, slab: list[str]) -> list[_Block]:
        """A softmax layer's δ with a loss that does not fit it: the shown sample's Jacobian
        (the phase's values: every ∂out_i/∂net_j, or only the diagonal of a layer too wide
        for the whole) times its ∂E/∂out is its δ; then δ of every sample."""
        s = self.session
        p, names, n = s.trace.p, s.network.names, s.network.sizes[k]
        sm, m = s.display_sample, len(s.trace.samples)
        one = _Axis([slab[sm]], None, None)
        jac = np.full((n, n), np.nan)
        for e in ph.values:
            if e["quantity"] == "jacobian":
                jac[e["neuron"][1], e["with"][1]] = e["value"][sm]
        g = p.grad_out[k][sm][:, None]
        d = p.delta[k][sm][:, None]
        name = _s(names[k])
        if np.isnan(jac).any():  # only the diagonal: n² entries would swamp the tab
            return [
                _Block(
                    "jacobian_diagonal",
                    f"∂out<sub>i</sub>/∂net<sub>i</sub>: the Jacobian's diagonal, {slab[sm]}",
                    np.diagonal(jac)[:, None].copy(),
                    ax(k),
                    one,
                    ("delta", k),
                ),
                _Block("grad_out", f"∂E/∂out{name} of {slab[sm]}", g, ax(k), one, ("grad_out", k), "and"),
                _Block("delta", f"δ{name} of {slab[sm]}", d, ax(k), one, ("delta", k), "→"),
            ]
        out = [
            _Block(
                "jacobian",
                f"J<sup>T</sup>: ∂out{name}/∂net{name} of {slab[sm]} (a row per net, a column per out)",
                jac.T,
                ax(k),
                ax(k),
                ("delta", k),
            ),
            _Block("grad_out", f"∂E/∂out{name} of {slab[sm]}", g, ax(k), one, ("grad_out", k), "·"),
            _Block("delta", f"δ{name} = ∂E/∂net{name} of {slab[sm]}", d, ax(k), one, ("delta", k), "="),
        ]
        if m > 1:
            out.append(
                _Block(
                    "delta_all",
                    f"δ{name} (a column per sample)",
                    p.delta[k].T,
                    ax(k),
                    samples,
                    ("delta", k),
                    "and",
                )
            )
        return out

    # -- drawing -------------------------------------------------------------------------------
    def refresh(self) -> None:
        s = self.session
        ph = s.phase
        eq, blocks = self._blocks()
        self.blocks = blocks
        while self._box.count():
            it = self._box.takeAt(0)
            if it.widget() is not None:
                it.widget().deleteLater()
        self.tables, self.images, self.titles, self.ops = {}, {}, {}, []
        capped: list[str] = []
        for blk in blocks:
            if blk.op:
                op = QLabel(html.escape(_OPS.get(blk.op, blk.op)))
                op.setObjectName("op")
                self.ops.append(op)
                self._box.addWidget(op)
            drawn = self._image_grid(blk)
            title = QLabel(blk.title + (drawn[1] if drawn is not None else ""))
            title.setTextFormat(Qt.TextFormat.RichText)
            title.setWordWrap(True)
            self.titles[blk.key] = title
            self._box.addSpacing(4)
            self._box.addWidget(title)
            if drawn is not None:
                grid, _words, more = drawn
                self.images[blk.key] = grid
                self._box.addWidget(grid, 0, Qt.AlignmentFlag.AlignLeft)
                capped += more
                continue
            tab = _table()
            self.tables[blk.key] = tab
            self._box.addWidget(tab, 0, Qt.AlignmentFlag.AlignLeft)
            capped += self._fill(tab, blk)
        self._box.addStretch(1)
        head = f"<b>Phase {ph.index + 1} of {len(s.names)}: {html.escape(ph.title)}</b><br>{eq}"
        seen = []
        for c in capped:
            if c not in seen:
                seen.append(c)
        if seen:
            head += "<br>Showing " + ", ".join(seen) + "."
        self.note.setText(head)

    def _image_grid(self, blk: _Block) -> tuple[ImageGrid, str, list[str]] | None:
        """The block as images of the input's shape, where one of its axes is the inputs of
        an image (layer 0 with ``input_shape``): an image per row (W, ∂E/∂W: a neuron's
        incoming weights; the inputs transposed: a sample) or per column (the inputs: a
        sample). None: a table."""
        s = self.session
        net = s.trace.network
        shape = net.input_shape
        if shape is None:
            return None
        n_px = shape[0] * shape[1]
        if blk.cols.layer == 0 and blk.arr.shape[1] >= n_px:
            vectors, axis = blk.arr[:, :n_px], blk.rows
        elif blk.rows.layer == 0 and blk.arr.shape[0] >= n_px:
            vectors, axis = blk.arr[:n_px, :].T, blk.cols
        else:
            return None
        inputs = blk.known is not None and blk.known[0] == "input"
        rng = ink_range(vectors) if inputs else None
        scale, (lo, hi) = ("ink", rng) if rng is not None else ("sign", sign_range(vectors))
        known = blk.known is None or s.revealed.known(*blk.known)
        f = self._focus
        pixel = cell_of(f[0], shape) if 0 in f and f[0] < n_px else None
        item_focus = f.get(axis.layer) if axis.layer is not None else axis.focus
        shown = _window(len(vectors), item_focus, IMAGE_CAP)
        lit = {item_focus} if axis.layer is not None and item_focus is not None else set()
        pictures, items = [], []
        for i in shown:
            # an edge rings its pixel in its own neuron's image; an input neuron in every image
            mark = pixel if pixel is not None and (not self._edge_sel or i in lit) else None
            label = axis.labels[i]
            pictures.append(
                Picture(f"{blk.key}{i}", vectors[i].reshape(shape), lo, hi, scale, label, mark, known)
            )
            items.append(i)
        per = max(1, (self.width() - 40) // round((IMAGE_SIDE + 14) * s.zoom))
        grid = ImageGrid(pictures, items, lit, THEMES[s.theme], s.zoom, min(per, 8))
        per_what = "sample" if axis.layer is None else "neuron"
        words = f" — an image of {shape[0]} × {shape[1]} inputs per {per_what}"
        if not known:
            words += f" <span style='color: {SELECT}'><b>?</b> not revealed yet</span>"
        more = []
        if len(vectors) > len(shown):
            whose = (
                "samples" if axis.layer is None else f"neurons of layer {html.escape(net.names[axis.layer])}"
            )
            more.append(f"{whose} {shown.start + 1}–{shown.stop} of {len(vectors):,} as images")
        return grid, words, more

    def _fill(self, tab: QTableWidget, blk: _Block) -> list[str]:
        """The block's table: arr[rows, cols], "?" until revealed, the selection lit."""
        s = self.session
        n_r, n_c = blk.arr.shape
        rows, cols = _window(n_r, blk.rows.focus), _window(n_c, blk.cols.focus)
        tab.clear()
        tab.setRowCount(len(rows))
        tab.setColumnCount(len(cols))
        tab.setVerticalHeaderLabels([blk.rows.labels[r] for r in rows])
        tab.setHorizontalHeaderLabels([blk.cols.labels[c] for c in cols])
        no_head = blk.cols.labels == [""]
        if no_head:  # a single column (the biases): no header
            tab.horizontalHeader().hide()
        shown = blk.known is None or s.revealed.known(*blk.known)
        for a, r in enumerate(rows):
            for b, c in enumerate(cols):
                txt = fmt(blk.arr[r, c], s.decimals).replace("-", "−") if shown else "?"
                it = QTableWidgetItem(txt)
                it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                if self._lit(blk, r, c):
                    it.setBackground(QColor(SELECT))
                    it.setForeground(QColor("#111111"))
                tab.setItem(a, b, it)
        tab.resizeColumnsToContents()
        tab.resizeRowsToContents()
        h, v = tab.horizontalHeader(), tab.verticalHeader()
        cw = max([h.sectionSize(b) for b in range(len(cols))] + [round(52 * s.zoom)])
        for b in range(len(cols)):  # one width for all columns: a tidy matrix
            h.resizeSection(b, cw)
        hh = 0 if no_head else h.sizeHint().height()
        tab.setFixedSize(
            v.sizeHint().width() + h.length() + 2 * tab.frameWidth() + 2,
            hh + v.length() + 2 * tab.frameWidth() + 2,
        )
        out = []
        for axis, rng, n in ((blk.rows, rows, n_r), (blk.cols, cols, n_c)):
            if n > len(rng):
                what = (
                    "samples"
                    if axis.layer is None
                    else f"neurons of layer {html.escape(self.session.network.names[axis.layer])}"
                )
                out.append(f"{what} {rng.start + 1}–{rng.stop} of {n:,}")
        return out

    def _lit(self, blk: _Block, r: int, c: int) -> bool:
        """The selection's cells: a neuron's row or column; an edge's cell of W (and the rows
        or columns of its two neurons elsewhere)."""
        f = self._focus
        if not f:
            return False
        rk = blk.rows.layer is not None and f.get(blk.rows.layer) == r
        ck = blk.cols.layer is not None and f.get(blk.cols.layer) == c
        if self._edge_sel:
            return (rk or blk.rows.layer is None) and (ck or blk.cols.layer is None)
        return rk or ck
