"""The network dialog's field rules without Qt (gui/dialogs/network_fields.py): what was typed
becomes a spec and the parse problems by field, in the order the dialog shows them."""

import pytest

from bpviz.core.build import spec_problems
from bpviz.gui.dialogs.network_fields import (
    FieldError,
    TypedFields,
    TypedLayer,
    field_order,
    field_text,
    read_real,
    read_spec,
    read_whole,
    summary,
)


def typed(**kw) -> TypedFields:
    f = dict(
        title="t",
        layers=[
            TypedLayer("i", "2", None, "", None),
            TypedLayer("h", "3", "sigmoid", "1.0", None),
            TypedLayer("o", "1", "sigmoid", "1.0", None),
        ],
        biases=True,
        train_biases=True,
        loss="half_sse",
        learning_rate="0.5",
        mode="online",
        batch_size=1,
        shuffle_seed="",
        init_scheme="uniform",
        init_scale="0.5",
        init_seed="0",
        n_samples=4,
    )
    f.update(kw)
    return TypedFields(**f)


def test_a_well_typed_dialog_reads_as_a_valid_spec():
    spec, bad = read_spec(typed())
    assert not bad and not spec_problems(spec)
    assert spec.sizes == [2, 3, 1] and spec.learning_rate == 0.5 and spec.batch_size is None
    assert summary(spec) == "2-3-1: 9 weights, 4 biases."


def test_each_field_that_does_not_parse_is_named_with_its_reason():
    layers = [
        TypedLayer("i", "two", None, "", None),
        TypedLayer("h", "3", "linear", "steep", None),
        TypedLayer("o", "1", "sigmoid", "x", None),
    ]  # a slope that does not count
    spec, bad = read_spec(
        typed(
            layers=layers,
            learning_rate="0,5",
            init_seed="-1",
            mode="minibatch",
            shuffle_seed="1.5",
            init_scale="?",
        )
    )
    assert set(bad) == {
        "layers[0].size",
        "layers[1].slope",
        "learning_rate",
        "init.seed",
        "shuffle_seed",
        "init.scale",
    }
    assert "decimal point" in bad["learning_rate"]
    assert bad["init.seed"] == '"-1" is not a whole number ≥ 0'
    assert spec.learning_rate is None and spec.layers[0].size is None
    # the dialog's message names the first field in the order it shows them
    first = sorted(bad, key=field_order)[0]
    assert first == "layers[0].size"
    assert field_text(first, "input") == "Input layer, size"
    assert sorted(["init.seed", "title", "learning_rate"], key=field_order) == [
        "title",
        "learning_rate",
        "init.seed",
    ]


def test_fields_that_do_not_count_are_not_read():
    spec, bad = read_spec(typed(shuffle_seed="oops", init_scheme="xavier", init_scale="oops"))
    assert not bad and spec.shuffle_seed is None


@pytest.mark.parametrize("text, value", [(" 0.5 ", 0.5), ("\u22122", -2.0), ("1e-3", 0.001)])
def test_read_real_is_the_one_rule(text, value):
    assert read_real(text) == value


@pytest.mark.parametrize(
    "text, words",
    [("", "enter a number"), ("nan", "finite"), ("1_0", "not a number"), ("1e999", "too large")],
)
def test_read_real_refuses_with_a_reason(text, words):
    with pytest.raises(FieldError, match=words):
        read_real(text)


def test_read_whole():
    assert read_whole("+007") == 7
    with pytest.raises(FieldError, match="too many digits"):
        read_whole("1" * 41)
