"""bpviz/cli/core_commands.py: presets, trace, train and gradcheck — their JSON keys and
numbers, samples counted from 1, divergence, non-finite values, and never Qt."""

from __future__ import annotations

import json
import math
import subprocess
import sys

import numpy as np
import pytest
from cli_test_helpers import (
    all_finite,
    assert_one_line_error,
    diverging_file,
    preset_obj,
    run_cli,
    run_subprocess,
    strict_json,
    write,
)

from bpviz.core.fileformat import load
from bpviz.core.presets import PRESETS, load_preset
from bpviz.core.training import Trainer


# ------------------------------------------------------------------------------ presets
def test_presets_lists_every_preset(capsys):
    code, out, err = run_cli(capsys, "presets")
    assert code == 0
    assert err == ""
    lines = out.strip("\n").splitlines()
    assert len(lines) == len(PRESETS) == 12
    assert [ln.split()[0] for ln in lines] == list(PRESETS)
    for name, line in zip(PRESETS, lines, strict=True):
        title = preset_obj(name)["title"]
        assert title
        assert line.split(None, 1)[1].strip() == title


# ------------------------------------------------------------------------------ trace
MAZUR_PHASES = [
    "input",
    "net:h",
    "out:h",
    "net:o",
    "out:o",
    "error",
    "grad_out:o",
    "delta:o",
    "grad:o",
    "grad_out:h",
    "delta:h",
    "grad:h",
    "update",
]
PHASE_KEYS = {"index", "name", "kind", "layer", "direction", "title", "formula", "neurons", "edges", "values"}


def test_trace_json_keys_and_mazur_numbers(capsys):
    code, out, err = run_cli(capsys, "trace", "mazur", "--json")
    assert code == 0, err
    tr = strict_json(out)
    assert set(tr) == {
        "samples",
        "error",
        "layers",
        "grad_weights",
        "weights_after",
        "grad_biases",
        "biases_after",
        "phases",
    }
    assert tr["samples"] == [1]  # sample numbers count from 1, as the window does
    assert tr["error"] == pytest.approx(0.298371109, abs=1e-9)

    layers = tr["layers"]
    assert [layer["name"] for layer in layers] == ["i", "h", "o"]
    assert set(layers[0]) == {"name", "out"}
    assert layers[0]["out"] == [[0.05, 0.1]]
    for layer in layers[1:]:
        assert set(layer) == {"name", "out", "net", "grad_out", "delta"}
        for key in ("out", "net", "grad_out", "delta"):
            assert np.shape(layer[key]) == (1, 2), key
    assert layers[1]["net"][0][0] == pytest.approx(0.3775, abs=1e-12)
    assert layers[2]["out"][0] == pytest.approx([0.75136507, 0.772928465], abs=1e-9)

    doc = load_preset("mazur")
    for key in ("grad_weights", "weights_after"):
        assert [np.shape(m) for m in tr[key]] == [w.shape for w in doc.network.weights], key
    assert tr["weights_after"][1][0][0] == pytest.approx(0.35891648, abs=1e-8)  # w5
    assert tr["weights_after"][0][0][0] == pytest.approx(0.149780716, abs=1e-9)  # w1
    # fixed biases: the true gradient, and unchanged values
    assert tr["biases_after"] == [[0.35, 0.35], [0.6, 0.6]]
    assert [len(g) for g in tr["grad_biases"]] == [2, 2]
    assert tr["grad_biases"][1][0] == pytest.approx(layers[2]["delta"][0][0], abs=1e-15)

    phases = tr["phases"]
    assert [ph["name"] for ph in phases] == MAZUR_PHASES
    for i, ph in enumerate(phases):
        assert set(ph) >= PHASE_KEYS, PHASE_KEYS - set(ph)
        assert ph["index"] == i
        assert ph["direction"] in ("forward", "backward", None)
        assert isinstance(ph["title"], str) and "\n" not in ph["title"]


def test_trace_json_without_biases_and_with_sample(capsys):
    # swap's rows: (1, 1), (1, 0), (0, 1), (0, 0); --sample 2 is the second, the seed's step
    code, out, err = run_cli(capsys, "trace", "swap", "--sample", "2", "--json")
    assert code == 0, err
    tr = strict_json(out)
    assert tr["samples"] == [2]
    assert tr["grad_biases"] is None and tr["biases_after"] is None
    assert tr["layers"][0]["out"] == [[1.0, 0.0]]
    assert len(tr["phases"]) == 5 * 3 + 3


@pytest.mark.parametrize("k, row", [(1, [1.0, 1.0]), (2, [1.0, 0.0]), (4, [0.0, 0.0])])
def test_sample_counts_from_1(capsys, k, row):
    code, out, err = run_cli(capsys, "trace", "swap", "--sample", str(k), "--json")
    assert code == 0, err
    tr = strict_json(out)
    assert tr["samples"] == [k]
    assert tr["layers"][0]["out"] == [row]
    # positions inside JSON arrays stay 0-based
    assert [ph["index"] for ph in tr["phases"]] == list(range(len(tr["phases"])))
    assert tr["phases"][0]["neurons"][0] == [0, 0]


