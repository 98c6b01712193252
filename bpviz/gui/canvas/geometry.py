"""Where the canvas puts things, in view units, and what lies under the cursor: numpy only.

Layers stand ``DX`` apart; a small layer keeps unit spacing, a big one spans the full height.
Each weight layer's edges are segments (a → b, with their row and column); hit-testing measures
the distance from the cursor to every drawn segment at once, so hover and click stay fast for
100,000 edges. Nothing here imports Qt: the view turns pixels into view units and back.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

DX = 3.0  # distance between layers (view units)
WIDTH_BINS = (0.8, 1.5, 2.4, 3.4, 4.6)  # pen widths by |value| (× zoom)
IMAGE_HALF = 0.6  # an image-shaped input layer spans x = −IMAGE_HALF … IMAGE_HALF at most
IMAGE_MATRIX_DX = 2.0  # from an input image to the next layer where a weight matrix joins them


@dataclass
class Geometry:
    """The positions of one network's neurons, bias nodes and edges (view units)."""

    pos: list[np.ndarray]  # per layer k: (n_k, 2) centres
    spacing: list[float]  # per layer: view units between neighbours (inf for one neuron)
    top: float
    bottom: float
    bias_pos: np.ndarray | None  # (L, 2): one node per weight layer, or None without biases
    seg: list[tuple]  # per weight layer j: (a, b, rows, cols), a in layer j, b in layer j + 1
    # an image-shaped input layer (rows, cols): its neurons are the cells of an image, whose
    # rectangle (x0, y0, x1, y1) the label layout sets (square cells in pixels)
    image: tuple[int, int] | None = None
    image_rect: tuple[float, float, float, float] | None = None
    # what else the layout placed, for hit-testing (view rectangles x0, y0, x1, y1): each
    # neuron's heatmap by (k, i), each weight matrix by weight layer j (its parts: one block,
    # or a strip per row, as [(rect, first row, end row)])
    heat_rects: dict = field(default_factory=dict)
    matrix_rects: dict = field(default_factory=dict)
    fprime_rects: dict = field(default_factory=dict)  # each neuron's f′ gauge by (k, i)
    xs: list = field(default_factory=list)  # each layer's x (DX apart, but see IMAGE_MATRIX_DX)

    @property
    def width(self) -> float:
        """From the input layer's x to the output layer's."""
        return float(self.xs[-1]) if self.xs else 0.0

    def between(self, j: int, f: float) -> float:
        """The x a fraction ``f`` of the way from layer j to layer j + 1."""
        return float(self.xs[j] + f * (self.xs[j + 1] - self.xs[j]))


def image_fits(sizes: list[int], image: tuple[int, int] | None) -> bool:
    """Whether the input layer can be drawn as an image of this shape (its cells fill it)."""
    return image is not None and len(image) == 2 and image[0] * image[1] == sizes[0] and min(image) >= 1


def layout_network(
    sizes: list[int], has_bias: bool, image: tuple[int, int] | None = None, matrices: frozenset = frozenset()
) -> Geometry:
    """Neuron centres, layer by layer, centred on y = 0; bias nodes above the layer they feed
    from (their height is set in pixels by the label layout); every edge as a segment. With
    ``image`` (rows, cols) the input layer is an image: its cells stand in a grid at most
    IMAGE_HALF either side of x = 0 (the layout squares them in pixels, ``place_image``), and
    when the first weight layer is drawn as its matrix (``matrices``: weight layers drawn so)
    the next layer stands IMAGE_MATRIX_DX from it: the image takes the rest of the room."""
    L = len(sizes) - 1
    image = tuple(image) if image_fits(sizes, image) else None
    gaps = [IMAGE_MATRIX_DX if j == 0 and image is not None and 0 in matrices else DX for j in range(L)]
    xs = [0.0, *np.cumsum(gaps).tolist()]
    tallest = max(sizes[1:] if image is not None and L else sizes)
    height = min(max(tallest - 1, 1), 12.0)
    pos, spacing = [], []
    for k, n in enumerate(sizes):
        # a big layer spans the full height; a small one keeps unit spacing
        sp = height / max(n - 1, 1) if n > 13 else 1.0
        ys = (np.arange(n)[::-1] - (n - 1) / 2) * sp
        pos.append(np.column_stack([np.full(n, xs[k]), ys]))
        spacing.append(sp if n > 1 else math.inf)
    image_rect = None
    if image is not None:
        half = max(height / 2, 2.0)  # room for the image however short the other layers
        image_rect = (-IMAGE_HALF, -half, IMAGE_HALF, half)
        pos[0] = image_cells(image, image_rect)
        spacing[0] = 2 * half / image[0]
    top = max(p[:, 1].max() for p in pos)
    bottom = min(p[:, 1].min() for p in pos)
    if image_rect is not None:
        top, bottom = max(top, image_rect[3]), min(bottom, image_rect[1])
    bias_pos = None
    if has_bias:
        bias_pos = np.array([[xs[j] + gaps[j] * 0.45, top + 0.9] for j in range(L)])
    seg = []
    for j in range(L):
        a, b = pos[j], pos[j + 1]
        rr, cc = np.meshgrid(np.arange(sizes[j + 1]), np.arange(sizes[j]), indexing="ij")
        seg.append((a[cc.ravel()], b[rr.ravel()], rr.ravel(), cc.ravel()))
    return Geometry(pos, spacing, top, bottom, bias_pos, seg, image, image_rect, xs=xs)


