"""The pages: one thin script per step, run by st.navigation from app.py."""
