"""`bpviz trace`'s text for the worked examples, pinned word for word.

The golden files change only on purpose: after a deliberate change to how the phase list is
written, regenerate them with ``BPVIZ_REGENERATE_GOLDEN=1 pytest tests/core/teach/test_trace_text.py``
and read the diff before committing it.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bpviz.cli import main

GOLDEN = Path(__file__).parent / "golden"
CASES = {
    "mazur": ["trace", "mazur"],
    "xor": ["trace", "xor"],
    "linear": ["trace", "linear"],
    "swap-1": ["trace", "swap", "--sample", "1"],
}


@pytest.mark.parametrize("name", CASES)
def test_trace_text_matches_its_golden_file(name, capsys):
    assert main(CASES[name]) == 0
    out = capsys.readouterr().out
    path = GOLDEN / f"trace-{name}.txt"
    if os.environ.get("BPVIZ_REGENERATE_GOLDEN"):
        path.write_text(out, encoding="utf-8")
    assert path.exists(), f"{path} is missing: regenerate it on purpose (see the docstring)"
    assert out == path.read_text(encoding="utf-8")


def test_mazur_golden_file_keeps_the_seed_figures():
    """Seed 004's figures, as the golden file (and so `bpviz trace mazur`) prints them."""
    text = (GOLDEN / "trace-mazur.txt").read_text(encoding="utf-8")
    for figure in (
        "out_h1 = σ(net_h1) = σ(0.3775) = 0.593269992",
        "0.596884378",
        "1.105905967",
        "0.75136507",
        "0.772928465",
        "0.298371109",
        "∂E/∂w5 = δ_o1·out_h1 = 0.138498562 × 0.593269992 = 0.082167041",
        "w5⁺ = 0.4 − 0.5 × 0.082167041 = 0.35891648",
        "0.408666186",
        "0.51130127",
        "0.561370121",
        "∂E/∂out_h1 = δ_o1·w5 + δ_o2·w7",
        "= 0.036350306",
        "0.000438568",
        "0.149780716",
        "0.19956143",
        "0.249751144",
        "0.299502287",
    ):  # the seed rounds these two: 0.24975114, 0.29950229
        assert figure in text, figure
