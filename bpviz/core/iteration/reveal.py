"""What the stepper has revealed so far: the one answer to "is this known yet?".

Views ask ``Revealed`` whether a quantity of a layer is known at the current phase, instead of
spelling phase names ("delta:h") themselves; the phase list (``Phase.reveals``) is the only
place that says which phase reveals what.
"""

from __future__ import annotations

from collections.abc import Sequence

from bpviz.core.iteration.phases import Phase

__all__ = ["Revealed", "reveal_index", "QUANTITIES"]

# every quantity a phase can reveal, and the layers it exists for (k of 0…L; None: no layer)
QUANTITIES = (
    "input",
    "target",
    "net",
    "out",
    "error",
    "grad_out",
    "fprime",
    "delta",
    "grad_w",
    "grad_b",
    "after",
)


def reveal_index(phases: Sequence[Phase]) -> dict[tuple[str, int | None], int]:
    """(quantity, layer) → the index of the phase that reveals it (each exactly once)."""
    at: dict[tuple[str, int | None], int] = {}
    for ph in phases:
        for key in ph.reveals:
            if key in at:
                raise ValueError(f"{key} is revealed twice: at phases {at[key]} and {ph.index}")
            at[key] = ph.index
    return at


class Revealed:
    """The state of one iteration at phase ``index``: ``known("delta", k)``."""

    def __init__(
        self, phases: Sequence[Phase], index: int, at: dict[tuple[str, int | None], int] | None = None
    ) -> None:
        self.phases = phases
        self.index = index
        self._at = at if at is not None else reveal_index(phases)

    def known(self, quantity: str, k: int | None = None) -> bool:
        """Whether the quantity of layer k (no layer for ``after``) has been revealed."""
        try:
            return self._at[(quantity, k)] <= self.index
        except KeyError:
            raise KeyError(f"no phase reveals {quantity} of layer {k}") from None

    def at(self, quantity: str, k: int | None = None) -> int:
        """The index of the phase that reveals the quantity of layer k."""
        return self._at[(quantity, k)]
