"""bpviz/cli/args.py: NET to a document, --sample K (from 1) to 0-based rows, the mode's first
step, writable output paths, strict JSON, and one-line parser errors."""

from __future__ import annotations

import os

import pytest

from bpviz.cli.args import (
    UsageError,
    check_writable,
    command_parser,
    first_rows,
    print_json,
    resolve_net,
    sample_rows,
)
from bpviz.core.fileformat import FormatError
from bpviz.core.presets import load_preset


def test_resolve_net_reads_presets_and_files(tmp_path):
    assert resolve_net("swap").n_samples == 4
    with pytest.raises(FormatError, match="no-such"):
        resolve_net("no-such")


@pytest.mark.parametrize("k, rows", [(None, None), (1, [0]), (4, [3])])
def test_sample_rows_count_from_1(k, rows):
    assert sample_rows(load_preset("swap"), k) == rows


@pytest.mark.parametrize(
    "net, k, message",
    [
        ("swap", 0, "--sample 0: samples are numbered 1 to 4"),
        ("swap", 5, "--sample 5: samples are numbered 1 to 4"),
        ("mazur", 2, "--sample 2: there is one sample, number 1"),
    ],
)
def test_sample_rows_out_of_range(net, k, message):
    with pytest.raises(UsageError) as e:
        sample_rows(load_preset(net), k)
    assert str(e.value) == message


def test_first_rows_is_the_modes_first_step():
    assert first_rows(load_preset("swap"), None) == [0]  # online: sample 1
    assert first_rows(load_preset("xor"), None) == [0, 1, 2, 3]  # batch: every sample
    assert first_rows(load_preset("xor"), 3) == [2]


def test_check_writable(tmp_path):
    check_writable(str(tmp_path / "new.json"))
    for bad, words in ((tmp_path, "is a folder"), (tmp_path / "missing" / "x.json", "does not exist")):
        with pytest.raises(UsageError, match=words):
            check_writable(str(bad))


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_check_writable_read_only_folder(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        with pytest.raises(UsageError, match="not writable"):
            check_writable(str(ro / "x.json"))
    finally:
        ro.chmod(0o755)


def test_print_json_refuses_non_finite_values(capsys):
    print_json({"a": [1.5]})
    assert capsys.readouterr().out == '{"a": [1.5]}\n'
    with pytest.raises(UsageError, match="not finite"):
        print_json({"a": float("nan")}, "mazur")


def test_parser_errors_are_one_line_usage_errors():
    with pytest.raises(UsageError) as e:
        command_parser().parse_args(["train", "mazur"])
    assert str(e.value) == "bpviz train: the following arguments are required: --steps"
