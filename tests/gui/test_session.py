"""The session's training settings without a window: η, mode and batch size are undoable
edits that mark the document modified and emit settingsChanged; speed and stop threshold are
settings of the window (saved, not undone); a settings change is not a new document."""

from __future__ import annotations

import pytest

from bpviz.core.presets import load_preset
from bpviz.gui.session import Session


@pytest.fixture
def swap(qapp):
    s = Session(load_preset("swap"), "swap")  # online, 4 samples, η 0.5
    seen = []
    s.settingsChanged.connect(lambda: seen.append("settings"))
    s.documentChanged.connect(lambda: seen.append("document"))
    return s, seen


def test_learning_rate_is_an_undoable_edit(swap):
    s, seen = swap
    s.set_learning_rate(0.1)
    assert s.learning_rate == 0.1 and s.trace.learning_rate == 0.1  # the update phase uses it
    assert s.modified and s.undo_stack.count() == 1
    assert s.undo_stack.undoText() == "Set η to 0.1"
    assert seen == ["settings"]
    s.undo_stack.undo()
    assert s.learning_rate == 0.5 and s.trace.learning_rate == 0.5 and not s.modified
    s.undo_stack.redo()
    assert s.learning_rate == 0.1 and s.modified


def test_the_same_or_an_invalid_learning_rate_pushes_nothing(swap):
    s, seen = swap
    s.set_learning_rate(0.5)
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            s.set_learning_rate(bad)
    assert s.undo_stack.count() == 0 and not s.modified and seen == []


def test_mode_and_batch_size_are_undoable_edits(swap):
    s, seen = swap
    s.next()
    s.set_mode("minibatch", 2)
    assert (s.doc.mode, s.doc.batch_size) == ("minibatch", 2)
    assert len(s.trace.samples) == 2 and s.steps_per_epoch == 2 and s.phase_index == 0
    assert s.modified and seen == ["settings", "document"]  # views listing samples rebuild
    s.set_mode("minibatch", 3)
    assert s.undo_stack.count() == 2 and s.undo_stack.undoText() == "Set mode to minibatch (batch 3)"
    s.undo_stack.undo()
    assert s.doc.batch_size == 2
    s.undo_stack.undo()
    assert (s.doc.mode, s.doc.batch_size) == ("online", None) and s.steps_per_epoch == 4
    assert not s.modified
    with pytest.raises(ValueError, match="at most 4"):
        s.set_mode("minibatch", 5)
    with pytest.raises(ValueError, match="expected one of"):
        s.set_mode("stochastic")


def test_settings_changes_are_not_a_new_document(swap):
    s, _ = swap
    g = s.generation
    s.set_learning_rate(0.2)
    s.set_mode("batch")
    s.set_speed(None)
    s.set_stop_error(0.5)
    assert s.generation == g
    s.set_data(s.doc.inputs[:2], s.doc.targets[:2])
    assert s.generation == g + 1
    s.load(load_preset("xor"), "xor")
    assert s.generation == g + 2


def test_speed_and_threshold_are_settings_not_edits(swap):
    s, seen = swap
    s.set_speed(None)
    s.set_stop_error(None)
    s.set_speed(40)
    s.set_stop_error(0.02)
    assert (s.speed, s.stop_error) == (40.0, 0.02)
    assert s.undo_stack.count() == 0 and not s.modified
    assert seen == ["settings"] * 4
    with pytest.raises(ValueError):
        s.set_speed(0)
    with pytest.raises(ValueError):
        s.set_stop_error(-1)


def test_the_settings_a_run_gets(swap):
    s, _ = swap
    s.set_learning_rate(0.25)
    s.set_mode("minibatch", 2)
    s.set_speed(None)
    st = s.training_settings(max_steps=100)
    assert (st.learning_rate, st.mode, st.batch_size, st.speed, st.stop_error, st.max_steps) == (
        0.25,
        "minibatch",
        2,
        None,
        s.stop_error,
        100,
    )