def test_trace_batch_uses_every_sample(capsys):
    code, out, err = run_cli(capsys, "trace", "xor", "--json")
    assert code == 0, err
    tr = strict_json(out)
    assert tr["samples"] == [1, 2, 3, 4]
    for layer in tr["layers"]:
        assert len(layer["out"]) == 4


def test_trace_text_lists_every_phase(capsys):
    code, out, err = run_cli(capsys, "trace", "mazur")
    assert code == 0, err
    for name in MAZUR_PHASES:
        assert name in out


def test_trace_text_counts_from_1(capsys):
    code, out, err = run_cli(capsys, "trace", "mazur")
    assert code == 0, err
    blocks = [ln for ln in out.splitlines() if ln.startswith("[")]
    assert [ln.split("]")[0] + "]" for ln in blocks] == [f"[{i:2d}]" for i in range(1, 14)]
    assert blocks[0].startswith("[ 1] input") and blocks[-1].startswith("[13] update")
    assert "[ 0]" not in out and "0-based" not in out
    assert "sample 1 of 1" in out.splitlines()[0]
    code, out, err = run_cli(capsys, "trace", "swap", "--sample", "2")
    assert code == 0, err
    assert "sample 2 of 4" in out.splitlines()[0]
    assert "a1 = 1, a2 = 0" in out  # the second row's inputs
    code, out, err = run_cli(capsys, "trace", "xor")
    assert "samples 1 to 4 of 4" in out.splitlines()[0]


# ------------------------------------------------------------------------------ train
TRAIN_KEYS = {
    "steps",
    "error_history",
    "final_error",
    "weights",
    "biases",
    "diverged_at",
    "accuracy",
    "test_accuracy",
    "final_test_error",
    "test_error_history",
}


def test_train_json_keys_and_values(capsys):
    code, out, err = run_cli(capsys, "train", "mazur", "--steps", "3", "--json")
    assert code == 0, err
    res = strict_json(out)
    assert set(res) == TRAIN_KEYS
    assert res["steps"] == 3
    assert res["diverged_at"] is None
    assert len(res["error_history"]) == 3
    assert res["error_history"][0] == pytest.approx(0.298371109, abs=1e-9)
    assert res["error_history"][1] == pytest.approx(0.29102777, abs=1e-8)
    assert res["biases"] == [[0.35, 0.35], [0.6, 0.6]]  # train_biases: false

    t = Trainer(load_preset("mazur"))
    t.run(max_steps=3)
    assert res["error_history"] == t.error_history.tolist()
    assert res["weights"] == [w.tolist() for w in t.network.weights]
    assert res["final_error"] == pytest.approx(t.data_error(), rel=0, abs=0)
    assert res["final_error"] < res["error_history"][-1]


def test_train_zero_steps(capsys):
    code, out, err = run_cli(capsys, "train", "xor", "--steps", "0", "--json")
    assert code == 0, err
    res = strict_json(out)
    assert res["steps"] == 0 and res["error_history"] == [] and res["diverged_at"] is None
    assert res["weights"] == preset_obj("xor")["weights"]
    assert res["biases"] == preset_obj("xor")["biases"]


def test_train_text_mode(capsys):
    code, out, err = run_cli(capsys, "train", "mazur", "--steps", "5")
    assert code == 0, err
    assert out.strip()
    assert "Traceback" not in err


def test_train_writes_a_file_that_loads(tmp_path, capsys):
    out_path = tmp_path / "trained.bpviz.json"
    code, out, err = run_cli(capsys, "train", "mazur", "--steps", "10", "-o", str(out_path), "--json")
    assert code == 0, err
    res = strict_json(out)
    doc = load(out_path)
    assert [w.tolist() for w in doc.network.weights] == res["weights"]
    assert [b.tolist() for b in doc.network.biases] == res["biases"]
    assert res["weights"] != preset_obj("mazur")["weights"]
    src = load_preset("mazur")
    assert doc.title == src.title
    assert doc.learning_rate == src.learning_rate
    assert doc.network.labels == src.network.labels
    assert doc.inputs.tolist() == src.inputs.tolist()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["trained.bpviz.json"]


def test_divergence_is_exit_3_with_json_and_a_message(tmp_path, capsys):
    path = diverging_file(tmp_path)
    out_path = tmp_path / "after.bpviz.json"
    code, out, err = run_cli(capsys, "train", path, "--steps", "1000", "--json", "-o", str(out_path))
    assert code == 3, err
    res = strict_json(out)
    assert set(res) == TRAIN_KEYS
    d = res["diverged_at"]
    assert isinstance(d, int) and not isinstance(d, bool)
    assert 1 <= d <= 1000
    assert res["steps"] == d - 1
    assert len(res["error_history"]) == d - 1
    assert all(math.isfinite(e) for e in res["error_history"])
    assert all_finite(res["weights"])
    assert res["final_error"] is None or math.isfinite(res["final_error"])
    line = assert_one_line_error(err)
    assert "diverg" in line.lower()
    # the weights are the last finite ones: replaying d − 1 steps gives them exactly
    t = Trainer(load(path))
    t.run(max_steps=d - 1)
    assert t.diverged_at is None
    assert res["weights"] == [w.tolist() for w in t.network.weights]
    assert [w.tolist() for w in load(out_path).network.weights] == res["weights"]


