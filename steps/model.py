"""Step 2 · Model: stack the layers, choose compile settings, see the summary, export.

The page is drawn by gui.ui.model.page; this script only routes to it.
"""

from gui.ui.model import page

page.main()
