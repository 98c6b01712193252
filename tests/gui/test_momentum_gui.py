"""Momentum in the window: the stepper applies the velocity update and equals the trainer
step for step; previous() brings back the velocity of the step before; α is an undoable
setting (the dock's "Momentum α" box, the network dialog's field); a run's velocity comes
back with its weights; Save keeps α and the velocity."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QDialog

from bpviz.core import fileformat, momentum
from bpviz.core.iteration.phases import trace_step
from bpviz.core.presets import load_preset
from bpviz.core.teach.trace import lines_text
from bpviz.core.training import Trainer
from bpviz.gui import files
from bpviz.gui.dialogs import network_dialog
from bpviz.gui.dialogs.network_dialog import NetworkDialog, edit_network
from bpviz.gui.session import Session

ALPHA = 0.9


def same(a, b) -> bool:
    return all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def velocity_arrays(v):
    return [*v.weights, *(v.biases or ())]


@pytest.fixture
def session(qtbot):
    made = []

    def make(name="xor", alpha=ALPHA):
        doc = load_preset(name)
        doc.momentum = alpha
        s = Session(doc, name)
        made.append(s)
        return s

    yield make
    for s in made:
        s.undo_stack.clear()


def step(s: Session) -> None:
    s.set_phase(s.last_index)
    s.next()


@pytest.mark.parametrize("name", ["xor", "mazur", "circle"])  # batch, online (fixed biases), minibatch
def test_the_stepper_equals_the_trainer_step_for_step(session, name):
    s = session(name)
    t = Trainer(s.doc, path="numpy")
    assert s.velocity is None  # v = 0 before the first step
    for n in range(12):
        step(s)
        t.run(max_steps=1)
        assert s.step == t.step == n + 1
        assert same(s.network.weights, t.network.weights)
        assert same(velocity_arrays(s.velocity), velocity_arrays(t.velocity))
    assert np.array_equal(s.history.errors[:12], t.error_history)


def test_previous_restores_the_velocity_of_the_step_before(session):
    s = session("xor")
    seen = []
    for _ in range(6):
        seen.append(momentum.copy(s.velocity))
        step(s)
    after = momentum.copy(s.velocity)
    for k in range(5, 1, -1):
        s.set_phase(0)
        s.previous()  # back to the update phase of step k + 1, from its velocity
        assert s.step == k and s.phase_index == s.last_index
        assert same(velocity_arrays(s.velocity), velocity_arrays(seen[k]))
        assert same(velocity_arrays(s.trace.velocity), velocity_arrays(seen[k]))
    for _ in range(4):
        step(s)
    assert same(velocity_arrays(s.velocity), velocity_arrays(after))
    text = "\n".join(lines_text(s.phases[-1]))
    assert "v_" in text and " = 0.9 × " in text


def test_momentum_is_an_undoable_setting_and_zero_drops_the_velocity(session, qtbot):
    s = session("xor", alpha=0.0)
    with qtbot.waitSignal(s.settingsChanged):
        s.set_momentum(0.9)
    assert s.momentum == 0.9 and s.undo_stack.undoText() == "Set momentum α to 0.9" and s.modified
    assert "momentum" in s.phases[-1].title
    for _ in range(3):
        step(s)
    v = momentum.copy(s.velocity)
    s.set_momentum(0.5)  # the velocity goes on
    assert same(velocity_arrays(s.velocity), velocity_arrays(v))
    s.set_momentum(0)  # plain gradient descent keeps none
    assert s.velocity is None and "momentum" not in s.phases[-1].title
    s.undo_stack.undo()
    assert s.momentum == 0.5 and same(velocity_arrays(s.velocity), velocity_arrays(v))
    for bad in (1, -0.1, float("nan"), "x"):
        with pytest.raises(ValueError):
            s.set_momentum(bad)
    assert s.momentum == 0.5


def test_save_keeps_alpha_and_the_velocity_and_reset_takes_the_files(session, tmp_path):
    s = session("xor")
    for _ in range(5):
        step(s)
    doc = files.session_document(s)
    path = tmp_path / "x.bpviz.json"
    fileformat.save(doc, path)
    back = fileformat.load(path)
    assert back.momentum == ALPHA
    assert same(velocity_arrays(back.velocity), velocity_arrays(s.velocity))
    s2 = Session(back, str(path))
    assert same(velocity_arrays(s2.velocity), velocity_arrays(s.velocity))
    step(s2)
    step(s)
    assert same(s2.network.weights, s.network.weights)  # on from the saved velocity
    s2.reset()
    assert same(velocity_arrays(s2.velocity), velocity_arrays(back.velocity))
    s2.undo_stack.clear()
    plain = load_preset("xor")
    assert "momentum" not in fileformat.dumps(plain) and "velocity" not in fileformat.dumps(plain)


def test_a_runs_velocity_comes_back_with_its_weights(make_controller, wait_state, qtbot):
    doc = load_preset("xor")
    doc.momentum = ALPHA
    s, c = make_controller("xor", backend="thread", doc=doc)
    c.update_settings(speed=None, stop_error=None, max_steps=40)
    c.train()
    wait_state(c, "finished")
    t = Trainer(doc)
    t.run(max_steps=40)
    assert s.step == 40 and same(s.network.weights, t.network.weights)
    assert same(velocity_arrays(s.velocity), velocity_arrays(t.velocity))
    # the stepper goes on from the run's velocity
    tr = trace_step(doc, t.next_rows(), network=t.network, momentum=ALPHA, velocity=t.velocity)
    assert same(s.trace.weights_after, tr.weights_after)
    s.undo_stack.clear()


def test_the_training_dock_has_a_momentum_box(qtbot, win):
    p, s = win.training_panel, win.session
    assert "0 = plain gradient descent; 0.9 is common" in p.alpha.toolTip()
    assert p.alpha.value() == 0 and p.alpha.text() == "0"
    p.alpha.setValue(0.9)
    assert s.momentum == 0.9 and p.alpha.text() == "0.9"
    assert s.undo_stack.undoText() == "Set momentum α to 0.9"
    s.undo_stack.undo()
    assert s.momentum == 0 and p.alpha.value() == 0  # the box follows the session
    s.undo_stack.clear()


def test_the_network_dialog_has_a_momentum_field(session, qtbot, monkeypatch):
    s = session("mazur", alpha=0.0)
    monkeypatch.setattr(network_dialog, "_inform", lambda *a: None)
    typed = []

    def run(d: NetworkDialog) -> bool:
        qtbot.addWidget(d)
        assert d.momentum_edit.text() == "0"
        for text, ok in (("1", False), ("-0.2", False), ("x", False), ("0.95", True)):
            d.momentum_edit.setText(text)
            typed.append((text, d.ok_button.isEnabled(), d.problems().get("momentum", "")))
            assert d.ok_button.isEnabled() == ok
        d.accept()
        return d.result() == QDialog.DialogCode.Accepted

    monkeypatch.setattr(network_dialog, "_run", run)
    assert edit_network(s, None)
    assert s.momentum == 0.95
    assert "less than 1" in typed[0][2] and "at least 0" in typed[1][2]
    for _ in range(2):
        step(s)
    v = momentum.copy(s.velocity)
    monkeypatch.setattr(network_dialog, "_run", lambda d: True)  # OK again: the velocity stays
    assert edit_network(s, None)
    assert s.momentum == 0.95 and same(velocity_arrays(s.velocity), velocity_arrays(v))


@pytest.mark.parametrize("alpha", [0.0, ALPHA])
def test_the_matrix_tab_update_is_w_minus_eta_times_the_new_velocity(session, qtbot, alpha):
    from bpviz.gui.inspector import Inspector

    s = session("mazur", alpha)
    ins = Inspector(s)
    qtbot.addWidget(ins)
    ins.resize(560, 900)
    ins.tabs.setCurrentIndex(1)
    step(s)  # v is no longer 0
    s.set_phase(s.last_index)  # the update of step 2
    mt, tr = ins.matrix, s.trace
    j = s.selected_weight_layer()
    shown = np.array(
        [
            [[float(mt.tables[k].item(r, c).text().replace("−", "-")) for c in range(2)] for r in range(2)]
            for k in (["W", "velocity", "after"] if alpha else ["W", "grad", "after"])
        ]
    )
    if alpha:
        assert list(mt.tables) == ["W", "velocity", "after"]
        assert "α · V" in mt.note.text() and "η · V" in mt.note.text()
        v = tr.velocity_after.weights[j]
        assert shown[1] == pytest.approx(v, abs=1e-9)
        assert shown[2] == pytest.approx(shown[0] - tr.learning_rate * shown[1], abs=1e-8)
        assert not np.allclose(v, tr.p.grad_w[j])  # the velocity, not the gradient
    else:
        assert list(mt.tables) == ["W", "grad", "after"]
        assert "∂E/∂W" in mt.note.text() and "V" not in mt.note.text()
