"""The error of every step the session has seen, for the error plot: the per-step errors and
the epoch curve, in growing buffers (with log10 alongside for the log-scale axis), so a run of
millions of steps stays cheap. ``Session.history`` is one; the training controller extends it
from snapshots, the stepper from its own steps."""

from __future__ import annotations

import numpy as np

__all__ = ["History"]


class _Buffer:
    """A growing float buffer with log10 kept alongside (for the log-scale plot)."""

    def __init__(self) -> None:
        self.v = np.empty(1024)
        self.log = np.empty(1024)
        self.n = 0

    def reserve(self, need: int) -> None:
        if need > len(self.v):
            size = max(need, 2 * len(self.v))
            for name in ("v", "log"):
                buf = np.empty(size)
                buf[: self.n] = getattr(self, name)[: self.n]
                setattr(self, name, buf)

    def put(self, start: int, values: np.ndarray) -> None:
        self.reserve(start + len(values))
        self.v[start : start + len(values)] = values
        with np.errstate(all="ignore"):
            np.log10(values, out=self.log[start : start + len(values)])
        self.n = start + len(values)


class History:
    """The error of every step since the file's weights (``errors[i]`` is step i + 1's) and
    the epoch errors (E of all samples at each epoch's end), in growing buffers so a run of
    millions of steps stays cheap."""

    def __init__(self) -> None:
        self._e = _Buffer()
        self._ep = _Buffer()
        self._ep_steps = np.empty(1024)
        self.changed_from = 0  # the first step index (0-based) changed since the plot looked
        self.epochs_changed_from = 0

    @property
    def n(self) -> int:
        return self._e.n

    @property
    def errors(self) -> np.ndarray:
        return self._e.v[: self._e.n]

    @property
    def log_errors(self) -> np.ndarray:
        return self._e.log[: self._e.n]

    @property
    def epoch_steps(self) -> np.ndarray:
        return self._ep_steps[: self._ep.n]

    @property
    def epoch_errors(self) -> np.ndarray:
        return self._ep.v[: self._ep.n]

    @property
    def epoch_log_errors(self) -> np.ndarray:
        return self._ep.log[: self._ep.n]

    def set_length(self, n: int) -> None:
        """Forget the steps after step n."""
        self._e.n = min(self._e.n, max(0, n))
        self._ep.n = int(np.searchsorted(self.epoch_steps, self._e.n, side="right"))
        self.changed_from = min(self.changed_from, self._e.n)
        self.epochs_changed_from = min(self.epochs_changed_from, self._ep.n)

    def extend(self, first_step: int, errors) -> None:
        """Record the errors of steps first_step, first_step + 1, …"""
        errors = np.asarray(errors, dtype=float)
        start = first_step - 1
        if start > self._e.n:  # a gap (a file without history): NaN
            self._e.put(self._e.n, np.full(start - self._e.n, np.nan))
        self.changed_from = min(self.changed_from, start, self._e.n)
        self._e.put(start, errors)

    def add_epochs(self, pairs) -> None:
        """(step, E of all samples) at the end of epochs."""
        if not pairs:
            return
        steps = np.array([a for a, _ in pairs], dtype=float)
        k = int(np.searchsorted(self.epoch_steps, steps[0]))
        self.epochs_changed_from = min(self.epochs_changed_from, k)
        self._ep.put(k, np.array([b for _, b in pairs], dtype=float))
        if len(self._ep_steps) < self._ep.n:
            grown = np.empty(len(self._ep.v))
            grown[:k] = self._ep_steps[:k]
            self._ep_steps = grown
        self._ep_steps[k : self._ep.n] = steps

    def clear(self) -> None:
        self._e.n = 0
        self._ep.n = 0
        self.changed_from = 0
        self.epochs_changed_from = 0