def image_cells(image: tuple[int, int], rect) -> np.ndarray:
    """The centres of an image's cells (row-major from the top-left) in the rectangle
    (x0, y0, x1, y1), y up."""
    rows, cols = image
    x0, y0, x1, y1 = rect
    cx = x0 + (np.arange(cols) + 0.5) * (x1 - x0) / cols
    cy = y1 - (np.arange(rows) + 0.5) * (y1 - y0) / rows
    gx, gy = np.meshgrid(cx, cy)
    return np.column_stack([gx.ravel(), gy.ravel()])


def place_image(g: Geometry, rect) -> bool:
    """Put the image layer in the view rectangle ``rect`` (its cells and the edges from
    them); whether anything moved."""
    rect = tuple(float(v) for v in rect)
    if g.image is None or rect == g.image_rect:
        return False
    g.image_rect = rect
    g.pos[0] = image_cells(g.image, rect)
    g.spacing[0] = (rect[3] - rect[1]) / g.image[0]
    if g.seg:
        a, b, rr, cc = g.seg[0]
        g.seg[0] = (g.pos[0][cc], b, rr, cc)
    return True


def _in(rect, x: float, y: float) -> bool:
    return rect[0] <= x <= rect[2] and rect[1] <= y <= rect[3]


def picture_hit(g: Geometry, x: float, y: float, shapes: dict):
    """What picture lies under view point (x, y): an image cell ("neuron", (0, i)), a
    neuron's heatmap or f′ gauge ("neuron", (k, i)), a weight matrix's cell ("edge", (j, r, c));
    ``shapes``: each matrix's (rows, cols) by j. None elsewhere."""
    if g.image is not None and g.image_rect is not None and _in(g.image_rect, x, y):
        rows, cols = g.image
        x0, y0, x1, y1 = g.image_rect
        c = min(int((x - x0) / (x1 - x0) * cols), cols - 1)
        r = min(int((y1 - y) / (y1 - y0) * rows), rows - 1)
        return ("neuron", (0, r * cols + c))
    for rects in (g.heat_rects, g.fprime_rects):
        for key, rect in rects.items():
            if _in(rect, x, y):
                return ("neuron", key)
    for j, parts in g.matrix_rects.items():
        for rect, r0, r1 in parts:
            if _in(rect, x, y) and j in shapes:
                _, cols = shapes[j]
                x0, y0, x1, y1 = rect
                c = min(int((x - x0) / (x1 - x0) * cols), cols - 1)
                r = r0 + min(int((y1 - y) / (y1 - y0) * (r1 - r0)), r1 - r0 - 1)
                return ("edge", (j, r, c))
    return None


def base_sizes_px(sizes: list[int], zoom: float) -> np.ndarray:
    """Each layer's neuron diameter in pixels before the layout shrinks crowded layers."""
    out = []
    for n in sizes:
        base = 46 if n <= 8 else 32 if n <= 20 else 14 if n <= 80 else 5
        out.append(base * zoom)
    return np.array(out, dtype=float)


def pairs(a: np.ndarray, b: np.ndarray, idx) -> tuple[np.ndarray, np.ndarray]:
    """The x and y arrays of segments a[idx] → b[idx] for a curve drawn with connect="pairs"."""
    return (np.column_stack([a[idx, 0], b[idx, 0]]).ravel(), np.column_stack([a[idx, 1], b[idx, 1]]).ravel())


def strongest(values: np.ndarray, budget: int) -> np.ndarray:
    """Indices of the ``budget`` largest |values| (all of them when there are fewer)."""
    if values.size <= budget:
        return np.arange(values.size)
    return np.argpartition(-np.abs(values), budget)[:budget]


def width_bins(v: np.ndarray, vmax: float) -> tuple[np.ndarray, np.ndarray]:
    """Each value's sign (+1 / −1) and width bin (0 … len(WIDTH_BINS) − 1) by |v| / vmax."""
    mag = np.abs(v) / vmax
    wb = np.minimum((mag * len(WIDTH_BINS)).astype(int), len(WIDTH_BINS) - 1)
    return np.where(v >= 0, 1, -1), wb


