"""The loss landscape: E over a grid of two parameters around their current values.

A class asks "why does a big η blow up?": the answer is a picture of E as a surface over two
weights, the others held where they are, with the step the update takes drawn on it. This
module computes that surface, numpy only, so the window computes it in a background thread
(and the same function serves tests and scripts).

* Two parameters (:class:`Param`: a weight ``("edge", (j, row, col))`` or a bias ``("bias",
  (j, i))``, the GUI's selection kinds) vary over ``n`` × ``n`` grid points (``grid_offsets``:
  odd ``n`` puts the current values exactly at the centre); every other parameter stays.
* E is the loss of the given rows (the iteration's samples: the E whose gradient the step
  uses), computed for every grid point by the same layers as ``Network.forward`` (the
  activations' ``forward_fn``, the loss's ``finish`` / ``terms`` from core.functions), so the
  value at the centre is ``Network.error`` of those rows (to rounding, 1e-15 relative).
* Vectorised: the layers before the lower of the two parameters are the same for every grid
  point and are computed once; each parameter enters as a rank-1 change of its layer's
  pre-activation (a weight w[r, c] adds Δw·out_prev[:, c] to net[:, r], a bias Δb to
  net[:, r]). So in the lower parameter's layer only neuron r moves (for an activation that
  works per neuron: all but softmax), and the next layer's pre-activation moves by
  Δout_r·W[:, r], rank 1 again: per grid point that layer costs a column, not a matrix
  product (a first-layer weight of 784-128-10 over 1,280 rows: 0.25 s, not 10 s). The later
  layers run batched over the grid points, ``CHUNK_FLOATS`` floats at a time (memory stays
  bounded whatever the batch; the matrix products release the GIL).
* ``default_span``: how far each axis reaches on either side, max(1, 3·|update|, |value|), so
  the update arrow and an overshoot fit in the picture.

No backprop here: the gradient and the update the picture draws are the trace's (the
iteration's), read by the caller.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bpviz.core.network import Network

__all__ = [
    "GRID",
    "MAX_GRID",
    "CHUNK_FLOATS",
    "Param",
    "Landscape",
    "Cancelled",
    "grid_offsets",
    "default_span",
    "compute",
    "errors_at",
    "largest_gradients",
]

GRID = 41  # grid points a side (odd: the current values are a grid point)
MAX_GRID = 201
CHUNK_FLOATS = 1 << 20  # floats of one layer's values for one chunk of grid points (8 MB)


class Cancelled(Exception):
    """The caller's ``cancelled()`` said stop (a newer request replaced this one)."""


@dataclass(frozen=True)
class Param:
    """One parameter: a weight ``("edge", (j, row, col))`` of weight layer j (0-based, the
    matrix into layer j + 1) or a bias ``("bias", (j, i))``."""

    kind: str
    index: tuple[int, ...]

    @property
    def layer(self) -> int:
        return int(self.index[0])

    @property
    def row(self) -> int:
        return int(self.index[1])

    @property
    def col(self) -> int | None:
        return int(self.index[2]) if self.kind == "edge" else None

    def problem(self, net: Network) -> str | None:
        """Why this is not a parameter of ``net`` (None: it is)."""
        if self.kind not in ("edge", "bias"):
            return f"{self.kind} is not a weight or a bias"
        j = self.layer
        if not 0 <= j < net.L:
            return f"weight layer {j + 1} does not exist"
        if self.kind == "bias":
            if net.biases is None:
                return "the network has no biases"
            if len(self.index) != 2 or not 0 <= self.row < net.sizes[j + 1]:
                return f"bias {self.index} does not exist"
            return None
        rows, cols = net.weights[j].shape
        if len(self.index) != 3 or not (0 <= self.row < rows and 0 <= int(self.index[2]) < cols):
            return f"weight {self.index} does not exist"
        return None

    def value(self, net: Network) -> float:
        if self.kind == "bias":
            return float(net.biases[self.layer][self.row])
        return float(net.weights[self.layer][self.row, self.col])

    def set(self, net: Network, v: float) -> None:
        """Write ``v`` into ``net`` (tests' brute force, scripts)."""
        if self.kind == "bias":
            net.biases[self.layer][self.row] = v
        else:
            net.weights[self.layer][self.row, self.col] = v

    def label(self, net: Network) -> str:
        """The display label: w5, w(h1,i2), b(o1)."""
        lab = net.labels
        if self.kind == "bias":
            return lab.biases[self.layer][self.row]
        return lab.weights[self.layer][self.row][self.col]

    def of(self, grad_w, grad_b) -> float:
        """This parameter's entry of per-layer arrays shaped like the weights and biases
        (a gradient, an update)."""
        if self.kind == "bias":
            return float(grad_b[self.layer][self.row]) if grad_b is not None else 0.0
        return float(grad_w[self.layer][self.row, self.col])


