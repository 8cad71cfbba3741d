"""Joining a lesson (`?join=LL-7K3Q`): the student types a display name and gets a workspace
of their own, a copy of the lesson, whose link then stays in the address bar."""

from __future__ import annotations

import streamlit as st

from gui.core.store.lessons import MAX_NAME, LessonError
from gui.ui.session import state, workspace
from gui.ui.text import md

NAME_KEY = "join.name"


def asked() -> bool:
    """Does the address ask to join a lesson?"""
    return "join" in st.query_params


def main() -> None:
    """Draw the join page, and stop the script: no workspace is bound yet."""
    code = st.query_params.get("join", "")
    try:
        lesson = workspace.lessons().by_code(code)
    except LessonError as error:
        st.title("Join a lesson")
        st.error(str(error), icon=":material/link_off:")
        st.stop()
    st.title(f"Join: {md(lesson.title)}")
    st.caption(f"Lesson code {lesson.code}")
    if not lesson.open:
        st.warning("This lesson is closed: your teacher is not taking new students now. "
                   "Ask them to open it, or use the link you got when you joined.",
                   icon=":material/lock:")
        st.stop()
    st.markdown("You get a workspace of your **own**: a copy of your teacher's experiment. "
                "Nothing you do changes your teacher's work or anyone else's.")
    with st.form("join"):
        # no max_chars: the browser drops a longer paste whole (an empty box); the store cuts
        st.text_input("Your name (your teacher sees it on the class board)", key=NAME_KEY,
                      help=f"Up to {MAX_NAME} characters; a longer name is cut there.")
        joined = st.form_submit_button("Join the lesson", type="primary",
                                       icon=":material/login:")
    if joined:
        try:
            copy = workspace.lessons().join(lesson.code, state.widget_value(NAME_KEY, ""))
        except LessonError as error:
            st.error(str(error), icon=":material/error:")
            st.stop()
        workspace.open_copy(copy)
        typed = " ".join(str(state.widget_value(NAME_KEY, "")).split())
        cut = (f" Your name is shown as \"{md(typed[:MAX_NAME])}\" (at most {MAX_NAME} "
               "characters)." if len(typed) > MAX_NAME else "")
        state.add_note("success", "You joined the lesson. This page's address is your own "
                                  f"link: bookmark it to come back to your work.{cut}")
        st.rerun()
    st.stop()