def hit_test(
    g: Geometry,
    shown: list[np.ndarray],
    x: float,
    y: float,
    sx: float,
    sy: float,
    px: np.ndarray,
    bias_radius: float,
):
    """What lies under view point (x, y): ("neuron", (k, i)), ("bias", (j, i)) or
    ("edge", (j, r, c)), or None. ``sx``, ``sy``: pixels per view unit; ``px``: each layer's
    neuron diameter in pixels; ``shown``: the drawn edges of each weight layer. A neuron within
    3 px of its rim wins; then a bias node; then the nearest drawn edge within 4 px; then a
    bias's dashed edge within 4 px."""
    best = None
    for k, p in enumerate(g.pos):
        if k == 0 and g.image is not None:
            continue  # the image's cells: picture_hit
        d = np.hypot((p[:, 0] - x) * sx, (p[:, 1] - y) * sy)
        i = int(np.argmin(d))
        if d[i] <= px[k] / 2 + 3 and (best is None or d[i] < best[0]):
            best = (d[i], ("neuron", (k, i)))
    if best:
        return best[1]
    if g.bias_pos is not None:
        d = np.hypot((g.bias_pos[:, 0] - x) * sx, (g.bias_pos[:, 1] - y) * sy)
        j = int(np.argmin(d))
        if d[j] <= bias_radius:
            return ("bias", (j, 0))
    for j, (a, b, rr, cc) in enumerate(g.seg):
        idx = shown[j]
        ax, ay = a[idx, 0] * sx, a[idx, 1] * sy
        bx, by = b[idx, 0] * sx, b[idx, 1] * sy
        qx, qy = x * sx, y * sy
        dx, dy = bx - ax, by - ay
        ll = dx * dx + dy * dy
        t = np.clip(((qx - ax) * dx + (qy - ay) * dy) / np.where(ll == 0, 1, ll), 0, 1)
        dist = np.hypot(ax + t * dx - qx, ay + t * dy - qy)
        e = int(np.argmin(dist)) if dist.size else -1
        if e >= 0 and dist[e] <= 4 and (best is None or dist[e] < best[0]):
            ee = idx[e]
            best = (dist[e], ("edge", (j, int(rr[ee]), int(cc[ee]))))
    if best is None and g.bias_pos is not None:
        for j in range(len(g.seg)):
            a = g.bias_pos[j]
            for i, b in enumerate(g.pos[j + 1]):
                dx, dy = (b[0] - a[0]) * sx, (b[1] - a[1]) * sy
                qx, qy = (x - a[0]) * sx, (y - a[1]) * sy
                ll = dx * dx + dy * dy
                t = min(1, max(0, (qx * dx + qy * dy) / ll)) if ll else 0
                if math.hypot(t * dx - qx, t * dy - qy) <= 4:
                    return ("bias", (j, i))
    return best[1] if best else None


def crossings(segs: np.ndarray, x: float, y: float, w: float, h: float) -> int:
    """How many segments (rows x0, y0, x1, y1) pass through the box (Liang–Barsky)."""
    return int(crossings_many(segs, np.array([x]), np.array([y]), w, h)[0])


def crossings_many(segs: np.ndarray, xs: np.ndarray, ys: np.ndarray, w: float, h: float) -> np.ndarray:
    """For each box (xs[i], ys[i], w, h): how many segments pass through it, in one numpy pass
    (boxes × segments; a label's candidate places are sorted by it)."""
    n = len(xs)
    if not len(segs) or not n:
        return np.zeros(n, dtype=int)
    x0, y0 = segs[None, :, 0], segs[None, :, 1]
    dx, dy = segs[None, :, 2] - x0, segs[None, :, 3] - y0
    bx, by = np.asarray(xs, dtype=float)[:, None], np.asarray(ys, dtype=float)[:, None]
    t0 = np.zeros((n, len(segs)))
    t1 = np.ones((n, len(segs)))
    ok = np.ones((n, len(segs)), dtype=bool)
    with np.errstate(divide="ignore", invalid="ignore"):
        for p, q in ((-dx, x0 - bx), (dx, bx + w - x0), (-dy, y0 - by), (dy, by + h - y0)):
            p = np.broadcast_to(p, q.shape)
            zero = p == 0
            ok &= ~(zero & (q < 0))
            r = np.where(zero, 0.0, q / np.where(zero, 1.0, p))
            t0 = np.where(~zero & (p < 0), np.maximum(t0, r), t0)
            t1 = np.where(~zero & (p > 0), np.minimum(t1, r), t1)
    return np.count_nonzero(ok & (t0 <= t1), axis=1)


def arrow_triangle(
    box_x: float, box_y: float, x0: float, y0: float, x1: float, y1: float, length: float, half: float
):
    """The tip and the two base corners (pixels) of an arrowhead placed in the square box at
    (box_x, box_y) of side 2·max(length, half), pointing along the edge from (x1, y1) back to
    (x0, y0): the error signal flows from layer k + 1 to layer k."""
    w = 2 * max(length, half)
    cx, cy = box_x + w / 2, box_y + w / 2  # centre of the head's box
    ln = math.hypot(x1 - x0, y1 - y0) or 1.0
    ux, uy = (x0 - x1) / ln, (y0 - y1) / ln  # towards layer k (the tip's way)
    tip = (cx + ux * length / 2, cy + uy * length / 2)
    base = (cx - ux * length / 2, cy - uy * length / 2)
    p1 = (base[0] - uy * half, base[1] + ux * half)
    p2 = (base[0] + uy * half, base[1] - ux * half)
    return tip, p1, p2
