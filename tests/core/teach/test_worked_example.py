"""``bpviz explain``: the worked example in Markdown, HTML and LaTeX, read as a reader would;
every equation it displays evaluates to the number it prints."""

from __future__ import annotations

import ast
import json
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from types import SimpleNamespace

import numpy as np
import pytest

from bpviz.cli import main
from bpviz.cli.explain import cmd_explain
from bpviz.core.expr import Sym
from bpviz.core.fileformat import FormatError
from bpviz.core.iteration.phases import trace_step
from bpviz.core.numbers import fmt
from bpviz.core.presets import PRESETS, load_preset
from bpviz.core.teach.document import FORMATS, write
from bpviz.core.teach.render import Tex
from bpviz.core.teach.worked_example import explain, worked_example

# Seed 004's figures, as it prints them (some with 8 decimals, most with 9).
SEED_004 = [
    "0.593269992",
    "0.596884378",
    "1.105905967",
    "0.75136507",
    "0.772928465",
    "0.298371109",
    "0.74136507",
    "0.186815602",
    "0.082167041",
    "0.35891648",
    "0.408666186",
    "0.51130127",
    "0.561370121",
    "0.036350306",
    "0.000438568",
    "0.149780716",
    "0.19956143",
    "0.24975114",
    "0.29950229",
]
NUMBER = re.compile(r"(?<![\w.])[-−]?\d+\.\d+")


def numbers_in(text: str) -> list[str]:
    return [m.group(0).replace("−", "-") for m in NUMBER.finditer(text)]


def has_figure(text: str, figure: str) -> bool:
    """The document prints the figure: a number that rounds to it at its printed decimals."""
    d = len(figure.split(".")[1])
    want = round(float(figure), d)
    return any(round(float(x), d) == want and len(x.split(".")[1]) >= d for x in numbers_in(text))


def step(name: str, sample: int | None = None):
    from bpviz.cli.args import first_rows

    doc = load_preset(name)
    rows = [sample] if sample is not None else first_rows(doc, None)
    return doc, trace_step(doc, rows)


def doc_text(name: str, form: str, sample: int | None = None) -> str:
    doc, tr = step(name, sample)
    return explain(doc, tr, form, name=name, explicit=sample is not None)


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- checkers
VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
    "circle",
    "line",
    "path",
    "rect",
}


