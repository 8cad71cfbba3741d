"""Step 1 · Data: a CSV (or a sample) in, training arrays out.

The page is drawn by gui.ui.data.page; this script only routes to it.
"""

from gui.ui.data import page

page.main()
