"""Activations and losses: one class each, with its value, derivative, expressions and prose.

Every function works in place on preallocated arrays (``out=``) so the trainer's hot loop
allocates nothing; the same code serves the one-off forward pass that ``trace`` shows. Each
class also says how it is written (``expression``: the tree of f(x) for the equations,
``derivative_expression``: f′ written from net and out, ``formula``: plain text for menus and
``prose``: one sentence), so adding one (softmax, cross-entropy) is one class and one entry in
``ACTIVATIONS`` / ``LOSSES``.

The backward interface takes the whole layer — ``backward(net, out, grad_out) → δ`` — so a
function whose outputs depend on every net of its layer fits without a rewrite;
``per_neuron`` says whether f′(net) exists per neuron (it is shown only then).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from bpviz.core.expr import Call, Cond, Diff, Frac, Half, Neg, Node, Num, Pow, Prod, Sum, sum_of

__all__ = [
    "Activation",
    "Loss",
    "make_activation",
    "make_loss",
    "ACTIVATIONS",
    "LOSSES",
    "ACTIVATION_NAMES",
    "LOSS_NAMES",
    "compatibility_problem",
    "target_problem",
]


# ============================================================================ activations
class Activation:
    """f applied to a layer's net; ``derivative`` is f′(net), computed from net and out."""

    name = ""
    title = ""  # how a menu names it
    per_neuron = True  # f′(net) is one number per neuron
    slope = 1.0  # only the linear activation has another

    # -- value -----------------------------------------------------------------------
    def __call__(self, net: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        if out is None:
            out = np.empty_like(net, dtype=np.float64)
        # e^(−x) overflows to inf for x < −709 and 1/(1 + inf) is exactly 0, the right limit:
        # the overflow is silenced, never shown.
        with np.errstate(over="ignore"):
            self.forward_fn(net, out)
        return out

    def derivative(self, net: np.ndarray, out: np.ndarray, res: np.ndarray | None = None) -> np.ndarray:
        """f′(net), written into ``res``."""
        if res is None:
            res = np.empty_like(net, dtype=np.float64)
        self.derivative_fn(net, out, res)
        return res

    def backward(
        self,
        net: np.ndarray,
        out: np.ndarray,
        grad_out: np.ndarray,
        delta: np.ndarray | None = None,
        fprime: np.ndarray | None = None,
    ) -> np.ndarray:
        """δ = ∂E/∂net of the whole layer from ∂E/∂out (rows are samples); for a per-neuron
        function δ = ∂E/∂out ⊙ f′(net), with f′ written into ``fprime`` when given."""
        fp = self.derivative(net, out, fprime)
        if delta is None:
            delta = np.empty_like(grad_out)
        np.multiply(grad_out, fp, out=delta)
        return delta

    def forward_fn(self, net, out) -> None:  # writes f(net) into out
        raise NotImplementedError

    def derivative_fn(self, net, out, res) -> None:  # writes f′(net) into res
        raise NotImplementedError

    def scalar(self, x: float) -> float:
        """f of one number (for equations that evaluate themselves)."""
        out = np.empty(1)
        self(np.array([float(x)]), out)
        return float(out[0])

    # -- how it is written -------------------------------------------------------------
    def expression(self, arg: Node) -> Node:
        """f(arg) as a node of an equation: σ(net_h1), tanh(0.3), 2·net."""
        return Call(self.name, arg, self.scalar)

    def derivative_expression(self, net: Node, out: Node) -> Node:
        raise NotImplementedError

    def formula(self, x: str = "x") -> str:
        """f(x) written out in plain text, for menus and explanations."""
        raise NotImplementedError

    def derivative_formula(self, out: str = "out", net: str = "net") -> str:
        raise NotImplementedError

    prose = ""

    def to_json(self) -> str | dict:
        return self.name

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.slope == self.slope

    def __hash__(self) -> int:
        return hash((self.name, self.slope))

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class Sigmoid(Activation):
    name, title = "sigmoid", "sigmoid σ"
    prose = (
        "The logistic sigmoid σ(x) = 1 / (1 + e^(−x)) squashes any net into (0, 1); "
        "its derivative is out·(1 − out)."
    )

    def forward_fn(self, net, out):  # 1 / (1 + e^(−net))
        np.negative(net, out=out)
        np.exp(out, out=out)
        out += 1.0
        np.reciprocal(out, out=out)

    def derivative_fn(self, net, out, res):  # σ′ = out·(1 − out)
        np.subtract(1.0, out, out=res)
        res *= out

    def derivative_expression(self, net, out):
        return Prod((out, Diff(Num(1.0), out)))

    def formula(self, x="x"):
        return f"1 / (1 + e^(−{x}))"

    def derivative_formula(self, out="out", net="net"):
        return f"{out}·(1 − {out})"


class Tanh(Activation):
    name, title = "tanh", "tanh"
    prose = "tanh squashes any net into (−1, 1); its derivative is 1 − out²."

    def forward_fn(self, net, out):
        np.tanh(net, out=out)

    def derivative_fn(self, net, out, res):  # tanh′ = 1 − out²
        np.multiply(out, out, out=res)
        np.subtract(1.0, res, out=res)

    def derivative_expression(self, net, out):
        return Diff(Num(1.0), Pow(out, 2))

    def formula(self, x="x"):
        return f"tanh({x})"

    def derivative_formula(self, out="out", net="net"):
        return f"1 − {out}²"


class ReLU(Activation):
    name, title = "relu", "ReLU"
    prose = (
        "ReLU passes a positive net unchanged and makes a negative one 0; its derivative "
        "is 1 where net > 0 and 0 elsewhere (0 at the kink)."
    )

    def forward_fn(self, net, out):
        np.maximum(net, 0.0, out=out)

    def derivative_fn(self, net, out, res):
        np.greater(net, 0.0, out=res)

    def derivative_expression(self, net, out):
        return Cond(Num(1.0), net, Num(0.0))

    def formula(self, x="x"):
        return f"max(0, {x})"

    def derivative_formula(self, out="out", net="net"):
        return f"1 if {net} > 0 else 0"


class Identity(Activation):
    name, title = "identity", "identity"
    prose = "The identity passes net through unchanged (out = net); its derivative is 1."

    def forward_fn(self, net, out):
        np.copyto(out, net)

    def derivative_fn(self, net, out, res):
        res.fill(1.0)

    def expression(self, arg):
        return arg

    def derivative_expression(self, net, out):
        return Num(1.0)

    def formula(self, x="x"):
        return x

    def derivative_formula(self, out="out", net="net"):
        return "1"


class Linear(Activation):
    name, title = "linear", "linear f(x) = a·x"

    def __init__(self, slope: float = 1.0) -> None:
        self.slope = float(slope)

    @property
    def prose(self) -> str:
        return (
            f"The linear activation multiplies net by {_num(self.slope)}, so its derivative is that constant."
        )

    def forward_fn(self, net, out):
        np.multiply(net, self.slope, out=out)

    def derivative_fn(self, net, out, res):
        res.fill(self.slope)

    def scalar(self, x):
        return self.slope * float(x)

    def expression(self, arg):
        return Prod((Num(self.slope), arg))

    def derivative_expression(self, net, out):
        return Num(self.slope)

    def formula(self, x="x"):
        return f"{_num(self.slope)}·{x}"

    def derivative_formula(self, out="out", net="net"):
        return _num(self.slope)

    def to_json(self):
        return {"name": "linear", "slope": self.slope}

    def __repr__(self):
        return f"Linear({self.slope!r})"


class Softmax(Activation):
    """out_i = e^{net_i} / Σ_j e^{net_j}: every out of the layer depends on every net of it, so
    f′ is a matrix (the Jacobian ∂out_i/∂net_j = out_i·([i = j] − out_j)), not one number per
    neuron. Only an output layer may use it (with cross-entropy, δ = out − target)."""

    name, title = "softmax", "softmax"
    per_neuron = False
    prose = (
        "Softmax turns the output layer's nets into probabilities: out_i = e^(net_i) / Σ_j e^(net_j), "
        "positive and summing to 1. Each out depends on every net of the layer, so its derivative "
        "is a matrix: ∂out_i/∂net_j = out_i·([i = j] − out_j)."
    )

    def forward_fn(self, net, out):
        """Row by row (rows are samples), shifted by the row's largest net so e^x never overflows."""
        np.subtract(net, net.max(axis=-1, keepdims=True), out=out)
        np.exp(out, out=out)
        out /= out.sum(axis=-1, keepdims=True)

    def derivative_fn(self, net, out, res):
        """The Jacobian's diagonal, out_i·(1 − out_i) (how out_i moves with its own net)."""
        np.subtract(1.0, out, out=res)
        res *= out

    def backward(self, net, out, grad_out, delta=None, fprime=None):
        """δ_i = Σ_j ∂E/∂out_j · ∂out_j/∂net_i = out_i·(∂E/∂out_i − Σ_j ∂E/∂out_j·out_j)."""
        if fprime is not None:
            self.derivative_fn(net, out, fprime)
        if delta is None:
            delta = np.empty_like(grad_out)
        s = np.einsum("ij,ij->i", grad_out, out)[:, None]
        np.subtract(grad_out, s, out=delta)
        delta *= out
        return delta

    @staticmethod
    def jacobian(out_row: np.ndarray) -> np.ndarray:
        """∂out_i/∂net_j of one sample: diag(out) − out·outᵀ."""
        o = np.asarray(out_row, dtype=np.float64).ravel()
        return np.diag(o) - np.outer(o, o)

    def scalar(self, x: float) -> float:  # a layer of one neuron: e^x / e^x
        return 1.0

    def layer_expression(
        self,
        net: Callable[[int], Node],
        n: int,
        i: int,
        rest: Callable[[int, int], float] | None = None,
        shift: Node | None = None,
    ) -> Node:
        """out_i = e^(net_i) / (e^(net_1) + … + e^(net_n)) as a node, ``net(j)`` the node of
        net_j; a long denominator keeps its first terms and the sum of the rest (``rest(a, b)``:
        Σ e^(net_j) for j in a … b − 1). ``shift``: the largest net, taken from every exponent
        (e^(net_i − m) / Σ_j e^(net_j − m), the same value) where e^net would overflow."""

        def e(j: int) -> Node:
            return Call("exp", net(j) if shift is None else Diff(net(j), shift), _exp)

        return Frac(e(i), sum_of(e, n, rest or (lambda a, b: sum(e(j).value() for j in range(a, b)))))

    @staticmethod
    def jacobian_expression(out_i: Node, out_j: Node, same: bool) -> Node:
        """∂out_i/∂net_j: out_i·(1 − out_i) on the diagonal, −out_i·out_j off it."""
        return Prod((out_i, Diff(Num(1.0), out_i))) if same else Neg(Prod((out_i, out_j)))

    def derivative_expression(self, net, out):
        """The diagonal term out_i·(1 − out_i)."""
        return Prod((out, Diff(Num(1.0), out)))

    def formula(self, x="x"):
        return f"e^({x}_i) / Σ_j e^({x}_j)"

    def derivative_formula(self, out="out", net="net"):
        return f"{out}_i·([i = j] − {out}_j)"


def _exp(x: float) -> float:
    """e^x, inf (not an exception) where it overflows."""
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


ACTIVATIONS: dict[str, type[Activation]] = {
    c.name: c for c in (Sigmoid, Tanh, ReLU, Identity, Linear, Softmax)
}
ACTIVATION_NAMES = tuple(ACTIVATIONS)


def make_activation(name: str, slope: float = 1.0) -> Activation:
    if name not in ACTIVATIONS:
        raise ValueError(f"unknown activation {name!r}")
    return Linear(slope) if name == "linear" else ACTIVATIONS[name]()


# ================================================================================ losses
class Loss:
    """E over the outputs of every sample of a step, as FORMAT.md defines it."""

    name = ""
    title = ""  # in words, for menus
    prose = ""
    squared = True  # E is built from (t − o)²: ``finish`` and ``grad_scale`` apply
    sums_samples = True  # E adds up over the samples of a step (mse averages)
    requires_activation: str | None = None  # the output layer's activation this loss needs

    def fused(self, activation: Activation) -> bool:
        """Does δ of the output layer simplify to out − target with this output activation
        (softmax + cross-entropy, sigmoid + binary cross-entropy)? ``Pass.run`` then computes
        δ = out − target directly: exact, and no 0/0 where an out is 0 or 1."""
        return False

    def value(self, out: np.ndarray, target: np.ndarray) -> float:
        with np.errstate(all="ignore"):
            d = (out - target).ravel()
            s = float(np.dot(d, d))
        return self.finish(s, d.size)

    def finish(self, sum_sq: float, count: int) -> float:
        """E from Σ(t − o)² over ``count`` output values."""
        raise NotImplementedError

    def terms(self, out: np.ndarray, target: np.ndarray) -> np.ndarray:
        """Each output's share of E (their sum is E); inf, not a warning, on overflow."""
        with np.errstate(all="ignore"):
            d = target - out
            return d * d * self.finish(1.0, d.size)

    def per_sample(self, out: np.ndarray, target: np.ndarray) -> np.ndarray:
        """E of each row as a step of its own (the results table's last column)."""
        with np.errstate(all="ignore"):
            d = target - out
            return self.finish(np.einsum("ij,ij->i", d, d), d.shape[1])

    def grad_scale(self, count: int) -> float:
        """∂E/∂o = scale · (o − t)."""
        return 2.0 * self.finish(1.0, count)

    def gradient(self, out: np.ndarray, target: np.ndarray) -> np.ndarray:
        return self.grad_scale(out.size) * (out - target)

    # -- how it is written -------------------------------------------------------------
    def term_expression(self, t: Node, o: Node, count: int) -> Node:
        """One output's term E_o, from its target and out."""
        raise NotImplementedError

    def gradient_expression(self, t: Node, o: Node, count: int) -> Node:
        """∂E/∂out of one output."""
        raise NotImplementedError

    def formula(self) -> str:
        raise NotImplementedError

    def term_formula(self, t: str, o: str, count: int) -> str:
        raise NotImplementedError

    def gradient_formula(self, t: str, o: str, count: int) -> str:
        raise NotImplementedError

    def __eq__(self, other) -> bool:
        return type(other) is type(self)

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class HalfSSE(Loss):
    name, title = "half_sse", "half the sum of squared errors"
    prose = "E = Σ ½(target − out)²: half the squared difference, summed over every output."

    def finish(self, sum_sq, count):
        return 0.5 * sum_sq

    def grad_scale(self, count):
        return 1.0

    def term_expression(self, t, o, count):
        return Prod((Half(), Pow(Diff(t, o), 2)))

    def gradient_expression(self, t, o, count):
        return Diff(o, t)

    def formula(self):
        return "E = Σ ½(target − out)²"

    def term_formula(self, t, o, count):
        return f"½({t} − {o})²"

    def gradient_formula(self, t, o, count):
        return f"{o} − {t}"


class SSE(Loss):
    name, title = "sse", "sum of squared errors"
    prose = "E = Σ (target − out)²: the squared difference, summed over every output."

    def finish(self, sum_sq, count):
        return sum_sq

    def term_expression(self, t, o, count):
        return Pow(Diff(t, o), 2)

    def gradient_expression(self, t, o, count):
        return Prod((Num(2.0), Diff(o, t)))

    def formula(self):
        return "E = Σ (target − out)²"

    def term_formula(self, t, o, count):
        return f"({t} − {o})²"

    def gradient_formula(self, t, o, count):
        return f"2({o} − {t})"


class MSE(Loss):
    name, title = "mse", "mean squared error"
    sums_samples = False
    prose = (
        "E = mean (target − out)²: the squared difference, averaged over every output "
        "of every sample of the step."
    )

    def finish(self, sum_sq, count):
        return sum_sq / count

    def term_expression(self, t, o, count):
        return Frac(Pow(Diff(t, o), 2), Num(count))

    def gradient_expression(self, t, o, count):
        return Frac(Prod((Num(2.0), Diff(o, t))), Num(count))

    def formula(self):
        return "E = mean (target − out)²"

    def term_formula(self, t, o, count):
        return f"({t} − {o})² / {count}"

    def gradient_formula(self, t, o, count):
        return f"2({o} − {t}) / {count}"


def _xlogy(t: np.ndarray, o: np.ndarray) -> np.ndarray:
    """t·ln o, with 0 where t is 0 (even where o is 0: 0·ln 0 counts as 0)."""
    with np.errstate(all="ignore"):
        r = t * np.log(o)
    return np.where(t == 0, 0.0, r)


class _LogLoss(Loss):
    """A loss built from logarithms of the outputs, not from (t − o)²."""

    squared = False

    def finish(self, sum_sq, count):
        raise TypeError(f"{self.name} is not a squared error")

    def grad_scale(self, count):
        raise TypeError(f"{self.name} is not a squared error")

    def value(self, out, target):
        return float(math.fsum(self.terms(out, target).ravel()))

    def per_sample(self, out, target):
        return self.terms(out, target).sum(axis=1)

    def fused(self, activation):
        return (
            activation.name == self.requires_activation and type(activation) is ACTIVATIONS[activation.name]
        )


class CrossEntropy(_LogLoss):
    name, title = "cross_entropy", "cross-entropy"
    requires_activation = "softmax"
    prose = (
        "E = −Σ target·ln out: the cross-entropy of softmax outputs, summed over the samples of "
        "the step. A term whose target is 0 is 0, so with a one-hot target only the class the "
        "target names counts, with −ln out; with softmax outputs its δ is simply out − target."
    )
    zero_target_note = "target 0: no share of E"
    fused_note = "the targets sum to 1"
    delta_prose = (
        "Softmax's derivative ∂out_j/∂net_i = out_j·([i = j] − out_i) "
        "starts with out_j, which cancels the out_j under ∂E/∂out_j = −target_j/out_j, so the sum "
        "over j leaves out_i·Σ_j target_j − target_i; the targets sum to 1, and δ_i = out_i − target_i."
    )

    def terms(self, out, target):
        with np.errstate(all="ignore"):
            return -_xlogy(np.asarray(target, dtype=np.float64), np.asarray(out, dtype=np.float64))

    def gradient(self, out, target):
        """∂E/∂out = −target / out (0 where the target is 0)."""
        with np.errstate(all="ignore"):
            g = -np.asarray(target, dtype=np.float64) / out
        return np.where(target == 0, 0.0, g)

    def term_expression(self, t, o, count):
        return Neg(Prod((t, Call("ln", o, _ln))))

    def gradient_expression(self, t, o, count):
        return Neg(Frac(t, o))

    def formula(self):
        return "E = −Σ target·ln(out)"

    def term_formula(self, t, o, count):
        return f"−{t}·ln({o})"

    def gradient_formula(self, t, o, count):
        return f"−{t} / {o}"


class BinaryCrossEntropy(_LogLoss):
    name, title = "binary_cross_entropy", "binary cross-entropy"
    requires_activation = "sigmoid"
    prose = (
        "E = −Σ [target·ln out + (1 − target)·ln(1 − out)]: the binary cross-entropy of "
        "sigmoid outputs in (0, 1), summed over the samples of the step (for a target of 1 the "
        "term is −ln out, for 0 it is −ln(1 − out)); with sigmoid outputs its δ is simply "
        "out − target."
    )
    fused_note = "out·(1 − out) cancels"
    delta_prose = (
        "The sigmoid's derivative out·(1 − out) is exactly the denominator "
        "of ∂E/∂out = (out − target)/(out·(1 − out)), so the two cancel in the chain rule and the "
        "error signal is simply how far the output is from its target."
    )

    def terms(self, out, target):
        t = np.asarray(target, dtype=np.float64)
        o = np.asarray(out, dtype=np.float64)
        with np.errstate(all="ignore"):
            return -(_xlogy(t, o) + _xlogy(1.0 - t, 1.0 - o))

    def gradient(self, out, target):
        """∂E/∂out = (out − target) / (out·(1 − out))."""
        with np.errstate(all="ignore"):
            return (out - target) / (out * (1.0 - out))

    def term_expression(self, t, o, count):
        one = Num(1.0)
        return Neg(Sum((Prod((t, Call("ln", o, _ln))), Prod((Diff(one, t), Call("ln", Diff(one, o), _ln))))))

    def gradient_expression(self, t, o, count):
        return Frac(Diff(o, t), Prod((o, Diff(Num(1.0), o))))

    def collapse_expression(self, t: Node, o: Node) -> Node:
        """∂E/∂out · σ′ written over one fraction line, so out·(1 − out) is seen to cancel:
        (out − target)·out·(1 − out) / (out·(1 − out))."""
        return Frac(Prod((Diff(o, t), o, Diff(Num(1.0), o))), Prod((o, Diff(Num(1.0), o))))

    def formula(self):
        return "E = −Σ [target·ln(out) + (1 − target)·ln(1 − out)]"

    def term_formula(self, t, o, count):
        return f"−[{t}·ln({o}) + (1 − {t})·ln(1 − {o})]"

    def gradient_formula(self, t, o, count):
        return f"({o} − {t}) / ({o}·(1 − {o}))"


def _ln(x: float) -> float:
    return math.log(x) if x > 0 else -math.inf


LOSSES: dict[str, type[Loss]] = {c.name: c for c in (HalfSSE, SSE, MSE, CrossEntropy, BinaryCrossEntropy)}
LOSS_NAMES = tuple(LOSSES)


def make_loss(name: str) -> Loss:
    if name not in LOSSES:
        raise ValueError(f"unknown loss {name!r}")
    return LOSSES[name]()


def compatibility_problem(activation: str, loss: str | None, last_layer: bool, size: int = 2) -> str | None:
    """Why a layer's activation cannot go with its place or the loss (None: it can): softmax
    only on the output layer and over at least 2 neurons; cross-entropy needs softmax outputs,
    binary cross-entropy sigmoid outputs."""
    if activation == "softmax":
        if not last_layer:
            return "softmax can only be the output layer's activation"
        if size < 2:
            return "softmax needs an output layer of at least 2 neurons (with 1 it is always 1)"
    if last_layer and loss in LOSSES:
        need = LOSSES[loss].requires_activation
        if need is not None and activation != need:
            what = "softmax" if need == "softmax" else "sigmoid"
            return (
                f"the loss {loss} needs a {what} output layer (the output layer's activation is {activation})"
            )
    return None


def target_problem(loss: str, targets: np.ndarray) -> str | None:
    """Why these targets cannot go with the loss (None: they can): cross-entropy's rows are
    probabilities (each ≥ 0, summing to 1: one-hot for a class), binary cross-entropy's are in
    [0, 1]. The row is named 1-based, as everything a person reads counts from 1."""
    t = np.asarray(targets, dtype=np.float64)
    if t.size == 0:
        return None
    if loss == "cross_entropy":
        bad = np.flatnonzero((t < 0).any(axis=1) | (np.abs(t.sum(axis=1) - 1.0) > 1e-9))
        if len(bad):
            r = int(bad[0])
            return (
                f"cross_entropy needs each target row to be probabilities (each ≥ 0, summing to 1, "
                f"e.g. one-hot); row {r + 1} is {', '.join(f'{v:g}' for v in t[r][:8])}"
            )
    elif loss == "binary_cross_entropy":
        bad = np.argwhere((t < 0) | (t > 1))
        if len(bad):
            r, c = (int(v) for v in bad[0])
            return f"binary_cross_entropy needs targets from 0 to 1; row {r + 1} has {t[r, c]:g}"
    return None


def _num(x: float) -> str:
    return f"{x:g}"
