"""The inspector's text, written from the model (core/teach/selection.py): seed 004's figures
with their chain rule, "?" for what the phase has not revealed, Σ over samples in batch steps."""

from __future__ import annotations

import html
import re

import pytest

from bpviz.core.iteration.phases import trace_step
from bpviz.core.iteration.reveal import Revealed
from bpviz.core.presets import PRESETS, load_preset
from bpviz.core.teach.selection import Explainer


def plain(h: str) -> str:
    """The text a reader sees, one paragraph per line, subscripts as _x."""
    h = re.sub(r"</p>|</h3>|</tr>", "\n", h)
    h = re.sub(r"<sub>(.*?)</sub>", r"_\1", h)
    h = re.sub(r"<sup>(.*?)</sup>", r"^\1", h)
    return html.unescape(re.sub(r"<[^>]+>", "", h))


def explainer(name="mazur", phase=-1, s=0):
    doc = load_preset(name)
    rows = list(range(doc.n_samples)) if doc.mode == "batch" else [0]
    tr = trace_step(doc, rows)
    return tr, Explainer(tr, Revealed(tr.phases, phase % len(tr.phases)), s)


def test_w5_reads_like_seed_004():
    _, ex = explainer()
    txt = plain(ex.edge(1, 0, 0))
    assert "∂E/∂w_5 = ∂E/∂out_o1·∂out_o1/∂net_o1·∂net_o1/∂w_5" in txt
    assert "= 0.74136507 × 0.186815602 × 0.593269992 = 0.138498562 × 0.593269992 = 0.082167041" in txt
    assert "= 0.4 − 0.5 × 0.082167041 = 0.35891648" in txt
    assert "?" not in txt


def test_w1_expands_the_paths_out_of_h1():
    _, ex = explainer()
    txt = plain(ex.edge(0, 0, 0))
    assert "∂E/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1" in txt
    assert ("= 0.138498562 × 0.4 + (−0.038098237) × 0.5 = 0.055399425 + (−0.019049118) = 0.036350306") in txt
    assert "= 0.036350306 × 0.241300709 × 0.05 = 0.008771355 × 0.05 = 0.000438568" in txt
    assert "0.149780716" in txt


def test_unrevealed_values_are_question_marks_and_the_footer_names_the_phase():
    tr, ex = explainer(phase=0)
    txt = plain(ex.edge(1, 0, 0))
    assert "?" in txt and "0.082167041" not in txt and "0.593269992" not in txt
    assert "0.4" in txt and "∂E/∂w_5" in txt  # the formula and the known weight are there
    assert "revealed at phase 3: " + tr.phases[2].title in txt  # out:h reveals out_h1 first
    _, ex = explainer(phase=[p.name for p in tr.phases].index("grad:o"))
    txt = plain(ex.edge(1, 0, 0))
    assert "0.082167041" in txt and "0.35891648" not in txt
    assert "= 0.4 − 0.5 × 0.082167041 = ?" in txt


def test_neuron_shows_forward_error_and_backward_with_f_prime():
    _, ex = explainer()
    txt = plain(ex.neuron(2, 0))
    for v in (
        "1.105905967",
        "0.75136507",
        "target_o1 = 0.01",
        "0.274811083",
        "0.74136507",
        "∂out_o1/∂net_o1 = out_o1·(1 − out_o1)",
        "0.186815602",
        "0.138498562",
    ):
        assert v in txt
    assert "i_1 = 0.05" in plain(ex.neuron(0, 0))


def test_batch_weight_is_a_sum_over_samples_with_each_term():
    tr, ex = explainer("xor", s=1)
    assert len(tr.samples) == 4
    txt = plain(ex.edge(0, 0, 0))
    assert "∂E/∂w_1,1 = Σ_s δ_f1^(s)·x_1^(s)" in txt
    d = tr.p.delta[1][:, 0] * tr.inputs[:, 0]
    for v in d:
        assert f"{v:.9f}".rstrip("0").rstrip(".").replace("-", "−") in txt or v == 0
    assert "the contribution of sample 2" in txt


def test_fixed_biases_say_so():
    _, ex = explainer()
    assert "biases fixed: b_1 stays 0.35" in plain(ex.bias(0, 0))


@pytest.mark.parametrize("name", PRESETS)
def test_every_selection_of_every_preset_at_every_phase_renders(name):
    doc = load_preset(name)
    tr = trace_step(doc, list(range(doc.n_samples)) if doc.mode == "batch" else [0])
    net = tr.network
    for i in range(len(tr.phases)):
        ex = Explainer(tr, Revealed(tr.phases, i))
        for k in range(net.L + 1):
            for n in range(net.sizes[k]):
                assert "Neuron" in ex.neuron(k, n)
        for j in range(net.L):
            assert "Weight" in ex.edge(j, 0, 0) and "Bias" in ex.bias(j, 0)
        assert ex.phase(tr.phases[i], len(tr.phases))
