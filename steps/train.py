"""Step 3 · Train: fit settings, a Train button, live curves, Stop, continue training.

The page is drawn by gui.ui.train.page; this script only routes to it.
"""

from gui.ui.train import page

page.main()