@dataclass(frozen=True, eq=False)
class Landscape:
    """E over the grid: ``errors[iy, ix]`` at a = ``xs[ix]``, b = ``ys[iy]`` (rows go up the
    y axis); ``centre`` the current values (the grid point ``(n // 2, n // 2)``)."""

    a: Param
    b: Param
    xs: np.ndarray
    ys: np.ndarray
    errors: np.ndarray
    centre: tuple[float, float]

    @property
    def centre_error(self) -> float:
        n_y, n_x = self.errors.shape
        return float(self.errors[n_y // 2, n_x // 2])

    def nearest(self, x: float, y: float) -> tuple[int, int] | None:
        """The grid point nearest (x, y) as (iy, ix); None outside the grid (half a cell
        beyond its edge)."""
        ix = _nearest(self.xs, x)
        iy = _nearest(self.ys, y)
        return None if ix is None or iy is None else (iy, ix)


def _nearest(vals: np.ndarray, v: float) -> int | None:
    if len(vals) < 2:
        return 0 if len(vals) else None
    step = (vals[-1] - vals[0]) / (len(vals) - 1)
    if not step > 0:
        return None
    i = int(round((v - vals[0]) / step))
    return i if 0 <= i < len(vals) else None


def grid_offsets(n: int, span: float) -> np.ndarray:
    """``n`` offsets from −span to +span, evenly spaced, exactly 0 at the middle (n odd)."""
    n = int(n)
    if n < 2:
        return np.zeros(1)
    half = (n - 1) / 2
    return span * ((np.arange(n) - half) / half)


def default_span(value: float, update: float) -> float:
    """How far an axis reaches each side of the current value: max(1, 3·|update|, |value|),
    so the update arrow (the step along this axis) and an overshoot past the valley fit."""
    vals = [1.0, 3.0 * abs(update), abs(value)]
    return float(max(v for v in vals if np.isfinite(v)))


def largest_gradients(net: Network, grad_w, count: int = 2, layer: int | None = None) -> list[Param]:
    """The ``count`` weights of weight layer ``layer`` (default: the last) with the largest
    |∂E/∂w| (ties: the first), as Params; from every layer when that one has too few."""
    j = net.L - 1 if layer is None else layer
    g = np.abs(np.asarray(grad_w[j], dtype=np.float64))
    if g.size >= count:
        order = np.argsort(-np.nan_to_num(g.ravel(), nan=-1.0), kind="stable")[:count]
        return [Param("edge", (j, *(int(v) for v in np.unravel_index(i, g.shape)))) for i in order]
    flat = [(jj, i) for jj in range(net.L) for i in range(net.weights[jj].size)]
    vals = np.array([abs(float(np.asarray(grad_w[jj]).ravel()[i])) for jj, i in flat])
    order = np.argsort(-np.nan_to_num(vals, nan=-1.0), kind="stable")[:count]
    out = []
    for k in order:
        jj, i = flat[int(k)]
        out.append(Param("edge", (jj, *(int(v) for v in np.unravel_index(i, net.weights[jj].shape)))))
    return out


def _source(out_prev: np.ndarray, p: Param) -> np.ndarray | None:
    """What a change of p multiplies in its layer's pre-activation: out_prev[..., col] for a
    weight, None (1) for a bias."""
    return None if p.kind == "bias" else out_prev[..., p.col]


def _loss_per_point(net: Network, out: np.ndarray, t: np.ndarray, exact: np.ndarray) -> np.ndarray:
    """E of each grid point from its outputs ``out`` (P, m, n_out) and the targets (m, n_out):
    Σ(o − t)² finished by the loss, or the sum of its terms, for all points at once. Where
    ``exact`` (the current values: no change of either parameter) the loss's own ``value``
    sums them, in the order ``Pass.evaluate`` does, so that point is the core's E to the last
    bit; elsewhere the sum's order differs by rounding (1e-16 of E), at a thousandth of the
    cost (one BLAS call per point costs ~1 ms where the BLAS has threads to wake)."""
    loss = net.loss
    if loss.squared:
        d = out - t
        e = np.asarray(loss.finish(np.einsum("pmn,pmn->p", d, d), t.size), dtype=np.float64)
    else:
        e = loss.terms(out, t).sum(axis=(1, 2))
    for p in np.flatnonzero(exact):
        e[p] = loss.value(out[p], t)
    return e


def errors_at(
    net: Network,
    x: np.ndarray,
    t: np.ndarray,
    a: Param,
    b: Param,
    da: np.ndarray,
    db: np.ndarray,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    chunk_floats: int = CHUNK_FLOATS,
) -> np.ndarray:
    """E of the rows ``x`` (targets ``t``) at every pair of changes (da[i], db[i]) of a and b
    from their values in ``net`` (``net`` itself is not changed): an array like ``da``.
    ``progress(done, total)`` after each chunk; ``cancelled()`` True raises Cancelled."""
    for p in (a, b):
        problem = p.problem(net)
        if problem:
            raise ValueError(problem)
    if a == b:
        raise ValueError("the two parameters must differ")
    x = np.ascontiguousarray(net.expand(np.atleast_2d(np.asarray(x, dtype=np.float64))))
    t = np.ascontiguousarray(np.atleast_2d(np.asarray(t, dtype=np.float64)))
    da = np.asarray(da, dtype=np.float64).ravel()
    db = np.asarray(db, dtype=np.float64).ravel()
    if da.shape != db.shape:
        raise ValueError("da and db must have the same length")
    m = x.shape[0]
    lo = min(a.layer, b.layer)
    total = len(da)
    res = np.empty(total)
    with np.errstate(all="ignore"):
        pre = _Prefix(net, x, lo, a, b)
        widest = max(net.sizes[lo + 1 :])
        per_chunk = max(1, int(chunk_floats) // max(1, m * widest))
        done = 0
        while done < total:
            if cancelled is not None and cancelled():
                raise Cancelled
            sl = slice(done, min(total, done + per_chunk))
            res[sl] = _chunk(net, pre, t, a, b, da[sl], db[sl])
            done = sl.stop
            if progress is not None:
                progress(done, total)
    return res


class _Prefix:
    """What every grid point shares: the layers before the lower parameter's (``out_lo``, the
    input of weight layer ``lo``), that layer's pre-activation and output at the current
    values (``base``, ``base_out``) and, where the next layer exists, its pre-activation
    (``base_next``). ``rows``: the neurons of layer lo + 1 the lower layer's changes reach
    (one or two); ``narrow``: its activation works per neuron (not softmax), so only those
    columns are computed per grid point, and their change reaches the next layer's
    pre-activation as a rank-1 (or rank-2) update."""

    def __init__(self, net: Network, x: np.ndarray, lo: int, a: Param, b: Param) -> None:
        W, B = net.weights, net.biases
        f = [act.forward_fn for act in net.activations]
        out = x
        for j in range(lo):
            out = _layer(out, W[j], None if B is None else B[j], f[j])
        self.lo = lo
        self.out_lo = out
        self.base = out @ W[lo].T
        if B is not None:
            self.base += B[lo]
        self.base_out = np.empty_like(self.base)
        f[lo](self.base, self.base_out)
        self.rows = sorted({p.row for p in (a, b) if p.layer == lo})
        self.narrow = net.activations[lo].per_neuron
        self.base_next = None
        if self.narrow and lo + 1 < net.L:
            self.base_next = self.base_out @ W[lo + 1].T
            if B is not None:
                self.base_next += B[lo + 1]


def _layer(out: np.ndarray, w: np.ndarray, b: np.ndarray | None, f) -> np.ndarray:
    pre = out @ w.T
    if b is not None:
        pre += b
    nxt = np.empty_like(pre)
    f(pre, nxt)
    return nxt


def _add_change(pre: np.ndarray, p: Param, d: np.ndarray, src: np.ndarray | None, k: int) -> None:
    """pre[..., k] += d·src (a weight: ``src`` is its input column, shared (m,) or per grid
    point (P, m)) or += d (a bias)."""
    if src is None:
        pre[:, :, k] += d[:, None]
    elif src.ndim == 1:
        pre[:, :, k] += d[:, None] * src[None, :]
    else:
        pre[:, :, k] += d[:, None] * src


def _chunk(net: Network, pre: _Prefix, t, a: Param, b: Param, da, db) -> np.ndarray:
    """E at P grid points, batched as (P·m, n) rows from the lower parameter's layer on."""
    W, B, lo = net.weights, net.biases, pre.lo
    f = [act.forward_fn for act in net.activations]
    P, m = len(da), pre.out_lo.shape[0]
    changes = ((a, da), (b, db))
    if pre.narrow:
        # only the changed neurons of layer lo + 1 are computed per grid point
        rows = pre.rows
        pre_r = np.repeat(pre.base[:, rows][None], P, axis=0)  # (P, m, |rows|)
        for p, d in changes:
            if p.layer == lo:
                _add_change(pre_r, p, d, _source(pre.out_lo, p), rows.index(p.row))
        out_r = np.empty_like(pre_r)
        f[lo](pre_r.reshape(P * m, -1), out_r.reshape(P * m, -1))
        if lo + 1 == net.L:
            out = np.repeat(pre.base_out[None], P, axis=0)
            out[:, :, rows] = out_r
            return _loss_per_point(net, out, t, (da == 0) & (db == 0))
        j = lo + 1
        moved = out_r - pre.base_out[:, rows][None]  # how the changed neurons' out moved
        nxt = (moved.reshape(P * m, -1) @ W[j][:, rows].T).reshape(P, m, -1)
        nxt += pre.base_next
        for p, d in changes:
            if p.layer == j:
                col = p.col
                src = None
                if col is not None:
                    src = out_r[:, :, rows.index(col)] if col in rows else pre.base_out[:, col]
                _add_change(nxt, p, d, src, p.row)
        out = np.empty_like(nxt)
        f[j](nxt.reshape(P * m, -1), out.reshape(P * m, -1))
        start = j + 1
    else:  # softmax: every out of the layer moves with any of its nets
        nxt = np.repeat(pre.base[None], P, axis=0)
        for p, d in changes:
            if p.layer == lo:
                _add_change(nxt, p, d, _source(pre.out_lo, p), p.row)
        out = np.empty_like(nxt)
        f[lo](nxt.reshape(P * m, -1), out.reshape(P * m, -1))
        start = lo + 1
    for j in range(start, net.L):
        n_in = out.shape[-1]
        nxt = (out.reshape(P * m, n_in) @ W[j].T).reshape(P, m, -1)
        if B is not None:
            nxt += B[j]
        for p, d in changes:
            if p.layer == j:
                _add_change(nxt, p, d, _source(out, p), p.row)
        new = np.empty_like(nxt)
        f[j](nxt.reshape(P * m, -1), new.reshape(P * m, -1))
        out = new
    return _loss_per_point(net, out, t, (da == 0) & (db == 0))


def compute(
    net: Network,
    x: np.ndarray,
    t: np.ndarray,
    a: Param,
    b: Param,
    spans: tuple[float, float],
    n: int = GRID,
    progress: Callable[[int, int], None] | None = None,
    cancelled: Callable[[], bool] | None = None,
    chunk_floats: int = CHUNK_FLOATS,
) -> Landscape:
    """E of the rows ``x`` over ``n`` × ``n`` values of a (across) and b (up), each from its
    current value − span to + span (``spans`` = (span of a, span of b)); the others fixed."""
    n = int(min(max(int(n), 3), MAX_GRID))
    n += 1 - n % 2  # odd: the centre is a grid point
    oa, ob = grid_offsets(n, float(spans[0])), grid_offsets(n, float(spans[1]))
    ga, gb = np.meshgrid(oa, ob)  # (n_y, n_x): rows go up b
    errs = errors_at(net, x, t, a, b, ga.ravel(), gb.ravel(), progress, cancelled, chunk_floats)
    va, vb = a.value(net), b.value(net)
    return Landscape(a, b, va + oa, vb + ob, errs.reshape(n, n), (va, vb))
