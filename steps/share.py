"""Share: the presenter link (this workspace read-only, for a second screen or a visitor).

The page is drawn by gui.ui.lessons.share; this script only routes to it.
"""

from gui.ui.lessons import share

share.main()
