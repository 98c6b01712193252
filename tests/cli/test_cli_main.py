"""bpviz/cli/__init__.py: dispatch and exit statuses — bad input is exit 2 with one line and
no traceback (in this process and a real one), divergence is 3, help says what bpviz [NET]
does and lists every command; ``python -m bpviz`` and the ``bpviz`` script run ``main``."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from cli_test_helpers import (
    assert_one_line_error,
    diverging_file,
    preset_obj,
    run_cli,
    run_subprocess,
    strict_json,
    write,
)

from bpviz.cli import COMMANDS, main
from bpviz.cli.args import SUBCOMMANDS
from bpviz.core.presets import PRESETS


# ------------------------------------------------------------------------------ bad input
@pytest.fixture
def malformed(tmp_path):
    obj = preset_obj("mazur")
    obj["layers"][2]["size"] = "3"
    return write(tmp_path / "malformed.bpviz.json", obj)


BAD = {
    "missing-file": lambda tmp: ["trace", str(tmp / "missing.bpviz.json"), "--json"],
    "unknown-preset": lambda tmp: ["train", "no-such-preset", "--steps", "3"],
    "sample-out-of-range": lambda tmp: ["trace", "mazur", "--sample", "5"],
    "sample-negative": lambda tmp: ["trace", "swap", "--sample", "-1"],
    "sample-zero": lambda tmp: ["trace", "swap", "--sample", "0"],
    "sample-past-the-last": lambda tmp: ["trace", "swap", "--sample", "5"],
    "gradcheck-sample-zero": lambda tmp: ["gradcheck", "swap", "--sample", "0"],
    "explain-sample-zero": lambda tmp: ["explain", "swap", "--sample", "0"],
    "gradcheck-eps-zero": lambda tmp: ["gradcheck", "mazur", "--eps", "0"],
    "gradcheck-eps-negative": lambda tmp: ["gradcheck", "mazur", "--eps", "-1"],
    "gradcheck-eps-nan": lambda tmp: ["gradcheck", "mazur", "--eps", "nan"],
    "gradcheck-unknown-method": lambda tmp: ["gradcheck", "mazur", "--method", "sideways"],
    "train-negative-steps": lambda tmp: ["train", "mazur", "--steps", "-1"],
    "train-steps-not-a-number": lambda tmp: ["train", "mazur", "--steps", "many"],
    "train-missing-steps": lambda tmp: ["train", "mazur"],
    "trace-missing-net": lambda tmp: ["trace"],
    "unknown-flag": lambda tmp: ["trace", "mazur", "--bogus"],
    "unknown-flag-train": lambda tmp: ["train", "mazur", "--steps", "3", "--frobnicate"],
    "output-folder-missing": lambda tmp: ["train", "mazur", "--steps", "3", "-o", "/nonexistent/dir/x.json"],
    "output-is-a-folder": lambda tmp: ["train", "mazur", "--steps", "3", "-o", str(tmp)],
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_is_exit_2_with_one_line(case, tmp_path, capsys):
    argv = BAD[case](tmp_path)
    code, out, err = run_cli(capsys, *argv)
    assert code == 2, (code, out, err)
    assert out == ""
    line = assert_one_line_error(err)
    if case == "missing-file":
        assert "missing.bpviz.json" in line
    if case == "unknown-preset":
        assert "no-such-preset" in line
    if case == "output-folder-missing":
        assert "/nonexistent/dir/x.json" in line
    if case in ("sample-zero", "gradcheck-sample-zero", "explain-sample-zero"):
        assert line == "--sample 0: samples are numbered 1 to 4"
    if case == "sample-past-the-last":
        assert line == "--sample 5: samples are numbered 1 to 4"


def test_malformed_file_names_the_file_and_the_json_path(malformed, capsys):
    for argv in (
        ["trace", malformed],
        ["train", malformed, "--steps", "2", "--json"],
        ["gradcheck", malformed],
    ):
        code, out, err = run_cli(capsys, *argv)
        assert code == 2
        assert out == ""
        line = assert_one_line_error(err)
        assert malformed in line
        assert "layers[2].size" in line


def test_output_in_a_missing_folder_writes_nothing(tmp_path, capsys):
    out_path = tmp_path / "nope" / "x.bpviz.json"
    code, _, err = run_cli(capsys, "train", "mazur", "--steps", "3", "-o", str(out_path))
    assert code == 2
    assert_one_line_error(err)
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["trace", "{malformed}", "--json"],
        ["train", "mazur", "--steps", "3", "--bogus"],
        ["gradcheck", "mazur", "--eps", "-1"],
        ["train", "mazur", "--steps", "3", "-o", "/nonexistent/dir/x.json"],
        ["trace", "{missing}"],
    ],
    ids=["malformed", "unknown-flag", "eps-negative", "output-folder-missing", "missing-file"],
)
def test_bad_input_in_a_real_process_has_no_traceback(argv, malformed, tmp_path):
    missing = str(tmp_path / "missing.bpviz.json")
    argv = [a.format(malformed=malformed, missing=missing) for a in argv]
    r = run_subprocess(*argv, cwd=tmp_path)
    assert r.returncode == 2, (r.returncode, r.stderr)
    assert r.stdout == ""
    line = assert_one_line_error(r.stderr)
    if argv[1] == malformed:
        assert malformed in line and "layers[2].size" in line


def test_help_says_once_that_counting_starts_at_1(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "Everything you type or read counts from 1" in out


def test_divergence_in_a_real_process(tmp_path):
    r = run_subprocess("train", diverging_file(tmp_path), "--steps", "50", "--json", cwd=tmp_path)
    assert r.returncode == 3
    assert "Traceback" not in r.stderr
    assert isinstance(strict_json(r.stdout)["diverged_at"], int)


# ------------------------------------------------------------------------------ help
def help_text(capsys, *argv) -> str:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    return capsys.readouterr().out


def test_every_command_is_dispatched():
    assert tuple(COMMANDS) == SUBCOMMANDS


def test_help_says_what_bpviz_net_does_and_lists_every_command(capsys):
    out = help_text(capsys)
    flat = " ".join(out.split())
    assert "bpviz [NET] opens the window" in flat
    assert "default: the mazur preset" in flat
    listed = {}
    for line in out.splitlines():  # "    trace     one step …" under "commands:"
        words = line.split(None, 1)
        if line.startswith("    ") and words and words[0] in SUBCOMMANDS:
            listed[words[0]] = line
    assert set(listed) == set(SUBCOMMANDS), listed


def _options(parser):
    """(sub-command, option strings, help) of every argument, sub-commands included."""
    import argparse

    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                for _, opts, text in _options(sub):
                    yield name, opts, text
        elif not isinstance(action, argparse._HelpAction):
            yield "", action.option_strings or [action.dest], action.help


def test_every_option_of_every_command_has_a_help_text(capsys):
    from bpviz.cli.args import command_parser, window_parser

    found = {}
    for parser in (command_parser(), window_parser()):
        for command, opts, text in _options(parser):
            assert text and len(text.split()) >= 2, (command, opts, text)
            found.setdefault(command, []).append((opts, text))
    assert set(found) == set(SUBCOMMANDS) - {"presets"} | {""}  # presets has no options
    for command, options in found.items():  # and --help prints each description
        if command:
            out = " ".join(help_text(capsys, command).split())
            for opts, text in options:
                assert " ".join(text.split()[:4]) in out, (command, opts)


def test_export_help_describes_every_option(capsys):
    out = " ".join(help_text(capsys, "export").split())
    for words in (
        "the file to write",
        "the network canvas, the error plot, the whole window, or the data plane",
        "the image format",
        "the colours",
        "train K steps first",
    ):
        assert words in out, words


# ------------------------------------------------------------------------------ entry points
def test_python_dash_m_bpviz_runs_main(tmp_path):
    r = run_subprocess("presets", cwd=tmp_path)
    assert r.returncode == 0 and r.stdout.split()[0] == "mazur"


def test_the_console_script_is_main():
    meta = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text("utf-8"))
    target = meta["project"]["scripts"]["bpviz"]
    module, func = target.split(":")
    code = f"import {module} as m, sys; sys.exit(m.{func}(['presets']))"
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout.splitlines()) == len(PRESETS)


def test_bpviz_alone_opens_the_window(monkeypatch):
    import bpviz.cli as cli

    opened = []
    monkeypatch.setattr(cli, "open_window", lambda net: opened.append(net) or 0)
    assert main([]) == 0 and main(["swap"]) == 0
    assert opened == [None, "swap"]


def test_bpviz_net_reports_a_bad_file_before_any_window(monkeypatch, tmp_path, capsys):
    import bpviz.cli as cli

    monkeypatch.setattr(cli, "open_window", lambda net: pytest.fail("a window opened"))
    assert main([str(tmp_path / "missing.bpviz.json")]) == 2
    assert_one_line_error(capsys.readouterr().err)


def test_docs_cli_md_names_every_command_and_option():
    """docs/CLI.md describes what is built: every command and every option string."""
    from bpviz.cli.args import command_parser

    doc = (Path(__file__).parents[2] / "docs" / "CLI.md").read_text(encoding="utf-8")
    for command in SUBCOMMANDS:
        assert f"## `bpviz {command}" in doc, command
    for command, opts, _ in _options(command_parser()):
        for opt in opts:
            if opt.startswith("-"):
                assert f"{opt} " in doc or f"{opt}`" in doc, (command, opt)
