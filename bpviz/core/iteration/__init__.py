"""The one model of one training iteration: its trace, its phase list, what each phase
reveals, and the chain rule as data (equations built from the network's own labels)."""