# ------------------------------------------------------------------------------ gradcheck
def test_gradcheck_json(capsys):
    code, out, err = run_cli(capsys, "gradcheck", "mazur", "--json")
    assert code == 0, err
    res = strict_json(out)
    assert set(res) == {"weights", "biases", "max_abs_diff"}
    assert len(res["weights"]) == 8 and len(res["biases"]) == 4
    assert set(res["weights"][0]) == {"layer", "row", "col", "analytic", "numeric"}
    assert res["max_abs_diff"] < 1e-8
    code, out, err = run_cli(capsys, "gradcheck", "swap", "--json", "--method", "forward")
    assert code == 0, err
    assert strict_json(out)["biases"] == []


def test_gradcheck_sample_counts_from_1(capsys):
    from bpviz.core.gradcheck import gradcheck

    doc = load_preset("swap")
    for k in (1, 4):
        code, out, err = run_cli(capsys, "gradcheck", "swap", "--sample", str(k), "--json")
        assert code == 0, err
        res = strict_json(out)
        want = gradcheck(doc.network, doc.inputs[[k - 1]], doc.targets[[k - 1]], "central", 1e-6).to_json()
        assert [e["analytic"] for e in res["weights"]] == [e["analytic"] for e in want["weights"]]
        # gradcheck's layer / row / col are positions in arrays: 0-based
        assert (
            res["weights"][0]["layer"] == 0
            and res["weights"][0]["row"] == 0
            and res["weights"][0]["col"] == 0
        )


# ------------------------------------------------------------------------------ non-finite values
def test_trace_json_with_an_overflowing_update_has_no_traceback(tmp_path):
    """Finite forward pass and gradients, but w − η·g overflows: never a traceback."""
    obj = preset_obj("linear")
    obj["learning_rate"] = 1e308
    path = write(tmp_path / "huge-lr.bpviz.json", obj)
    r = run_subprocess("trace", path, "--json", cwd=tmp_path)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode in (0, 2, 3)
    if r.returncode == 0:
        strict_json(r.stdout)
    else:
        assert_one_line_error(r.stderr)


def test_gradcheck_json_with_an_overflowing_forward_pass_has_no_traceback(tmp_path):
    obj = preset_obj("linear")
    obj["weights"] = [[[1e200]], [[1e200], [1.0]]]
    path = write(tmp_path / "huge-w.bpviz.json", obj)
    r = run_subprocess("gradcheck", path, "--json", cwd=tmp_path)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode in (0, 2, 3)
    if r.returncode == 0:
        strict_json(r.stdout)
    else:
        assert_one_line_error(r.stderr)


def test_train_output_of_a_file_with_a_lone_surrogate_has_no_traceback(tmp_path):
    """ "\\ud800" is valid JSON text; the file loads, so -o must not crash on it."""
    obj = preset_obj("mazur")
    obj["title"] = "a\ud800b"
    src = tmp_path / "odd.bpviz.json"
    src.write_text(json.dumps(obj), encoding="utf-8")  # ASCII, the surrogate escaped
    r = run_subprocess("train", str(src), "--steps", "2", "-o", str(tmp_path / "out.json"), cwd=tmp_path)
    assert "Traceback" not in r.stderr, r.stderr
    assert r.returncode in (0, 2)
    if r.returncode == 2:
        assert_one_line_error(r.stderr)
    else:
        load(tmp_path / "out.json")


# ------------------------------------------------------------------------------ no Qt
@pytest.mark.parametrize(
    "argv",
    [
        ["trace", "mazur", "--json"],
        ["train", "xor", "--steps", "20", "--json"],
        ["gradcheck", "swap"],
        ["presets"],
    ],
)
def test_core_subcommands_never_import_qt(argv, tmp_path):
    code = (
        "import sys\n"
        "from bpviz.cli import main\n"
        f"rc = main({argv!r})\n"
        "assert rc == 0, rc\n"
        "qt = [m for m in sys.modules if m.startswith(('PySide6', 'pyqtgraph'))]\n"
        "assert not qt, qt\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert r.returncode == 0, r.stderr


def test_qt_check_itself_can_fail(tmp_path):
    """The check above would notice an import of Qt (PySide6 is installed here)."""
    pytest.importorskip("PySide6")
    code = (
        "import sys\nimport PySide6.QtCore\n"
        "assert not any(m.startswith(('PySide6', 'pyqtgraph')) for m in sys.modules)\n"
    )
    r = subprocess.run(
        [sys.executable, "-c", code],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=300,
        cwd=tmp_path,
    )
    assert r.returncode != 0
