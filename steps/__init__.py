"""The pages: one thin script per step, run by st.navigation from layerlab.py."""
