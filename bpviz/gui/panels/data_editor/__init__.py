"""The data editor (the "Data" dock): the samples as a table of inputs and targets, checked as
they are typed and applied to the session as one undo step per edit.

- ``editor``: the widget (:class:`DataEditor`): toolbars, status line, row actions, applying.
- ``model``: the table's content (:class:`DataModel`): numbers, and the text of cells to fix.
- ``table``: the table view and its cell delegate (checking as typed, keys).
- ``clipboard``: copy and paste of blocks; ``csv_files``: CSV import and export;
  ``generate``: Data → Generate (:class:`GenerateDialog`: every generator, its parameters, a
  preview and whether the set fits the network); ``generate_plan``: what a spec does to a
  document (no Qt).
"""

from bpviz.gui.panels.data_editor.editor import DataEditor
from bpviz.gui.panels.data_editor.generate import GenerateDialog
from bpviz.gui.panels.data_editor.model import DataModel

__all__ = ["DataEditor", "DataModel", "GenerateDialog"]
