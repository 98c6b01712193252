"""Random sequences of edits, undos, redos and steps: after each, the session's iteration is
exactly what the core computes from the session's parameters, and undoing every edit gives the
file's weights back."""

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpviz.core.iteration.phases import trace_step
from bpviz.core.presets import load_preset
from bpviz.gui.session import Session

op = st.one_of(
    st.tuples(st.just("edit"), st.integers(0, 10_000), st.floats(-3, 3, allow_nan=False)),
    st.tuples(st.just("bias"), st.integers(0, 10_000), st.floats(-3, 3, allow_nan=False)),
    st.tuples(st.just("undo")),
    st.tuples(st.just("redo")),
    st.tuples(st.just("next")),
    st.tuples(st.just("previous")),
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(["mazur", "xor", "xor-deep", "swap"]), ops=st.lists(op, max_size=25))
def test_random_edit_sequences_match_the_core(qapp, name, ops):
    doc = load_preset(name)
    s = Session(doc, name)
    net = s.network
    for o in ops:
        kind = o[0]
        if kind == "edit":
            j = o[1] % net.L
            r = (o[1] // 7) % net.sizes[j + 1]
            c = (o[1] // 13) % net.sizes[j]
            s.edit_parameter("edge", (j, r, c), o[2])
            assert net.weights[j][r, c] == o[2]
        elif kind == "bias" and net.biases is not None:
            j = o[1] % net.L
            i = (o[1] // 7) % net.sizes[j + 1]
            s.edit_parameter("bias", (j, i), o[2])
        elif kind == "undo":
            s.undo_stack.undo()
        elif kind == "redo":
            s.undo_stack.redo()
        elif kind == "next":
            s.next()
        elif kind == "previous":
            s.previous()
        core = trace_step(s.doc, s.trace.samples, network=s.network)
        assert s.trace.error == core.error or (np.isnan(s.trace.error) and np.isnan(core.error))
        for a, b in zip(s.trace.p.grad_w, core.p.grad_w, strict=True):
            np.testing.assert_array_equal(a, b)
        for a, b in zip(s.trace.network.weights, s.network.weights, strict=True):
            np.testing.assert_array_equal(a, b)
    if s.step == 0:  # no update was applied: undoing every edit restores the file's weights
        while s.undo_stack.canUndo():
            s.undo_stack.undo()
        for a, b in zip(s.network.weights, load_preset(name).network.weights, strict=True):
            np.testing.assert_array_equal(a, b)
