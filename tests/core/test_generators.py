"""Generated lecture data sets (bpviz/core/datasets.py, generate_spec): deterministic from the
seed, a seeded test split, the shapes of the sets, targets for one or several outputs, the
parameters a dialog offers, refusals naming the parameter."""

from __future__ import annotations

import math

import numpy as np
import pytest

from bpviz.core.datasets import (
    GENERATORS,
    POLYNOMIALS,
    DataError,
    GeneratorError,
    fit_problem,
    generate,
    generate_spec,
    normalise_spec,
    test_count,
)

NEW = ("xor-quadrants", "circle", "spiral", "clusters", "moons", "sine", "polynomial")


def rows(g) -> list[np.ndarray]:
    return [g.inputs, g.targets, g.test_inputs, g.test_targets]


@pytest.mark.parametrize("name", list(GENERATORS))
def test_the_same_spec_makes_the_same_rows_bit_for_bit(name):
    a = generate_spec({"name": name})
    b = generate_spec(dict(a.spec))  # the stored (normalised) spec, as a file holds it
    for x, y in zip(rows(a), rows(b), strict=True):
        assert x.dtype == np.float64 and x.tobytes() == y.tobytes()
    assert a.classes == b.classes and a.spec == b.spec and a.description == b.description


@pytest.mark.parametrize("name", NEW)
def test_another_seed_makes_other_points(name):
    a = generate_spec({"name": name, "seed": 0})
    b = generate_spec({"name": name, "seed": 1})
    assert not np.array_equal(a.inputs, b.inputs)


@pytest.mark.parametrize("name", NEW)
def test_the_spec_is_filled_in_in_order(name):
    g = GENERATORS[name]
    spec = generate_spec({"name": name}).spec
    assert list(spec) == ["name", "samples", "noise", "seed", "test_fraction", *g.param_names[4:]]
    assert spec == g.defaults()
    assert spec["test_fraction"] == 0.3


@pytest.mark.parametrize("name", ["and", "or", "xor", "swap", "two-class"])
def test_the_old_sets_hold_no_test_rows_by_default(name):
    made = generate_spec({"name": name})
    assert made.test_inputs.shape == (0, 2) and made.spec["test_fraction"] == 0.0
    X, T, desc = generate(name)
    assert np.array_equal(X, made.inputs) and np.array_equal(T, made.targets) and desc == made.description


@pytest.mark.parametrize("name", NEW)
def test_the_test_rows_are_a_seeded_subset_of_the_same_points(name):
    whole = generate_spec({"name": name, "test_fraction": 0.0})
    split = generate_spec({"name": name, "test_fraction": 0.3})
    n = whole.spec["samples"]
    assert len(split.test_inputs) == test_count(n, 0.3) == round(0.3 * n)
    assert len(split.inputs) + len(split.test_inputs) == n
    # the points do not depend on the fraction: train and test rows are the whole set's rows,
    # each part in the whole set's order
    pos = {tuple(r): i for i, r in enumerate(np.hstack([whole.inputs, whole.targets]).tolist())}
    train = [pos[tuple(r)] for r in np.hstack([split.inputs, split.targets]).tolist()]
    test = [pos[tuple(r)] for r in np.hstack([split.test_inputs, split.test_targets]).tolist()]
    assert train == sorted(train) and test == sorted(test)
    assert sorted(train + test) == list(range(n))
    # another seed: another subset
    other = generate_spec({"name": name, "seed": 5})
    assert not np.array_equal(other.test_inputs, split.test_inputs)


def test_test_count_leaves_a_row_to_train_on():
    assert test_count(10, 0.3) == 3 and test_count(10, 0.25) == 3 and test_count(10, 0.0) == 0
    assert test_count(2, 0.9) == 1 and test_count(4, 0.99) == 3 and test_count(3, 0.1) == 0
    made = generate_spec({"name": "circle", "samples": 2, "test_fraction": 0.9})
    assert len(made.inputs) == 1 and len(made.test_inputs) == 1
    assert "1 row to train, 1 to test" in made.description


def test_circle_is_a_disc_inside_a_ring():
    g = generate_spec({"name": "circle", "noise": 0.0, "samples": 400, "test_fraction": 0.0})
    r = np.hypot(g.inputs[:, 0], g.inputs[:, 1])
    inside = g.targets[:, 0] == 0.0
    assert g.classes == ["inside", "outside"] and inside.sum() == 200
    assert r[inside].max() <= 0.5 + 1e-4 and r[~inside].min() >= 0.7 - 1e-4 and r.max() <= 1 + 1e-4
    assert g.targets[:4, 0].tolist() == [0.0, 1.0, 0.0, 1.0]  # the classes alternate


