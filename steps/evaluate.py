"""Step 4 · Evaluate: how good is the trained model on rows it never saw — and downloads.

The page is drawn by gui.ui.evaluate.page; this script only routes to it.
"""

from gui.ui.evaluate import page

page.main()
