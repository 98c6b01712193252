"""The canvas at each phase, added to a written worked example: a last section with one
figure a phase, embedded in HTML (one self-contained file), or PNG files in a folder beside a
Markdown or LaTeX document. The images come from whoever drew them (the window); this module
only writes them into the document, with each format's own text escaping."""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import Path

from bpviz.core.teach import latex, markdown

__all__ = ["PhaseFigure", "HEADING", "with_phase_figures"]

HEADING = "The canvas at each phase"


@dataclass(frozen=True)
class PhaseFigure:
    """One phase's picture: ``file_name`` is used beside Markdown and LaTeX (``01-input.png``),
    ``title`` is the caption, ``png`` the image."""

    file_name: str
    title: str
    png: bytes


def with_phase_figures(text: str, fmt: str, path: str | Path, figures) -> str:
    """``text`` (a worked example in ``fmt``: html, md or tex, to be written to ``path``) with
    a last section showing ``figures``. For md and tex the images are written now, to the
    folder ``<stem>-phases`` beside ``path``, and the document links to them."""
    figures = list(figures)
    if fmt == "html":
        return _html(text, figures)
    if fmt not in ("md", "tex"):
        raise ValueError(f"unknown format {fmt!r}: expected html, md or tex")
    path = Path(path)
    folder = path.with_name(path.stem + "-phases")
    folder.mkdir(exist_ok=True)
    links = []
    for f in figures:
        (folder / f.file_name).write_bytes(f.png)
        links.append((f"{folder.name}/{f.file_name}", f.title))
    return _markdown(text, links) if fmt == "md" else _latex(text, links)


def _html(text: str, figures: list[PhaseFigure]) -> str:
    figs = "".join(
        f'<figure><img alt="{html.escape(f.title)}" style="max-width:100%" '
        f'src="data:image/png;base64,{base64.b64encode(f.png).decode()}">'
        f"<figcaption>{html.escape(f.title)}</figcaption></figure>\n"
        for f in figures
    )
    section = f"<section><h2>{HEADING}</h2>\n{figs}</section>\n"
    i = text.rfind("</main>")
    return text[:i] + section + text[i:] if i >= 0 else text + section


def _markdown(text: str, links: list[tuple[str, str]]) -> str:
    return (
        text
        + f"\n## {HEADING}\n\n"
        + "".join(f"![{markdown.escape(t)}]({f})\n\n*{markdown.escape(t)}*\n\n" for f, t in links)
    )


def _latex(text: str, links: list[tuple[str, str]]) -> str:
    body = "".join(
        f"\\begin{{center}}\\includegraphics[width=\\linewidth]{{{f}}}\\\\\n"
        f"\\small {latex.escape(t)}\\end{{center}}\n"
        for f, t in links
    )
    text = text.replace("\\usepackage{amsmath}", "\\usepackage{amsmath}\n\\usepackage{graphicx}", 1)
    i = text.rfind("\\end{document}")
    section = f"\\section*{{{HEADING}}}\n" + body
    return text[:i] + section + text[i:] if i >= 0 else text + section
