"""The command line (shared/design/CLI.md): open the window, or trace / train / gradcheck /
export / explain / presets without one.

Exit status: 0 success, 2 bad input or arguments (one line on stderr, never a traceback),
3 training diverged. Sub-commands other than ``export`` and the window never import Qt.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

import numpy as np

SUBCOMMANDS = ("presets", "trace", "train", "gradcheck", "export", "explain")


class UsageError(Exception):
    """Bad input or arguments: exit status 2 with this one-line message."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line, exit 2 (argparse would print the usage too)
        raise UsageError(f"{self.prog}: {message}")


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="bpviz", description="Step through backpropagation, one phase at a time. "
                "Everything you type or read counts from 1, as the window does: samples "
                "(--sample 1 is the first row), phases (--phase 1 is the first phase) and "
                "frame files (01-input.png, ...); only positions inside JSON arrays count "
                "from 0.")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    sub.add_parser("presets", help="list the built-in presets")

    t = sub.add_parser("trace", help="one step from the file's weights, every phase")
    t.add_argument("net", metavar="NET", help="a preset name or a bpviz/1 file")
    t.add_argument("--sample", type=int, metavar="K",
                   help="use sample K alone (1 = the first row)")
    t.add_argument("--json", action="store_true", help="print one JSON object")

    tr = sub.add_parser("train", help="train N steps from the file")
    tr.add_argument("net", metavar="NET")
    tr.add_argument("--steps", type=int, required=True, metavar="N")
    tr.add_argument("--json", action="store_true")
    tr.add_argument("-o", dest="out", metavar="OUT", help="write the trained network (bpviz/1)")

    g = sub.add_parser("gradcheck", help="backprop against finite differences")
    g.add_argument("net", metavar="NET")
    g.add_argument("--method", choices=("central", "forward"), default="central")
    g.add_argument("--eps", type=float, default=1e-6, metavar="E")
    g.add_argument("--sample", type=int, metavar="K",
                   help="use sample K alone (1 = the first row)")
    g.add_argument("--json", action="store_true")

    e = sub.add_parser("export", help="render the canvas, plot or window to PNG or SVG")
    e.add_argument("net", metavar="NET")
    e.add_argument("-o", dest="out", required=True, metavar="PATH")
    e.add_argument("--what", choices=("canvas", "plot", "window"), default="canvas")
    e.add_argument("--phase", metavar="N|NAME",
                   help="phase N (1 = the first, as the window counts) or a phase name; "
                   "default: the last")
    e.add_argument("--steps", type=int, default=0, metavar="K",
                   help="train K steps first")
    e.add_argument("--sample", type=int, metavar="K",
                   help="the step uses sample K alone (1 = the first row)")
    e.add_argument("--all-phases", action="store_true",
                   help="PATH is a folder: one file per phase, 01-input.png, 02-net-h.png, ...")
    e.add_argument("--legend", action="store_true", help="draw the colour key")
    e.add_argument("--format", choices=("png", "svg"))
    e.add_argument("--scale", type=float, default=1.0, metavar="S",
                   help="multiply the size (1 to 4)")
    e.add_argument("--size", metavar="WxH",
                   help="in pixels; default: canvas 1920x1080 (16:9), plot 900x400, "
                   "window 1400x860")
    e.add_argument("--theme", choices=("light", "dark"), default="light")

    x = sub.add_parser("explain", help="one iteration written out as a worked example")
    x.add_argument("net", metavar="NET")
    x.add_argument("--sample", type=int, metavar="K",
                   help="use sample K alone (1 = the first row)")
    x.add_argument("--format", choices=("md", "html", "tex"), default="md")
    x.add_argument("-o", dest="out", metavar="FILE")
    return p


def _gui_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="bpviz", description="Open the bpviz window. Sub-commands: "
                + ", ".join(SUBCOMMANDS) + " (bpviz COMMAND --help).")
    p.add_argument("net", nargs="?", metavar="NET", help="a preset name or a bpviz/1 file "
                   "(default: mazur)")
    return p


# ----------------------------------------------------------------------------------- helpers
def _doc(name: str):
    from bpviz.core.presets import resolve

    return resolve(name)


def _rows(doc, sample: int | None):
    """The 0-based data row of ``--sample K`` (K counts from 1, as the window does)."""
    if sample is None:
        return None
    n = doc.n_samples
    if not 1 <= sample <= n:
        which = "there is one sample, number 1" if n == 1 else f"samples are numbered 1 to {n}"
        raise UsageError(f"--sample {sample}: {which}")
    return [sample - 1]


