"""The stepper's way back: the parameters of past steps within a fixed memory budget, older
ones rebuilt by replaying steps from sparse checkpoints, bit for bit as they were.

A *state* is what the network holds before step ``n``'s update: ``(n, weights, biases)``, plus
an opaque ``context`` the caller gives with it (whatever step ``n`` needs besides the
parameters, e.g. the sample the user chose and η). The store never keeps traces, only copies of
the parameter arrays, and rebuilds a state it dropped with the caller's one-step function::

    advance(step, weights, biases, context) -> (weights_after, biases_after)

which must be the very code path that made the step the first time (the session's ``next``:
``trace_step(doc, rows, network)`` → ``weights_after`` / ``biases_after``). numpy and the
standard library only.

How it fits the session's stepper (``next`` / ``previous`` / ``adopt_parameters`` / ``can_go_back``)::

    hist = StepHistory(advance)              # advance: one straight step n → n + 1
    hist.push(step, w, b, context)           # next(): the state before the update, then step += 1
    st = hist.pop()                          # previous(): State(step, weights, biases, context) or None
    hist.clear()                             # adopt_parameters(), an edit, a new document
    bool(hist)                               # can_go_back() (with phase_index > 0)

and, for scrubbing the error curve to a past step (issue 16), ``state_at(step)`` reaches any
step from ``first_step`` to ``last_step`` and ``truncate(step)`` forgets the steps after it.

Momentum (``bpviz.core.momentum``): a store made with ``velocity=True`` keeps each state's
velocity v too (``push(…, velocity=v)``, ``State.velocity``; None: no velocity, α = 0 or
zeros before a run's first step) and calls ``advance(step, weights, biases, context,
velocity)``, which returns the velocity after the step as a third value. v changes every step,
so it is part of the state (copied and counted in ``nbytes`` like the parameters), never of
the context, which holds one value per run of steps.

Guarantees
----------
* **Exact.** Every state returned (``pop``, ``state_at``) has weights and biases bit-for-bit
  equal to those pushed for that step, whether they were kept or replayed, provided
  ``advance`` is deterministic (numpy on one machine is; it is the same code with the same
  inputs).
* **Deep.** With ``depth=D`` (default 200) the last ``min(D, pushes)`` states are reachable:
  after pushing steps s…t, ``pop`` returns t, t − 1, …, max(s, t − D + 1), then None. With
  ``depth=None`` every state since the first push (or ``clear``) stays reachable.
* **Bounded.** ``nbytes`` (the arrays the store holds) never exceeds ``budget``, except that
  two states are always kept even when they do not fit (a single state over half the budget:
  a network of more than 4 million parameters at the default 64 MiB). A state with a velocity
  is twice the size; once one is pushed, ``state_nbytes`` (what ``capacity`` divides the
  budget by) counts every state at that size, so fewer states fit and the bound still holds.
* **Cheap to go back.** Checkpoints are the states whose step is a multiple of ``interval``
  (a power of two) plus the oldest one; the interval doubles, and the checkpoints thin out,
  whenever they would leave no room for one replayed stretch (``interval`` − 1 states) and
  take more than half the budget. The rest of the budget holds the most recently used
  states. A state not held is replayed from the nearest held state below it (at most
  ``interval`` − 1 steps), and the replayed states are kept (as many as fit) so the next steps
  back cost nothing. For 784-128-10 (814 kB a state, 82 states in 64 MiB) and D = 200, the
  interval settles at 4: 51 checkpoints and 31 recent states; a step back replays at most 3
  steps, about once every 3 steps back beyond the recent ones.

Why 64 MiB: the issue allows ≤ 100 MB whatever the network; 64 MiB keeps the 200 steps of
784-128-10 with a replay of at most 3 steps, leaves room under 100 MB for the transient
state of a replay (and for two states of networks up to 4 million parameters), and its
checkpoint half (32 MiB) is within issue 16's "≤ 50 MB of checkpoints for a 784-128-10 run
of 100k steps" (with ``depth=None``: interval 4096 there).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right, insort
from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from bpviz.core.momentum import Velocity

__all__ = ["StepHistory", "State", "Advance", "DEFAULT_BUDGET", "DEFAULT_DEPTH"]

DEFAULT_BUDGET = 64 * 2**20  # bytes of parameter arrays the store may hold (see the docstring)
DEFAULT_DEPTH = 200  # steps back the stepper can always go

Arrays = tuple[np.ndarray, ...]
Advance = Callable[
    [int, Arrays, Arrays | None, Any], tuple[Sequence[np.ndarray], Sequence[np.ndarray] | None]
]


class State(NamedTuple):
    """The network's parameters (and with momentum its velocity) before step ``step``'s
    update (read-only arrays)."""

    step: int
    weights: Arrays
    biases: Arrays | None
    context: Any
    velocity: Velocity | None = None


def _frozen_velocity(v) -> Velocity | None:
    if v is None:
        return None
    return Velocity(_frozen(v[0]), _frozen(v[1]))


def _nbytes(v: Velocity | None) -> int:
    return 0 if v is None else sum(a.nbytes for a in (*v.weights, *(v.biases or ())))


def _frozen(arrays: Sequence[np.ndarray] | None) -> Arrays | None:
    """Read-only float64 copies (the caller's arrays change in place; ours never do)."""
    if arrays is None:
        return None
    out = []
    for a in arrays:
        c = np.array(a, dtype=np.float64, copy=True, order="C")
        c.flags.writeable = False
        out.append(c)
    return tuple(out)


def _same(a: Any, b: Any) -> bool:
    """Equal contexts (arrays or odd types compare as different unless identical)."""
    if a is b:
        return True
    try:
        return type(a) is type(b) and bool(a == b)
    except (TypeError, ValueError):
        return False


class StepHistory:
    """Past states of the stepper within ``budget`` bytes; see the module docstring."""

    def __init__(
        self,
        advance: Advance,
        budget: int = DEFAULT_BUDGET,
        depth: int | None = DEFAULT_DEPTH,
        velocity: bool = False,
    ) -> None:
        """``velocity``: states carry a velocity (momentum) and ``advance`` takes and returns
        it (see the module docstring)."""
        if depth is not None and depth < 1:
            raise ValueError(f"depth must be at least 1 (or None), got {depth}")
        if budget < 0:
            raise ValueError(f"budget must be ≥ 0 bytes, got {budget}")
        self._advance = advance
        self._with_velocity = bool(velocity)
        self.budget = int(budget)
        self.depth = depth
        self.replays = 0  # calls of advance so far (tests and benchmarks read it)
        self.clear()

    # -- the stack ---------------------------------------------------------------------------
    def clear(self) -> None:
        """Forget every state (after an edit, new data or settings, training, a new file)."""
        self._states: dict[int, tuple[Arrays, Arrays | None, Velocity | None]] = {}
        self._held: list[int] = []  # the keys of _states, in order
        self._checkpoints: set[int] = set()
        self._recent: OrderedDict[int, None] = OrderedDict()  # held non-checkpoints, LRU first
        self._contexts: list[tuple[int, Any]] = []  # (first step, context): runs, in order
        self._first: int | None = None  # the oldest reachable step
        self._last: int | None = None  # the newest one (what pop returns next)
        self._shapes: tuple | None = None
        self._param_nbytes = 0  # one state's parameters
        self._state_nbytes = 0  # and its velocity, once one was pushed (see "Bounded")
        self.interval = 1
        self.nbytes = 0

    def push(
        self,
        step: int,
        weights: Sequence[np.ndarray],
        biases: Sequence[np.ndarray] | None,
        context: Any = None,
        velocity: Velocity | None = None,
    ) -> None:
        """Record the state before step ``step``'s update (copied). ``step`` follows the last
        state (``last_step + 1``), or anything after ``clear`` or once the store is empty;
        ``context`` is handed back to ``advance`` when step ``step`` is replayed; ``velocity``
        (a store made with ``velocity=True``) is the velocity before the step."""
        if velocity is not None and not self._with_velocity:
            raise ValueError("this store keeps no velocity (make it with velocity=True)")
        step = int(step)
        shapes = (
            tuple(np.shape(w) for w in weights),
            None if biases is None else tuple(np.shape(b) for b in biases),
        )
        if self._last is not None:
            if step != self._last + 1:
                raise ValueError(
                    f"push step {self._last + 1} next (got {step}); clear() to start from another step"
                )
            if shapes != self._shapes:
                raise ValueError("the network's shape changed: clear() first")
        else:
            self.clear()
            self._first, self._shapes = step, shapes
            self._state_nbytes = self._param_nbytes = 8 * (
                sum(int(np.prod(s)) for s in shapes[0]) + sum(int(np.prod(s)) for s in shapes[1] or ())
            )
        self._last = step
        if not self._contexts or not _same(self._contexts[-1][1], context):
            self._contexts.append((step, context))
        checkpoint = not self._checkpoints or step % self.interval == 0
        self._hold(step, (_frozen(weights), _frozen(biases), _frozen_velocity(velocity)), checkpoint)
        if self.depth is not None and step - self._first + 1 > self.depth:
            self._forget_before(step - self.depth + 1)
        self._thin()
        self._fit()

    def pop(self) -> State | None:
        """The newest state, removed (replayed if it was not held); None when empty."""
        if self._last is None:
            return None
        st = self.state_at(self._last)
        if st.step == self._first:
            self.clear()
        else:
            self.truncate(st.step - 1)
        return st

    def __len__(self) -> int:
        """How many times ``pop`` returns a state."""
        return 0 if self._last is None else self._last - self._first + 1

    @property
    def first_step(self) -> int | None:
        return self._first

    @property
    def last_step(self) -> int | None:
        return self._last

    @property
    def state_nbytes(self) -> int:
        """Bytes of one state's arrays (0 before the first push)."""
        return self._state_nbytes

    @property
    def capacity(self) -> int:
        """States that fit in the budget (never fewer than two are kept)."""
        return self.budget // self._state_nbytes if self._state_nbytes else 0

    # -- any step (scrubbing) ----------------------------------------------------------------
    def state_at(self, step: int) -> State:
        """The state before step ``step`` (``first_step`` ≤ step ≤ ``last_step``), replayed
        from the nearest held state below it when it is not held; the store is unchanged
        apart from which states it holds."""
        step = int(step)
        if self._last is None or not self._first <= step <= self._last:
            raise IndexError(
                f"step {step} is not in the history ({self._first}…{self._last})"
                if self._last is not None
                else "the history is empty"
            )
        held = self._states.get(step)
        if held is None:
            held = self._replay_to(step)
        elif step in self._recent:
            self._recent.move_to_end(step)
        w, b, v = held
        return State(step, w, b, self._context(step), v)

    def truncate(self, step: int) -> None:
        """Forget the states after ``step`` (pushing ``step + 1`` comes next)."""
        if self._last is None or step >= self._last:
            return
        if step < self._first:
            self.clear()
            return
        for s in self._held[bisect_left(self._held, step + 1) :]:
            self._drop(s)
        self._last = step
        while self._contexts and self._contexts[-1][0] > step:
            self._contexts.pop()

    # -- inside ------------------------------------------------------------------------------
    def _context(self, step: int) -> Any:
        return self._contexts[bisect_right(self._contexts, step, key=lambda r: r[0]) - 1][1]

    def _hold(self, step: int, state: tuple, checkpoint: bool) -> None:
        if step in self._states:
            return
        if state[2] is not None:  # from now on every state counts at this size
            self._state_nbytes = max(self._state_nbytes, self._size(state))
        self._states[step] = state
        insort(self._held, step)
        self.nbytes += self._size(state)
        if checkpoint:
            self._checkpoints.add(step)
        else:
            self._recent[step] = None

    def _size(self, state: tuple) -> int:
        """Bytes of one held state (its velocity counts when it has one)."""
        return self._param_nbytes + _nbytes(state[2])

    def _drop(self, step: int) -> None:
        state = self._states.pop(step, None)
        if state is not None:
            del self._held[bisect_left(self._held, step)]
            self.nbytes -= self._size(state)
        self._checkpoints.discard(step)
        self._recent.pop(step, None)

    def _forget_before(self, first: int) -> None:
        """Make ``first`` the oldest reachable step: keep the newest checkpoint at or below it
        (replay starts there) and drop everything older."""
        self._first = first
        anchor = max(c for c in self._checkpoints if c <= first)
        for s in self._held[: bisect_left(self._held, anchor)]:
            self._drop(s)
        while len(self._contexts) > 1 and self._contexts[1][0] <= anchor:
            self._contexts.pop(0)

    def _thin(self) -> None:
        """Double the interval while the checkpoints leave no room for one replayed stretch
        (``interval`` − 1 states) or would take more than half the budget, whichever allows
        more; the oldest checkpoint (the anchor) stays."""
        while len(self._checkpoints) > max(2, self.capacity // 2, self.capacity - self.interval):
            self.interval *= 2
            anchor = min(self._checkpoints)
            for c in [c for c in self._checkpoints if c != anchor and c % self.interval]:
                self._drop(c)

    def _fit(self) -> None:
        """Drop the least recently used non-checkpoints until the budget holds."""
        while self._recent and len(self._states) > max(2, self.capacity):
            self._drop(next(iter(self._recent)))

    def _replay_to(self, step: int) -> tuple[Arrays, Arrays | None]:
        """Replay from the nearest held state below ``step``; the states on the way are held
        as recently used (the newest survive), ``step``'s too when it fits in the budget."""
        start = self._held[bisect_left(self._held, step) - 1]
        w, b, v = self._states[start]
        for s in range(start, step):
            if self._with_velocity:
                w_new, b_new, v_new = self._advance(s, w, b, self._context(s), v)
                v = _frozen_velocity(v_new)
            else:
                w_new, b_new = self._advance(s, w, b, self._context(s))
            self.replays += 1
            w, b = _frozen(w_new), _frozen(b_new)
            self._hold(s + 1, (w, b, v), checkpoint=False)
            self._thin()  # (a first velocity makes every state bigger)
            self._fit()
        return w, b, v
