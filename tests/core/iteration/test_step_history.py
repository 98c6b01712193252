"""The step-back store: a real trace_step loop steps forward, the store pops back, and every
state must be bit for bit the one the straight run had (kept or replayed), within the budget."""

import numpy as np
import pytest

from bpviz.core.fileformat import Document
from bpviz.core.functions import make_activation, make_loss
from bpviz.core.iteration.phases import trace_step
from bpviz.core.iteration.step_history import DEFAULT_BUDGET, StepHistory
from bpviz.core.network import Network
from bpviz.core.presets import load_preset
from bpviz.core.training import Schedule


def _rows(doc: Document, sched: Schedule, step: int, choice) -> list[int]:
    """As Session.rows_for_step: the chosen sample (online), else the schedule's rows."""
    return [choice] if choice is not None else [int(r) for r in sched.rows(step)]


def make_advance(doc: Document):
    """The replay step the session gives the store: one straight step n → n + 1."""
    sched = Schedule(doc.n_samples, doc.mode, doc.batch_size, doc.shuffle_seed)
    net = doc.network.copy()

    def advance(step, weights, biases, choice):
        net.set_parameters(weights, biases)
        tr = trace_step(doc, _rows(doc, sched, step, choice), network=net)
        return tr.weights_after, tr.biases_after

    return advance


class Straight:
    """The stepper's forward loop (as Session.next): it records every state and pushes it."""

    def __init__(self, doc: Document, store: StepHistory, choices=None):
        self.doc, self.store, self.choices = doc, store, choices or {}
        self.sched = Schedule(doc.n_samples, doc.mode, doc.batch_size, doc.shuffle_seed)
        self.net = doc.network.copy()
        self.step = 0
        self.seen: dict[int, tuple] = {}  # step → (weights, biases) copies
        self.max_nbytes = 0

    def forward(self, n: int = 1) -> None:
        for _ in range(n):
            choice = self.choices.get(self.step)
            tr = trace_step(self.doc, _rows(self.doc, self.sched, self.step, choice), network=self.net)
            w, b = self.net.weights, self.net.biases
            self.seen[self.step] = ([a.copy() for a in w], None if b is None else [a.copy() for a in b])
            self.store.push(self.step, w, b, choice)
            self.max_nbytes = max(self.max_nbytes, self.store.nbytes)
            self.net.set_parameters(tr.weights_after, tr.biases_after)
            self.step += 1

    def back(self) -> bool:
        st = self.store.pop()
        self.max_nbytes = max(self.max_nbytes, self.store.nbytes)
        if st is None:
            return False
        assert st.step == self.step - 1
        assert st.context == self.choices.get(st.step)
        assert_bitwise(st.weights, st.biases, *self.seen[st.step])
        self.net.set_parameters(st.weights, st.biases)
        self.step = st.step
        return True


def assert_bitwise(w, b, w_ref, b_ref):
    assert len(w) == len(w_ref)
    for a, r in zip(w, w_ref, strict=True):
        assert a.dtype == r.dtype and a.shape == r.shape
        assert np.array_equal(a, r) and a.tobytes() == r.tobytes()
    assert (b is None) == (b_ref is None)
    for a, r in zip(b or (), b_ref or (), strict=True):
        assert np.array_equal(a, r) and a.tobytes() == r.tobytes()


def state_bytes(doc: Document) -> int:
    net = doc.network
    return 8 * (sum(w.size for w in net.weights) + sum(b.size for b in net.biases or ()))


def big_doc(rows: int = 4, mode: str = "minibatch", batch_size: int | None = 2) -> Document:
    """784-128-10 with random weights and a few rows of random data (shuffled minibatches, so
    replay also draws the epochs' permutations again)."""
    rng = np.random.default_rng(11)
    sig = make_activation("sigmoid")
    net = Network(
        ["in", "h", "out"],
        [784, 128, 10],
        [sig, sig],
        [rng.normal(0, 0.05, (128, 784)), rng.normal(0, 0.3, (10, 128))],
        [rng.normal(0, 0.1, 128), rng.normal(0, 0.1, 10)],
        loss=make_loss("half_sse"),
    )
    return Document(
        net,
        rng.random((rows, 784)),
        rng.random((rows, 10)),
        learning_rate=0.3,
        mode=mode,
        batch_size=batch_size,
        shuffle_seed=5,
    )


# ------------------------------------------------------------------------------ exactness
@pytest.mark.parametrize("name", ["mazur", "xor", "swap"])
@pytest.mark.parametrize("states", [None, 5])  # the default budget, or room for 5 states
def test_every_step_back_is_the_straight_runs_state(name, states):
    doc = load_preset(name)
    budget = DEFAULT_BUDGET if states is None else states * state_bytes(doc)
    store = StepHistory(make_advance(doc), budget=budget)
    run = Straight(doc, store)
    run.forward(60)
    while run.back():
        pass
    assert run.step == 0 and len(store) == 0 and store.nbytes == 0
    assert run.max_nbytes <= budget
    if states is not None:  # 5 states cannot hold 60: the old ones were replayed
        assert store.replays > 0


