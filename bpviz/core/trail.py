"""The path training took: a bounded record of the parameters at the steps the window saw.

The loss landscape draws where the two chosen parameters went, and the two are chosen after
the fact (a class trains first, then asks "which way did w5 and w6 go?"), so the trail keeps
every parameter of each state it records, and projects onto any two when asked.

Bounded: the states live in one (rows, parameters) float64 array within ``BUDGET`` bytes (the
steps beside them count too). When it is full, every other state is dropped (the first and,
through the next record, the latest always stay) and the spacing it keeps doubles: halving, so
a run of any length keeps a path of evenly thinned states from its start. Networks whose
``MIN_STATES`` states would not fit the budget are not recorded (``too_large``).

Steps only go forward along a path: recording step s forgets the states at s and after (a
step back, an edited weight, a reset to step 0 start the path again from there).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["BUDGET", "MIN_STATES", "MAX_STATES", "Trail"]

BUDGET = 16 * 1024 * 1024  # bytes of states and steps
MIN_STATES = 16  # a network whose 16 states exceed the budget is not recorded (784-128-10: 20 fit)
MAX_STATES = 1 << 16  # states kept at most, however small the network (a path to draw)
FIRST_ROWS = 256  # rows allocated at first; doubled as needed, up to the budget


class Trail:
    """States of one network's parameters by step (see the module's docstring)."""

    def __init__(self, budget: int = BUDGET, max_states: int = MAX_STATES) -> None:
        self.budget = int(budget)
        self.max_states = int(max_states)
        self.clear()

    def clear(self) -> None:
        self._layout: tuple | None = None  # the shapes the states are of
        self._rows = np.zeros((0, 0))
        self._steps = np.zeros(0, dtype=np.int64)
        self.count = 0
        self.stride = 1  # the spacing in steps the kept states have at least
        self.too_large = False

    # -- sizes -----------------------------------------------------------------------------
    @property
    def nbytes(self) -> int:
        """Bytes the stored arrays take (allocated, not only used)."""
        return int(self._rows.nbytes + self._steps.nbytes)

    def capacity_for(self, n_params: int) -> int:
        """States of ``n_params`` parameters that fit the budget (with their steps)."""
        return int(min(self.max_states, self.budget // (8 * (n_params + 1))))

    @property
    def max_parameters(self) -> int:
        """The largest network (in parameters) this trail records."""
        return self.budget // (8 * MIN_STATES) - 1

    # -- recording -------------------------------------------------------------------------
    def record(self, step: int, weights: Sequence[np.ndarray], biases: Sequence[np.ndarray] | None) -> bool:
        """The parameters at ``step``; False when the network is too large to record."""
        layout = (tuple(w.shape for w in weights), None if biases is None else tuple(b.shape for b in biases))
        if layout != self._layout:
            self.clear()
            self._layout = layout
            n = sum(w.size for w in weights) + sum(b.size for b in biases or ())
            self.too_large = self.capacity_for(n) < MIN_STATES
        if self.too_large:
            return False
        step = int(step)
        self.count = int(np.searchsorted(self._steps[: self.count], step, side="left"))
        c = self.count
        if c >= 2 and self._steps[c - 1] - self._steps[c - 2] < self.stride:
            c -= 1  # the latest state stands in until the next is a stride away
        vec = _flat(weights, biases)
        cap = self.capacity_for(vec.size)
        if c >= cap:
            c = self._halve()
        if c >= len(self._steps):
            self._grow(vec.size, min(cap, max(FIRST_ROWS, 2 * len(self._steps))))
        self._rows[c] = vec
        self._steps[c] = step
        self.count = c + 1
        return True

    def _grow(self, n_params: int, rows: int) -> None:
        new_rows = np.empty((rows, n_params))
        new_steps = np.empty(rows, dtype=np.int64)
        if self.count:
            new_rows[: self.count] = self._rows[: self.count]
            new_steps[: self.count] = self._steps[: self.count]
        self._rows, self._steps = new_rows, new_steps

    def _halve(self) -> int:
        """Every other state kept (the first among them); the count left."""
        keep = np.arange(0, self.count, 2)
        k = len(keep)
        self._rows[:k] = self._rows[keep]
        self._steps[:k] = self._steps[keep]
        self.count = k
        self.stride *= 2
        return k

    # -- reading ---------------------------------------------------------------------------
    @property
    def steps(self) -> np.ndarray:
        return self._steps[: self.count].copy()

    def column(self, kind: str, index: tuple, shapes: tuple) -> int:
        """A parameter's column in a state: ``kind`` "edge" (j, row, col) or "bias" (j, i)."""
        w_shapes, b_shapes = shapes
        j = int(index[0])
        if kind == "edge":
            base = sum(int(np.prod(s)) for s in w_shapes[:j])
            return base + int(index[1]) * int(w_shapes[j][1]) + int(index[2])
        if b_shapes is None:
            raise ValueError("no biases recorded")
        base = sum(int(np.prod(s)) for s in w_shapes) + sum(int(np.prod(s)) for s in b_shapes[:j])
        return base + int(index[1])

    def project(self, params: Sequence[tuple[str, tuple]], until: int | None = None):
        """(steps, values): the recorded steps (up to ``until`` when given) and each state's
        values of ``params`` ((kind, index) pairs), shaped (states, len(params))."""
        if self._layout is None or not self.count:
            return np.zeros(0, dtype=np.int64), np.zeros((0, len(params)))
        cols = [self.column(k, idx, self._layout) for k, idx in params]
        n = self.count if until is None else int(np.searchsorted(self._steps[: self.count], until, "right"))
        return self._steps[:n].copy(), self._rows[:n][:, cols].copy()


def _flat(weights, biases) -> np.ndarray:
    parts = [np.asarray(w, dtype=np.float64).ravel() for w in weights]
    parts += [np.asarray(b, dtype=np.float64).ravel() for b in biases or ()]
    return np.concatenate(parts) if parts else np.zeros(0)
