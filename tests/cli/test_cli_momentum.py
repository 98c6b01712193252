"""The command line with momentum: ``train`` uses the file's α (and saves the velocity it
ends with), ``trace`` and ``explain`` write the update with the velocity (from the file's
saved one), a bad α is one sentence naming the key."""

from __future__ import annotations

import numpy as np
from cli_test_helpers import assert_one_line_error, preset_obj, run_cli, strict_json, write

from bpviz.core.fileformat import load
from bpviz.core.presets import load_preset
from bpviz.core.training import Trainer


def mazur_with(tmp_path, alpha, **extra) -> str:
    obj = preset_obj("mazur")
    obj["momentum"] = alpha
    obj.update(extra)
    return write(tmp_path / "m.bpviz.json", obj)


def test_train_uses_the_files_momentum_and_saves_the_velocity(tmp_path, capsys):
    path = mazur_with(tmp_path, 0.9)
    out = tmp_path / "out.bpviz.json"
    code, text, err = run_cli(capsys, "train", path, "--steps", "50", "--json", "-o", str(out))
    assert code == 0, err
    obj = strict_json(text)
    doc = load(path)
    t = Trainer(doc)
    t.run(max_steps=50)
    assert obj["momentum"] == 0.9
    assert obj["weights"] == [w.tolist() for w in t.network.weights]
    assert obj["velocity"]["weights"] == [v.tolist() for v in t.velocity.weights]
    plain = Trainer(load_preset("mazur"))
    plain.run(max_steps=50)
    assert not np.allclose(plain.network.weights[1], t.network.weights[1])  # α counted
    saved = load(out)
    assert saved.momentum == 0.9
    assert all(np.array_equal(a, b) for a, b in zip(saved.velocity.weights, t.velocity.weights, strict=True))
    # training on from the saved file is training on from the run: the velocity came along
    t.run(max_steps=10)
    again = Trainer(saved)
    again.run(max_steps=10)
    assert all(np.array_equal(a, b) for a, b in zip(again.network.weights, t.network.weights, strict=True))
    # without momentum the JSON says nothing new
    code, text, err = run_cli(capsys, "train", "mazur", "--steps", "3", "--json")
    assert "momentum" not in strict_json(text) and "velocity" not in strict_json(text)


def test_trace_writes_the_velocity_and_starts_from_the_files(tmp_path, capsys):
    v = {"weights": [[[0.0, 0.0], [0.0, 0.0]], [[0.1, 0.0], [0.0, 0.0]]], "biases": [[0, 0], [0, 0]]}
    path = mazur_with(tmp_path, 0.9, session={"velocity": v})
    code, text, err = run_cli(capsys, "trace", path)
    assert code == 0, err
    assert "learning rate 0.5, momentum 0.9" in text
    assert "Update: gradient descent with momentum on every weight (α = 0.9)" in text
    # v_w5⁺ = α·v_w5 + ∂E/∂w5 = 0.9 × 0.1 + 0.082167041 = 0.172167041, then w5⁺ = 0.4 − 0.5 × it
    assert "v_w5⁺ = 0.9 × 0.1 + 0.082167041 = 0.172167041" in text
    assert "w5⁺ = 0.4 − 0.5 × 0.172167041 = 0.31391648" in text
    code, text, err = run_cli(capsys, "trace", path, "--json")
    obj = strict_json(text)
    assert obj["momentum"] == 0.9 and obj["velocity"]["weights"][1][0][0] == 0.1
    assert abs(obj["velocity_after"]["weights"][1][0][0] - 0.172167041) < 1e-9
    upd = obj["phases"][-1]
    assert any(e["quantity"] == "velocity" and e["symbol"] == "v_w5" for e in upd["values"])


def test_explain_writes_the_momentum_rule(tmp_path, capsys):
    path = mazur_with(tmp_path, 0.9)
    code, text, err = run_cli(capsys, "explain", path)
    assert code == 0, err
    assert "This network learns with momentum" in text
    code, text, err = run_cli(capsys, "explain", "mazur")
    assert "momentum" not in text


def test_bad_momentum_is_one_sentence_naming_the_key(tmp_path, capsys):
    cases = ((1, "less than 1"), (-0.5, "at least 0"), ("0.9", "expected a number"), (True, "got true"))
    for bad, words in cases:
        path = mazur_with(tmp_path, bad)
        code, text, err = run_cli(capsys, "train", path, "--steps", "1")
        assert code == 2 and text == ""
        line = assert_one_line_error(err)
        assert "momentum:" in line and words in line, line
    obj = preset_obj("mazur")
    obj["momentum"] = 0.5
    obj["session"] = {"velocity": {"weights": [[[0.0, 0.0]]]}}
    code, text, err = run_cli(capsys, "trace", write(tmp_path / "v.bpviz.json", obj))
    assert code == 2
    assert "session.velocity.weights: expected 2 entries" in assert_one_line_error(err)
