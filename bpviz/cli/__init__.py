"""The command line: ``bpviz [NET]`` opens the window; ``bpviz presets | trace | train |
gradcheck | export | explain`` work without one (docs/CLI.md describes every option, JSON key
and exit status).

* ``args.py`` — the parsers, ``UsageError``, NET / ``--sample`` / output-path checks.
* ``core_commands.py`` — presets, trace, train, gradcheck: numpy only.
* ``explain.py`` — the worked example, from the core, written atomically.
* ``export.py`` — checks, then the GUI's offscreen renderer, given plain values.
* ``progress.py`` — progress on a terminal for long work; Ctrl+C held while Qt draws.

Exit status: 0 success, 2 bad input or arguments (one line on stderr, never a traceback),
3 training diverged, 130 interrupted (Ctrl+C: one line, ``bpviz: interrupted``; outputs are
written atomically, so an interrupt leaves the old file or none). Importing this package
loads no numpy, so a Ctrl+C at start-up already meets :func:`main`'s handler. Only
``export`` and the window import Qt.
Nothing in bpviz imports this package; it imports the core, and the GUI only inside the two
commands that draw.
"""

from __future__ import annotations

import os
import sys

from bpviz.cli.args import (
    SUBCOMMANDS,
    UsageError,
    command_parser,
    resolve_net,
    window_parser,
)
from bpviz.cli.progress import INTERRUPTED

__all__ = ["main", "UsageError", "COMMANDS", "open_window"]


def _command(module: str, name: str):
    """A sub-command, imported when it runs (the window's start-up loads none of them)."""

    def run(args):
        import importlib

        return getattr(importlib.import_module(f"bpviz.cli.{module}"), name)(args)

    run.__name__ = name
    return run


COMMANDS = {
    "presets": _command("core_commands", "cmd_presets"),
    "trace": _command("core_commands", "cmd_trace"),
    "train": _command("core_commands", "cmd_train"),
    "gradcheck": _command("core_commands", "cmd_gradcheck"),
    "export": _command("export", "cmd_export"),
    "explain": _command("explain", "cmd_explain"),
}


def open_window(net: str | None) -> int:
    """``bpviz [NET]``: the window on NET (default: mazur); exit 2 without a display or Qt."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY") or os.environ.get("QT_QPA_PLATFORM")
    ):
        raise UsageError(
            "bpviz: no display to open the window on (DISPLAY is not set); the "
            "sub-commands trace, train, gradcheck, export and explain need none"
        )
    try:
        from bpviz.gui.app import run
    except ImportError as e:
        raise UsageError(f"bpviz: the window needs Qt, which did not load: {e}") from None

    return run(net)


def main(argv: list[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: ``sys.argv[1:]``); returns the exit status."""
    from bpviz.core.fileformat import FormatError

    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        if argv and argv[0] in SUBCOMMANDS or argv and argv[0] in ("-h", "--help"):
            args = command_parser().parse_args(argv)
            if args.command is None:
                return 0
            return COMMANDS[args.command](args)
        args = window_parser().parse_args(argv)
        if args.net is not None:
            resolve_net(args.net)  # a bad file is reported here, before any window opens
        return open_window(args.net)
    except UsageError as e:
        print(str(e), file=sys.stderr)
        return 2
    except FormatError as e:
        print(f"bpviz: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(INTERRUPTED, file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except OSError as e:
        print(os_error_text(e), file=sys.stderr)
        return 2


def os_error_text(e: OSError) -> str:
    """One line for a failed read or write, naming the path whenever the error knows it."""
    reason = e.strerror or str(e) or type(e).__name__
    if e.filename is None or str(e.filename) == "":
        return f"bpviz: {reason}"
    return f"bpviz: {e.filename}: {reason}"