def test_xor_quadrants_class_by_the_sign_of_the_product():
    g = generate_spec({"name": "xor-quadrants", "noise": 0.0, "test_fraction": 0.0})
    x = g.inputs
    assert np.abs(x).min() >= 0.05 and np.abs(x).max() <= 1.0
    assert np.array_equal(g.targets[:, 0], (x[:, 0] * x[:, 1] < 0).astype(float))
    assert g.classes == ["same sign", "opposite signs"]


def test_spiral_arms_wind_out_to_radius_one():
    g = generate_spec({"name": "spiral", "noise": 0.0, "classes": 3, "test_fraction": 0.0})
    assert g.targets.shape == (300, 3) and g.classes == ["spiral 1", "spiral 2", "spiral 3"]
    assert (g.targets.sum(axis=0) == 100).all()
    r = np.hypot(g.inputs[:, 0], g.inputs[:, 1])
    assert r.min() >= 0.05 - 1e-4 and r.max() <= 1 + 1e-4
    # along an arm the angle grows with the radius: θ = 2π(c/k + turns·t), r = 0.05 + 0.95t
    arm = g.inputs[g.targets[:, 0] == 1]
    t = (np.hypot(arm[:, 0], arm[:, 1]) - 0.05) / 0.95
    theta = 2 * math.pi * 1.0 * t
    assert np.allclose(
        arm, np.stack([(0.05 + 0.95 * t) * np.cos(theta), (0.05 + 0.95 * t) * np.sin(theta)], 1), atol=3e-4
    )


def test_clusters_lie_around_their_centres():
    g = generate_spec({"name": "clusters", "clusters": 4, "noise": 0.05, "test_fraction": 0.0})
    assert g.targets.shape == (150, 4) and g.classes == [f"cluster {i}" for i in range(1, 5)]
    first = g.inputs[g.targets[:, 0] == 1]
    assert np.allclose(first.mean(axis=0), [0.0, 0.6], atol=0.03)  # the first at the top
    second = g.inputs[g.targets[:, 1] == 1]
    assert np.allclose(second.mean(axis=0), [-0.6, 0.0], atol=0.03)  # then counter-clockwise


def test_moons_fill_their_box():
    g = generate_spec({"name": "moons", "noise": 0.0, "test_fraction": 0.0})
    x = g.inputs
    assert x[:, 0].min() >= -1 - 1e-4 and x[:, 0].max() <= 1 + 1e-4
    assert x[:, 1].min() >= -0.5 - 1e-4 and x[:, 1].max() <= 0.5 + 1e-4
    upper = g.targets[:, 0] == 0
    assert x[upper, 1].mean() > x[~upper, 1].mean() and g.classes == ["upper moon", "lower moon"]


def test_sine_and_polynomial_targets_without_noise():
    s = generate_spec({"name": "sine", "noise": 0.0, "test_fraction": 0.0})
    assert s.classes is None and s.inputs.shape == (50, 1)
    assert np.abs(s.inputs).max() <= math.pi
    assert np.allclose(s.targets[:, 0], np.sin(s.inputs[:, 0]), atol=5e-5)
    for d, coef in POLYNOMIALS.items():
        p = generate_spec({"name": "polynomial", "degree": d, "noise": 0.0, "test_fraction": 0.0})
        x = p.inputs[:, 0]
        assert np.allclose(p.targets[:, 0], np.cos(d * np.arccos(x)), atol=5e-5)  # Chebyshev T_d
        assert np.allclose(p.targets[:, 0], sum(c * x**i for i, c in enumerate(coef)), atol=5e-5)


def test_one_output_or_one_hot_and_the_low_target():
    one = generate_spec({"name": "moons"}, 2, 1)
    two = generate_spec({"name": "moons"}, 2, 2)
    tanh = generate_spec({"name": "moons"}, 2, 1, low=-1.0)
    assert one.targets.shape == (140, 1) and set(one.targets.ravel()) == {0.0, 1.0}
    assert np.array_equal(two.targets[:, 1], one.targets[:, 0]) and (two.targets.sum(axis=1) == 1).all()
    assert np.array_equal(tanh.targets, 2 * one.targets - 1)
    assert np.array_equal(one.inputs, two.inputs) and np.array_equal(one.inputs, tanh.inputs)
    with pytest.raises(GeneratorError, match="low target"):
        generate_spec({"name": "moons"}, low=1.0)


