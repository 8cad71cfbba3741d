"""Runs: every training of this workspace — compare, rename, open, continue, download, delete.

The page is drawn by gui.ui.runs.page; this script only routes to it.
"""

from gui.ui.runs import page

page.main()
