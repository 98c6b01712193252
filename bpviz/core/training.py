"""The trainer: runs steps in chunks bounded by a step count or a time budget.

A **step** is one weight update; the **error of a step** is E of the samples it used, computed
in its forward pass before its update (FORMAT.md). The hot loop reuses one preallocated
:class:`~bpviz.core.network.Pass` per batch size and builds nothing for display.

Divergence: a chunk runs fast, checking only each step's error; at its end the parameters are
checked. If anything is not finite, the chunk is rolled back and replayed step by step with every
value checked, so the trainer stops exactly at the first step whose values are not finite and
keeps the parameters from before it.

Two paths compute the same steps: "numpy" (the :class:`~bpviz.core.network.Pass` above) and
"fast" (straight-line Python generated per network, ``bpviz.core.fastpath``), for networks so
small that numpy's call overhead dominates. ``Trainer.path`` says which one a run uses (chosen
by the measured crossover in ``fastpath.choose`` unless given); the two agree to about 1e-14
relative, and a replay that passes ``path=`` the same is bit for bit.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from bpviz.core import classify, fastpath
from bpviz.core import momentum as _momentum
from bpviz.core.fileformat import Document
from bpviz.core.network import Network, Pass

__all__ = [
    "Trainer",
    "ChunkResult",
    "Schedule",
    "PATHS",
    "LECTURE_SPEED",
    "MAX_RESULT_ROWS",
    "default_speed",
    "default_stop_error",
    "rows_per_step",
    "test_error",
    "accuracy",
    "test_accuracy",
]

PATHS = ("numpy", "fast")  # how a trainer computes its steps (see the module's docstring)
MAX_RESULT_ROWS = 1000  # samples whose outputs the results table shows (a snapshot carries them)
DRAINED_BUFFER = 1 << 16  # error slots a drained trainer keeps for the steps between drains

# The window's training speed for a file without a "speed" key: steps per second, slow
# enough that the canvas and the plot animate (each preset sets its own, README.md).
LECTURE_SPEED = 20.0


def default_speed(doc: Document) -> float | None:
    """Steps per second the window trains ``doc`` at (None: full speed): the file's
    "speed" key, else the lecture speed."""
    if doc.speed is None:
        return LECTURE_SPEED
    return None if doc.speed == "full" else float(doc.speed)


def default_stop_error(doc: Document) -> float | None:
    """The window's stop threshold for ``doc``: the session's ``stop_error`` when the file
    has one (null: no stop), else 1 % of E of all samples at the file's weights, rounded
    down to 1, 2 or 5 × 10^k ("learned": the error is a hundredth of where it started)."""
    sess = doc.session or {}
    if "stop_error" in sess:
        v = sess["stop_error"]
        return None if v is None else float(v)
    with np.errstate(all="ignore"):
        e0 = doc.network.error(doc.inputs, doc.targets)
    if not (math.isfinite(e0) and e0 > 0):
        return None
    v = e0 / 100
    p = 10.0 ** math.floor(math.log10(v))
    m = max(x for x in (1, 2, 5) if x * p <= v * (1 + 1e-12))
    return float(f"{m * p:.3g}")


def rows_per_step(mode: str, batch_size: int | None, n_samples: int, sample: int | None = None) -> int:
    """The rows one training step uses: 1 online (or one chosen sample), the batch size in
    minibatch mode, every sample in batch mode."""
    if sample is not None or mode == "online":
        return 1
    if mode == "minibatch" and batch_size is not None:
        return min(int(batch_size), n_samples)
    return n_samples


def _scaled_test_error(net: Network, test_x: np.ndarray, test_t: np.ndarray, m: int) -> float | None:
    """E over the test rows on the training set's scale (FORMAT.md, "data.test"): a loss that
    sums over samples (half_sse, sse, the cross-entropies) is scaled by M / M_test, M the
    training rows; mse (a mean) is not."""
    n = len(test_x)
    if n == 0:
        return None
    with np.errstate(all="ignore"):
        e = Pass(net, n).evaluate(test_x, test_t)
    return e * (m / n) if net.loss.sums_samples else e


def test_error(doc: Document, net: Network | None = None) -> float | None:
    """E of ``doc``'s test rows (data.test) at ``net``'s weights (default: the document's),
    scaled to the training set's size so that it compares with E of all training rows (the
    error plot's curve, ``bpviz train``'s final_error): the loss over the test rows × M / M_test,
    M the training rows, M_test the test rows; unscaled for mse (a mean). None without test
    rows."""
    net = doc.network if net is None else net
    return _scaled_test_error(net, doc.test_inputs, doc.test_targets, doc.n_samples)


def _accuracy(doc: Document, net: Network | None, x: np.ndarray, t: np.ndarray) -> float | None:
    net = doc.network if net is None else net
    if len(x) == 0 or not classify.applies(net, doc.classes, _all_targets(doc.targets, doc.test_targets)):
        return None
    with np.errstate(all="ignore"):
        out = net.outputs(x)
    return float(np.mean(classify.correct(net, out, t)))


def _all_targets(t: np.ndarray, test_t: np.ndarray) -> np.ndarray:
    return np.concatenate([t, test_t]) if len(test_t) else t


def accuracy(doc: Document, net: Network | None = None) -> float | None:
    """The fraction of the training rows ``net`` (default: the document's) classifies
    correctly (bpviz.core.classify); None where accuracy does not apply."""
    return _accuracy(doc, net, doc.inputs, doc.targets)


def test_accuracy(doc: Document, net: Network | None = None) -> float | None:
    """The fraction of the test rows classified correctly; None without test rows or where
    accuracy does not apply."""
    return _accuracy(doc, net, doc.test_inputs, doc.test_targets)


# not pytest tests, though their names start with "test_" (a test module may import them)
test_error.__test__ = test_accuracy.__test__ = False  # type: ignore[attr-defined]


def _velocity_finite(v) -> bool:
    """Is every value of the velocity (None: none) finite?"""
    if v is None:
        return True
    return all(np.isfinite(a).all() for a in (*v.weights, *(v.biases or ())))


class Schedule:
    """Which data rows each step uses (CLI.md, "Which samples a step uses")."""

    def __init__(
        self,
        n_samples: int,
        mode: str,
        batch_size: int | None = None,
        shuffle_seed: int | None = None,
        sample: int | None = None,
    ) -> None:
        self.M = n_samples
        self.mode = mode
        self.sample = sample
        self.batch_size = batch_size if mode == "minibatch" else None
        self.shuffle_seed = shuffle_seed if mode == "minibatch" else None
        self._rng = None if self.shuffle_seed is None else np.random.default_rng(self.shuffle_seed)
        self._order = np.arange(self.M)
        self._epoch_drawn = -1

    @property
    def whole_data(self) -> bool:
        """Does every step use every sample (so its error is E of all samples)?"""
        if self.sample is not None or self.mode == "online":
            return self.M == 1
        return self.mode == "batch" or self.batch_size >= self.M

    @property
    def in_order(self) -> bool:
        """Are each step's rows consecutive (no shuffling)?"""
        return self._rng is None

    @property
    def steps_per_epoch(self) -> int:
        if self.sample is not None or self.mode == "online":
            return self.M if self.sample is None else 1
        if self.mode == "batch":
            return 1
        return -(-self.M // self.batch_size)

    def rows(self, step: int) -> np.ndarray:
        """0-based data rows used by ``step`` (0-based). With shuffling, each epoch's
        permutation is the next draw of one generator made from the seed; asking for an
        earlier epoch draws them again from the start."""
        if self.sample is not None:
            return np.array([self.sample])
        if self.mode == "online":
            return np.array([step % self.M])
        if self.mode == "batch":
            return np.arange(self.M)
        spe = self.steps_per_epoch
        epoch, pos = divmod(step, spe)
        if self._rng is not None:
            if epoch < self._epoch_drawn:  # back to an earlier epoch (the stepper went back)
                self._rng = np.random.default_rng(self.shuffle_seed)
                self._epoch_drawn = -1
            while self._epoch_drawn < epoch:
                self._order = self._rng.permutation(self.M)
                self._epoch_drawn += 1
        bs = self.batch_size
        return self._order[pos * bs : (pos + 1) * bs]

    def state(self):
        return (
            None if self._rng is None else self._rng.bit_generator.state,
            self._order.copy(),
            self._epoch_drawn,
        )

    def restore(self, st) -> None:
        rs, order, drawn = st
        if self._rng is not None:
            self._rng.bit_generator.state = rs
        self._order, self._epoch_drawn = order, drawn


@dataclass(frozen=True)
class ChunkResult:
    steps: int  # steps run in this chunk
    reason: str | None  # None (budget used up), "max_steps", "target", "diverged"
    error: float | None = None  # with reason "target": the E that stopped it


class Trainer:
    """Gradient descent on a private network, in chunks a caller drives."""

    def __init__(
        self,
        doc: Document,
        network: Network | None = None,
        *,
        track_epoch_error: bool = False,
        sample: int | None = None,
        start_step: int = 0,
        path: str | None = None,
    ) -> None:
        """``path``: "numpy" or "fast" (a replay passes the path its run used); None chooses
        by the crossover, again whenever ``set_mode`` changes how many rows a step uses."""
        if path is not None and path not in PATHS:
            raise ValueError(f"unknown path {path!r} (expected one of {PATHS})")
        self.network = network if network is not None else doc.network.copy()
        # the input layer's rows: with derived features, expanded once here (never per step);
        # the trainer trains on these only, never on the test rows
        self.inputs = np.ascontiguousarray(self.network.expand(doc.inputs), dtype=np.float64)
        self.targets = np.ascontiguousarray(doc.targets, dtype=np.float64)
        n_test = len(doc.test_inputs) if doc.test_inputs is not None else 0
        self.test_inputs = np.ascontiguousarray(
            self.network.expand(doc.test_inputs) if n_test else np.zeros((0, self.network.sizes[0])),
            dtype=np.float64,
        )
        self.test_targets = np.ascontiguousarray(
            doc.test_targets if n_test else np.zeros((0, self.network.sizes[-1])), dtype=np.float64
        )
        self.classes = None if doc.classes is None else list(doc.classes)
        self._classed: bool | None = None  # does accuracy apply (decided once)
        self._test_eval: Pass | None = None
        self.learning_rate = float(doc.learning_rate)
        # gradient descent with momentum (bpviz.core.momentum): α, and v, which the steps update
        # in place; None while α = 0 (plain: no velocity) or until a step with α > 0 made zeros
        self._momentum = _momentum.check_momentum(doc.momentum)
        self.velocity: _momentum.Velocity | None = None
        if self._momentum and doc.velocity is not None:
            problem = _momentum.shape_problem(doc.velocity, self.network)
            if problem:
                raise ValueError(f"the velocity does not fit the network: {problem}")
            self.velocity = _momentum.copy(doc.velocity)
        self.mode = doc.mode
        self.batch_size = doc.batch_size
        self.shuffle_seed = doc.shuffle_seed
        self.track_epoch_error = track_epoch_error
        self.schedule = Schedule(len(self.inputs), doc.mode, doc.batch_size, doc.shuffle_seed, sample)
        self.step = start_step  # steps done (counting from the file's weights)
        self.first_step = start_step  # error_history starts after this step
        self._hist = np.empty(1024)
        self.epoch_errors: list[tuple[int, float]] = []  # (step, E of all data)
        self.diverged_at: int | None = None
        self.stopped_at: tuple[int, float] | None = None  # (step, E) a stop_error ended
        self._passes: dict[int, Pass] = {}
        self._bufs: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._eval: Pass | None = None
        self._auto = path is None
        self._runner: fastpath.FastRunner | None = None
        if path == "fast" and not fastpath.supports(self.network, self._momentum):
            raise ValueError(
                "the fast path does not support momentum (α > 0): use the numpy path"
                if fastpath.supports(self.network)
                else "the fast path does not support this network's activations or loss"
            )
        self.path = path or self._choose()

    def _choose(self) -> str:
        sch = self.schedule
        spe = sch.steps_per_epoch
        per_step = 1 if sch.sample is not None or sch.mode == "online" else -(-sch.M // spe)
        return fastpath.choose(self.network, sch.M, per_step, spe, self.track_epoch_error, self._momentum)

    # -- settings (take effect at the next step boundary) ------------------------------
    def set_mode(self, mode: str, batch_size: int | None = None, shuffle_seed: int | None = None) -> None:
        self.mode, self.batch_size, self.shuffle_seed = mode, batch_size, shuffle_seed
        self.schedule = Schedule(len(self.inputs), mode, batch_size, shuffle_seed)
        self._runner = None
        if self._auto:
            self.path = self._choose()

    @property
    def momentum(self) -> float:
        """α of the update v ← α·v + ∂E/∂w, w ← w − η·v (0: plain gradient descent)."""
        return self._momentum

    @momentum.setter
    def momentum(self, alpha: float) -> None:
        """A new α from the next step (between chunks); the velocity goes on from where it is.
        α = 0 drops it (plain gradient descent keeps none; a later α > 0 starts v from 0). A
        trainer that chooses its path takes the numpy path while α > 0 (the generated code
        does no momentum); one given the fast path refuses α > 0 (ValueError)."""
        a = _momentum.check_momentum(alpha)
        if a and not self._auto and self.path == "fast":
            raise ValueError("the fast path does not support momentum (α > 0): use the numpy path")
        self._momentum = a
        if not a:
            self.velocity = None
        if self._auto:
            self.path = self._choose()

    # -- results -----------------------------------------------------------------------
    @property
    def error_history(self) -> np.ndarray:
        """``error_history[i]`` is the error of step first_step + i + 1."""
        return self._hist[: self.step - self.first_step]

    def drain(self) -> tuple[int, np.ndarray, list[tuple[int, float]]]:
        """Hand over the record so far and forget it: (the step number of the first error,
        a copy of the errors of the steps since the last drain, their epoch errors). After it
        ``error_history`` starts at the current step, so a trainer that is drained regularly
        (the engine drains it into each snapshot) holds only the steps since, however long
        it runs; one that is never drained (``bpviz train``) keeps every step's error."""
        first = self.first_step + 1
        errors = self.error_history.copy()
        epochs, self.epoch_errors = self.epoch_errors, []
        self.first_step = self.step
        if len(self._hist) > DRAINED_BUFFER:  # a long undrained stretch: give the memory back
            self._hist = np.empty(1024)
        return first, errors, epochs

    @property
    def epoch(self) -> int:
        return self.step // self.schedule.steps_per_epoch

    def data_error(self) -> float:
        """E of the whole data set at the current weights."""
        if self._eval is None:
            self._eval = Pass(self.network, len(self.inputs))
        with np.errstate(all="ignore"):
            return self._eval.evaluate(self.inputs, self.targets)

    def test_error(self) -> float | None:
        """E of the test rows at the current weights on the training set's scale (module
        ``test_error``: × M / M_test for a loss that sums over samples); None without test
        rows."""
        n = len(self.test_inputs)
        if n == 0:
            return None
        if self._test_eval is None:
            self._test_eval = Pass(self.network, n)
        with np.errstate(all="ignore"):
            e = self._test_eval.evaluate(self.test_inputs, self.test_targets)
        return e * (len(self.inputs) / n) if self.network.loss.sums_samples else e

    def _rows_accuracy(self, x: np.ndarray, t: np.ndarray) -> float | None:
        if self._classed is None:
            both = _all_targets(self.targets, self.test_targets)
            self._classed = classify.applies(self.network, self.classes, both)
        if len(x) == 0 or not self._classed:
            return None
        with np.errstate(all="ignore"):
            out = self.network.forward(x).out[-1]
        return float(np.mean(classify.correct(self.network, out, t)))

    def accuracy(self) -> float | None:
        """The fraction of the training rows classified correctly at the current weights
        (bpviz.core.classify); None where accuracy does not apply."""
        return self._rows_accuracy(self.inputs, self.targets)

    def test_accuracy(self) -> float | None:
        """The fraction of the test rows classified correctly; None without test rows or
        where accuracy does not apply."""
        return self._rows_accuracy(self.test_inputs, self.test_targets)

    def next_rows(self) -> np.ndarray:
        return self.schedule.rows(self.step)

    # -- running -----------------------------------------------------------------------
    def _pass(self, m: int) -> Pass:
        p = self._passes.get(m)
        if p is None:
            p = self._passes[m] = Pass(self.network, m)
        return p

    def _gather(self, rows: np.ndarray):
        m = len(rows)
        buf = self._bufs.get(m)
        if buf is None:
            buf = self._bufs[m] = (np.empty((m, self.inputs.shape[1])), np.empty((m, self.targets.shape[1])))
        np.take(self.inputs, rows, axis=0, out=buf[0])
        np.take(self.targets, rows, axis=0, out=buf[1])
        return buf

    def _push(self, e: float) -> None:
        i = self.step - self.first_step
        if i >= len(self._hist):
            self._hist = np.concatenate([self._hist, np.empty(len(self._hist))])
        self._hist[i] = e

    def run(
        self,
        max_steps: int | None = None,
        seconds: float | None = None,
        target_error: float | None = None,
        stop_error: float | None = None,
    ) -> ChunkResult:
        """Run up to ``max_steps`` steps or for about ``seconds``, whichever ends first;
        stop early after a step whose error is ≤ ``target_error``, or once E of all samples
        is below ``stop_error``: the error of a step when every step uses every sample
        (batch mode, one sample), else E of all samples at the end of an epoch (the epoch
        curve). A stop by either sets ``stopped_at`` (step, E) and reason "target"."""
        if self.diverged_at is not None:
            return ChunkResult(0, "diverged")
        if max_steps is not None and max_steps <= 0:
            return ChunkResult(0, "max_steps")
        net = self.network
        saved = (
            [w.copy() for w in net.weights],
            None if net.biases is None else [b.copy() for b in net.biases],
            self.step,
            self.schedule.state(),
            len(self.epoch_errors),
            _momentum.copy(self.velocity),
        )
        self.stopped_at = None
        gen = self.path == "fast"
        with np.errstate(all="ignore"):
            chunk = self._generated if gen else self._fast
            done, reason, bad = chunk(max_steps, seconds, target_error, stop_error)
            if bad or not net.parameters_finite() or not _velocity_finite(self.velocity):
                w, b, step, sched, n_ep, vel = saved
                net.set_parameters(w, b)
                self.velocity = vel
                self.step = step
                self.schedule.restore(sched)
                del self.epoch_errors[n_ep:]
                self.stopped_at = None
                careful = self._careful_generated if gen else self._careful
                done, reason = careful(done, target_error, stop_error)
        return ChunkResult(
            done, reason, self.stopped_at[1] if reason == "target" and self.stopped_at else None
        )

    def _stopped(self, e: float, target_error, stop_error, whole: bool, epoch_e) -> bool:
        """After a step with error e: does a stop condition hold? (epoch_e: E of all samples
        when an epoch just ended and it is known, else None)"""
        if target_error is not None and e <= target_error:
            self.stopped_at = (self.step, e)
            return True
        if stop_error is None:
            return False
        if whole:
            if e < stop_error:
                self.stopped_at = (self.step, e)
                return True
            return False
        if self.step % self.schedule.steps_per_epoch:
            return False
        if epoch_e is None:
            epoch_e = self.data_error()
        if epoch_e < stop_error:
            self.stopped_at = (self.step, epoch_e)
            return True
        return False

    def _fast(self, max_steps, seconds, target_error, stop_error=None):
        net = self.network
        lr = self.learning_rate
        X, T = self.inputs, self.targets
        sched = self.schedule
        weights, biases = net.weights, net.biases
        train_b = biases is not None and net.train_biases
        spe = sched.steps_per_epoch
        track = self.track_epoch_error
        online = sched.sample is None and sched.mode == "online"
        batch = sched.sample is None and sched.mode == "batch"
        M = len(X)
        in_order = sched.in_order
        stops = target_error is not None or stop_error is not None
        whole = sched.whole_data
        deadline = None if seconds is None else time.perf_counter() + seconds
        limit = max_steps if max_steps is not None else (1 << 62)
        isfinite = math.isfinite
        perf = time.perf_counter
        done = 0
        alpha = self._momentum  # α > 0: v ← α·v + ∂E/∂w, w ← w − η·v (bpviz.core.momentum)
        if alpha and self.velocity is None:
            self.velocity = _momentum.zeros(net)
        vel = self.velocity
        momentum_step = _momentum.step_in_place
        while done < limit:
            s = self.step
            if online:
                i = s % M
                x, t = X[i : i + 1], T[i : i + 1]
                p = self._pass(1)
            elif batch:
                x, t = X, T
                p = self._pass(M)
            else:
                rows = sched.rows(s)
                m = len(rows)
                if in_order:  # consecutive rows: views, no copy
                    a = int(rows[0])
                    x, t = X[a : a + m], T[a : a + m]
                else:  # shuffled: gathered into buffers kept per batch size
                    x, t = self._gather(rows)
                p = self._pass(m)
            e = p.run(x, t, train_b)
            if not isfinite(e):
                return done, None, True
            gw = p.grad_w
            if alpha:
                momentum_step(weights, gw, vel.weights, lr, alpha)
                if train_b:
                    momentum_step(biases, p.grad_b, vel.biases, lr, alpha)
            else:  # plain gradient descent: w ← w − η·∂E/∂w
                for j in range(len(weights)):
                    g = gw[j]
                    g *= lr
                    weights[j] -= g
                if train_b:
                    gb = p.grad_b
                    for j in range(len(biases)):
                        g = gb[j]
                        g *= lr
                        biases[j] -= g
            if s - self.first_step >= len(self._hist):
                self._push(e)
            else:
                self._hist[s - self.first_step] = e
            self.step = s + 1
            done += 1
            ee = None
            if track and self.step % spe == 0:
                ee = self.data_error()
                self.epoch_errors.append((self.step, ee))
            if stops and self._stopped(e, target_error, stop_error, whole, ee):
                return done, "target", False
            if deadline is not None and (done & 7) == 0 and perf() >= deadline:
                return done, None, False
        return done, "max_steps", False

    def _careful(self, n: int, target_error, stop_error=None):
        """Replay up to n steps, checking every value; stop at the first non-finite one."""
        net = self.network
        X, T = self.inputs, self.targets
        spe = self.schedule.steps_per_epoch
        for done in range(n + 1):
            rows = self.schedule.rows(self.step)
            p = self._pass(len(rows))
            e = p.run(X[rows], T[rows], True)
            grads = list(p.grad_w) + (list(p.grad_b) if p.grad_b is not None else [])
            alpha = self._momentum
            if alpha:  # the same operations as _fast's, on new arrays (bpviz.core.momentum)
                new_w, new_b, new_v = _momentum.updated(
                    net, p.grad_w, p.grad_b, self.learning_rate, alpha, self.velocity
                )
            else:
                new_w, new_b = net.updated(p.grad_w, p.grad_b, self.learning_rate)
            vals = grads + new_w + (new_b or [])
            if alpha:
                vals += list(new_v.weights) + list(new_v.biases or ())
            if not math.isfinite(e) or not all(np.isfinite(v).all() for v in vals):
                self.diverged_at = self.step + 1
                return done, "diverged"
            net.set_parameters(new_w, new_b)
            if alpha:
                self._keep_velocity(new_v)
            self._push(e)
            self.step += 1
            ee = None
            if self.track_epoch_error and self.step % spe == 0:
                ee = self.data_error()
                self.epoch_errors.append((self.step, ee))
            if self._stopped(e, target_error, stop_error, self.schedule.whole_data, ee):
                return done + 1, "target"
        return n, None  # pragma: no cover - the fast run found a non-finite value in n steps

    def _keep_velocity(self, v: _momentum.Velocity) -> None:
        """Take ``v`` as the velocity, into the arrays already held (views of them stay valid)."""
        if self.velocity is None:
            self.velocity = _momentum.copy(v)
            return
        for a, b in zip(self.velocity.weights, v.weights, strict=True):
            np.copyto(a, b)
        for a, b in zip(self.velocity.biases or (), v.biases or (), strict=True):
            np.copyto(a, b)

    # -- the fast path (bpviz.core.fastpath) ---------------------------------------------
    def _gen_run(self, limit, deadline, target_error, stop_error, check):
        """Run the generated loop from the network's parameters; on success write back the
        parameters, history, epoch errors, step and stop. Returns (done, reason, bad)."""
        sch = self.schedule
        many = sch.sample is None and sch.mode != "online"
        if self._runner is None:
            self._runner = fastpath.FastRunner(self.network, self.inputs, self.targets, many, sch.sample)
        r = self._runner
        rows_of = (lambda s: sch.rows(s).tolist()) if many and sch.mode == "minibatch" else None
        hist: list[float] = []
        epochs: list[tuple[int, float]] = []
        P, step, done, reason, bad, stopped = r.run(
            r.flat(self.network),
            self.step,
            limit,
            self.learning_rate,
            deadline,
            target_error,
            stop_error,
            sch.whole_data,
            sch.steps_per_epoch,
            self.track_epoch_error,
            check,
            rows_of,
            hist,
            epochs,
        )
        if bad:
            return done, None, True
        r.store(self.network, P)
        i = self.step - self.first_step
        while i + len(hist) > len(self._hist):
            self._hist = np.concatenate([self._hist, np.empty(len(self._hist))])
        self._hist[i : i + len(hist)] = hist
        self.step = step
        self.epoch_errors += epochs
        if stopped is not None:
            self.stopped_at = stopped
        return done, reason, False

    def _generated(self, max_steps, seconds, target_error, stop_error=None):
        deadline = math.inf if seconds is None else time.perf_counter() + seconds
        limit = max_steps if max_steps is not None else (1 << 62)
        return self._gen_run(limit, deadline, target_error, stop_error, False)

    def _careful_generated(self, n: int, target_error, stop_error=None):
        """``_careful`` on the fast path: one step at a time, every new parameter checked."""
        for done in range(n + 1):
            _, reason, bad = self._gen_run(1, math.inf, target_error, stop_error, True)
            if bad:
                self.diverged_at = self.step + 1
                return done, "diverged"
            if reason == "target":
                return done + 1, "target"
        return n, None  # pragma: no cover - the fast run found a non-finite value in n steps
