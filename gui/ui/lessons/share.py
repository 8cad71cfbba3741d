"""Share: links to this workspace for other eyes — a lesson for a class (a code, a QR code
and a student link to a copy of one's own) and the presenter link (read-only).

A presenter link has its own unguessable token (gui.core.store.links); whoever opens it sees
the workspace as it is now and can change nothing. The workspace's own link (`?w=`) stays
the only way to change it.
"""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit

import streamlit as st

from gui.ui.lessons import codes, publish
from gui.ui.session import state, workspace


def app_root() -> str:
    """The app's address, from the page's own ("http://host:port/")."""
    url = st.context.url or "http://localhost:8501/"
    parts = urlsplit(url)
    return urljoin(f"{parts.scheme}://{parts.netloc}{parts.path}", "./")


def main() -> None:
    """Draw the page."""
    st.title("Share")
    if workspace.read_only():
        st.info("This tab is a presenter link: it shows a workspace and cannot share or "
                "change it.", icon=":material/co_present:")
        workspace.end_page()
    for kind, text in state.pop_notes():
        getattr(st, kind)(text)
    st.subheader("Lessons")
    st.markdown("Hand this experiment to a class: each student gets a **copy of their own** "
                "— the data and the network as they are now — with your instructions, the "
                "controls you lock or hide, and limits.")
    root = app_root()
    if workspace.lesson() is not None:  # a student's copy publishes nothing
        st.info("This workspace is your copy of a lesson: lessons are published from a "
                "workspace of your own (open the app's address without a link to start one).",
                icon=":material/school:")
    else:
        codes.show(root)
        with st.expander("Publish a new lesson from this workspace", icon=":material/add:",
                         expanded=not workspace.lessons().of_teacher(workspace.token())):
            publish.form()
    st.subheader("Presenter link")
    st.markdown("This workspace **read-only**, for a second screen, a projector or a "
                "visitor: it shows the data, the network, the runs and their results as they "
                "are now, and follows your changes. Nothing can be changed from it — no "
                "edits, no Train, no Start over — and it does not reveal this workspace's own "
                "link.")
    st.code(f"{app_root()}?p={workspace.presenter_link()}", language=None)
    st.caption("Keep your own link (the address of this tab) to yourself: whoever has it "
               "can change this workspace.")
