"""``bpviz export``: check the arguments (scale, size, phase, output path: bad ones are exit 2
before anything is written), train ``--steps`` with the numpy core, then hand plain values to
the GUI's offscreen renderer (``bpviz.gui.export.headless``), imported only here, and map its
errors to exit statuses. Returns 3 when training diverged (the image then shows the last
finite weights).

Ctrl+C: during ``--steps`` (progress on a terminal) it stops at once; while Qt draws it stops
once the image being drawn is written (a second Ctrl+C stops at once), because an interrupt
inside one of Qt's callbacks would not stop it but print a traceback. Either way exit status
130, and every file is complete: the old one, or the new one."""

from __future__ import annotations

import math
import os
import re
import sys
from pathlib import Path

from bpviz.cli.args import MAX_REPLAY_STEPS, UsageError, check_writable, resolve_net, sample_rows
from bpviz.cli.progress import Progress, deferred_interrupt

__all__ = ["cmd_export"]

IMAGE_FORMATS = ("png", "svg")


def parse_size(text: str | None, what: str, headless) -> tuple[int, int]:
    """``--size WxH`` in pixels (``1200x800``, ``1200×800``), or the default of ``what``."""
    if text is None:
        return headless.DEFAULT_SIZES[what]
    m = re.fullmatch(r"\s*(\d{1,6})\s*[xX×]\s*(\d{1,6})\s*", text)
    if not m:
        raise UsageError(f"--size {text}: expected WIDTHxHEIGHT in pixels, e.g. 1200x800")
    w, h = int(m.group(1)), int(m.group(2))
    if min(w, h) < headless.MIN_SIZE or max(w, h) > headless.MAX_PIXELS:
        raise UsageError(
            f"--size {text}: each side must be {headless.MIN_SIZE} to {headless.MAX_PIXELS} pixels"
        )
    return w, h


def phase_index(text: str | None, names: list[str], default: int | None = None) -> int:
    """The 0-based phase of ``--phase N|NAME`` (N counts from 1; default: ``default``, else
    the last)."""
    if text is None:
        return len(names) - 1 if default is None else default
    t = text.strip()
    if re.fullmatch(r"[+-]?\d+", t):
        n = int(t)  # counted as the window counts: 1 is the first phase
        if not 1 <= n <= len(names):
            raise UsageError(
                f"--phase {text}: phases are numbered 1 to {len(names)} "
                f"(or give a name: {names[0]}, {names[1]}, …, {names[-1]})"
            )
        return n - 1
    if t not in names:
        raise UsageError(f"--phase {text}: no such phase (phases: {', '.join(names)})")
    return names.index(t)


def _folder_target(out: Path, fmt: str | None) -> tuple[Path, str]:
    if out.exists() and not out.is_dir():
        raise UsageError(f"{out}: --all-phases writes one file per phase into a folder, and this is a file")
    if not out.exists() and out.suffix.lower() in (".png", ".svg"):
        raise UsageError(f"{out}: --all-phases writes one file per phase into a folder; give a folder name")
    anc = out.resolve()
    while not anc.exists() and anc != anc.parent:  # the nearest existing folder
        anc = anc.parent
    if not anc.is_dir() or not os.access(anc, os.W_OK | os.X_OK):
        raise UsageError(f"{out}: cannot write there ({anc} is not a writable folder)")
    return out, fmt or "png"


def _check_frames(folder: Path, fmt: str, names: list[str]) -> None:
    """Every frame --all-phases writes into ``folder`` can be written (none is read-only),
    before the first one is."""
    if not folder.is_dir():
        return  # created later: nothing in it yet
    from bpviz.gui.export.names import phase_file_name  # Qt-free

    for i, name in enumerate(names):
        try:
            file_name = phase_file_name(i, name, fmt, len(names))
        except ValueError:
            continue  # the renderer reports a name it cannot use
        if "\0" not in file_name and "/" not in file_name:
            check_writable(str(folder / file_name))


