"""Finite-difference check of backprop's gradients: for every weight and bias (``gradcheck``,
``bpviz gradcheck``) or for chosen parameters (``numeric_gradients``, the window's Gradient check
tab, which must not compute one itself)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bpviz.core.network import Network, Pass

__all__ = ["GradCheck", "gradcheck", "numeric_gradients", "EPS"]

EPS = 1e-6  # the step ε of the finite differences

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
) -> list[float]:
    """∂E/∂θ by finite differences for each parameter θ of ``params`` — ``("w", j, (r, c))``
    or ``("b", j, i)`` — over the samples x, t of one step: (E(θ + ε) − E(θ − ε)) / 2ε
    (central) or (E(θ + ε) − E(θ)) / ε (forward). One parameter of a copy of ``net`` is
    perturbed at a time, so it stays cheap for a few parameters of a 100k-weight network."""
    _check_args(method, eps)
    net, x, t, p = _prepare(net, x, t)
    with np.errstate(all="ignore"):
        e0 = p.evaluate(x, t) if method == "forward" else None
        return _numeric(net, p, x, t, params, method, eps, e0)


def gradcheck(
    net: Network, x: np.ndarray, t: np.ndarray, method: str = "central", eps: float = EPS
) -> GradCheck:
    """∂E/∂θ by backprop against (E(θ + ε) − E(θ − ε)) / 2ε (central) or
    (E(θ + ε) − E(θ)) / ε (forward), for every weight and bias, for the samples x, t of one
    step."""
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
        wn = _numeric(net, p, x, t, wp, method, eps, e0)
        bn = _numeric(net, p, x, t, bp, method, eps, e0)
    weights = [
        {"layer": j, "row": r, "col": c, "analytic": float(gw[j][r, c]), "numeric": n}
        for (_, j, (r, c)), n in zip(wp, wn, strict=True)
    ]
    biases = [
        {"layer": j, "index": i, "analytic": float(gb[j][i]), "numeric": n}
        for (_, j, i), n in zip(bp, bn, strict=True)
    ]
    return GradCheck(weights, biases)