@pytest.mark.parametrize(
    "spec, n_in, n_out, words",
    [
        ({"name": "circle"}, 2, 3, "Circle (2-D) needs a network with 2 inputs and 1 or 2 outputs"),
        ({"name": "circle"}, 1, 1, "this network has 1 input and 1 output"),
        ({"name": "clusters"}, 2, 2, "with 3 classes needs a network with 2 inputs and 3 outputs"),
        ({"name": "sine"}, 1, 2, "2 outputs"),
        ({"name": "spiral", "classes": 4}, 2, 1, "4 outputs"),
    ],
)
def test_a_set_that_does_not_fit_the_network_is_refused(spec, n_in, n_out, words):
    with pytest.raises(GeneratorError) as e:
        generate_spec(spec, n_in, n_out)
    assert words in str(e.value) and e.value.param is None
    assert fit_problem(normalise_spec(spec), n_in, n_out) == str(e.value)


@pytest.mark.parametrize(
    "spec, param, words",
    [
        ({"name": "circle", "samples": 1}, "samples", "whole number from 2 to 100,000, got 1"),
        ({"name": "circle", "samples": 100_001}, "samples", "from 2 to 100,000"),
        ({"name": "circle", "samples": 20.0}, "samples", "whole number"),
        ({"name": "circle", "samples": True}, "samples", "got true"),
        ({"name": "circle", "noise": -0.1}, "noise", "from 0 to 10"),
        ({"name": "circle", "noise": math.nan}, "noise", "number"),
        ({"name": "circle", "noise": "0.1"}, "noise", 'got "0.1"'),
        ({"name": "circle", "seed": -1}, "seed", "the seed"),
        ({"name": "circle", "test_fraction": 1.0}, "test_fraction", "below 1"),
        ({"name": "spiral", "classes": 1}, "classes", "from 2 to 10"),
        ({"name": "spiral", "turns": 5}, "turns", "from 0.25 to 3"),
        ({"name": "clusters", "clusters": 11}, "clusters", "from 2 to 10"),
        ({"name": "polynomial", "degree": 6}, "degree", "from 1 to 5"),
        ({"name": "circle", "degree": 3}, "degree", "unknown parameter of circle"),
        ({"name": "xor", "samples": 8}, "samples", "fixed at 4"),
        ({"name": "xor", "noise": 0.1}, "noise", "fixed at 0"),
        ({"name": "nand"}, "name", "unknown generator"),
        ({"samples": 4}, "name", "missing"),
        ({"name": 3}, "name", "unknown generator 3"),
    ],
)
def test_bad_parameters_are_refused_naming_the_parameter(spec, param, words):
    with pytest.raises(GeneratorError) as e:
        generate_spec(spec)
    assert e.value.param == param and words in str(e.value)
    assert isinstance(e.value, DataError)


def test_a_spec_that_is_not_an_object_is_refused():
    with pytest.raises(GeneratorError) as e:
        normalise_spec(["circle"])
    assert e.value.param is None and "expected an object" in str(e.value)


def test_generators_carry_what_a_dialog_needs():
    for name, g in GENERATORS.items():
        assert g.kind in ("table", "classification", "regression"), name
        assert g.param_names[:4] == ("samples", "noise", "seed", "test_fraction"), name
        for p in g.params:
            assert p.low <= p.default <= p.high and p.label, (name, p)
        made = generate_spec({"name": name})
        assert made.inputs.shape[1] == g.n_in and made.targets.shape[1] == g.default_outputs()
        assert g.fits(g.n_in, g.n_out)
        assert (made.classes is not None) == g.classification
    assert GENERATORS["circle"].outputs() == (1, 2) and GENERATORS["clusters"].outputs() == (3,)
    assert GENERATORS["clusters"].outputs({"clusters": 5}) == (5,)
    assert GENERATORS["sine"].outputs() == (1,) and GENERATORS["sine"].regression
    assert GENERATORS["xor"].param("samples").fixed and not GENERATORS["circle"].param("samples").fixed
    assert GENERATORS["circle"].param("test_fraction").open_high


def test_generate_keeps_its_old_calls_and_takes_the_new_sets():
    X, T, desc = generate("circle", 2, 1, samples=20, seed=3)
    made = generate_spec({"name": "circle", "samples": 20, "seed": 3}, 2, 1)
    assert np.array_equal(X, made.inputs) and np.array_equal(T, made.targets) and desc == made.description
    with pytest.raises(TypeError):
        generate("circle", n=5)
    with pytest.raises(DataError, match="3 inputs"):
        generate("circle", n_in=3, n_out=1)