def _first_rows(doc, sample: int | None):
    """The 0-based rows of the step `trace` shows: the mode's first step, or --sample K
    (1-based)."""
    from bpviz.core.training import Schedule

    rows = _rows(doc, sample)
    if rows is not None:
        return rows
    return list(Schedule(doc.n_samples, doc.mode, doc.batch_size, doc.shuffle_seed).rows(0))


def _check_writable(path: str) -> None:
    parent = Path(path).resolve().parent
    if Path(path).is_dir():
        raise UsageError(f"{path}: is a folder, expected a file name")
    if not parent.is_dir():
        raise UsageError(f"{path}: folder {parent} does not exist")
    if not os.access(parent, os.W_OK):
        raise UsageError(f"{path}: folder {parent} is not writable")


def _print_json(obj, net: str = "") -> None:
    try:
        text = json.dumps(obj, ensure_ascii=False, allow_nan=False)
    except ValueError:
        raise UsageError(f"{net}: the step's values are not finite (an overflow); try a smaller "
                         "learning rate or smaller weights") from None
    sys.stdout.write(text + "\n")


# ----------------------------------------------------------------------------------- commands
def cmd_presets(args) -> int:
    from bpviz.core.presets import preset_titles

    for name, title in preset_titles():
        print(f"{name:10s} {title}")
    return 0


def cmd_trace(args) -> int:
    from bpviz.core.iteration.phases import trace_step
    from bpviz.core.teach.trace import formula_text, lines_text, trace_json

    doc = _doc(args.net)
    tr = trace_step(doc, _first_rows(doc, args.sample))
    finite = math.isfinite(tr.error) and all(
        np.isfinite(a).all() for a in [*tr.weights_after, *tr.p.grad_w, *tr.p.delta[1:]])
    if not finite:
        raise UsageError(f"{args.net}: the step's values are not finite (an overflow); try a "
                         "smaller learning rate or smaller weights")
    if args.json:
        obj = trace_json(tr)
        obj["samples"] = [int(s) + 1 for s in tr.samples]  # counted as the window does
        _print_json(obj, args.net)
        return 0
    nums = [int(s) + 1 for s in tr.samples]
    which = (f"sample {nums[0]}" if len(nums) == 1 else
             f"samples {nums[0]} to {nums[-1]}" if nums == list(range(nums[0], nums[-1] + 1))
             else "samples " + ", ".join(map(str, nums)))
    print(f"{doc.title or args.net} — one step on {which} of {doc.n_samples}, "
          f"learning rate {doc.learning_rate:g}")
    width = len(str(len(tr.phases)))
    for ph in tr.phases:
        print()
        print(f"[{ph.index + 1:{max(2, width)}d}] {ph.name} — {ph.title}")
        print(f"     {formula_text(ph)}")
        for line in lines_text(ph):
            print(f"       {line}")
    return 0


def cmd_train(args) -> int:
    from bpviz.core import fileformat
    from bpviz.core.training import Trainer

    if args.steps < 0:
        raise UsageError(f"--steps {args.steps}: expected a number ≥ 0")
    doc = _doc(args.net)
    if args.out:
        _check_writable(args.out)
    trainer = Trainer(doc)
    t0 = time.perf_counter()
    show = sys.stderr.isatty()
    shown = False
    while trainer.step < args.steps and trainer.diverged_at is None:
        trainer.run(max_steps=args.steps - trainer.step, seconds=0.25)
        if show and time.perf_counter() - t0 > 1.0:
            sys.stderr.write(f"\rstep {trainer.step:,} / {args.steps:,}  "
                             f"({100 * trainer.step / max(args.steps, 1):.0f} %)")
            sys.stderr.flush()
            shown = True
    if shown:
        sys.stderr.write("\n")
    dt = time.perf_counter() - t0
    final = trainer.data_error()
    net = trainer.network
    if args.out:
        out = doc.copy()
        out.network = net.copy()
        out.session = None  # the input's saved progress does not describe these weights
        fileformat.save(out, args.out)
    if args.json:
        _print_json({
            "steps": trainer.step,
            "error_history": trainer.error_history.tolist(),
            "final_error": final if math.isfinite(final) else None,
            "weights": [w.tolist() for w in net.weights],
            "biases": None if net.biases is None else [b.tolist() for b in net.biases],
            "diverged_at": trainer.diverged_at,
        })
    else:
        print(f"{trainer.step} steps in {dt:.3f} s; final error {final:.9g}")
    if trainer.diverged_at is not None:
        print(f"bpviz train: diverged at step {trainer.diverged_at} (a value was not finite); "
              f"kept the weights after step {trainer.diverged_at - 1}. "
              f"Try a smaller learning rate than {doc.learning_rate:g}.", file=sys.stderr)
        return 3
    return 0


