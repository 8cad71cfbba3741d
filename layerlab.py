"""LayerLab's Streamlit script (app.py serves it): build, train and download Keras models
from a CSV, point-and-click.

The entry binds the tab to its workspace (the `?w=` token) and routes; each step is a thin
page under steps/; runs train in worker processes (run_state.pool). The workspace document
is saved after every run, whatever the page did.
"""

from pathlib import Path

import streamlit as st

from gui.ui.common import heap, new_tab_links, presenter, projector, run_banner
from gui.ui.lessons import board, join, student
from gui.ui.session import data_source, run_state, workspace

ASSETS = Path(__file__).parent / "assets"

st.set_page_config(page_title="LayerLab", page_icon=str(ASSETS / "logo.png"), layout="wide")
st.logo(str(ASSETS / "logo.png"))
st.html(f"<style>{(ASSETS / 'style.css').read_text()}</style>")

pages = [
    st.Page("steps/data.py", title="1 · Data", icon=":material/table_chart:", default=True),
    st.Page("steps/model.py", title="2 · Model", icon=":material/account_tree:"),
    st.Page("steps/train.py", title="3 · Train", icon=":material/model_training:"),
    st.Page("steps/inside.py", title="Inside", icon=":material/visibility:"),
    st.Page("steps/evaluate.py", title="4 · Evaluate", icon=":material/analytics:"),
    st.Page("steps/predict.py", title="5 · Predict", icon=":material/online_prediction:"),
    st.Page("steps/runs.py", title="Runs", icon=":material/list:"),
    st.Page("steps/share.py", title="Share", icon=":material/share:"),
]
if board.asked():  # a lesson's class board: no workspace of its own
    board.main()
if join.asked():  # a lesson's student link: the name first, then the student's own copy
    join.main()
workspace.bind()
try:  # whatever ends the run (a page, st.rerun, st.stop), what it changed is saved
    run_state.check_engine()  # a Ray address that does not answer: the page says so
    page = st.navigation(student.visible_pages(pages), position="top")
    data_source.settle()  # the defaults that follow the data; drawing never writes
    projector.apply()  # the projector-mode toggle (top right) and its CSS, on every page
    new_tab_links.keep()  # a page link opened in a new tab opens this workspace too
    presenter.apply()  # a presenter link: says so, takes the controls away, follows the work
    student.apply()  # a lesson's copy: its title and instructions, locked and hidden controls
    run_banner.run_banner(draw=page.url_path != "train")
    page.run()
finally:
    workspace.sync()
    run_state.pool_after_page()  # the training processes: after the first page is drawn
    heap.freeze_after_imports()  # before Streamlit's own gc.collect that ends each run
