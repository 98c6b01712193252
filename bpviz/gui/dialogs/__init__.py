"""The window's dialogs: the network dialog (File → New network…, Edit → Network…) and its
Qt-free field rules (``network_fields``)."""