def output_target(out: str, fmt: str | None, all_phases: bool) -> tuple[Path, str]:
    """The output (a file, or a folder with --all-phases) and the image format; nothing is
    created."""
    path = Path(out)
    if all_phases:
        return _folder_target(path, fmt)
    if path.is_dir():
        raise UsageError(f"{path}: is a folder, expected a file name")
    suffix = path.suffix.lower().lstrip(".")
    if suffix in IMAGE_FORMATS:
        if fmt and fmt != suffix:
            raise UsageError(f"{path}: --format {fmt} does not match the suffix .{suffix}")
        fmt = suffix
    elif not fmt:
        raise UsageError(
            f"{path}: unknown image format "
            f"{('.' + suffix) if suffix else '(no suffix)'}; "
            "use .png or .svg, or --format"
        )
    check_writable(str(path))  # a folder that exists and can be written, not a read-only file
    return path, fmt


def _train(doc, steps: int, headless):
    """(what the renderer shows after ``steps`` steps, the step that diverged or None)."""
    from bpviz.core.training import Trainer

    trainer = Trainer(doc, track_epoch_error=True)
    with Progress("export: training", steps, "step") as progress:
        while trainer.step < steps and trainer.diverged_at is None:
            trainer.run(max_steps=steps - trainer.step, seconds=0.25)
            progress(trainer.step)
    net = trainer.network
    trained = headless.Trained(
        net.weights,
        net.biases,
        trainer.step,
        [float(e) for e in trainer.error_history],
        [(int(a), float(b)) for a, b in trainer.epoch_errors],
    )
    return trained, trainer.diverged_at


def cmd_export(args) -> int:
    try:
        from bpviz.gui.export import headless
    except ImportError as e:
        raise UsageError(f"bpviz export: the window is not available here ({e})") from None

    # -- everything that needs no network first
    scale = float(args.scale)
    if not (math.isfinite(scale) and headless.MIN_SCALE <= scale <= headless.MAX_SCALE):
        raise UsageError(
            f"--scale {args.scale:g}: expected a number from {headless.MIN_SCALE:g} to {headless.MAX_SCALE:g}"
        )
    width, height = parse_size(args.size, args.what, headless)
    if max(width, height) * scale > headless.MAX_PIXELS:
        raise UsageError(
            f"--size {width}x{height} at --scale {scale:g} is too large "
            f"(at most {headless.MAX_PIXELS} pixels a side)"
        )
    steps = int(args.steps or 0)
    if not 0 <= steps <= MAX_REPLAY_STEPS:
        raise UsageError(f"--steps {steps:,}: expected a number from 0 to {MAX_REPLAY_STEPS:,}")
    if args.all_phases and args.phase is not None:
        raise UsageError("--phase and --all-phases exclude each other")
    out, fmt = output_target(args.out, args.format, args.all_phases)
    doc = resolve_net(args.net)

    from bpviz.core.iteration.phases import phase_names

    names = phase_names(doc.network)
    # the data plane opens on the first phase: the plane at the weights after --steps (at the
    # update phase it draws the next update's boundary before and after)
    first = 0 if args.what == "data" else None
    phase = None if args.all_phases else phase_index(args.phase, names, first)
    if args.all_phases:
        _check_frames(out, fmt, names)
    rows = sample_rows(doc, args.sample)  # --sample K counts from 1
    trained, diverged_at = _train(doc, steps, headless) if steps else (None, None)

    job = headless.OffscreenExport(
        doc=doc,
        source=args.net,
        out=out,
        fmt=fmt,
        what=args.what,
        size=(width, height),
        scale=scale,
        phase=phase,
        all_phases=args.all_phases,
        sample_row=None if rows is None else rows[0],
        legend=args.legend,
        theme=args.theme,
        trained=trained,
    )
    try:
        with deferred_interrupt():  # Qt draws: Ctrl+C ends once the file is written
            headless.export_offscreen(job)
    except headless.TooSmall as e:
        raise UsageError(f"--size {e}") from None
    except headless.ExportError as e:
        raise UsageError(str(e)) from None
    if diverged_at is not None:
        print(
            f"bpviz export: training diverged at step {diverged_at} (a value was not "
            f"finite); the image shows the weights after step {diverged_at - 1}.",
            file=sys.stderr,
        )
        return 3
    return 0
