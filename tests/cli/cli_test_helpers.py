"""Helpers shared by the tests of bpviz/cli: run the command line in this process or in a real
one, read its JSON strictly, check its one-line errors."""

from __future__ import annotations

import json
import math
import subprocess
import sys

from bpviz.cli import main
from bpviz.core.presets import preset_path


def preset_obj(name: str) -> dict:
    return json.loads(preset_path(name).read_text(encoding="utf-8"))


def write(path, obj) -> str:
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    return str(path)


def strict_json(text: str):
    """Parse CLI output as standard JSON (no NaN / Infinity)."""

    def bad(token):
        raise AssertionError(f"non-standard JSON constant {token} in the output")

    return json.loads(text, parse_constant=bad)


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def run_subprocess(*argv, cwd=None):
    return subprocess.run(
        [sys.executable, "-m", "bpviz", *argv], capture_output=True, text=True, timeout=300, cwd=cwd
    )


def assert_one_line_error(err: str) -> str:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].strip()
    return lines[0]


def all_finite(nested) -> bool:
    """Every number in a (possibly ragged) nest of lists is finite."""
    if isinstance(nested, list):
        return all(all_finite(x) for x in nested)
    return isinstance(nested, (int, float)) and math.isfinite(nested)


def diverging_file(tmp_path) -> str:
    # f(x) = 2x, no squashing: with η = 1e6 the weights explode within a few steps
    obj = preset_obj("linear")
    obj["learning_rate"] = 1e6
    return write(tmp_path / "diverge.bpviz.json", obj)
