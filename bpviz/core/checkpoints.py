"""Checkpoints of a training run, so that any past step can be shown again exactly.

The training process keeps, every so often, a copy of what the next steps depend on: the
step, the weights and biases, the velocity (``bpviz.core.momentum``; None without momentum),
the settings that compute the steps (η, α, mode, batch size, shuffle seed: :class:`Setup`)
and the trainer's path ("numpy" or "fast"). The state at any step n is then a replay: a fresh
:class:`~bpviz.core.training.Trainer` of the same path and settings, started at the nearest
checkpoint at or below n, runs the steps between. Steps are a pure function of that state:
the schedule's rows (``Schedule.rows``) depend on the step alone, shuffled minibatches too,
and the two paths each compute a step the same way every time (``bpviz.core.training``), so
the replayed weights equal the run's bit for bit.

Events pin checkpoints
----------------------
Anything that changes how steps are computed (a Load, new settings, an edited weight) pins a
checkpoint at that step boundary, after the change: a replay starts at the nearest checkpoint
at or below its step, so it never crosses an event, and the history repeats every change of η
where it happened. Pinned checkpoints are never thinned.

A new Load of the same network and data (the same lineage: training again after a pause, a
few steps by hand, "Train from here") keeps the history up to the step it starts from and
forgets the rest; the run before it ends at the step it had reached, or at the new start,
whichever is earlier. Steps in between (taken by hand in the window, not by the trainer) are
not kept: a replay stops at the end of its run (``locate``). Another network or other data
starts a new history.

The budget
----------
Unpinned checkpoints are taken at chunk boundaries, once a step enters a new *slot* of
``interval`` steps (the first chunk end in each slot), and only while taking them costs at
most ``MAX_SHARE`` of the time. When the checkpoints would take more than ``budget`` bytes (or
``max_count`` checkpoints), the interval doubles and every other one goes: in each slot of
the new interval only the earliest stays. So a replay runs fewer than 2 × ``interval`` steps
plus one chunk. If pinned checkpoints alone overflow the budget the oldest go, and the steps
before the oldest one left are no longer reachable. For a 784-128-10 network (814 kB a
checkpoint) the default 40 MiB holds up to 51: after 100,000 steps 49 at an interval of 2,048
(39.9 MB), after 10,000 steps 40 at 256 (32.6 MB; a replay of at most ~520 steps, ~0.3 s).

Saved with the session
----------------------
File → Save writes the checkpoints up to the saved step into the file (``saved``: the file's
``session.checkpoints``, ``bpviz.core.fileformat.SavedCheckpoint``), each with the end of its
run, within ``limits.MAX_CHECKPOINT_NUMBERS`` numbers: the newest and the pinned ones first,
the others thinned evenly (``fileformat.fit_checkpoints``). Opening the file hands them to the
training process with its first Load (``restore``), so the reopened session scrubs as the
run did: every step from the first saved checkpoint to the end of its run, bit for bit. For
a 784-128-10 network (101,770 numbers a checkpoint, twice that with momentum's velocity) the
file keeps 9 checkpoints (20 MB of JSON, measured); after 10,000 steps of minibatch 64 a
replay runs up to 1,300 steps (4 s on a busy 2-core machine at ~3 ms a step).

numpy and the standard library only (the training process imports no Qt).
"""

from __future__ import annotations

import copy as _copy
import time
from bisect import bisect_right
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from bpviz.core import limits
from bpviz.core import momentum as _momentum
from bpviz.core.fileformat import Document, SavedCheckpoint, fit_checkpoints
from bpviz.core.training import Trainer

__all__ = [
    "Setup",
    "Checkpoint",
    "Checkpoints",
    "BUDGET",
    "MAX_COUNT",
    "OVERHEAD",
    "MAX_SHARE",
    "same_lineage",
]

BUDGET = 40 * 2**20  # bytes of checkpoints a run keeps (≤ 50 MB for 784-128-10: see above)
MAX_COUNT = 4096  # checkpoints at most, however small the network
OVERHEAD = 600  # bytes a checkpoint costs besides its arrays (objects, array headers)
MAX_SHARE = 0.01  # taking checkpoints takes at most this share of the training time
REPLAY_SECONDS = 0.1  # a replay runs in pieces this long, reporting progress between them


