"""``bpviz explain``: the worked example in Markdown, HTML and LaTeX, read as a reader would."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from html.parser import HTMLParser
from types import SimpleNamespace

import numpy as np
import pytest

from bpviz.cli import main
from bpviz.core.explain import FORMATS, _MarkdownWriter, explain, explain_command
from bpviz.core.fileformat import FormatError
from bpviz.core.numbers import fmt
from bpviz.core.iteration.phases import trace_step
from bpviz.core.presets import PRESETS, load_preset

# Seed 004's figures, as it prints them (some with 8 decimals, most with 9).
SEED_004 = [
    "0.593269992", "0.596884378", "1.105905967", "0.75136507", "0.772928465", "0.298371109",
    "0.74136507", "0.186815602", "0.082167041", "0.35891648", "0.408666186", "0.51130127",
    "0.561370121", "0.036350306", "0.000438568", "0.149780716", "0.19956143", "0.24975114",
    "0.29950229",
]
NUMBER = re.compile(r"(?<![\w.])[-−]?\d+\.\d+")


def numbers_in(text: str) -> list[str]:
    return [m.group(0).replace("−", "-") for m in NUMBER.finditer(text)]


def has_figure(text: str, figure: str) -> bool:
    """The document prints the figure: a number that rounds to it at its printed decimals."""
    d = len(figure.split(".")[1])
    want = round(float(figure), d)
    return any(round(float(x), d) == want and len(x.split(".")[1]) >= d
               for x in numbers_in(text))


def doc_text(name: str, form: str, sample: int | None = None) -> str:
    doc = load_preset(name)
    rows = [sample] if sample is not None else None
    if rows is None:
        from bpviz.cli import _first_rows
        rows = _first_rows(doc, None)
    return explain(doc, trace_step(doc, rows), form, name=name, explicit=sample is not None)


def run_cli(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


# ----------------------------------------------------------------------------- checkers
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr", "circle", "line", "path", "rect"}


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


CHECK = {form: no_control_characters(f)
         for form, f in {"md": check_md, "html": check_html, "tex": check_tex}.items()}


def compile_tex(text: str, folder) -> None:
    """Compile with pdflatex when it is installed (the tests never depend on it)."""
    if shutil.which("pdflatex") is None:
        return
    src = folder / "doc.tex"
    src.write_text(text, encoding="ascii")
    r = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "doc.tex"],
                       cwd=folder, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout[-3000:]
    assert (folder / "doc.pdf").stat().st_size > 1000


# ----------------------------------------------------------------------------- seed 004
@pytest.mark.parametrize("form", FORMATS)
def test_mazur_has_the_seed_figures(form):
    text = doc_text("mazur", form)
    missing = [f for f in SEED_004 if not has_figure(text, f)]
    assert not missing
    CHECK[form](text)


HEADING = {"md": r"^#+ (.+)$", "html": r"<h\d>(.+?)</h\d>",
           "tex": r"^\\(?:sub)*section\*\{(.+)\}$"}


@pytest.mark.parametrize("form", FORMATS)
def test_mazur_reads_like_the_seed(form):
    text = doc_text("mazur", form)
    headings = re.findall(HEADING[form], text, re.M)
    story = ["The network", "The forward pass", "Hidden layer h", "Output layer o", "The error",
             "The backward pass", "Output layer o", "Output neuron o1", "Output neuron o2",
             "Hidden layer h", "Hidden neuron h1", "Hidden neuron h2", "The update"]
    assert [h for h in headings if h in story] == story
    plain = re.sub(r"<[^>]+>", "", text)
    assert "Step-by-step example (2-2-2, sigmoid)" in plain
    assert "fixed" in plain
    assert "0.29102777" in plain  # E after the update (seed 004 prints its rounding 0.291027924)


def test_mazur_markdown_writes_the_chain_rule_with_numbers():
    md = doc_text("mazur", "md")
    d = "\\frac{\\partial E_{\\mathrm{total}}}"
    assert (f"{d}{{\\partial w_{{5}}}} &= {d}{{\\partial \\mathit{{out}}_{{o1}}}} \\cdot "
            "\\frac{\\partial \\mathit{out}_{o1}}{\\partial \\mathit{net}_{o1}} \\cdot "
            "\\frac{\\partial \\mathit{net}_{o1}}{\\partial w_{5}}") in md
    assert "0.74136507 \\times 0.186815602 \\times 0.593269992 = 0.082167041" in md
    assert "0.036350306 \\times 0.241300709 \\times 0.05 = 0.000438568" in md
    assert "0.15 \\times 0.05 + 0.2 \\times 0.1 + 0.35 \\times 1 = 0.3775" in md
    assert "= 0.4 - 0.5 \\times 0.082167041 = 0.35891648" in md
    # ∂E_total/∂out_h1 as the sum over the two paths, with δ·w numbers
    assert ("\\frac{\\partial E_{o1}}{\\partial \\mathit{out}_{h1}} + "
            "\\frac{\\partial E_{o2}}{\\partial \\mathit{out}_{h1}}") in md
    assert "\\delta_{o1} \\cdot w_{5} = 0.138498562 \\times 0.4" in md
    assert "\\delta_{o2} \\cdot w_{7} = (-0.038098237) \\times 0.5" in md


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
    """The products of a "∂E_total/∂w = Σ_s δ·out" block, and its result."""
    lines = md.splitlines()
    start = f"\\frac{{\\partial E_{{\\mathrm{{total}}}}}}{{\\partial {sym}}} &= \\sum_{{s}}"
    i = next(n for n, ln in enumerate(lines) if ln.startswith(start))
    prods = []
    for ln in lines[i + 1:]:
        m = re.fullmatch(r" &= (-?[\d.]+)(?: \\\\)?", ln)
        if m:
            return prods, float(m.group(1))
        prods += [(float(a), float(b)) for a, b in
                  re.findall(r"\(?(-?[\d.]+)\)? \\times \(?(-?[\d.]+)\)?", ln)]
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
    w = _MarkdownWriter()
    lab = tr.network.labels
    for j, g in enumerate(tr.p.grad_w):
        for r in range(g.shape[0]):
            for c in range(g.shape[1]):
                prods, result = _gradient_sums(md, w.lab(lab.weights[j][r][c]))
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


@pytest.mark.parametrize("name", PRESETS)
@pytest.mark.parametrize("form", FORMATS)
def test_every_preset_in_every_format(name, form, tmp_path):
    text = doc_text(name, form)
    CHECK[form](text)
    if form == "tex" and name in ("xor", "xor-deep", "swap"):  # ŵ, b̂, labels 1…5, 4 layers
        compile_tex(text, tmp_path)


def test_mazur_latex_compiles(tmp_path):
    compile_tex(doc_text("mazur", "tex"), tmp_path)


def test_awkward_labels_are_escaped(tmp_path):
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
    tr = trace_step(doc, [0])
    for form in FORMATS:
        text = explain(doc, tr, form)
        CHECK[form](text)
        assert "0.082167041" in text
    html = explain(doc, tr, "html")
    assert "<b>bold</b>" not in html and "&lt;b&gt;bold&lt;/b&gt;" in html
    compile_tex(explain(doc, tr, "tex"), tmp_path)


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
        explain_command(args)
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "bpviz/1"}', encoding="utf-8")
    with pytest.raises(FormatError):
        explain_command(SimpleNamespace(net=str(bad), sample=None, format="md", out=None))


def test_overflowing_step_is_bad_input(capsys, tmp_path):
    obj = {"format": "bpviz/1", "layers": [{"name": "x", "size": 1},
                                           {"name": "y", "size": 1, "activation": "identity"}],
           "weights": [[[1e300]]], "data": {"inputs": [[1e300]], "targets": [[0]]}}
    path = tmp_path / "huge.json"
    path.write_text(json.dumps(obj), encoding="utf-8")
    code, out, err = run_cli(capsys, "explain", str(path))
    assert code == 2 and len(err.strip().splitlines()) == 1 and out == ""


# ----------------------------------------------------------------------------- large networks
@pytest.fixture(scope="module")
def mnist_sized(tmp_path_factory):
    rng = np.random.default_rng(0)
    obj = {
        "format": "bpviz/1", "title": "784-128-10",
        "layers": [{"name": "x", "size": 784}, {"name": "h", "size": 128, "activation": "relu"},
                   {"name": "y", "size": 10, "activation": "sigmoid"}],
        "init": {"scheme": "xavier", "seed": 0}, "biases": "init", "loss": "mse",
        "learning_rate": 0.1, "mode": "minibatch", "batch_size": 32,
        "data": {"inputs": rng.uniform(0, 1, (64, 784)).round(3).tolist(),
                 "targets": np.eye(10)[rng.integers(0, 10, 64)].tolist()},
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


def test_784_128_10_latex_compiles(mnist_sized, tmp_path):
    from bpviz.core.fileformat import load

    doc = load(mnist_sized)
    tr = trace_step(doc, [0])
    compile_tex(explain(doc, tr, "tex"), tmp_path)


def test_explain_imports_no_qt():
    code = ("import sys, bpviz.core.explain; bad = [m for m in sys.modules if m.split('.')[0] "
            "in ('PySide6', 'pyqtgraph', 'PyQt5', 'PyQt6', 'shiboken6')]; "
            "sys.exit(1 if bad else 0)")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout + r.stderr
