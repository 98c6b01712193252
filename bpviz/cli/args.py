"""The command line's arguments: the parsers (every option with its help), ``UsageError`` (bad
input: exit status 2 with one line), and the checks every command shares — NET to a document,
``--sample K`` (counted from 1) to data rows, an output path that can be written.

Standard library only at import time; the core is imported where a check needs it.
"""

from __future__ import annotations

import argparse
import json
import sys

__all__ = [
    "SUBCOMMANDS",
    "UsageError",
    "command_parser",
    "window_parser",
    "resolve_net",
    "sample_rows",
    "first_rows",
    "check_writable",
    "print_json",
    "MAX_REPLAY_STEPS",
    "MAX_JSON_STEPS",
]

SUBCOMMANDS = ("presets", "trace", "train", "gradcheck", "export", "explain")

COUNTING = (
    "Everything you type or read counts from 1, as the window does: samples "
    "(--sample 1 is the first row), phases (--phase 1 is the first phase) and frame "
    "files (01-input.png, ...); only positions inside JSON arrays count from 0."
)
EXIT_STATUS = (
    "Exit status: 0 success, 2 bad input or arguments (one line on stderr), 3 training diverged, "
    "130 interrupted (Ctrl+C; nothing half-written)."
)
# Steps a command replays before its real work (export --steps K): the image's error plot
# keeps every step's error, so K is bounded (docs/CLI.md); train without --json has no bound.
MAX_REPLAY_STEPS = 1_000_000
MAX_JSON_STEPS = 10_000_000  # train --json prints every step's error
NET_HELP = "a preset name (bpviz presets lists them) or a bpviz/1 network file"
SAMPLE_HELP = "use sample K alone (1 = the first row); default: the mode's first step"


