"""The inspector's Gradient check tab: backprop's gradient of the selection against the finite
difference core.gradcheck computes (the GUI computes no finite difference of its own)."""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from bpviz.core.gradcheck import EPS, numeric_gradients
from bpviz.core.numbers import fmt, sig

__all__ = ["GradCheckTab", "MAX_CHECK"]

MAX_CHECK = 200  # parameters one gradient check perturbs


class GradCheckTab(QWidget):
    """The selected weight or bias, or the layer of a neuron (in a big layer, the neuron's own
    edges), at most MAX_CHECK parameters; shown once its gradients are revealed."""

    def __init__(self, session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        lay = QVBoxLayout(self)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("note")
        self.table = QTableWidget()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        self.table.setColumnCount(4)
        self.table.setHorizontalHeaderLabels(["parameter", "backprop", "numeric", "|difference|"])
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setStretchLastSection(True)
        lay.addWidget(self.note)
        lay.addWidget(self.table, 1)
        self.results: list[dict] = []  # {"symbol", "analytic", "numeric"}
        self._for: tuple | None = None  # (trace, params) of results

    def params(self) -> tuple[int, list]:
        """The weight layer and the parameters to check, as core.gradcheck names them."""
        s = self.session
        net = s.trace.network
        j, sel = s.selected_weight_layer(), s.selection
        if sel is not None and sel.kind == "edge":
            return j, [("w", j, tuple(sel.index[1:]))]
        if sel is not None and sel.kind == "bias":
            return j, [("b", j, sel.index[1])] if net.biases is not None else []
        n_out, n_in = net.weights[j].shape
        rows, cols = range(n_out), range(n_in)
        if sel is not None and n_out * n_in > MAX_CHECK:  # a big layer: the neuron's own edges
            k, i = sel.index
            rows, cols = ([], [i]) if k == 0 else ([i], range(n_in))
        bs = [("b", j, r) for r in rows] if net.biases is not None else []
        ws = [("w", j, (r, c)) for r in (rows or range(n_out)) for c in cols]
        return j, ws[: max(MAX_CHECK - len(bs), 1)] + bs

    def refresh(self) -> None:
        s, tr = self.session, self.session.trace
        net, p, m = tr.network, tr.p, len(tr.samples)
        j, params = self.params()
        tab = self.table
        rv = s.revealed
        if not rv.known("grad_w", j + 1):
            at = rv.at("grad_w", j + 1)
            self.results, self._for = [], None
            tab.setRowCount(0)
            title = html.escape(s.phases[at].title)
            self.note.setText(
                f"Backprop reveals these gradients at phase {at + 1} "
                f"(<i>{title}</i>): predict them, step there, then check "
                "them here."
            )
            return
        if not (self._for and self._for[0] is tr and self._for[1] == params):
            num = numeric_gradients(net, tr.inputs, tr.targets, params, "central", EPS)
            lab = net.labels
            self.results = [
                {
                    "symbol": lab.weights[jj][idx[0]][idx[1]]
                    if kind == "w"
                    else f"{lab.biases[jj][idx]} ({lab.neurons[jj + 1][idx]})",
                    "analytic": float(p.grad_w[jj][idx] if kind == "w" else p.grad_b[jj][idx]),
                    "numeric": float(n),
                }
                for (kind, jj, idx), n in zip(params, num, strict=True)
            ]
            self._for = (tr, params)
        tab.setRowCount(len(self.results))
        for r, e in enumerate(self.results):
            diff = abs(e["analytic"] - e["numeric"])
            cells = [e["symbol"], fmt(e["analytic"], s.decimals), fmt(e["numeric"], s.decimals), fmt(diff, 3)]
            for c, txt in enumerate(cells):
                it = QTableWidgetItem(txt.replace("-", "−") if c else txt)
                if c:
                    it.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                tab.setItem(r, c, it)
        tab.resizeColumnsToContents()
        worst = max((abs(e["analytic"] - e["numeric"]) for e in self.results), default=0.0)
        self.note.setText(
            f"∂E/∂θ by backprop against the central difference (E(θ + ε) − E(θ − ε)) / 2ε, "
            f"ε = {sig(EPS)}, E over this step's {m} sample{'s' if m > 1 else ''}, at the "
            f"parameters before the update (core.gradcheck). Largest difference: "
            f"{fmt(worst, 3)}."
        )