class StrictHTML(HTMLParser):
    """Every element closed, in order; records the tags and any external reference."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.tags: set[str] = set()
        self.errors: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        for k, v in attrs:
            if k in ("src", "href", "xlink:href") and v and not v.startswith("#"):
                self.external.append(f"{tag} {k}={v}")
        if tag in ("script", "link", "iframe", "object", "img"):
            self.external.append(tag)
        if tag not in VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        self.tags.add(tag)

    def handle_endtag(self, tag):
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(f"</{tag}> closes <{self.stack[-1] if self.stack else None}>")
            return
        self.stack.pop()


def check_html(text: str) -> StrictHTML:
    assert text.startswith("<!DOCTYPE html>")
    assert "http://" not in text and "https://" not in text
    assert "@import" not in text and "url(" not in text
    p = StrictHTML()
    p.feed(text)
    p.close()
    assert not p.errors, p.errors[:5]
    assert not p.stack, p.stack
    assert not p.external, p.external
    assert {"html", "head", "body", "style", "title"} <= p.tags
    return p


def check_tex(text: str) -> None:
    assert text.startswith("\\documentclass")
    assert re.findall(r"\\usepackage(?:\[[^]]*\])?\{([^}]*)\}", text) == ["amsmath"]
    depth = 0
    unescaped = re.sub(r"\\\\|\\[{}]", "", text)  # \\ (a line break), \{ and \} are not groups
    for ch in unescaped:
        depth += ch == "{"
        depth -= ch == "}"
        assert depth >= 0, "a } closes nothing"
    assert depth == 0, "an unclosed {"
    stack = []
    for kind, env in re.findall(r"\\(begin|end)\{([^}]*)\}", text):
        if kind == "begin":
            stack.append(env)
        else:
            assert stack and stack[-1] == env, f"\\end{{{env}}} closes {stack[-1:]}"
            stack.pop()
    assert not stack
    assert "\\end{document}" in text
    assert all(ord(c) < 128 for c in text), "pdflatex gets plain ASCII"


def check_md(text: str) -> None:
    blocks = [ln for ln in text.splitlines() if ln.strip() == "$$"]
    assert len(blocks) % 2 == 0, "unbalanced $$ blocks"
    in_block = False
    for ln in text.splitlines():
        if ln.strip() == "$$":
            in_block = not in_block
            continue
        if in_block:
            assert "$" not in ln.replace("\\$", ""), ln
            continue
        dollars = len(re.findall(r"(?<!\\)\$", ln))
        assert dollars % 2 == 0, f"unbalanced inline maths: {ln}"
        for m in re.finditer(r"(?<!\\)\$(.+?)(?<!\\)\$", ln):
            assert m.group(1) == m.group(1).strip(), "GitHub needs $x$, not $ x $"


def no_control_characters(check):
    def run(text: str):
        bad = [hex(ord(c)) for c in text if ord(c) < 32 and c != "\n"]
        assert not bad, bad[:5]
        return check(text)

    return run


CHECK = {
    form: no_control_characters(f)
    for form, f in {"md": check_md, "html": check_html, "tex": check_tex}.items()
}


PDFLATEX = shutil.which("pdflatex")
needs_pdflatex = pytest.mark.skipif(
    PDFLATEX is None,
    reason="pdflatex is not installed: the LaTeX output is checked for "
    "balanced groups and environments and plain ASCII, but not compiled",
)


def compile_tex(text: str, folder) -> None:
    """Compile with pdflatex (only in tests marked ``needs_pdflatex``)."""
    assert PDFLATEX is not None
    src = folder / "doc.tex"
    src.write_text(text, encoding="ascii")
    r = subprocess.run(
        [PDFLATEX, "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout[-3000:]
    assert (folder / "doc.pdf").stat().st_size > 1000


# ----------------------------------------------------------------------------- seed 004
@pytest.mark.parametrize("form", FORMATS)
def test_mazur_has_the_seed_figures(form):
    text = doc_text("mazur", form)
    missing = [f for f in SEED_004 if not has_figure(text, f)]
    assert not missing
    CHECK[form](text)


HEADING = {"md": r"^#+ (.+)$", "html": r"<h\d>(.+?)</h\d>", "tex": r"^\\(?:sub)*section\*\{(.+)\}$"}


@pytest.mark.parametrize("form", FORMATS)
def test_mazur_reads_like_the_seed(form):
    text = doc_text("mazur", form)
    headings = re.findall(HEADING[form], text, re.M)
    story = [
        "The network",
        "The forward pass",
        "Hidden layer h",
        "Output layer o",
        "The error",
        "The backward pass",
        "Output layer o",
        "Output neuron o1",
        "Output neuron o2",
        "Hidden layer h",
        "Hidden neuron h1",
        "Hidden neuron h2",
        "The update",
    ]
    assert [h for h in headings if h in story] == story
    plain = re.sub(r"<[^>]+>", "", text)
    assert "Step-by-step example (2-2-2, sigmoid)" in plain
    assert "fixed" in plain
    assert "0.29102777" in plain  # E after the update (seed 004 prints its rounding 0.291027924)


def test_mazur_markdown_writes_the_chain_rule_with_numbers():
    md = doc_text("mazur", "md")
    d = "\\frac{\\partial E}"
    assert (
        f"{d}{{\\partial w_{{5}}}} &= {d}{{\\partial \\mathit{{out}}_{{o1}}}} \\cdot "
        "\\frac{\\partial \\mathit{out}_{o1}}{\\partial \\mathit{net}_{o1}} \\cdot "
        "\\frac{\\partial \\mathit{net}_{o1}}{\\partial w_{5}}"
    ) in md
    assert "0.74136507 \\times 0.186815602 \\times 0.593269992 = " in md
    assert "= 0.082167041" in md
    assert "0.036350306 \\times 0.241300709 \\times 0.05 = " in md
    assert "= 0.000438568" in md
    assert "0.15 \\times 0.05 + 0.2 \\times 0.1 + 0.35 = 0.3775" in md  # + b1, not b1 × 1
    assert "= 0.4 - 0.5 \\times 0.082167041 = 0.35891648" in md
    # ∂E/∂out_h1 as the sum over the two paths, with δ·w numbers
    assert (
        "\\frac{\\partial E_{o1}}{\\partial \\mathit{out}_{h1}} + "
        "\\frac{\\partial E_{o2}}{\\partial \\mathit{out}_{h1}}"
    ) in md
    assert "\\delta_{o1} \\cdot w_{5} = 0.138498562 \\times 0.4" in md
    assert "\\delta_{o2} \\cdot w_{7} = \\left(-0.038098237\\right) \\times 0.5" in md


def test_html_writes_one_notation_with_true_minus():
    html = doc_text("mazur", "html")
    body = html[html.index("<body>") :]
    assert "<i>net</i><sub>h1</sub>" in body and "<i>δ</i><sub>o1</sub>" in body
    assert not re.search(r"\b(net|out|target|delta)_\w", body), "a plain-text spelling"
    text = re.sub(r"<[^>]+>", "", body)
    assert "−0.038098237" in text and "-0.038098237" not in text  # true minus


def test_every_number_shown_as_a_result_is_the_traces():
    """The gradients and new weights printed are the stored ones, not recomputed."""
    doc = load_preset("mazur")
    tr = trace_step(doc, [0])
    md = explain(doc, tr, "md")
    for j, g in enumerate(tr.p.grad_w):
        for v in g.ravel():
            assert f"= {fmt(v)}" in md
        for v in tr.weights_after[j].ravel():
            assert f"= {fmt(v)}" in md
    for k in (1, 2):
        for v in tr.p.delta[k].ravel():
            assert f"= {fmt(v)}" in md


# ----------------------------------------------------------------------------- other presets
def test_swap_sample_2_uses_the_second_row(capsys):
    code, out, err = run_cli(capsys, "explain", "swap", "--sample", "2")  # counts from 1
    assert code == 0, err
    assert "| 2 | $1$ | $0$ | $0$ | $1$ |" in out  # inputs (1, 0), targets (0, 1)
    assert "sample 2 of 4" in out
    doc = load_preset("swap")
    tr = trace_step(doc, [1])
    assert tr.inputs.tolist() == [[1.0, 0.0]]
    for v in tr.p.out[3][0]:  # the seed's out_d 0.7199, 0.8375, to 9 decimals
        assert fmt(v) in out
    other = trace_step(doc, [0])
    assert fmt(other.p.out[3][0, 0]) not in out


def _gradient_sums(md: str, sym: str) -> tuple[list[tuple[float, float]], float]:
    """The products of a "∂E/∂w = Σ_s δ·out" block, and its result."""
    lines = md.splitlines()
    start = f"\\frac{{\\partial E}}{{\\partial {sym}}} &= \\sum_{{s}}"
    i = [n for n, ln in enumerate(lines) if ln.startswith(start)][-1]  # the one with numbers
    prods = []
    num = r"(?:\\left\()?(-?[\d.]+)(?:\\right\))?"
    for ln in lines[i + 1 :]:
        prods += [(float(a), float(b)) for a, b in re.findall(num + r" \\times " + num, ln)]
        m = re.search(r"= (-?[\d.]+)(?: \\\\)?$", ln)
        if m:
            return prods, float(m.group(1))
    raise AssertionError(f"no result for {sym}")


def test_xor_batch_sums_over_all_four_samples():
    doc = load_preset("xor")
    assert doc.mode == "batch"
    tr = trace_step(doc, [0, 1, 2, 3])
    md = explain(doc, tr, "md", name="xor")
    check_md(md)
    for s in (1, 2, 3, 4):
        assert re.search(rf"^\| {s} \|", md, re.M), f"sample {s} missing"
    assert "all four samples" in md
    tex = Tex(ascii_only=False)
    lab = tr.network.labels
    for j, g in enumerate(tr.p.grad_w):
        for r in range(g.shape[0]):
            for c in range(g.shape[1]):
                prods, result = _gradient_sums(md, tex(Sym(None, lab.weights[j][r][c])))
                assert len(prods) == 4
                # each product is δ_s · out_s of the trace, and the result is the trace's
                assert [a for a, _ in prods] == pytest.approx(tr.p.delta[j + 1][:, r], abs=1e-9)
                assert [b for _, b in prods] == pytest.approx(tr.p.out[j][:, c], abs=1e-9)
                assert result == float(fmt(g[r, c]))
                assert sum(a * b for a, b in prods) == pytest.approx(g[r, c], abs=1e-8)
    # bias gradients: sums of the four δ
    for gb in tr.p.grad_b:
        for v in gb:
            assert f"= {fmt(v)}" in md


@pytest.mark.parametrize("form", FORMATS)
def test_batch_gradients_are_sums_over_samples_in_every_format(form):
    """Σ over the samples wherever a value is a sum over them (xor learns in batch mode)."""
    text = doc_text("xor", form)
    sigma = {"md": "\\sum_{s}", "tex": "\\sum_{s}", "html": "Σ<sub><i>s</i></sub>"}[form]
    sup = {"md": "^{(s)}", "tex": "^{(s)}", "html": "<sup>(s)</sup>"}[form]
    assert text.count(sigma) >= 6 + 3  # every ∂E/∂w and ∂E/∂b
    assert sup in text


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("form", FORMATS)
def test_every_preset_in_every_format(name, form):
    CHECK[form](doc_text(name, form))


@pytest.mark.parametrize("name", PRESETS)
def test_every_displayed_equation_evaluates_to_its_number(name):
    """Each side of every equation the document shows gives the number it prints (1e-12)."""
    doc, tr = step(name)
    eqs = worked_example(doc, tr, name).equations()
    checked = 0
    for eq in eqs:
        if eq.result is None:  # a rule without numbers (true of every sample)
            continue
        vals = eq.values()
        assert all(abs(v - eq.result) <= 1e-12 * max(1.0, abs(eq.result)) for v in vals), (Tex()(eq), vals)
        checked += 1
    assert checked >= 20


def test_the_sample_of_a_batch_step_evaluates_too():
    doc, tr = step("swap", 2)
    for eq in worked_example(doc, tr, "swap", explicit=True).equations():
        if eq.result is not None:
            assert eq.values() == pytest.approx([eq.result] * len(eq.values()), rel=1e-12)


@needs_pdflatex
@pytest.mark.parametrize("name", PRESETS)
def test_latex_compiles(name, tmp_path):
    compile_tex(doc_text(name, "tex"), tmp_path)


def _odd_labels(tmp_path):
    obj = json.loads((load_preset_path("mazur")).read_text(encoding="utf-8"))
    obj["title"] = "Weights & biases: 100% {sure} $x_1$ #1 ~ ^ \\ <b>bold</b> | — “ok” 日本"
    obj["labels"]["weights"][0][0][0] = "w_{1}&"
    obj["labels"]["weights"][0][0][1] = "α|β"
    obj["labels"]["neurons"][1][0] = "h 1"
    obj["labels"]["neurons"][2][1] = "<o2>"
    obj["labels"]["biases"][0] = ["b%", "b#"]
    path = tmp_path / "odd.bpviz.json"
    path.write_text(json.dumps(obj, ensure_ascii=False), encoding="utf-8")
    from bpviz.core.fileformat import load

    doc = load(path)
    return doc, trace_step(doc, [0])


def test_awkward_labels_are_escaped(tmp_path):
    doc, tr = _odd_labels(tmp_path)
    for form in FORMATS:
        text = explain(doc, tr, form)
        CHECK[form](text)
        assert "0.082167041" in text
    html = explain(doc, tr, "html")
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    tex = explain(doc, tr, "tex")
    assert "\\alpha \\vert \\beta" in tex  # Greek letters as LaTeX, not "?"


@needs_pdflatex
def test_awkward_labels_compile(tmp_path):
    doc, tr = _odd_labels(tmp_path)
    compile_tex(explain(doc, tr, "tex"), tmp_path)


def test_unknown_format_is_refused():
    doc, tr = step("mazur")
    with pytest.raises(ValueError):
        explain(doc, tr, "pdf")
    with pytest.raises(ValueError):
        write(worked_example(doc, tr), "pdf")


def load_preset_path(name):
    from bpviz.core.presets import preset_path

    return preset_path(name)


# ----------------------------------------------------------------------------- the command
def test_cli_writes_html_file(capsys, tmp_path):
    path = tmp_path / "mazur.html"
    code, out, err = run_cli(capsys, "explain", "mazur", "--format", "html", "-o", str(path))
    assert code == 0, err
    assert out == "" and err == ""
    text = path.read_text(encoding="utf-8")
    check_html(text)
    assert "0.082167041" in text
    assert [p.name for p in tmp_path.iterdir()] == ["mazur.html"]  # no temporary file left


def test_cli_prints_markdown_without_o(capsys):
    code, out, err = run_cli(capsys, "explain", "mazur")
    assert code == 0, err
    assert out.startswith("# Step-by-step example")
    check_md(out)


def test_cli_replaces_an_existing_file(capsys, tmp_path):
    path = tmp_path / "out.tex"
    path.write_text("old", encoding="utf-8")
    code, _, err = run_cli(capsys, "explain", "mazur", "--format", "tex", "-o", str(path))
    assert code == 0, err
    assert path.read_text(encoding="ascii").startswith("\\documentclass")


@pytest.mark.parametrize("target", ["missing/folder/out.md", "."])
def test_cli_unwritable_output_is_one_line_and_leaves_nothing(capsys, tmp_path, target):
    before = sorted(p.name for p in tmp_path.rglob("*"))
    path = tmp_path / target
    code, out, err = run_cli(capsys, "explain", "mazur", "-o", str(path))
    assert code == 2
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1
    assert out == ""
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_cli_failed_write_leaves_nothing(capsys, tmp_path, monkeypatch):
    import bpviz.core.atomic as atomic

    def refuse(src, dst):
        raise PermissionError(13, "Permission denied", str(dst))

    monkeypatch.setattr(atomic.os, "replace", refuse)
    code, _, err = run_cli(capsys, "explain", "mazur", "-o", str(tmp_path / "x.md"))
    assert code == 2
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert list(tmp_path.iterdir()) == []


def test_cli_bad_input(capsys, tmp_path):
    code, _, err = run_cli(capsys, "explain", "mazur", "--sample", "5")
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(capsys, "explain", str(tmp_path / "nope.json"))
    assert code == 2 and len(err.strip().splitlines()) == 1
    code, _, err = run_cli(capsys, "explain", "mazur", "--format", "pdf")
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_explain_command_raises_for_main_to_report(tmp_path):
    from bpviz.cli import UsageError

    args = SimpleNamespace(net="mazur", sample=3, format="md", out=None)
    with pytest.raises(UsageError):
        cmd_explain(args)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "bpviz/1"}', encoding="utf-8")
    with pytest.raises(FormatError):
        cmd_explain(SimpleNamespace(net=str(bad), sample=None, format="md", out=None))


def test_overflowing_step_is_bad_input(capsys, tmp_path):
    obj = {
        "format": "bpviz/1",
        "layers": [{"name": "x", "size": 1}, {"name": "y", "size": 1, "activation": "identity"}],
        "weights": [[[1e300]]],
        "data": {"inputs": [[1e300]], "targets": [[0]]},
    }
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    code, out, err = run_cli(capsys, "explain", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1 and out == ""


# ----------------------------------------------------------------------------- large networks
@pytest.fixture(scope="module")
def mnist_sized(tmp_path_factory):
    rng = np.random.default_rng(0)
    obj = {
        "format": "bpviz/1",
        "title": "784-128-10",
        "layers": [
            {"name": "x", "size": 784},
            {"name": "h", "size": 128, "activation": "relu"},
            {"name": "y", "size": 10, "activation": "sigmoid"},
        ],
        "init": {"scheme": "xavier", "seed": 0},
        "biases": "init",
        "loss": "mse",
        "learning_rate": 0.1,
        "mode": "minibatch",
        "batch_size": 32,
        "data": {
            "inputs": rng.uniform(0, 1, (64, 784)).round(3).tolist(),
            "targets": np.eye(10)[rng.integers(0, 10, 64)].tolist(),
        },
    }
    path = tmp_path_factory.mktemp("big") / "mnist.bpviz.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    return path


@pytest.mark.parametrize("form", FORMATS)
def test_784_128_10_stays_small_and_fast(mnist_sized, tmp_path, capsys, form):
    out = tmp_path / f"big.{form}"
    t0 = time.perf_counter()
    code, _, err = run_cli(capsys, "explain", str(mnist_sized), "--format", form, "-o", str(out))
    dt = time.perf_counter() - t0
    assert code == 0, err
    size = out.stat().st_size
    assert size < 1_000_000
    assert dt < 10
    text = out.read_text(encoding="utf-8")
    CHECK[form](text)
    plain = re.sub(r"<[^>]+>", "", text)
    assert "125 neurons of layer h" in plain  # says how many it leaves out
    assert "samples 1 to 32" in plain


@needs_pdflatex
def test_784_128_10_latex_compiles(mnist_sized, tmp_path):
    from bpviz.core.fileformat import load

    doc = load(mnist_sized)
    tr = trace_step(doc, [0])
    compile_tex(explain(doc, tr, "tex"), tmp_path)


def _imports(path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out |= {f"{node.module}.{a.name}" for a in node.names}
    return out
