"""Training from the window: the controller (the only part that talks to the engine), the
worker thread that carries its commands, and the Training dock."""

from bpviz.gui.training.controller import TrainingController
from bpviz.gui.training.panel import TrainingPanel

__all__ = ["TrainingController", "TrainingPanel"]