@dataclass(frozen=True)
class Setup:
    """How the steps after a checkpoint are computed."""

    learning_rate: float
    mode: str
    batch_size: int | None
    shuffle_seed: int | None
    momentum: float
    path: str

    @classmethod
    def of(cls, trainer: Trainer) -> Setup:
        """The settings of a trainer (or of anything with its attributes: a saved
        checkpoint's record)."""
        return cls(
            float(trainer.learning_rate),
            trainer.mode,
            trainer.batch_size if trainer.mode == "minibatch" else None,
            trainer.shuffle_seed if trainer.mode == "minibatch" else None,
            float(trainer.momentum),
            trainer.path,
        )


class _Run:
    """One straight run of a trainer: its checkpoints replay up to ``end`` (None: the live
    trainer's step, while it is the one training)."""

    __slots__ = ("end",)

    def __init__(self) -> None:
        self.end: int | None = None


@dataclass
class Checkpoint:
    """The state before step ``step + 1``: the parameters after ``step`` steps (read-only
    copies), the velocity, and how the next steps are computed."""

    step: int
    weights: tuple[np.ndarray, ...]
    biases: tuple[np.ndarray, ...] | None
    velocity: _momentum.Velocity | None  # copied; None: α = 0, or v not made yet (zeros)
    setup: Setup
    pinned: bool
    nbytes: int
    run: _Run


def _frozen(arrays) -> tuple[np.ndarray, ...] | None:
    if arrays is None:
        return None
    out = []
    for a in arrays:
        c = np.array(a, dtype=np.float64, copy=True)
        c.flags.writeable = False
        out.append(c)
    return tuple(out)


def _arrays_nbytes(*groups) -> int:
    return sum(a.nbytes for g in groups if g is not None for a in g)


def _velocity_nbytes(v) -> int:
    return 0 if v is None else _arrays_nbytes(v.weights, v.biases)


def same_lineage(a: Document, b: Document) -> bool:
    """Do two documents train the same network on the same data (so one's history goes on in
    the other's)? The weights and the settings may differ; the structure, the functions and
    the training rows may not."""
    na, nb = a.network, b.network
    return (
        list(na.sizes) == list(nb.sizes)
        and list(na.activations) == list(nb.activations)
        and na.loss == nb.loss
        and tuple(na.features) == tuple(nb.features)
        and na.train_biases == nb.train_biases
        and (na.biases is None) == (nb.biases is None)
        and np.shape(a.inputs) == np.shape(b.inputs)
        and np.shape(a.targets) == np.shape(b.targets)
        and np.array_equal(a.inputs, b.inputs)
        and np.array_equal(a.targets, b.targets)
    )


def _replay_document(doc: Document) -> Document:
    """What a replay's trainer reads: the network's structure and the training rows; no test
    rows (a replay computes no test error) and no momentum of its own (each checkpoint
    brings its α and velocity)."""
    d = _copy.copy(doc)
    d.network = doc.network.copy()
    d.test_inputs = np.zeros((0, np.shape(doc.inputs)[1]))
    d.test_targets = np.zeros((0, np.shape(doc.targets)[1]))
    d.session = None
    d.momentum = 0.0
    d.velocity = None
    return d


