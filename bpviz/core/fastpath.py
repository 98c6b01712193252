"""The small-network fast path: each network's training loop written out as straight-line Python.

For a small network most of a numpy step is call overhead (a (1, 2) × (2, 2) matmul costs
about as much as 40 float multiplications in the interpreter). So for each network shape this
module writes one Python function whose locals are the weights (``w1_0_1``: layer 1, row 0,
column 1), biases and every intermediate, compiles it once (cached by shape, activations and
loss) and runs whole chunks of steps inside it with ``math.exp`` and plain floats.

It keeps the trainer's semantics exactly (``bpviz.core.training``): the same rows per step
(the schedule), the same order of operations per value as the numpy pass (``net = Σ w·out +
b`` summed in column order, ``δ = ∂E/∂out · f′``, ``w ← w − (δ·out)·η``), E of a step from its
forward pass before the update, biases fixed or trained, half_sse / sse / mse, sigmoid /
tanh / relu / identity / linear, the epoch curve, the stop conditions, the time budget and
divergence (a chunk stops at a step whose E is not finite; ``check`` also tests every new
parameter, for the trainer's step-by-step replay). Not bit for bit: BLAS may sum in another
order, and math's exp and tanh differ from numpy's SIMD ones in the last bit for a few % of
arguments, so a step agrees to ~1e-16 of the parameters' size (more where a saturated
neuron's f′ = 1 − out² cancels digits) and whole stable runs to ~1e-13 (tests/core/
test_fastpath.py); a run keeps to one path (``Trainer.path``) so replaying it is bit for bit.

What the generated code cannot do (another activation or loss, momentum: α > 0 keeps a
velocity per parameter, ``bpviz.core.momentum``) stays on the numpy path: ``supports`` says
which. ``choose`` picks the path by a measured crossover (``FAST_WORK_PER_LAYER``).
"""

from __future__ import annotations

import math
import time
from functools import lru_cache

from bpviz.core.functions import ACTIVATIONS as _ACTIVATION_CLASSES
from bpviz.core.functions import LOSSES as _LOSS_CLASSES

__all__ = ["supports", "work_per_step", "choose", "FAST_WORK_PER_LAYER", "FastRunner"]

ACTIVATIONS = ("sigmoid", "tanh", "relu", "identity", "linear")
LOSSES = ("half_sse", "sse", "mse")

# The crossover. The generated code costs about 0.1 µs per multiply-add of a step (weights ×
# rows the step uses, plus the epoch curve's forward pass over the data when it is tracked,
# spread over the epoch's steps); a numpy step costs about 12 µs per weight layer whatever its
# size while the layers are small. benchmarks/bench_crossover.py measures both paths over
# networks from 2-2-1 to 20-40-20 and 1 to 64 rows a step: they break even at 100-120
# multiply-adds per weight layer (8-12-8 online, 192: fast 1.16× faster; 8-16-8, 256: numpy
# 1.1× faster; 6-12-12-6, 288: fast 1.07×), so the fast path is chosen up to 100 per layer.
FAST_WORK_PER_LAYER = 100


def supports(net, momentum: float = 0.0) -> bool:
    """Can the generated code train this network (its activations and loss, by class: a
    subclass may compute something else) at this momentum α? It writes plain gradient
    descent only: α > 0 is the numpy path's."""
    if momentum:
        return False
    acts = all(a.name in ACTIVATIONS and type(a) is _ACTIVATION_CLASSES[a.name] for a in net.activations)
    return acts and net.loss.name in LOSSES and type(net.loss) is _LOSS_CLASSES[net.loss.name]


def work_per_step(net, n_samples: int, rows_per_step: int, steps_per_epoch: int, track: bool) -> float:
    """Multiply-adds of one step in the generated code (the crossover's measure)."""
    p = sum(a * b for a, b in zip(net.sizes[:-1], net.sizes[1:], strict=True))
    w = p * rows_per_step
    if track:
        w += p * n_samples / steps_per_epoch / 2  # a forward pass is about half a step
    return w


