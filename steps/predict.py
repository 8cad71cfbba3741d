"""Step 5 · Predict: the model just trained, or an uploaded .keras / .h5 / bundle, on new rows.

The page is drawn by gui.ui.predict.page; this script only routes to it.
"""

from gui.ui.predict import page

page.main()
