"""bpviz/cli/explain.py: the worked example from the core, to stdout or a file written
atomically; bad input is exit 2 before anything is written."""

from __future__ import annotations

from cli_test_helpers import assert_one_line_error, run_cli

from bpviz.core.iteration.phases import trace_step
from bpviz.core.presets import load_preset
from bpviz.core.teach.worked_example import explain


def test_explain_sample_counts_from_1(capsys):
    code, out, err = run_cli(capsys, "explain", "swap", "--sample", "2")
    assert code == 0, err
    assert "sample 2 of 4" in out
    assert "| 2 | $1$ | $0$ | $0$ | $1$ |" in out  # the second row: inputs (1, 0), targets (0, 1)


def test_explain_writes_what_the_core_writes(tmp_path, capsys):
    out = tmp_path / "mazur.html"
    code, stdout, err = run_cli(capsys, "explain", "mazur", "--format", "html", "-o", str(out))
    assert (code, stdout, err) == (0, "", "")
    doc = load_preset("mazur")
    assert out.read_text(encoding="utf-8") == explain(
        doc, trace_step(doc, [0]), "html", name="mazur", explicit=False
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["mazur.html"]  # no temporary file


def test_explain_to_a_missing_folder_is_bad_input(tmp_path, capsys):
    code, out, err = run_cli(capsys, "explain", "mazur", "-o", str(tmp_path / "no" / "x.md"))
    assert code == 2 and out == ""
    assert "does not exist" in assert_one_line_error(err)
    assert list(tmp_path.iterdir()) == []
