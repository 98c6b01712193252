"""Where the canvas's labels go: positions in, placements out. No Qt here.

Every label the canvas shows (neuron names and values, targets, layer captions, edge and bias
labels, notes) is a box of known pixel size with a list of candidate top-left corners in order of
preference. Obstacles (neurons, bias nodes, arrowheads) are boxes that labels must not cover.
:func:`place` takes the labels in order of priority and puts each at its first candidate that
overlaps no obstacle, no label placed before it and stays inside the bounds; a label with no such
candidate is *dropped* (the canvas hides it and its text stays in the tooltip), never overprinted.

All coordinates are pixels of one plane (the canvas's scene), y pointing down.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["Box", "Label", "Obstacles", "Placement", "place", "overlaps", "TOLERANCE"]

TOLERANCE = 1.0  # px two boxes may share before they count as overlapping


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def right(self) -> float:
        return self.x + self.w

    @property
    def bottom(self) -> float:
        return self.y + self.h


@dataclass
class Label:
    """A label of size (w, h) that may go at any of ``candidates`` (top-left corners, best
    first). ``ignore`` names obstacles it may cover (a neuron's name sits on its neuron)."""

    key: object
    w: float
    h: float
    candidates: list[tuple[float, float]]
    ignore: frozenset = field(default_factory=frozenset)


@dataclass(frozen=True)
class Placement:
    placed: dict  # key → (x, y) top-left corner
    dropped: list  # keys of the labels that found no free place


def overlaps(a: Box, b: Box, tol: float = TOLERANCE) -> bool:
    """Whether two boxes share more than ``tol`` pixels in both directions."""
    return min(a.right, b.right) - max(a.x, b.x) > tol and min(a.bottom, b.bottom) - max(a.y, b.y) > tol


class Obstacles:
    """Boxes labels must not cover, each with a key, as one array of (x0, y0, x1, y1) rows:
    a layer of a thousand neurons is one block, not a thousand boxes."""

    def __init__(self, keys: list | None = None, a: np.ndarray | None = None) -> None:
        self.keys = keys or []
        self.a = np.zeros((0, 4)) if a is None else a

    @classmethod
    def of(cls, boxes: dict) -> Obstacles:
        """From key → Box."""
        return cls().plus(boxes)

    def plus(self, boxes: dict) -> Obstacles:
        """These and ``boxes`` (key → Box)."""
        rows = np.array([(b.x, b.y, b.x + b.w, b.y + b.h) for b in boxes.values()]).reshape(-1, 4)
        return Obstacles(self.keys + list(boxes), np.concatenate([self.a, rows]))

    def block(self, keys: list, x, y, w, h) -> Obstacles:
        """These and one box per key, from arrays of corners and sizes."""
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        rows = np.column_stack([x, y, x + w, y + h]).reshape(-1, 4)
        return Obstacles(self.keys + list(keys), np.concatenate([self.a, rows]))


class _Boxes:
    """A growing array of boxes with the keys of the obstacles among them."""

    def __init__(self) -> None:
        self.a = np.empty((64, 4))
        self.keys: list = []
        self.index: dict = {}  # key → row
        self.n = 0

    @classmethod
    def of(cls, obstacles: Obstacles) -> _Boxes:
        """The obstacles, in one array with room to grow."""
        t = cls()
        n = len(obstacles.keys)
        t.a = np.empty((max(64, 2 * n), 4))
        t.a[:n] = obstacles.a
        t.keys = list(obstacles.keys)
        t.index = {k: i for i, k in enumerate(t.keys)}
        t.n = n
        return t

    def add(self, b: Box, key=None) -> None:
        if self.n == len(self.a):
            self.a = np.concatenate([self.a, np.empty_like(self.a)])
        self.a[self.n] = (b.x, b.y, b.right, b.bottom)
        self.keys.append(key)
        if key is not None:
            self.index[key] = self.n
        self.n += 1

    def first_free(self, cand: np.ndarray, w: float, h: float, ignore, tol) -> int | None:
        """The index of the first candidate corner (rows of ``cand``: x, y) whose w×h box
        overlaps no box here, except those ``ignore`` names; None if all do. All candidates
        are tested at once (one numpy pass per label, not per candidate)."""
        if self.n == 0:
            return 0 if len(cand) else None
        a = self.a[: self.n]
        x0, y0 = cand[:, :1], cand[:, 1:2]
        ox = np.minimum(a[:, 2], x0 + w) - np.maximum(a[:, 0], x0)
        oy = np.minimum(a[:, 3], y0 + h) - np.maximum(a[:, 1], y0)
        hit = (ox > tol) & (oy > tol)  # candidates × boxes
        if ignore:
            skip = [self.index[k] for k in ignore if k in self.index]
            if skip:
                hit[:, skip] = False
        free = np.flatnonzero(~hit.any(axis=1))
        return int(free[0]) if free.size else None


def place(
    labels: list[Label], obstacles: dict | Obstacles, bounds: Box | None = None, tol: float = TOLERANCE
) -> Placement:
    """Place ``labels`` (in priority order) around ``obstacles`` (key → Box, or
    :class:`Obstacles`) inside ``bounds``.

    Returns where each placed label's top-left corner is, and the keys of the dropped ones."""
    if isinstance(obstacles, dict):
        obstacles = Obstacles.of(obstacles)
    taken = _Boxes.of(obstacles)
    placed, dropped = {}, []
    for lab in labels:
        cand = np.asarray(lab.candidates, dtype=float).reshape(-1, 2)
        if bounds is not None and len(cand):
            inside = (
                (cand[:, 0] >= bounds.x - tol)
                & (cand[:, 1] >= bounds.y - tol)
                & (cand[:, 0] + lab.w <= bounds.right + tol)
                & (cand[:, 1] + lab.h <= bounds.bottom + tol)
            )
            cand = cand[inside]
        i = taken.first_free(cand, lab.w, lab.h, lab.ignore, tol) if len(cand) else None
        if i is None:
            dropped.append(lab.key)
            continue
        x, y = float(cand[i, 0]), float(cand[i, 1])
        placed[lab.key] = (x, y)
        taken.add(Box(x, y, lab.w, lab.h), ("label", lab.key))
    return Placement(placed, dropped)


def around(
    cx: float, cy: float, r: float, w: float, h: float, gap: float, order: str = "below above right left"
) -> list[tuple[float, float]]:
    """Top-left corners of a w×h box beside a circle of radius r at (cx, cy), in ``order``."""
    spots = {
        "below": (cx - w / 2, cy + r + gap),
        "above": (cx - w / 2, cy - r - gap - h),
        "right": (cx + r + gap, cy - h / 2),
        "left": (cx - r - gap - w, cy - h / 2),
        "below-right": (cx + r * 0.7 + gap, cy + r * 0.7),
        "above-right": (cx + r * 0.7 + gap, cy - r * 0.7 - h),
        "below-left": (cx - r * 0.7 - gap - w, cy + r * 0.7),
        "above-left": (cx - r * 0.7 - gap - w, cy - r * 0.7 - h),
    }
    return [spots[o] for o in order.split()]


def along(
    ax: float, ay: float, bx: float, by: float, w: float, h: float, fractions
) -> list[tuple[float, float]]:
    """Top-left corners of a w×h box centred on the segment a→b at each fraction."""
    return [(ax + (bx - ax) * f - w / 2, ay + (by - ay) * f - h / 2) for f in fractions]


__all__ += ["around", "along"]