def test_784_128_10_200_steps_back_within_the_budget():
    doc = big_doc()
    store = StepHistory(make_advance(doc))
    run = Straight(doc, store)
    run.forward(210)
    assert len(store) == 200
    assert run.max_nbytes <= DEFAULT_BUDGET < 200 * state_bytes(doc)  # a list of 200 would not fit
    assert store.interval > 1  # sparse checkpoints
    for _ in range(200):
        assert run.back()
    assert run.step == 10
    assert store.pop() is None
    assert run.max_nbytes <= DEFAULT_BUDGET
    assert store.replays > 0  # the steps not held were replayed


def test_back_and_forth_like_a_student():
    doc = load_preset("swap")
    store = StepHistory(make_advance(doc), budget=6 * state_bytes(doc))
    run = Straight(doc, store)
    for fwd, back in [(40, 13), (5, 20), (30, 2), (1, 1), (17, 40)]:
        run.forward(fwd)
        for _ in range(back):
            assert run.back()
    while run.back():
        pass
    assert run.step == 0 and run.max_nbytes <= 6 * state_bytes(doc)


def test_replay_uses_each_steps_context():
    """A sample chosen for some steps (online) is handed back to advance on replay."""
    doc = load_preset("swap")
    rng = np.random.default_rng(3)
    choices = {s: int(rng.integers(4)) for s in range(50) if rng.random() < 0.4}
    store = StepHistory(make_advance(doc), budget=4 * state_bytes(doc))
    run = Straight(doc, store, choices)
    run.forward(50)
    while run.back():
        pass
    assert run.step == 0 and store.replays > 0


def test_states_are_copies():
    doc = load_preset("mazur")
    store = StepHistory(make_advance(doc))
    w, b = [a.copy() for a in doc.network.weights], [a.copy() for a in doc.network.biases]
    store.push(0, w, b)
    ref = [a.copy() for a in w], [a.copy() for a in b]
    w[0][0, 0] += 1.0  # the session changes its arrays in place
    b[0][0] += 1.0
    st = store.pop()
    assert_bitwise(st.weights, st.biases, *ref)
    assert not st.weights[0].flags.writeable


# ------------------------------------------------------------------------------ the stack
def test_depth_limits_how_far_back():
    doc = load_preset("swap")
    store = StepHistory(make_advance(doc), depth=5)
    run = Straight(doc, store)
    run.forward(20)
    assert len(store) == 5 and (store.first_step, store.last_step) == (15, 19)
    for _ in range(5):
        assert run.back()
    assert run.step == 15 and not run.back()


def test_clear_after_an_edit_and_popping_past_the_start():
    doc = load_preset("mazur")
    store = StepHistory(make_advance(doc))
    assert store.pop() is None and len(store) == 0
    run = Straight(doc, store)
    run.forward(10)
    store.clear()  # an edit: the session adopts new parameters at its step
    assert len(store) == 0 and store.nbytes == 0 and store.pop() is None
    w, b = doc.network.weights, doc.network.biases
    store.push(57, w, b)  # the edited state starts a new history at step 57
    with pytest.raises(ValueError):
        store.push(59, w, b)  # steps follow each other
    store.push(58, w, b)
    assert [store.pop().step, store.pop().step, store.pop()] == [58, 57, None]


def test_a_new_shape_needs_clear():
    doc, other = load_preset("mazur"), load_preset("swap")
    store = StepHistory(make_advance(doc))
    store.push(0, doc.network.weights, doc.network.biases)
    with pytest.raises(ValueError):
        store.push(1, other.network.weights, other.network.biases)


# ------------------------------------------------------------------------------ scrubbing
def test_any_past_step_with_unbounded_depth_and_thinned_checkpoints():
    doc = load_preset("swap")
    budget = 8 * state_bytes(doc)
    store = StepHistory(make_advance(doc), budget=budget, depth=None)
    run = Straight(doc, store)
    run.forward(300)
    assert (store.first_step, store.last_step) == (0, 299) and store.interval >= 64
    for s in np.random.default_rng(1).permutation(300)[:80]:
        st = store.state_at(int(s))
        assert_bitwise(st.weights, st.biases, *run.seen[int(s)])
        assert store.nbytes <= budget
    with pytest.raises(IndexError):
        store.state_at(300)
    store.truncate(120)  # scrubbed back to step 120 and went on from there
    assert store.last_step == 120
    run.step = 121
    run.net.set_parameters(*run.seen[120])
    st = store.state_at(120)
    run.net.set_parameters(*make_advance(doc)(120, st.weights, st.biases, None))
    run.forward(30)
    while run.back():
        pass
    assert run.step == 0 and run.max_nbytes <= budget


def test_a_budget_below_two_states_still_goes_back():
    doc = load_preset("xor")
    store = StepHistory(make_advance(doc), budget=0)
    run = Straight(doc, store)
    run.forward(30)
    assert store.nbytes <= 2 * state_bytes(doc)
    while run.back():
        pass
    assert run.step == 0