class UsageError(Exception):
    """Bad input or arguments: exit status 2 with this one-line message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse would print the usage too)
        raise UsageError(f"{self.prog}: {message}")


def _net(p: argparse.ArgumentParser) -> None:
    p.add_argument("net", metavar="NET", help=NET_HELP)


def _json(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("--json", action="store_true", help=f"print {what} as one JSON object")


def _add_trace(sub) -> None:
    t = sub.add_parser(
        "trace",
        help="one step from the file's weights, every phase with its formula and numbers",
        description="One training step from the file's weights: every phase with its formula and numbers.",
    )
    _net(t)
    t.add_argument("--sample", type=int, metavar="K", help=SAMPLE_HELP)
    _json(t, "the step (layers, gradients, phases)")


def _add_train(sub) -> None:
    tr = sub.add_parser(
        "train",
        help="train N steps from the file; exit 3 if it diverges",
        description="Train N steps from the file's weights. On divergence "
        "training stops at the last finite weights and the exit status is 3.",
    )
    _net(tr)
    tr.add_argument("--steps", type=int, required=True, metavar="N", help="the number of steps (≥ 0)")
    _json(tr, "the error history and the final parameters")
    tr.add_argument("-o", dest="out", metavar="OUT", help="write the trained network to OUT (a bpviz/1 file)")


def _add_gradcheck(sub) -> None:
    g = sub.add_parser(
        "gradcheck",
        help="backprop's gradients against finite differences",
        description="Compare backprop's gradients with finite differences, on the same step as trace.",
    )
    _net(g)
    g.add_argument(
        "--method",
        choices=("central", "forward"),
        default="central",
        help="central (E(w+ε) − E(w−ε)) / 2ε or forward (E(w+ε) − E(w)) / ε differences (default: central)",
    )
    g.add_argument(
        "--eps",
        type=float,
        default=1e-6,
        metavar="E",
        help="the step ε of the differences, > 0 (default: 1e-6)",
    )
    g.add_argument("--sample", type=int, metavar="K", help=SAMPLE_HELP)
    _json(g, "every parameter's two gradients")


def _add_export(sub) -> None:
    e = sub.add_parser(
        "export",
        help="render the canvas, plot, data plane or window to PNG or SVG (offscreen)",
        description="Render the canvas, the error plot, the data plane or the "
        "whole window offscreen and write PNG or SVG (plain SVG 1.1, text "
        "stays text).",
    )
    _net(e)
    e.add_argument(
        "-o",
        dest="out",
        required=True,
        metavar="PATH",
        help="the file to write (.png or .svg), or with --all-phases a folder",
    )
    e.add_argument(
        "--what",
        choices=("canvas", "plot", "window", "data"),
        default="canvas",
        help="the network canvas, the error plot, the whole window, or the data plane "
        "(the samples and the network's output over two inputs) (default: canvas)",
    )
    e.add_argument(
        "--phase",
        metavar="N|NAME",
        help="phase N (1 = the first, as the window counts) or a phase name; default: the "
        "last (--what data: the first, the plane at the weights after --steps)",
    )
    e.add_argument(
        "--steps",
        type=int,
        default=0,
        metavar="K",
        help=f"train K steps first, 0 to {MAX_REPLAY_STEPS:,} (default: 0)",
    )
    e.add_argument("--sample", type=int, metavar="K", help="the step uses sample K alone (1 = the first row)")
    e.add_argument(
        "--all-phases",
        action="store_true",
        help="PATH is a folder: one file per phase, 01-input.png, 02-net-h.png, ...",
    )
    e.add_argument("--legend", action="store_true", help="draw the colour key")
    e.add_argument(
        "--format",
        choices=("png", "svg"),
        help="the image format; default: the suffix of PATH (png for --all-phases)",
    )
    e.add_argument(
        "--scale", type=float, default=1.0, metavar="S", help="multiply the size (1 to 4; default: 1)"
    )
    e.add_argument(
        "--size",
        metavar="WxH",
        help="in pixels; default: canvas 1920x1080 (16:9), plot 900x400, window 1400x860, data 900x900",
    )
    e.add_argument("--theme", choices=("light", "dark"), default="light", help="the colours (default: light)")


def _add_explain(sub) -> None:
    x = sub.add_parser(
        "explain",
        help="one iteration written out as a worked example",
        description="One iteration written out as a worked example: the "
        "network, the data, then every phase with its formula and numbers.",
    )
    _net(x)
    x.add_argument("--sample", type=int, metavar="K", help=SAMPLE_HELP)
    x.add_argument(
        "--format",
        choices=("md", "html", "tex"),
        default="md",
        help="Markdown with $…$ maths, a self-contained HTML page, or a LaTeX article (default: md)",
    )
    x.add_argument("-o", dest="out", metavar="FILE", help="write to FILE (default: standard output)")


def command_parser() -> argparse.ArgumentParser:
    """``bpviz COMMAND …`` and ``bpviz --help``."""
    p = _Parser(
        prog="bpviz",
        usage="bpviz [NET]\n       bpviz COMMAND [options]",
        description="Step through backpropagation, one phase at a time. "
        "bpviz [NET] opens the window on NET, " + NET_HELP + " (default: the mazur "
        "preset). The commands below work without a window; bpviz COMMAND --help "
        "describes each.",
        epilog=COUNTING + " " + EXIT_STATUS,
    )
    # prog: the sub-commands' usage lines start "bpviz trace", not the two-line usage above
    sub = p.add_subparsers(
        dest="command", parser_class=_Parser, title="commands", metavar="COMMAND", prog="bpviz"
    )
    sub.add_parser(
        "presets",
        help="list the built-in presets, one line each",
        description="List the built-in presets: name and title, one line each.",
    )
    _add_trace(sub)
    _add_train(sub)
    _add_gradcheck(sub)
    _add_export(sub)
    _add_explain(sub)
    return p


def window_parser() -> argparse.ArgumentParser:
    """``bpviz [NET]``: open the window."""
    p = _Parser(
        prog="bpviz",
        description="Open the bpviz window. Commands: "
        + ", ".join(SUBCOMMANDS)
        + " (bpviz --help lists them).",
    )
    p.add_argument("net", nargs="?", metavar="NET", help=NET_HELP + " (default: mazur)")
    return p


def resolve_net(name: str):
    """The document NET names (a preset or a file); FormatError names the file and JSON path."""
    from bpviz.core.presets import resolve

    return resolve(name)


def sample_rows(doc, sample: int | None) -> list[int] | None:
    """The 0-based data row of ``--sample K`` (K counts from 1, as the window does)."""
    if sample is None:
        return None
    n = doc.n_samples
    if not 1 <= sample <= n:
        which = "there is one sample, number 1" if n == 1 else f"samples are numbered 1 to {n}"
        raise UsageError(f"--sample {sample}: {which}")
    return [sample - 1]


def first_rows(doc, sample: int | None) -> list[int]:
    """The 0-based rows of the step ``trace`` shows: the mode's first step, or --sample K
    (1-based)."""
    from bpviz.core.training import Schedule

    rows = sample_rows(doc, sample)
    if rows is not None:
        return rows
    return list(Schedule(doc.n_samples, doc.mode, doc.batch_size, doc.shuffle_seed).rows(0))


def check_writable(path: str) -> None:
    """A file can be written at ``path`` (its folder exists and is writable, and it is not a
    folder or a read-only file: ``-o`` never replaces a read-only file). A symbolic link is
    checked at its target, which a save replaces (``bpviz.core.atomic``)."""
    from bpviz.core.atomic import check_writable as atomic_check

    try:
        atomic_check(path)
    except OSError as e:
        raise UsageError(f"{path}: {e.strerror or e}") from None


def print_json(obj, net: str = "") -> None:
    """One line of standard JSON (no NaN / Infinity: those are bad input)."""
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise UsageError(
            f"{net}: the step's values are not finite (an overflow); try a smaller "
            "learning rate or smaller weights"
        ) from None
    sys.stdout.write(text + "\n")
