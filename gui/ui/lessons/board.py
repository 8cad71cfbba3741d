"""The class board (`?board=…`, the teacher's own unguessable link): every student of the
lesson with their runs, live, the leaderboard by the best run's test score, what each best
run changed from the lesson's start, each student's own link (for one who lost it), the
best runs' curves overlaid, and a projector mode of its own.

It binds no workspace: it reads only the students of its own lesson (gui.core.store.board).
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from gui.core.store.board import Entry, class_board
from gui.ui.common import projector
from gui.ui.figures import charts
from gui.ui.lessons.share import app_root
from gui.ui.session import run_state, state, workspace
from gui.ui.text import md

REFRESH_S = 2
CURVES_EVERY_S = 10


def asked() -> bool:
    return "board" in st.query_params


def main() -> None:
    """Draw the board, and stop the script."""
    token = st.query_params.get("board", "")
    found = class_board(workspace.lessons(), run_state.shared_runs(), token)
    if found is None:
        st.title("Class board")
        st.error("This board link is not known: check the address you copied from the "
                 "Share page. A lesson's board goes away with the lesson.",
                 icon=":material/link_off:")
        st.stop()
    lesson = found[0]
    st.title(f"Class board: {md(lesson.title)}")
    st.markdown(f"<div class='lesson-code'>{lesson.code}</div>", unsafe_allow_html=True)
    if not lesson.open:
        st.warning("The lesson is closed: no new students can join.", icon=":material/lock:")
    with st.container(key="projector-toggle"):  # the board's own: it has no workspace
        st.toggle("Projector mode", key="board.projector")
    on = state.widget_value("board.projector", False)
    st.html(f"<style>{projector.TOGGLE_CSS}{projector.PROJECTOR_CSS if on else ''}</style>")
    _live(token)
    _curves(token)
    st.stop()


@st.fragment(run_every=REFRESH_S)
def _live(token: str) -> None:
    found = class_board(workspace.lessons(), run_state.shared_runs(), token)
    if found is None:
        return
    entries = found[1]
    if not entries:
        st.info("No student has joined yet: they open the lesson's link or type its code.",
                icon=":material/group:")
        return
    st.caption(f"{len(entries)} student{'s' if len(entries) != 1 else ''} · refreshed every "
               f"{REFRESH_S} s · best test score first")
    st.dataframe(table(entries, _root()), hide_index=True, width="stretch",
                 column_config={"Own link": st.column_config.LinkColumn("Own link")})


@st.fragment(run_every=CURVES_EVERY_S)
def _curves(token: str) -> None:
    """The students' best runs overlaid (loss per epoch), redrawn less often than the table."""
    found = class_board(workspace.lessons(), run_state.shared_runs(), token)
    best = {e.student.name: e.best.history for e in (found[1] if found else [])
            if e.best is not None and e.best.history}
    if not best:
        return
    st.subheader("The best runs' curves")
    fig = charts.overlay_figures(best)[0][1]
    if state.widget_value("board.projector", False):
        fig = projector.projector_style(fig)
    st.plotly_chart(fig, key="board.curves", config={"displayModeBar": False})


def table(entries: list[Entry], root: str) -> pd.DataFrame:
    """One row per student, as the board shows it (names literally, as typed)."""
    rows = []
    for rank, entry in enumerate(entries, start=1):
        latest = entry.latest
        now = (f"{latest.name}: {latest.status}, epoch {latest.epochs_done}/"
               f"{latest.spec.fit.epochs}") if latest else "no run yet"
        rows.append({
            "#": rank if entry.score is not None else None,
            "Student": entry.student.name,
            "Best test score": (f"{entry.metric} {entry.score:.3f}" if entry.score is not None
                                else "—"),
            "Runs": len(entry.runs),
            "Now": now,
            "Changed from the lesson": "; ".join(str(d) for d in entry.changes) or "nothing",
            "Own link": f"{root}?w={entry.student.copy}",
        })
    return pd.DataFrame(rows)


def _root() -> str:
    return app_root()
