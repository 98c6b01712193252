"""Finite-difference check of backprop's gradients, for every weight and bias."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from bpviz.core.network import Network, Pass

__all__ = ["GradCheck", "gradcheck"]


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


def gradcheck(net: Network, x: np.ndarray, t: np.ndarray, method: str = "central",
              eps: float = 1e-6) -> GradCheck:
    """∂E/∂θ by backprop against (E(θ + ε) − E(θ − ε)) / 2ε (central) or
    (E(θ + ε) − E(θ)) / ε (forward), for the samples x, t of one step."""
    if method not in ("central", "forward"):
        raise ValueError(f"unknown method {method!r}")
    if not eps > 0:
        raise ValueError("eps must be > 0")
    net = net.copy()
    x = np.ascontiguousarray(np.atleast_2d(x), dtype=np.float64)
    t = np.ascontiguousarray(np.atleast_2d(t), dtype=np.float64)
    p = Pass(net, len(x))
    with np.errstate(all="ignore"):
        e0 = p.run(x, t)
        gw = [g.copy() for g in p.grad_w]
        gb = None if p.grad_b is None else [g.copy() for g in p.grad_b]

        def numeric(arr: np.ndarray, idx) -> float:
            old = arr[idx]
            arr[idx] = old + eps
            up = p.evaluate(x, t)
            if method == "central":
                arr[idx] = old - eps
                down = p.evaluate(x, t)
                arr[idx] = old
                return (up - down) / (2 * eps)
            arr[idx] = old
            return (up - e0) / eps

        weights = []
        for j, w in enumerate(net.weights):
            for r in range(w.shape[0]):
                for c in range(w.shape[1]):
                    weights.append({"layer": j, "row": r, "col": c, "analytic": float(gw[j][r, c]),
                                    "numeric": float(numeric(w, (r, c)))})
        biases = []
        if net.biases is not None:
            for j, b in enumerate(net.biases):
                for i in range(b.shape[0]):
                    biases.append({"layer": j, "index": i, "analytic": float(gb[j][i]),
                                   "numeric": float(numeric(b, i))})
    return GradCheck(weights, biases)
