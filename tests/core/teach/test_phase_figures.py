"""The canvas at each phase added to a worked example (core.teach.phase_figures), without Qt:
embedded in HTML, files beside Markdown and LaTeX, titles escaped by each format's rule."""

import base64
import shutil
import subprocess

import pytest

from bpviz.core.iteration.phases import trace_step
from bpviz.core.presets import load_preset
from bpviz.core.teach.phase_figures import HEADING, PhaseFigure, with_phase_figures
from bpviz.core.teach.worked_example import explain

# a 1×1 PNG, and titles with what each format must escape
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)
FIGS = [
    PhaseFigure("01-input.png", "1. x_1 & <net> [h]", PNG),
    PhaseFigure("10-grad_out-h.png", "10. ∂E/∂w for δ_h = 50% * η", PNG),
]


def _example(fmt):
    doc = load_preset("mazur")
    return explain(doc, trace_step(doc, [0]), fmt)


def test_html_embeds_the_images_inside_main():
    text = with_phase_figures(_example("html"), "html", "unused.html", FIGS)
    section = text[text.index(f"<h2>{HEADING}</h2>") :]
    assert section.index("</section>") < section.index("</main>")
    assert section.count("data:image/png;base64,") == 2
    assert 'alt="1. x_1 &amp; &lt;net&gt; [h]"' in section


def test_markdown_links_files_in_a_folder_beside_it(tmp_path):
    path = tmp_path / "lesson.md"
    text = with_phase_figures(_example("md"), "md", path, FIGS)
    assert (tmp_path / "lesson-phases" / "01-input.png").read_bytes() == PNG
    assert "![1. x\\_1 & \\<net\\> \\[h\\]](lesson-phases/01-input.png)" in text
    assert text.rstrip().endswith("*10. ∂E/∂w for δ\\_h = 50% \\* η*")


def test_latex_titles_are_escaped_and_it_compiles(tmp_path):
    path = tmp_path / "lesson.tex"
    text = with_phase_figures(_example("tex"), "tex", path, FIGS)
    assert "\\usepackage{graphicx}" in text
    assert "\\includegraphics[width=\\linewidth]{lesson-phases/10-grad_out-h.png}" in text
    assert "50\\%" in text and "x\\_1 \\&" in text
    assert text.rstrip().endswith("\\end{document}")
    path.write_text(text, encoding="utf-8")
    if not shutil.which("pdflatex"):
        pytest.skip("pdflatex is not installed: the LaTeX was written but not compiled")
    r = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", path.name],
        cwd=tmp_path,
        capture_output=True,
        timeout=120,
    )
    assert r.returncode == 0, r.stdout[-2000:]


def test_an_unknown_format_is_refused(tmp_path):
    with pytest.raises(ValueError, match="unknown format"):
        with_phase_figures("text", "rtf", tmp_path / "x.rtf", FIGS)
