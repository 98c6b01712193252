"""The window's panels beside the canvas (each a widget on the session), e.g. the data editor."""
