"""The data plane: the network's output over the plane of two inputs, or along one input.

TensorFlow Playground's picture, as numbers: a grid over the input plane (``RESOLUTION`` ×
``RESOLUTION`` points), fitted to the training and test rows with a margin (``MARGIN`` of the
span on each side), and the network's output at every point of it, computed in one batched
forward pass (``Network.forward``: derived input features are expanded there, as for the data).

* Two chosen raw inputs span the plane (``PlaneSpec.x``, ``PlaneSpec.y``); every other raw input
  is held at its mean over the training rows (``Frame.held``), which the view says on the plot.
* One raw input (``PlaneSpec.y`` None): the function curve, ``CURVE_POINTS`` points along it.
* What the view draws over the grid: one output's value with its class boundary, the contour
  at ``level`` (0.5, or 0 for a tanh output layer: ``classify.threshold``), or for several
  outputs read as classes (``regions``) the class of each point (argmax) and the borders
  between classes. ``contour`` and ``borders`` give those lines as segments (marching
  squares, vectorised).
* ``neuron_grids``: every hidden and output neuron's out over the same grid, from the same
  one forward pass (``Plane.neurons`` when the spec asks for them).

Cost: a grid's pass costs rows × weights multiply-adds; a network too wide for a 64 × 64 grid
within ``PLANE_BUDGET`` gets a coarser grid (``resolution_for``, at least ``MIN_RESOLUTION``).
numpy only: the training process computes planes for its snapshots, the window for the
weights on screen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from bpviz.core import classify

__all__ = [
    "RESOLUTION",
    "MIN_RESOLUTION",
    "CURVE_POINTS",
    "MARGIN",
    "PLANE_BUDGET",
    "PlaneSpec",
    "Frame",
    "Plane",
    "default_spec",
    "fit_spec",
    "resolution_for",
    "frame",
    "compute",
    "neuron_grids",
    "level",
    "regions",
    "classes",
    "contour",
    "borders",
    "value_at",
    "value_range",
    "BOUNDED",
]

RESOLUTION = 64  # grid points a side
MIN_RESOLUTION = 16  # the coarsest grid a wide network gets
CURVE_POINTS = 256  # points of the function curve of one input
MARGIN = 0.1  # of the data's span, on each side
PLANE_BUDGET = 8_000_000  # multiply-adds of one plane's forward pass (rows × weights)


@dataclass(frozen=True)
class PlaneSpec:
    """Which plane: raw input ``x`` across, raw input ``y`` up (None: the function curve of
    ``x``), ``resolution`` points a side, and whether every neuron's out over the grid comes
    too (``neurons``, for the per-neuron heatmaps). Inputs count from 0 here."""

    x: int = 0
    y: int | None = 1
    resolution: int = RESOLUTION
    neurons: bool = False

    @property
    def curve(self) -> bool:
        return self.y is None

    def problem(self, n_raw: int) -> str | None:
        """Why this spec does not fit data of ``n_raw`` raw inputs (None: it fits)."""
        if not 0 <= self.x < n_raw:
            return f"input {self.x + 1} does not exist (the data has {n_raw})"
        if self.y is not None and (not 0 <= self.y < n_raw or self.y == self.x):
            return f"input {self.y + 1} cannot be the second axis"
        if self.resolution < 2:
            return "a grid needs at least 2 points a side"
        return None


def _network(doc_or_net):
    return getattr(doc_or_net, "network", doc_or_net)


def default_spec(doc_or_net, neurons: bool = False) -> PlaneSpec:
    """The first two raw inputs (given a document with more than two, the first two that
    vary over its training rows: an image's corner pixels are constant); the function curve
    of a network with one raw input."""
    n_raw = _network(doc_or_net).n_raw
    if n_raw < 2:
        return PlaneSpec(0, None, RESOLUTION, neurons)
    x = getattr(doc_or_net, "inputs", None)
    if n_raw > 2 and x is not None and np.size(x):
        x = np.asarray(x, dtype=np.float64).reshape(-1, n_raw)
        with np.errstate(all="ignore"):
            varying = np.flatnonzero(np.ptp(x, axis=0) > 0)
        if len(varying) >= 2:
            return PlaneSpec(int(varying[0]), int(varying[1]), RESOLUTION, neurons)
    return PlaneSpec(0, 1, RESOLUTION, neurons)


def fit_spec(spec: PlaneSpec | None, doc_or_net) -> PlaneSpec:
    """``spec`` when it fits the network's raw inputs, else the default (keeping its
    ``neurons`` and ``resolution``)."""
    net = _network(doc_or_net)
    if spec is None:
        return default_spec(doc_or_net)
    if spec.problem(net.n_raw) is None:
        return spec
    d = default_spec(doc_or_net, spec.neurons)
    return replace(d, resolution=max(2, spec.resolution))


def resolution_for(net, wanted: int = RESOLUTION) -> int:
    """Grid points a side for ``net``: ``wanted``, or fewer (not below MIN_RESOLUTION) where
    a pass over wanted² rows would cost more than PLANE_BUDGET multiply-adds."""
    weights = max(1, sum(int(w.size) for w in net.weights))
    fits = int(math.isqrt(max(1, PLANE_BUDGET // weights)))
    return int(max(min(wanted, MIN_RESOLUTION), min(wanted, fits)))


def _extent(values: np.ndarray) -> tuple[float, float]:
    """(lo, hi) of the finite values with MARGIN of their span on each side; a single value
    (or none) gets ±0.5, or ±half its size when it is larger."""
    v = values[np.isfinite(values)]
    if not v.size:
        return -1.0, 1.0
    lo, hi = float(v.min()), float(v.max())
    span = hi - lo
    if span <= 1e-12 * max(1.0, abs(lo), abs(hi)):
        pad = max(0.5, 0.5 * abs(lo))
        return lo - pad, hi + pad
    return lo - MARGIN * span, hi + MARGIN * span


@dataclass(frozen=True, eq=False)
class Frame:
    """Where a plane lies. ``xs`` (and ``ys``) are the grid points' coordinates, at the
    centres of ``resolution`` equal cells spanning ``x_range`` (``y_range``), so an image of
    the grid covers exactly the ranges; a curve has ``CURVE_POINTS`` points from end to end
    of ``x_range`` and no ``ys``. ``held``: (raw input, value) of every other raw input, at
    its mean over the training rows."""

    spec: PlaneSpec
    n_raw: int
    x_range: tuple[float, float]
    y_range: tuple[float, float] | None
    xs: np.ndarray
    ys: np.ndarray | None
    held: tuple[tuple[int, float], ...]

    @property
    def curve(self) -> bool:
        return self.ys is None

    @property
    def shape(self) -> tuple[int, ...]:
        """(ny, nx) of a plane, (n,) of a curve."""
        return (len(self.xs),) if self.ys is None else (len(self.ys), len(self.xs))

    def rows(self) -> np.ndarray:
        """The raw input rows of the grid's points, row-major from the bottom row up: point
        (iy, ix) is row iy·nx + ix (a curve: row ix)."""
        n = int(np.prod(self.shape))
        x = np.empty((n, self.n_raw))
        for i, v in self.held:
            x[:, i] = v
        if self.ys is None:
            x[:, self.spec.x] = self.xs
        else:
            gx, gy = np.meshgrid(self.xs, self.ys)
            x[:, self.spec.x] = gx.ravel()
            x[:, self.spec.y] = gy.ravel()
        return x


def _centres(lo: float, hi: float, n: int) -> np.ndarray:
    return lo + (np.arange(n) + 0.5) * ((hi - lo) / n)


def frame(doc, spec: PlaneSpec | None = None, net=None) -> Frame:
    """The grid for ``doc``'s data: ``spec`` (fitted to the network by ``fit_spec``), the
    ranges of the training and test rows with a margin, the other inputs at their training
    mean. ``net``: the network whose width sets the resolution (default: the document's)."""
    net = net if net is not None else doc.network
    spec = fit_spec(spec, net)
    n_raw = net.n_raw
    data = np.asarray(doc.inputs, dtype=np.float64).reshape(-1, n_raw)
    test = getattr(doc, "test_inputs", None)
    rows = data if test is None or not np.size(test) else np.vstack([data, np.reshape(test, (-1, n_raw))])
    with np.errstate(all="ignore"):
        means = data.mean(axis=0) if len(data) else np.zeros(n_raw)
    chosen = {spec.x} if spec.curve else {spec.x, spec.y}
    held = tuple((i, float(means[i])) for i in range(n_raw) if i not in chosen)
    x_range = _extent(rows[:, spec.x])
    if spec.curve:
        xs = np.linspace(x_range[0], x_range[1], CURVE_POINTS)
        return Frame(spec, n_raw, x_range, None, xs, None, held)
    n = resolution_for(net, spec.resolution)
    y_range = _extent(rows[:, spec.y])
    return Frame(spec, n_raw, x_range, y_range, _centres(*x_range, n), _centres(*y_range, n), held)


@dataclass(frozen=True, eq=False)
class Plane:
    """The network's output over a frame at one step's weights. ``outputs``: (ny, nx, n_out)
    over a plane, (n, n_out) along a curve, float64, exactly the core's forward pass at
    ``frame.rows()``. ``neurons`` (when the spec asks): for each layer k = 1 … L, every
    neuron's out over the grid, (n_k, ny, nx) (curve: (n_k, n)), float32 for display."""

    frame: Frame
    step: int
    outputs: np.ndarray
    neurons: tuple[np.ndarray, ...] | None = None

    @property
    def spec(self) -> PlaneSpec:
        return self.frame.spec

    def output(self, i: int = 0) -> np.ndarray:
        """Output i over the grid: (ny, nx) or (n,)."""
        return self.outputs[..., i]


def _pass(net, fr: Frame):
    return net.forward(fr.rows())


def _neurons(p, fr: Frame) -> tuple[np.ndarray, ...]:
    shape = fr.shape
    return tuple(
        np.ascontiguousarray(p.out[k].T.reshape((p.out[k].shape[1], *shape)), dtype=np.float32)
        for k in range(1, len(p.out))
    )


def compute(net, fr: Frame, step: int = 0, neurons: bool | None = None) -> Plane:
    """The plane of ``net`` over ``fr``: one batched forward pass over the grid's rows;
    ``neurons`` (default: the spec's) adds every neuron's out from the same pass."""
    p = _pass(net, fr)
    out = p.out[-1]
    outputs = np.array(out.reshape((*fr.shape, out.shape[1])), dtype=np.float64)
    want = fr.spec.neurons if neurons is None else neurons
    return Plane(fr, int(step), outputs, _neurons(p, fr) if want else None)


def neuron_grids(net, fr: Frame) -> tuple[np.ndarray, ...]:
    """Every hidden and output neuron's out over the grid, in one batched forward pass: for
    each layer k = 1 … L an array (n_k, ny, nx) (curve: (n_k, n)), float32."""
    return _neurons(_pass(net, fr), fr)


# -- what the view draws ---------------------------------------------------------------------
def level(doc_or_net) -> float:
    """One output's class boundary: 0 for a tanh output layer, else 0.5 (classify's rule)."""
    return classify.threshold(doc_or_net)


def regions(doc) -> bool:
    """Are several outputs read as classes (each point's class the largest output)? A softmax
    output layer, or several outputs whose targets name one class per row where accuracy
    applies (one-hot rows). One output, or several independent ones (the swap table): no."""
    net = _network(doc)
    if net.sizes[-1] < 2:
        return False
    if net.activations[-1].name == "softmax":
        return True
    return bool(classify.applies(doc) and classify.exclusive(doc))


def classes(plane: Plane) -> np.ndarray:
    """Each grid point's class (0-based): the largest output; one output: by ``level``."""
    o = plane.outputs
    if o.shape[-1] == 1:
        raise ValueError("one output: compare it with level() instead")
    with np.errstate(invalid="ignore"):
        return np.argmax(np.nan_to_num(o, nan=-np.inf), axis=-1)


BOUNDED = {"sigmoid": (0.0, 1.0), "softmax": (0.0, 1.0), "tanh": (-1.0, 1.0)}  # outputs' ranges


def value_range(doc_or_net, *arrays) -> tuple[float, float]:
    """The range a colour scale of one output spans: the output activation's own range
    (sigmoid and softmax 0 … 1, tanh −1 … 1); else the finite values of ``arrays`` (the
    plane's outputs, the targets): symmetric about ``level`` where the outputs are read as
    classes (``classify.applies``), so the boundary sits at the scale's middle, else from
    their least to their largest."""
    net = _network(doc_or_net)
    bounded = BOUNDED.get(net.activations[-1].name)
    if bounded is not None:
        return bounded
    vals = [np.asarray(a, dtype=np.float64).ravel() for a in arrays]
    v = np.concatenate(vals) if vals else np.zeros(0)
    v = v[np.isfinite(v)]
    if classify.applies(doc_or_net):
        cut = level(net)
        r = float(np.abs(v - cut).max()) if v.size else 0.0
        r = r if r > 0 else 1.0
        return cut - r, cut + r
    if not v.size:
        return -1.0, 1.0
    lo, hi = float(v.min()), float(v.max())
    if hi - lo <= 1e-12 * max(1.0, abs(lo), abs(hi)):
        return lo - 0.5, hi + 0.5
    return lo, hi


def value_at(plane: Plane, x: float, y: float | None = None) -> tuple[np.ndarray, tuple[int, ...]] | None:
    """The outputs at the grid point nearest (x, y) and its index, or None outside the frame
    (a hover read-out: no pass of its own)."""
    fr = plane.frame
    lo, hi = fr.x_range
    if not lo <= x <= hi:
        return None
    ix = int(np.clip(np.searchsorted(fr.xs, x), 0, len(fr.xs) - 1))
    if ix > 0 and abs(fr.xs[ix - 1] - x) < abs(fr.xs[ix] - x):
        ix -= 1
    if fr.curve:
        return plane.outputs[ix], (ix,)
    ylo, yhi = fr.y_range
    if y is None or not ylo <= y <= yhi:
        return None
    iy = int(np.clip(np.searchsorted(fr.ys, y), 0, len(fr.ys) - 1))
    if iy > 0 and abs(fr.ys[iy - 1] - y) < abs(fr.ys[iy] - y):
        iy -= 1
    return plane.outputs[iy, ix], (iy, ix)


def contour(values: np.ndarray, at: float, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The line where ``values`` (ny, nx, sampled at xs × ys) crosses ``at``, as segments:
    an array (2·S, 2) of end points, two rows per segment (marching squares with linear
    interpolation along the cells' edges; a saddle is split by the cell's mean). Cells with a
    value that is not finite draw nothing."""
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 2 or min(v.shape) < 2:
        return np.zeros((0, 2))
    a, b = v[:-1, :-1], v[:-1, 1:]  # (x0, y0), (x1, y0)
    d, c = v[1:, :-1], v[1:, 1:]  # (x0, y1), (x1, y1)
    ok = np.isfinite(a) & np.isfinite(b) & np.isfinite(c) & np.isfinite(d)
    A, B, C, D = (a >= at), (b >= at), (c >= at), (d >= at)
    # edges: 0 bottom a–b, 1 right b–c, 2 top d–c, 3 left a–d
    cross = np.stack([A != B, B != C, D != C, A != D], axis=-1) & ok[..., None]
    n = cross.sum(axis=-1)
    if not n.any():
        return np.zeros((0, 2))
    x0 = xs[:-1][None, :].repeat(len(ys) - 1, 0)
    x1 = xs[1:][None, :].repeat(len(ys) - 1, 0)
    y0 = ys[:-1][:, None].repeat(len(xs) - 1, 1)
    y1 = ys[1:][:, None].repeat(len(xs) - 1, 1)

    def t(p, q):
        with np.errstate(all="ignore"):
            r = (at - p) / (q - p)
        return np.clip(np.nan_to_num(r, nan=0.5), 0.0, 1.0)

    px = np.stack([x0 + t(a, b) * (x1 - x0), x1, x0 + t(d, c) * (x1 - x0), x0], axis=-1)
    py = np.stack([y0, y0 + t(b, c) * (y1 - y0), y1, y0 + t(a, d) * (y1 - y0)], axis=-1)
    pts = np.stack([px, py], axis=-1)  # (ny-1, nx-1, 4, 2)
    segs = []
    two = n == 2
    if two.any():
        order = np.argsort(~cross[two], axis=1, kind="stable")[:, :2]
        p = pts[two]
        rows = np.arange(len(p))
        segs.append(np.stack([p[rows, order[:, 0]], p[rows, order[:, 1]]], axis=1))
    four = n == 4
    if four.any():
        p = pts[four]
        centre = (a + b + c + d)[four] / 4 >= at
        same = centre == A[four]  # a's side reaches c's through the centre: cut off b and d
        first = np.where(same[:, None], [0, 1], [0, 3])
        second = np.where(same[:, None], [2, 3], [1, 2])
        rows = np.arange(len(p))
        for e in (first, second):
            segs.append(np.stack([p[rows, e[:, 0]], p[rows, e[:, 1]]], axis=1))
    s = np.concatenate(segs)  # (S, 2 ends, 2 coordinates)
    return s.reshape(-1, 2)


def borders(outputs: np.ndarray, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """The borders between the class regions of ``outputs`` (ny, nx, k): where output c ties
    with the largest of the others, for every class c but the last (each border lies between
    two classes, one of which is not the last), as ``contour`` segments."""
    o = np.asarray(outputs, dtype=np.float64)
    k = o.shape[-1]
    segs = [np.zeros((0, 2))]
    for cl in range(k - 1):
        others = np.delete(o, cl, axis=-1).max(axis=-1)
        segs.append(contour(o[..., cl] - others, 0.0, xs, ys))
    return np.concatenate(segs)
