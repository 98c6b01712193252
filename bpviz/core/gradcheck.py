"""Finite-difference check of backprop's gradients: for every weight and bias (``gradcheck``,
``bpviz gradcheck``) or for chosen parameters (``numeric_gradients``, the window's Gradient check
tab, which must not compute one itself).

A check of every parameter costs one or two forward passes per parameter, which for a big
network takes long: both functions take an optional ``progress(done, total)`` callback, called
at most every ``progress_interval`` seconds and once at the end; returning ``False`` stops the
check with :class:`GradCheckStopped` (a ``KeyboardInterrupt`` raised in between stops it too).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from bpviz.core.network import Network, Pass

__all__ = ["GradCheck", "GradCheckStopped", "gradcheck", "numeric_gradients", "EPS", "ProgressCallback"]

EPS = 1e-6  # the step ε of the finite differences
PROGRESS_INTERVAL = 0.1  # seconds between calls of a progress callback

# progress(done, total): parameters done so far, of total; False stops the check
ProgressCallback = Callable[[int, int], "bool | None"]


class GradCheckStopped(Exception):
    """A progress callback returned False after ``done`` of ``total`` parameters."""

    def __init__(self, done: int, total: int) -> None:
        super().__init__(f"the gradient check was stopped after {done:,} of {total:,} parameters")
        self.done, self.total = done, total


class _Ticker:
    """Calls ``progress`` at most every ``interval`` seconds (and at the end); raises
    GradCheckStopped when it returns False."""

    def __init__(self, progress: ProgressCallback | None, total: int, interval: float) -> None:
        self.progress, self.total, self.interval = progress, total, interval
        self.done = 0
        self.last = time.monotonic()

    def tick(self) -> None:
        self.done += 1
        if self.progress is None:
            return
        now = time.monotonic()
        if now - self.last >= self.interval or self.done == self.total:
            self.last = now
            if self.progress(self.done, self.total) is False:
                raise GradCheckStopped(self.done, self.total)


# A parameter: ("w", j, (r, c)) for weight [r, c] of weight layer j, ("b", j, i) for bias i.
Param = tuple


@dataclass
class GradCheck:
    weights: list[dict]  # {"layer", "row", "col", "analytic", "numeric"}
    biases: list[dict]  # {"layer", "index", "analytic", "numeric"}

    @property
    def max_abs_diff(self) -> float:
        d = [abs(e["analytic"] - e["numeric"]) for e in self.weights + self.biases]
        return max(d) if d else 0.0

    def to_json(self) -> dict:
        return {"weights": self.weights, "biases": self.biases, "max_abs_diff": self.max_abs_diff}


def _check_args(method: str, eps: float) -> None:
    if method not in ("central", "forward"):
        raise ValueError(f"unknown method {method!r}")
    if not eps > 0:
        raise ValueError("eps must be > 0")


def _numeric(
    net: Network,
    p: Pass,
    x: np.ndarray,
    t: np.ndarray,
    params: Sequence[Param],
    method: str,
    eps: float,
    e0: float | None,
    ticker: _Ticker | None = None,
) -> list[float]:
    """The finite difference of E for each parameter, perturbing one at a time in ``net``
    (the network ``p`` runs) and putting it back."""
    res = []
    for kind, j, idx in params:
        arr = net.weights[j] if kind == "w" else net.biases[j]
        old = arr[idx]
        arr[idx] = old + eps
        up = p.evaluate(x, t)
        if method == "central":
            arr[idx] = old - eps
            down = p.evaluate(x, t)
            arr[idx] = old
            res.append(float((up - down) / (2 * eps)))
        else:
            arr[idx] = old
            res.append(float((up - e0) / eps))
        if ticker is not None:
            ticker.tick()
    return res


def _prepare(net: Network, x, t) -> tuple[Network, np.ndarray, np.ndarray, Pass]:
    net = net.copy()
    x = np.ascontiguousarray(np.atleast_2d(x), dtype=np.float64)
    t = np.ascontiguousarray(np.atleast_2d(t), dtype=np.float64)
    return net, x, t, Pass(net, len(x))


def numeric_gradients(
    net: Network,
    x: np.ndarray,
    t: np.ndarray,
    params: Sequence[Param],
    method: str = "central",
    eps: float = EPS,
    *,
    progress: ProgressCallback | None = None,
    progress_interval: float = PROGRESS_INTERVAL,
) -> list[float]:
    """∂E/∂θ by finite differences for each parameter θ of ``params`` — ``("w", j, (r, c))``
    or ``("b", j, i)`` — over the samples x, t of one step: (E(θ + ε) − E(θ − ε)) / 2ε
    (central) or (E(θ + ε) − E(θ)) / ε (forward). One parameter of a copy of ``net`` is
    perturbed at a time, so it stays cheap for a few parameters of a 100k-weight network.
    ``progress(done, total)``: see the module's docstring."""
    _check_args(method, eps)
    net, x, t, p = _prepare(net, x, t)
    ticker = _Ticker(progress, len(params), progress_interval)
    with np.errstate(all="ignore"):
        e0 = p.evaluate(x, t) if method == "forward" else None
        return _numeric(net, p, x, t, params, method, eps, e0, ticker)


def gradcheck(
    net: Network,
    x: np.ndarray,
    t: np.ndarray,
    method: str = "central",
    eps: float = EPS,
    *,
    progress: ProgressCallback | None = None,
    progress_interval: float = PROGRESS_INTERVAL,
) -> GradCheck:
    """∂E/∂θ by backprop against (E(θ + ε) − E(θ − ε)) / 2ε (central) or
    (E(θ + ε) − E(θ)) / ε (forward), for every weight and bias, for the samples x, t of one
    step. ``progress(done, total)`` counts weights then biases (see the module's docstring)."""
    _check_args(method, eps)
    net, x, t, p = _prepare(net, x, t)
    with np.errstate(all="ignore"):
        e0 = p.run(x, t)
        gw = [g.copy() for g in p.grad_w]
        gb = None if p.grad_b is None else [g.copy() for g in p.grad_b]
        wp = [
            ("w", j, (r, c))
            for j, w in enumerate(net.weights)
            for r in range(w.shape[0])
            for c in range(w.shape[1])
        ]
        bp = (
            []
            if net.biases is None
            else [("b", j, i) for j, b in enumerate(net.biases) for i in range(b.shape[0])]
        )
        ticker = _Ticker(progress, len(wp) + len(bp), progress_interval)
        wn = _numeric(net, p, x, t, wp, method, eps, e0, ticker)
        bn = _numeric(net, p, x, t, bp, method, eps, e0, ticker)
    weights = [
        {"layer": j, "row": r, "col": c, "analytic": float(gw[j][r, c]), "numeric": n}
        for (_, j, (r, c)), n in zip(wp, wn, strict=True)
    ]
    biases = [
        {"layer": j, "index": i, "analytic": float(gb[j][i]), "numeric": n}
        for (_, j, i), n in zip(bp, bn, strict=True)
    ]
    return GradCheck(weights, biases)
