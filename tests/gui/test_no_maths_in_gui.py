"""The GUI renders the model; it never computes a loss, a forward pass or a finite difference
itself (issue 10). Checked on the source: no module under bpviz/gui calls the core's numeric
primitives (loss terms, forward passes, the pass workspace, exponentials) or perturbs a
parameter by ε; the values it shows come from the trace, ``Revealed`` and core functions
(``Network.outputs``, ``Loss.per_sample``, ``gradcheck.numeric_gradients``)."""

from __future__ import annotations

import ast
from pathlib import Path

import bpviz.gui

GUI = Path(bpviz.gui.__file__).parent
FORBIDDEN_CALLS = {
    "terms": "loss terms (read them from the trace's error phase)",
    "forward": "a forward pass (Network.outputs or the trace)",
    "evaluate": "a loss evaluation",
    "gradient": "a loss gradient",
    "grad_scale": "a loss gradient",
    "derivative": "an activation's derivative (the trace holds f′)",
    "Pass": "a forward/backward pass",
    "exp": "an exponential (activations live in core.functions)",
    "tanh": "an activation",
}


def calls(tree: ast.AST):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            f = node.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
            if name:
                yield name, node.lineno


def test_no_gui_module_computes_backprop_maths():
    bad = []
    for path in sorted(GUI.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for name, line in calls(tree):
            if name in FORBIDDEN_CALLS:
                bad.append(f"{path.name}:{line} calls {name}(): {FORBIDDEN_CALLS[name]}")
    assert not bad, "\n".join(bad)


def test_no_gui_module_takes_finite_differences():
    """A finite difference perturbs a parameter by ε and evaluates twice: the gradient check
    tab asks core.gradcheck instead."""
    bad = []
    for path in sorted(GUI.rglob("*.py")):
        src = path.read_text(encoding="utf-8")
        for needle in ("+= eps", "-= eps", "+ eps)", "- eps)", "2 * eps", "2.0 * eps"):
            if needle in src.replace("EPS", "eps"):
                bad.append(f"{path.name}: {needle!r}")
    assert not bad, bad


def test_the_check_sees_a_violation(tmp_path):
    """The checker itself: a module that computes loss terms is caught."""
    tree = ast.parse("def f(net, o, t):\n    return net.loss.terms(o, t)\n")
    assert ("terms", 2) in list(calls(tree))
