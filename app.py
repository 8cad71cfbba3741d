"""LayerLab's server: `streamlit run app.py` serves the pages (layerlab.py, the Streamlit
script) and, beside Streamlit's own routes, the live feed a watching tab reads without a
rerun (gui/ui/train/live_feed.py, live_route.py). Once the server has started, a thread
imports what the first page needs and readies the store while the first browser loads
(gui/ui/warm_up.py)."""

import streamlit as st

from gui.ui.train.live_route import routes
from gui.ui.warm_up import lifespan

app = st.App("layerlab.py", routes=routes(), lifespan=lifespan)
