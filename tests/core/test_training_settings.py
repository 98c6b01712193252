"""One rule for the training settings: which η, mode and batch size are valid, read from
typed text with core.numbers' rule, and the frozen settings object the engine receives."""

from __future__ import annotations

import dataclasses

import pytest

from bpviz.core.presets import load_preset
from bpviz.core.training_settings import (
    TrainingSettings,
    check_learning_rate,
    check_mode,
    check_speed,
    check_stop_error,
    read_learning_rate,
)


@pytest.mark.parametrize("text, value", [("0.5", 0.5), (" 2 ", 2.0), ("1e-3", 0.001)])
def test_a_learning_rate_as_typed(text, value):
    assert read_learning_rate(text) == value


@pytest.mark.parametrize(
    "text, reason",
    [
        ("0", "greater than 0"),
        ("−0.5", "greater than 0"),
        ("-1", "greater than 0"),
        ("abc", "not a number"),
        ("", "empty"),
        ("nan", "NaN"),
        ("inf", "infinity"),
        ("1e999", "too large"),
        ("0,5", "use a decimal point"),
    ],
)
def test_a_learning_rate_that_is_refused_says_why(text, reason):
    with pytest.raises(ValueError, match=reason):
        read_learning_rate(text)


def test_a_decimal_comma_where_it_is_allowed():
    assert read_learning_rate("0,25", decimal_comma=True) == 0.25


@pytest.mark.parametrize("value", [0, -0.1, float("nan"), float("inf"), None, "x"])
def test_check_learning_rate_refuses(value):
    with pytest.raises(ValueError):
        check_learning_rate(value)


def test_modes_and_batch_sizes():
    assert check_mode("online", 3, 4) == ("online", None)  # only minibatch keeps a size
    assert check_mode("batch", None, 4) == ("batch", None)
    assert check_mode("minibatch", 2, 4) == ("minibatch", 2)
    assert check_mode("minibatch", 4.0, 4) == ("minibatch", 4)
    for mode, bs, reason in [
        ("stochastic", None, "expected one of"),
        ("minibatch", None, "needs a batch size"),
        ("minibatch", 0, "positive whole number"),
        ("minibatch", 2.5, "positive whole number"),
        ("minibatch", True, "positive whole number"),
        ("minibatch", 5, "at most 4"),
    ]:
        with pytest.raises(ValueError, match=reason):
            check_mode(mode, bs, 4)


def test_speed_and_threshold_are_positive_or_none():
    assert check_speed(None) is None and check_speed(20) == 20.0
    assert check_stop_error(None) is None and check_stop_error(0.01) == 0.01
    for bad in (0, -1, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            check_speed(bad)
        with pytest.raises(ValueError):
            check_stop_error(bad)


def test_the_settings_object_is_frozen_and_checked():
    doc = load_preset("xor")
    st = TrainingSettings.of(doc, speed=10, stop_error=0.01)
    assert (st.learning_rate, st.mode, st.speed, st.stop_error) == (doc.learning_rate, "batch", 10.0, 0.01)
    assert st.schedule == ("batch", doc.batch_size, doc.shuffle_seed)
    with pytest.raises(dataclasses.FrozenInstanceError):
        st.learning_rate = 1.0
    assert dataclasses.replace(st, learning_rate=2).learning_rate == 2.0
    for change in (
        {"learning_rate": 0},
        {"mode": "sgd"},
        {"mode": "minibatch"},
        {"speed": 0},
        {"stop_error": -1},
        {"max_steps": -1},
    ):
        with pytest.raises(ValueError):
            dataclasses.replace(st, **change)
    with pytest.raises(TypeError):
        dataclasses.replace(st, rate=10)  # an unknown name is an error, not a silent key