def choose(
    net, n_samples: int, rows_per_step: int, steps_per_epoch: int, track: bool, momentum: float = 0.0
) -> str:
    """ "fast" when the generated code supports the network (and α) and is faster, else "numpy"."""
    if not supports(net, momentum):
        return "numpy"
    w = work_per_step(net, n_samples, rows_per_step, steps_per_epoch, track)
    return "fast" if w <= FAST_WORK_PER_LAYER * (len(net.sizes) - 1) else "numpy"


# ------------------------------------------------------------------------------ the code
def _sig_slow(z: float) -> float:
    """σ(z) for z ≤ −700, where math.exp(−z) may overflow (numpy's 1/(1 + inf) = 0)."""
    try:
        return 1.0 / (1.0 + math.exp(-z))
    except OverflowError:
        return 0.0


class _Writer:
    """Lines of Python at an indent."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.ind = 0

    def __call__(self, *lines: str) -> None:
        self.lines.extend("    " * self.ind + s for s in lines)


def _o(k: int, i: int) -> str:
    """The local holding out of neuron i of layer k (the inputs are x0, x1, …)."""
    return f"x{i}" if k == 0 else f"o{k}_{i}"


def _tuple(names: list[str]) -> str:
    return ", ".join(names) + ("," if len(names) == 1 else "")


def _forward(w: _Writer, sizes, acts, has_b: bool, row: str) -> None:
    """Load the inputs of row ``row`` of X and run the forward pass (and T's row into t…)."""
    L = len(sizes) - 1
    w(f"{_tuple([f'x{c}' for c in range(sizes[0])])} = X[{row}]")
    w(f"{_tuple([f't{c}' for c in range(sizes[L])])} = T[{row}]")
    for k in range(1, L + 1):
        name = acts[k - 1]
        for i in range(sizes[k]):
            z = " + ".join(f"w{k - 1}_{i}_{c} * {_o(k - 1, c)}" for c in range(sizes[k - 1]))
            if has_b:
                z += f" + b{k - 1}_{i}"
            o = _o(k, i)
            if name == "sigmoid":
                w(f"z = {z}", f"{o} = 1.0 / (1.0 + exp(-z)) if z > -700.0 else sig_slow(z)")
            elif name == "tanh":
                w(f"{o} = tanh({z})")
            elif name == "relu":
                w(f"z = {z}", f"{o} = 0.0 if z <= 0.0 else z")  # max(z, 0), nan stays nan
            elif name == "identity":
                w(f"{o} = {z}")
            else:
                w(f"{o} = ({z}) * a{k}")


def _fprime(name: str, k: int, o: str) -> str | None:
    """f′(net) written from out (None: f′ is 1, and δ = ∂E/∂out exactly)."""
    return {
        "sigmoid": f"((1.0 - {o}) * {o})",
        "tanh": f"(1.0 - {o} * {o})",
        "relu": f"(1.0 if {o} > 0.0 else 0.0)",
        "identity": None,
        "linear": f"a{k}",
    }[name]


def _sq(sizes) -> str:
    """Σ (out − t)² of one sample, with the differences q0, q1, … kept for ∂E/∂out."""
    L = len(sizes) - 1
    return " + ".join(f"q{i} * q{i}" for i in range(sizes[L]))


def _backward(w: _Writer, sizes, acts, loss: str) -> None:
    """δ of every layer of one sample, from q = out − t (the old weights: no update yet)."""
    L = len(sizes) - 1
    for k in range(L, 0, -1):
        for i in range(sizes[k]):
            if k == L:
                go = {"half_sse": f"q{i}", "sse": f"q{i} * 2.0", "mse": f"q{i} * sc"}[loss]
            else:
                go = " + ".join(f"d{k + 1}_{r} * w{k}_{r}_{i}" for r in range(sizes[k + 1]))
                go = f"({go})"
            fp = _fprime(acts[k - 1], k, _o(k, i))
            w(f"d{k}_{i} = {go}" + ("" if fp is None else f" * {fp}"))


def _params(sizes, has_b: bool) -> list[str]:
    """The parameters' locals in the flat order ``FastRunner.flat`` uses."""
    L = len(sizes) - 1
    names = [f"w{j}_{r}_{c}" for j in range(L) for r in range(sizes[j + 1]) for c in range(sizes[j])]
    if has_b:
        names += [f"b{j}_{i}" for j in range(L) for i in range(sizes[j + 1])]
    return names


def _finish(loss: str, sq: str, cnt: str) -> str:
    return {"half_sse": f"0.5 * {sq}", "sse": sq, "mse": f"{sq} / {cnt}"}[loss]


@lru_cache(maxsize=64)
def _compiled(sizes: tuple, acts: tuple, slopes: tuple, loss: str, has_b: bool, train_b: bool, many: bool):
    """The training loop of one network shape: ``many`` steps use several rows each
    (batch, minibatch), else one row (online, one sample)."""
    L = len(sizes) - 1
    nL = sizes[L]
    params = _params(sizes, has_b)
    w = _Writer()
    w(
        "def train(P, s, limit, lr, deadline, target, stop, whole, spe, track, check, rows_of, "
        "hist, epochs, X, T, XA, TA, "
        + "".join(f"a{k}=A[{k - 1}], " for k in range(1, L + 1) if acts[k - 1] == "linear")
        + "exp=exp, tanh=tanh, isfinite=isfinite, perf=perf, sig_slow=sig_slow):"
    )
    w.ind = 1
    w(f"{_tuple(params)} = P")
    w("M = len(X)", "MA = len(TA)", f"cnt_all = MA * {nL}", "s0 = s", "end = s + limit")
    w("reason = None", "bad = False", "stopped = None", "append = hist.append")
    w("need_e = track or (stop is not None and not whole)")
    w("slow = check or need_e or target is not None or stop is not None")
    w("rows_all = list(range(M))", f"sc = 2.0 * (1.0 / {nL})")
    w("while s < end:")
    w.ind = 2
    if not many:
        w("r = s % M")
        _forward(w, sizes, acts, has_b, "r")
        for i in range(nL):
            w(f"q{i} = {_o(L, i)} - t{i}")
        w(f"sq = {_sq(sizes)}", f"e = {_finish(loss, 'sq', str(nL))}")
        w("if not isfinite(e):", "    bad = True", "    break")
        _backward(w, sizes, acts, loss)
        for j in range(L):
            for r in range(sizes[j + 1]):
                for c in range(sizes[j]):
                    w(f"w{j}_{r}_{c} -= d{j + 1}_{r} * {_o(j, c)} * lr")
                if has_b and train_b:
                    w(f"b{j}_{r} -= d{j + 1}_{r} * lr")
    else:
        w("rows = rows_all if rows_of is None else rows_of(s)", f"cnt = len(rows) * {nL}")
        if loss == "mse":
            w("sc = 2.0 * (1.0 / cnt)")
        w("sq = 0.0")
        grads = [f"g{j}_{r}_{c}" for j in range(L) for r in range(sizes[j + 1]) for c in range(sizes[j])]
        if has_b and train_b:
            grads += [f"h{j}_{i}" for j in range(L) for i in range(sizes[j + 1])]
        w(f"{_tuple(grads)} = {_tuple(['0.0'] * len(grads))}")
        w("for r in rows:")
        w.ind = 3
        _forward(w, sizes, acts, has_b, "r")
        for i in range(nL):
            w(f"q{i} = {_o(L, i)} - t{i}")
        w(f"sq = sq + {_sq(sizes)}")
        _backward(w, sizes, acts, loss)
        for j in range(L):
            for r in range(sizes[j + 1]):
                for c in range(sizes[j]):
                    w(f"g{j}_{r}_{c} += d{j + 1}_{r} * {_o(j, c)}")
                if has_b and train_b:
                    w(f"h{j}_{r} += d{j + 1}_{r}")
        w.ind = 2
        w(f"e = {_finish(loss, 'sq', 'cnt')}")
        w("if not isfinite(e):", "    bad = True", "    break")
        for j in range(L):
            for r in range(sizes[j + 1]):
                for c in range(sizes[j]):
                    w(f"w{j}_{r}_{c} -= g{j}_{r}_{c} * lr")
                if has_b and train_b:
                    w(f"b{j}_{r} -= h{j}_{r} * lr")
    w("if slow:")  # one test a step when no check, epoch curve or stop is asked for
    w.ind = 3
    # x * 0.0 is nan exactly when x is not finite, so one sum tests every parameter
    w("if check and not isfinite(" + " + ".join(f"{p} * 0.0" for p in params) + "):")
    w("    bad = True", "    break")
    w("append(e)", "s += 1", "ee = None")
    w("if need_e and s % spe == 0:")
    w.ind = 4
    w("sqa = 0.0", "for r in range(MA):")
    fw = _Writer()
    fw.ind = 5
    _forward(fw, sizes, acts, has_b, "r")
    w.lines += [s.replace("= X[r]", "= XA[r]").replace("= T[r]", "= TA[r]") for s in fw.lines]
    w.ind = 5
    for i in range(nL):
        w(f"q{i} = {_o(L, i)} - t{i}")
    w(f"sqa = sqa + {_sq(sizes)}")
    w.ind = 4
    w(f"ee = {_finish(loss, 'sqa', 'cnt_all')}", "if track:", "    epochs.append((s, ee))")
    w.ind = 3
    w("if target is not None and e <= target:", "    stopped = (s, e)", "    reason = 'target'", "    break")
    w("if stop is not None:")
    w("    if whole:")
    w(
        "        if e < stop:",
        "            stopped = (s, e)",
        "            reason = 'target'",
        "            break",
    )
    w("    elif ee is not None and ee < stop:")
    w("        stopped = (s, ee)", "        reason = 'target'", "        break")
    w.ind = 2
    w("else:", "    append(e)", "    s += 1")
    w("if not s & 7 and perf() >= deadline:", "    break")
    w.ind = 1
    w("else:", "    reason = 'max_steps'")
    w(f"return [{', '.join(params)}], s, s - s0, reason, bad, stopped")
    src = "\n".join(w.lines) + "\n"
    ns = {"exp": math.exp, "tanh": math.tanh, "isfinite": math.isfinite}
    ns.update(perf=time.perf_counter, sig_slow=_sig_slow, A=slopes)
    code = compile(src, f"<bpviz fast path {'-'.join(map(str, sizes))}>", "exec")
    exec(code, ns)  # noqa: S102 - our own generated code
    return ns["train"], src


class FastRunner:
    """A network's generated loop with the data it trains on (rows as tuples of floats)."""

    def __init__(self, net, inputs, targets, many: bool, sample: int | None = None) -> None:
        acts = tuple(a.name for a in net.activations)
        slopes = tuple(float(a.slope) for a in net.activations)
        has_b = net.biases is not None
        self.fn, self.source = _compiled(
            tuple(net.sizes), acts, slopes, net.loss.name, has_b, has_b and net.train_biases, many
        )
        self.XA = [tuple(r) for r in inputs.tolist()]
        self.TA = [tuple(r) for r in targets.tolist()]
        self.X = self.XA if sample is None else [self.XA[sample]]
        self.T = self.TA if sample is None else [self.TA[sample]]

    @staticmethod
    def flat(net) -> list[float]:
        """Every parameter as one list of floats: the weights row by row, then the biases."""
        out: list[float] = []
        for w in net.weights:
            out += w.ravel().tolist()
        if net.biases is not None:
            for b in net.biases:
                out += b.tolist()
        return out

    @staticmethod
    def store(net, P: list[float]) -> None:
        """Write the flat parameters back into the network's arrays (in place)."""
        i = 0
        for w in net.weights:
            w.ravel()[:] = P[i : i + w.size]  # a Network's arrays are C-ordered: a view
            i += w.size
        if net.biases is not None:
            for b in net.biases:
                b[:] = P[i : i + b.size]
                i += b.size

    def run(
        self, P, step, limit, lr, deadline, target, stop, whole, spe, track, check, rows_of, hist, epochs
    ):
        """Up to ``limit`` steps from parameters P after step ``step``; returns (new P, step,
        steps done, reason, bad, stopped). Errors go to ``hist``, epoch errors to ``epochs``."""
        return self.fn(
            P,
            step,
            limit,
            lr,
            deadline,
            target,
            stop,
            whole,
            spe,
            track,
            check,
            rows_of,
            hist,
            epochs,
            self.X,
            self.T,
            self.XA,
            self.TA,
        )
