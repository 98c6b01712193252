"""Data → Generate: the dialog lists every generator and makes exactly the rows
``datasets.generate_spec`` makes for the same spec; applying is one undo step that restores the
data, the test rows, the class names, the generator spec (and the network when it was changed
to fit); a set that does not fit says so instead of raising; hand edits drop the generator."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QMessageBox

from bpviz.core import datasets
from bpviz.core.build import build_document, spec_from_document, with_features
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer
from bpviz.gui.panels.data_editor import DataEditor, generate
from bpviz.gui.panels.data_editor.generate import GenerateDialog
from bpviz.gui.panels.data_editor.generate_plan import apply_plan, make_plan
from bpviz.gui.session import Session


@pytest.fixture
def warnings(monkeypatch):
    calls = []
    monkeypatch.setattr(
        QMessageBox, "warning", lambda *a, **k: calls.append(a) or QMessageBox.StandardButton.Ok
    )
    return calls


@pytest.fixture
def make(qtbot, warnings):
    sessions = []

    def build(doc="xor"):
        s = Session(load_preset(doc) if isinstance(doc, str) else doc, "t")
        sessions.append(s)
        ed = DataEditor(s)
        qtbot.addWidget(ed)
        return s, ed

    yield build
    for s in sessions:
        s.undo_stack.clear()


def state(s: Session) -> tuple:
    d = s.doc
    return (
        d.inputs.tolist(),
        d.targets.tolist(),
        d.test_inputs.tolist(),
        d.test_targets.tolist(),
        d.classes,
        d.generator,
        s.network.sizes,
        [w.tolist() for w in s.network.weights],
    )


def fake_run(**params):
    """A stand-in for the modal dialog: choose and set fields as a user would, then OK."""

    def run(dlg: GenerateDialog) -> bool:
        name = params.pop("name", None)
        if name:
            dlg.select(name)
        if params.pop("adapt", False):
            dlg.adapt_check.setChecked(True)
        for k, v in params.items():
            dlg.set_param(k, v)
        run.plan = dlg.plan()
        return dlg.ok_button.isEnabled()

    return run


def test_the_dialog_lists_every_generator_with_its_parameters(qtbot):
    dlg = GenerateDialog(load_preset("xor"))
    qtbot.addWidget(dlg)
    assert dlg.names() == list(datasets.GENERATORS)
    for name, g in datasets.GENERATORS.items():
        dlg.select(name)
        assert dlg.current_name() == name and dlg.description.text() == g.description
        boxes = dlg.page().boxes
        assert list(boxes) == list(g.param_names)
        for p in g.params:
            assert boxes[p.name].toolTip() and boxes[p.name].isEnabled() == (not p.fixed)
        spec = dlg.spec()
        assert datasets.normalise_spec(spec) == g.defaults()  # the defaults, as the core has them
    dlg.select("circle")
    assert dlg.page().boxes["test_fraction"].value() == 30.0  # 30 % for generated sets
    dlg.select("xor")
    assert dlg.page().boxes["test_fraction"].value() == 0.0  # none for a fixed table


@pytest.mark.parametrize(
    "name, params",
    [
        ("circle", {"samples": 120, "noise": 0.1, "seed": 7, "test_fraction": 0.25}),
        ("spiral", {"samples": 90, "turns": 1.5, "seed": 2}),
        ("moons", {"seed": 11}),
        ("two-class", {"samples": 30, "noise": 0.4, "seed": 5, "test_fraction": 0.2}),
        ("xor", {}),
    ],
)
def test_the_dialog_makes_the_rows_generate_spec_makes(make, monkeypatch, name, params):
    s, ed = make()
    run = fake_run(name=name, **params)
    monkeypatch.setattr(generate, "_run", run)
    assert ed.generate_dialog()
    spec = {"name": name, **params}
    made = datasets.generate_spec(spec, 2, 1)
    d = s.doc
    assert np.array_equal(d.inputs, made.inputs) and np.array_equal(d.targets, made.targets)
    assert np.array_equal(d.test_inputs, made.test_inputs)
    assert np.array_equal(d.test_targets, made.test_targets)
    assert d.classes == made.classes and d.generator == made.spec
    # and the spec the document keeps makes the same rows again, bit for bit
    again = datasets.generate_spec(d.generator, 2, 1)
    assert again.inputs.tobytes() == d.inputs.tobytes()
    assert s.undo_stack.count() == 1
    assert s.undo_stack.undoText() == f"Generate {datasets.GENERATORS[name].title}"


def test_one_undo_step_restores_everything(make):
    s, ed = make()
    before = state(s)
    assert ed.generate_set("circle", samples=50, seed=3)
    after = state(s)
    assert after != before and s.doc.n_test == 15 and s.doc.classes == ["inside", "outside"]
    assert ed.model.n_test == 15 and ed.model.rowCount() == 50
    s.undo_stack.undo()
    assert state(s) == before and ed.model.rowCount() == 4 and ed.model.n_test == 0
    s.undo_stack.redo()
    assert state(s) == after and ed.model.n_test == 15


def test_a_set_that_does_not_fit_gives_a_message_not_an_exception(make, warnings, qtbot):
    s, ed = make()  # 2-2-1
    before = state(s)
    assert not ed.generate_set("clusters")  # 3 classes: 3 outputs
    assert "3 outputs" in ed.last_error and "Change the network" in ed.last_error and warnings
    assert not ed.generate_set("sine")
    assert "1 input" in ed.last_error
    assert state(s) == before and s.undo_stack.count() == 0
    dlg = GenerateDialog(s.current_document(), None, "clusters")
    qtbot.addWidget(dlg)
    assert not dlg.ok_button.isEnabled()
    assert "Does not fit" in dlg.fit.text() and "Change the network" in dlg.message.text()
    assert dlg.adapt_check.isVisible() or not dlg.isVisible()
    dlg.adapt_check.setChecked(True)
    assert dlg.ok_button.isEnabled() and "changes the network" in dlg.message.text()


def test_changing_the_network_to_fit_keeps_what_it_can_and_trains(make, monkeypatch):
    s, ed = make()
    w_hidden = s.network.weights[0].copy()
    monkeypatch.setattr(generate, "_run", fake_run(name="clusters", adapt=True, samples=60))
    assert ed.generate_dialog()
    net = s.network
    assert net.sizes == [2, 2, 3] and np.array_equal(net.weights[0], w_hidden)
    assert s.doc.targets.shape == (42, 3) and s.doc.test_targets.shape == (18, 3)
    assert (s.doc.targets.sum(axis=1) == 1).all()  # one-hot
    assert s.doc.classes == ["cluster 1", "cluster 2", "cluster 3"]
    assert s.undo_stack.count() == 1
    t = Trainer(s.current_document())
    t.run(max_steps=5)
    assert t.step == 5 and np.isfinite(t.test_error())
    s.undo_stack.undo()
    assert s.network.sizes == [2, 2, 1] and s.doc.generator is None


def test_a_one_input_set_drops_the_features_it_cannot_compute(make):
    doc = load_preset("xor")
    spec = with_features(spec_from_document(doc), ["x1^2", "x1*x2", "sin(x2)"])
    doc, _ = build_document(spec, doc)
    s, ed = make(doc)
    plan = make_plan({"name": "sine"}, s.current_document(), adapt=True)
    assert plan.ok and plan.dropped_features == ["x1*x2", "sin(x2)"]
    new, notes = apply_plan(plan, s.current_document())
    assert new.network.features == ("x1^2",) and new.network.sizes[0] == 2
    assert any("x1*x2" in n for n in notes)


def test_a_tanh_output_gets_minus_one_targets(make):
    doc = load_preset("xor")
    spec = spec_from_document(doc)
    spec.layers[-1] = spec.layers[-1]._replace(activation="tanh")
    doc, _ = build_document(spec, doc)
    s, ed = make(doc)
    assert ed.generate_set("circle")
    assert sorted(set(s.doc.targets.ravel())) == [-1.0, 1.0]
    assert np.array_equal(s.doc.targets, datasets.generate_spec(s.doc.generator, 2, 1, -1.0).targets)


def test_a_softmax_output_cannot_take_a_one_output_set(make, qtbot):
    doc = load_preset("mazur")  # 2-2-2
    spec = spec_from_document(doc)
    spec.layers[-1] = spec.layers[-1]._replace(activation="softmax")
    spec.loss = "cross_entropy"
    doc.targets = np.array([[1.0, 0.0]])
    doc, _ = build_document(spec, doc)
    s, ed = make(doc)
    assert ed.generate_set("circle")  # two one-hot outputs for two classes
    assert s.doc.targets.shape[1] == 2
    plan = make_plan({"name": "sine"}, s.current_document(), adapt=True)
    assert not plan.ok and "softmax" in plan.problem and "Edit → Network" in plan.problem


def test_editing_by_hand_keeps_test_rows_and_classes_but_drops_the_generator(make):
    s, ed = make()
    assert ed.generate_set("moons", samples=20)
    test_in = s.doc.test_inputs.copy()
    ed.model.setData(ed.model.index(0, 0), "0.25")
    assert s.doc.inputs[0, 0] == 0.25 and s.doc.generator is None
    assert np.array_equal(s.doc.test_inputs, test_in) and s.doc.classes == ["upper moon", "lower moon"]
    assert "no longer generated" in s.undo_stack.undoText()
    assert "no longer come from" in ed.status.text()
    s.undo_stack.undo()
    assert s.doc.generator is not None and s.doc.generator["name"] == "moons"


def test_test_rows_are_marked_and_edited_as_test_rows(make):
    s, ed = make()
    assert ed.generate_set("circle", samples=10, test_fraction=0.2)
    m = ed.model
    from PySide6.QtCore import Qt

    assert m.n_train == 8 and m.n_test == 2
    assert m.headerData(8, Qt.Orientation.Vertical) == "test 1"
    assert "never trained on" in m.headerData(8, Qt.Orientation.Vertical, Qt.ItemDataRole.ToolTipRole)
    assert m.index(9, 0).data(Qt.ItemDataRole.BackgroundRole) is not None
    assert "test row" in ed.status.text()
    m.setData(m.index(9, 2), "0")
    assert s.doc.test_targets[1, 0] == 0.0 and s.doc.n_samples == 8
    assert ed.delete_rows([8]) and s.doc.n_test == 1 and s.doc.n_samples == 8
    assert "test row" in s.undo_stack.undoText()
    assert not ed.delete_rows(list(range(8)))  # the training rows keep one row at least


def test_the_editor_shows_the_raw_inputs_only(make):
    doc = load_preset("xor")
    doc, _ = build_document(with_features(spec_from_document(doc), ["x1^2", "x1*x2"]), doc)
    s, ed = make(doc)
    assert s.network.sizes[0] == 4 and ed.model.n_in == 2
    assert ed.model.names == ["x1", "x2", "target y"]  # not x1², x1·x2: they are computed
    ed.model.setData(ed.model.index(0, 0), "0.5")  # a hand edit applies raw rows
    assert s.doc.inputs.shape == (4, 2) and s.doc.inputs[0, 0] == 0.5
    assert ed.generate_set("circle", samples=20)
    assert s.doc.inputs.shape[1] == 2 and s.network.features == ("x1^2", "x1*x2")


def test_the_dialog_starts_on_the_documents_generator_or_a_set_that_fits(qtbot):
    doc = load_preset("xor")
    dlg = GenerateDialog(doc)
    qtbot.addWidget(dlg)
    assert dlg.current_name() == "and" and dlg.ok_button.isEnabled()  # the first that fits 2-…-1
    made = datasets.generate_spec({"name": "spiral", "seed": 4, "turns": 2.0}, 2, 1)
    doc.inputs, doc.targets, doc.generator = made.inputs, made.targets, made.spec
    dlg = GenerateDialog(doc)
    qtbot.addWidget(dlg)
    assert dlg.current_name() == "spiral" and dlg.spec() == made.spec
    spec = spec_from_document(load_preset("xor"))
    spec.layers[0] = spec.layers[0]._replace(size=1)  # a 1-input network: a regression set fits
    one, _ = build_document(spec)
    dlg = GenerateDialog(one)
    qtbot.addWidget(dlg)
    assert dlg.current_name() == "sine" and dlg.plan().fits
