"""Inside: the network of the shown run — weights, neuron pictures, decision map, one row.

The page is drawn by gui.ui.inside.page; this script only routes to it.
"""

from gui.ui.inside import page

page.main()
