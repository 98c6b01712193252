"""The worked-example writers treat text from a file as text (issue 13, item 7): markup in a
title, layer names, neuron, weight and bias labels appears literally in the HTML (escaped, so a
browser shows it and loads nothing), LaTeX's special characters are escaped (the file cannot
inject commands), and Markdown escapes what would be markup."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import pytest

from bpviz.core import fileformat
from bpviz.core.iteration.phases import trace_step
from bpviz.core.presets import preset_path
from bpviz.core.teach.worked_example import explain

IMG = "<img src='/dev/zero'>"
TEX = "\\input{/etc/passwd}$^_&%#{}~"


def _doc(tmp_path, title=IMG, hidden=IMG):
    obj = json.loads(preset_path("mazur").read_text(encoding="utf-8"))
    obj["title"] = title
    obj["layers"][1]["name"] = hidden
    obj["labels"]["neurons"][1] = [hidden, "h&2"]
    obj["labels"]["neurons"][2] = ["<b>o1</b>", "o2"]
    obj["labels"]["weights"][0][0][0] = "<u>w1</u>"
    obj["labels"]["biases"][0] = ["<s>b1</s>", "<s>b1</s>"]
    p = tmp_path / "m.bpviz.json"
    p.write_text(json.dumps(obj), encoding="utf-8")
    doc = fileformat.load(p)
    return doc, trace_step(doc, [0])


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)

    def handle_data(self, data):
        self.text.append(data)


def test_html_shows_markup_from_the_file_as_text(tmp_path):
    doc, tr = _doc(tmp_path)
    out = explain(doc, tr, "html")
    parsed = _Tags()
    parsed.feed(out)
    assert not {"img", "b", "u", "s", "script"} & parsed.tags, parsed.tags & {"img", "b", "u", "s"}
    text = "".join(parsed.text)
    assert IMG in text  # shown literally: the title, the layer's name, the neuron's label
    assert "<b>o1</b>" in text and "<u>w1</u>" in text
    assert "&lt;img src=" in out and "<img" not in out


def test_latex_escapes_every_special_character_from_the_file(tmp_path):
    doc, tr = _doc(tmp_path, title=TEX, hidden="a$b_c")
    out = explain(doc, tr, "tex")
    body = out.split("\\begin{document}", 1)[1]
    assert "\\input" not in body  # no command from the file
    assert "\\textbackslash{}input\\{/etc/passwd\\}\\$\\^{}\\_\\&\\%\\#\\{\\}\\~{}" in body
    # every $ in the body pairs up: the file's $ never opens maths
    assert body.replace("\\$", "").count("$") % 2 == 0


def test_latex_of_markup_and_specials_in_names(tmp_path):
    """In LaTeX "<" is only a character (in text as $<$, in maths a relation): harmless. What
    could inject commands are its specials: a label made of them is written escaped."""
    doc, tr = _doc(tmp_path, hidden="a\\b{c}$d&e#f%g^h_i~j")
    out = explain(doc, tr, "tex")
    assert "$<$img src='/dev/zero'$>$" in out  # the title, as text
    # the neuron's label inside maths: every special escaped
    assert "a\\backslash b\\{c\\}\\$d\\&e\\#f\\%g\\wedge h\\_i\\sim j" in out
    assert "a\\b{c}" not in out


def test_markdown_escapes_markup_and_maths_from_the_file(tmp_path):
    doc, tr = _doc(tmp_path, title=IMG + " $x$ *y*")
    out = explain(doc, tr, "md")
    first = out.splitlines()[0]
    assert first == "# \\<img src='/dev/zero'\\> \\$x\\$ \\*y\\*"
    assert "<img" not in re.sub(r"\\<img", "", out)


@pytest.mark.parametrize("fmt", ["md", "html", "tex"])
def test_a_lone_surrogate_or_control_character_never_reaches_a_writer_unrefused(tmp_path, fmt):
    """The loader refuses them, so no writer sees one; the worked example of a title with
    markup still writes (and encodes as UTF-8)."""
    obj = json.loads(preset_path("mazur").read_text(encoding="utf-8"))
    p = tmp_path / "s.bpviz.json"
    p.write_text(json.dumps(obj)[:-1] + ', "title": "a\\ud800b"}', encoding="utf-8")
    with pytest.raises(fileformat.FormatError):
        fileformat.load(p)
    doc, tr = _doc(tmp_path)
    explain(doc, tr, fmt).encode("utf-8")
