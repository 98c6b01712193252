"""``bpviz explain``: resolve NET, the step's samples and the output path, ask the core for the
worked example (``bpviz.core.teach.worked_example``) and write it atomically, or to stdout.
numpy and the core only; never Qt."""

from __future__ import annotations

import sys

from bpviz.cli.args import UsageError, check_writable, first_rows, resolve_net

__all__ = ["cmd_explain"]


def cmd_explain(args) -> int:
    from bpviz.core.atomic import write_atomic
    from bpviz.core.iteration.phases import trace_step
    from bpviz.core.teach.worked_example import ExplainError, explain

    if args.out:
        check_writable(args.out)
    doc = resolve_net(args.net)
    tr = trace_step(doc, first_rows(doc, args.sample), velocity=doc.velocity)  # (momentum's saved v)
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