def cmd_gradcheck(args) -> int:
    from bpviz.core.gradcheck import gradcheck
    from bpviz.core.numbers import fmt

    if not args.eps > 0 or not math.isfinite(args.eps):
        raise UsageError(f"--eps {args.eps:g}: expected a number > 0")
    doc = _doc(args.net)
    rows = _first_rows(doc, args.sample)
    res = gradcheck(doc.network, doc.inputs[rows], doc.targets[rows], args.method, args.eps)
    if not math.isfinite(res.max_abs_diff):
        raise UsageError(f"{args.net}: the gradients are not finite (an overflow); try smaller "
                         "weights")
    if args.json:
        _print_json(res.to_json(), args.net)
        return 0
    lab = doc.network.labels
    print(f"{'parameter':>14s} {'backprop':>16s} {'numeric':>16s} {'difference':>12s}")
    for e in res.weights:
        name = lab.weights[e["layer"]][e["row"]][e["col"]]
        print(f"{name:>14s} {fmt(e['analytic']):>16s} {fmt(e['numeric']):>16s} "
              f"{abs(e['analytic'] - e['numeric']):12.3g}")
    for e in res.biases:
        name = f"{lab.biases[e['layer']][e['index']]}({lab.neurons[e['layer'] + 1][e['index']]})"
        print(f"{name:>14s} {fmt(e['analytic']):>16s} {fmt(e['numeric']):>16s} "
              f"{abs(e['analytic'] - e['numeric']):12.3g}")
    print(f"max |backprop − numeric| = {res.max_abs_diff:.3g} ({args.method}, ε = {args.eps:g})")
    return 0


def cmd_export(args) -> int:
    try:
        from bpviz.gui.export import export_command
    except ImportError as e:
        raise UsageError(f"bpviz export: the window is not available here ({e})") from None
    return export_command(args)


def cmd_explain(args) -> int:
    """The CLI resolves NET, the step's samples and the output path, then asks the core for the
    text (``bpviz.core.teach.worked_example``) and writes it atomically."""
    from bpviz.core.atomic import write_atomic
    from bpviz.core.iteration.phases import trace_step
    from bpviz.core.teach.worked_example import ExplainError, explain

    if args.out:
        _check_writable(args.out)
    doc = _doc(args.net)
    tr = trace_step(doc, _first_rows(doc, args.sample))
    try:
        text = explain(doc, tr, args.format, name=args.net, explicit=args.sample is not None)
    except ExplainError as e:
        raise UsageError(f"{args.net}: {e}") from None
    if args.out:
        write_atomic(args.out, text)
        return 0
    try:
        sys.stdout.write(text)
    except UnicodeEncodeError:
        sys.stdout.flush()
        sys.stdout.buffer.write(text.encode("utf-8"))
    sys.stdout.flush()
    return 0


def open_window(net: str | None) -> int:
    if sys.platform.startswith("linux") and not (os.environ.get("DISPLAY")
                                                 or os.environ.get("WAYLAND_DISPLAY")
                                                 or os.environ.get("QT_QPA_PLATFORM")):
        raise UsageError("bpviz: no display to open the window on (DISPLAY is not set); the "
                         "sub-commands trace, train, gradcheck, export and explain need none")
    try:
        from bpviz.gui.app import run
    except ImportError as e:
        raise UsageError(f"bpviz: the window needs Qt, which did not load: {e}") from None

    return run(net)


COMMANDS = {"presets": cmd_presets, "trace": cmd_trace, "train": cmd_train,
            "gradcheck": cmd_gradcheck, "export": cmd_export, "explain": cmd_explain}


def main(argv: list[str] | None = None) -> int:
    from bpviz.core.fileformat import FormatError

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv and argv[0] in SUBCOMMANDS or argv and argv[0] in ("-h", "--help"):
            args = _parser().parse_args(argv)
            if args.command is None:
                return 0
            return COMMANDS[args.command](args)
        args = _gui_parser().parse_args(argv)
        if args.net is not None:
            _doc(args.net)  # a bad file is reported here, before any window opens
        return open_window(args.net)
    except UsageError as e:
        print(str(e), file=sys.stderr)
        return 2
    except FormatError as e:
        print(f"bpviz: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("bpviz: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        print(f"bpviz: {e.filename or ''}: {e.strerror or e}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