class Checkpoints:
    """The checkpoints of one lineage of runs, within ``budget`` bytes (see the module)."""

    def __init__(self, budget: int = BUDGET, max_count: int = MAX_COUNT, clock=time.perf_counter) -> None:
        self.budget = int(budget)
        self.max_count = int(max_count)
        self._clock = clock
        self.clear()

    def clear(self) -> None:
        """Forget every checkpoint and the lineage."""
        self._list: list[Checkpoint] = []
        self._steps: list[int] = []
        self.doc: Document | None = None  # the lineage's network and rows (a replay's)
        self.live: Trainer | None = None  # the trainer of the open run
        self._run: _Run | None = None
        self.interval = 1
        self.nbytes = 0
        self.seconds = 0.0  # time spent taking unpinned checkpoints (benchmarks)
        self._next_time = 0.0

    # -- reading -----------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._list)

    def __iter__(self):
        return iter(self._list)

    @property
    def first_step(self) -> int | None:
        """The oldest step a replay can reach (None: no checkpoints)."""
        return self._list[0].step if self._list else None

    @property
    def last_step(self) -> int | None:
        """The newest step a replay can reach: the live trainer's (None: none)."""
        if not self._list:
            return None
        c = self._list[-1]
        return self._end(c)

    def _end(self, c: Checkpoint) -> int:
        if c.run.end is not None:
            return c.run.end
        return self.live.step if self.live is not None else c.step

    def locate(self, step: int) -> tuple[Checkpoint, int]:
        """(the checkpoint a replay to ``step`` starts from, the step it reaches): ``step``
        itself, or the nearest step a replay can reach (the first checkpoint's below them all;
        the end of the run a checkpoint belongs to past it: steps taken by hand are not
        kept). LookupError without checkpoints."""
        if not self._list:
            raise LookupError("no checkpoints")
        i = bisect_right(self._steps, int(step)) - 1
        if i < 0:
            c = self._list[0]
            return c, c.step
        c = self._list[i]
        return c, min(int(step), self._end(c))

    # -- events ------------------------------------------------------------------------------
    def start(self, trainer: Trainer, doc: Document) -> None:
        """A new trainer (a Load) at ``trainer.step`` on ``doc``: the history goes on when
        ``doc`` is of the same lineage (up to this step; the run before ends here at the
        latest), else starts again. Pins a checkpoint of the trainer's state."""
        s = trainer.step
        if self.doc is not None and same_lineage(self.doc, doc):
            for c in self._list:
                end = self._end(c)
                if end > s:
                    c.run.end = s
                elif c.run.end is None:
                    c.run.end = end
            self._drop_after(s)
        else:
            self.clear()
            self.doc = _replay_document(doc)
        self.live = trainer
        self._run = _Run()
        self.pin(trainer)

    def pin(self, trainer: Trainer) -> None:
        """An event at the trainer's step boundary (new settings, an edited weight): a pinned
        checkpoint of its state now, replacing any at this step."""
        if trainer is not self.live or self._run is None:
            raise ValueError("pin the live trainer (start it first)")
        self._drop_after(trainer.step - 1)
        self._add(trainer, pinned=True)
        self._fit()

    def after_chunk(self, trainer: Trainer) -> bool:
        """A chunk of steps ended: a checkpoint when the step entered a slot that has none
        and taking one keeps within ``MAX_SHARE`` of the time. Returns whether one was taken."""
        if trainer is not self.live or not self._list:
            return False
        s = trainer.step
        last = self._list[-1].step
        if s // self.interval == last // self.interval or s <= last:
            return False
        now = self._clock()
        if now < self._next_time:
            return False
        self._add(trainer, pinned=False)
        cost = self._clock() - now
        self.seconds += cost
        self._next_time = now + cost / MAX_SHARE
        self._fit()
        return True

    # -- saved with a session -----------------------------------------------------------------
    def saved(
        self,
        upto: int,
        max_numbers: int = limits.MAX_CHECKPOINT_NUMBERS,
        max_count: int = limits.MAX_CHECKPOINTS,
    ) -> list[SavedCheckpoint]:
        """What a session saved at step ``upto`` keeps of the checkpoints (its
        ``session.checkpoints``): those at or before it, each with the end of its run (at most
        ``upto``), within ``max_numbers`` numbers (``fileformat.fit_checkpoints``). The arrays
        are the checkpoints' own (read-only)."""
        upto = int(upto)
        out = []
        for c in self._list:
            if c.step > upto:
                break
            st = c.setup
            out.append(
                SavedCheckpoint(
                    c.step,
                    min(self._end(c), upto),
                    c.weights,
                    c.biases,
                    c.velocity if st.momentum else None,
                    st.learning_rate,
                    st.momentum,
                    st.mode,
                    st.batch_size,
                    st.shuffle_seed,
                    st.path,
                    c.pinned,
                )
            )
        return fit_checkpoints(out, upto, max_numbers, max_count)

    def restore(self, doc: Document, saved) -> None:
        """A saved session's checkpoints (``Document.checkpoints``, by step) as the history of
        ``doc``'s lineage, replacing any: the next ``start`` on a document of the same network
        and data goes on from them. Consecutive checkpoints with the same end are one run."""
        self.clear()
        self.doc = _replay_document(doc)
        run: _Run | None = None
        for r in saved:
            if run is None or run.end != r.end:
                run = _Run()
                run.end = int(r.end)
            w, b = _frozen(r.weights), _frozen(r.biases)
            vel = _momentum.copy(r.velocity) if r.momentum else None
            setup = Setup.of(r)
            nbytes = _arrays_nbytes(w, b) + _velocity_nbytes(vel) + OVERHEAD
            c = Checkpoint(int(r.step), w, b, vel, setup, bool(r.pinned), nbytes, run)
            self._list.append(c)
            self._steps.append(c.step)
            self.nbytes += nbytes
        self._fit()

    # -- replay ------------------------------------------------------------------------------
    def trainer_at(self, c: Checkpoint) -> Trainer:
        """A fresh trainer in checkpoint ``c``'s state (same path and settings)."""
        net = self.doc.network.copy()
        net.set_parameters(c.weights, c.biases)
        st = c.setup
        t = Trainer(self.doc, net, start_step=c.step, path=st.path)
        t.learning_rate = st.learning_rate
        if (t.mode, t.batch_size, t.shuffle_seed) != (st.mode, st.batch_size, st.shuffle_seed):
            t.set_mode(st.mode, st.batch_size, st.shuffle_seed)
        t.momentum = st.momentum  # (before the velocity: α = 0 drops one)
        t.velocity = _momentum.copy(c.velocity)
        return t

    def replay(
        self, step: int, progress: Callable[[int, int], None] | None = None, after: float = 0.3
    ) -> Trainer:
        """A trainer at ``step`` (or the nearest step reachable: ``locate``), replayed from the
        nearest checkpoint. ``progress(done, total)`` is called between pieces of a replay
        that has run longer than ``after`` seconds."""
        c, target = self.locate(step)
        t = self.trainer_at(c)
        total = target - c.step
        t0 = time.perf_counter()
        told = False
        while t.step < target:
            r = t.run(max_steps=target - t.step, seconds=REPLAY_SECONDS)
            if r.steps == 0:  # pragma: no cover - the run reached these steps once
                break
            if progress is not None and t.step < target and (told or time.perf_counter() - t0 > after):
                told = True
                progress(t.step - c.step, total)
        return t

    # -- inside ------------------------------------------------------------------------------
    def _add(self, trainer: Trainer, pinned: bool) -> None:
        net = trainer.network
        vel = _momentum.copy(trainer.velocity)
        w, b = _frozen(net.weights), _frozen(net.biases)
        c = Checkpoint(
            trainer.step,
            w,
            b,
            vel,
            Setup.of(trainer),
            pinned,
            _arrays_nbytes(w, b) + _velocity_nbytes(vel) + OVERHEAD,
            self._run,
        )
        self._list.append(c)
        self._steps.append(c.step)
        self.nbytes += c.nbytes

    def _drop_after(self, step: int) -> None:
        k = bisect_right(self._steps, step)
        for c in self._list[k:]:
            self.nbytes -= c.nbytes
        del self._list[k:], self._steps[k:]

    def _over(self) -> bool:
        return self.nbytes > self.budget or len(self._list) > self.max_count

    def _fit(self) -> None:
        """Double the interval and thin while over budget; drop the oldest checkpoints when
        only pinned ones are left to thin."""
        while self._over() and len(self._list) > 1:
            span = self._list[-1].step - self._list[0].step
            if self.interval <= span and any(not c.pinned for c in self._list[1:]):
                self.interval *= 2
                self._thin()
            else:
                self.nbytes -= self._list[0].nbytes
                del self._list[0], self._steps[0]

    def _thin(self) -> None:
        """Keep the pinned checkpoints and the earliest of each slot of ``interval`` steps."""
        kept: list[Checkpoint] = []
        for c in self._list:
            if c.pinned or not kept or c.step // self.interval != kept[-1].step // self.interval:
                kept.append(c)
            else:
                self.nbytes -= c.nbytes
        self._list = kept
        self._steps = [c.step for c in kept]

    def describe(self) -> str:
        """One line for benchmarks and logs."""
        mb = self.nbytes / 1e6
        pins = sum(c.pinned for c in self._list)
        return f"{len(self._list)} checkpoints ({pins} pinned), {mb:.1f} MB, interval {self.interval:,}" + (
            "" if not self._list else f", steps {self.first_step:,}–{self.last_step:,}"
        )
