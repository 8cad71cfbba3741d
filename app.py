"""LayerLab's server: `streamlit run app.py` serves the pages (layerlab.py, the Streamlit
script) and, beside Streamlit's own routes, the live feed a watching tab reads without a
rerun (gui/ui/train/live_feed.py, live_route.py)."""

import streamlit as st

from gui.ui.train.live_route import routes

app = st.App("layerlab.py", routes=routes())
