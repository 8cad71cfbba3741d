"""The server's head start: while the first visitor's browser loads Streamlit's page (a second
or more in which the server has nothing to do), import what the first script run needs and
bring the store's database to the newest schema, so that the first run only draws.

app.py hands `lifespan` to st.App: the warm-up starts once the server starts. It runs in a
daemon thread and never fails the server: a store that cannot open is said by the page
itself, in words (workspace.shared_store). Python's import lock makes the script run wait
for a module this thread is still importing instead of importing it twice.
"""

from __future__ import annotations

import importlib
import threading
from contextlib import asynccontextmanager

# What layerlab.py and the first page (1 · Data) import; Keras and TensorFlow are not among
# them (the training processes and the later pages import those).
FIRST_PAGE_MODULES = (
    "gui.ui.session.workspace",
    "gui.ui.session.run_state",
    "gui.ui.session.data_source",
    "gui.ui.common.heap",
    "gui.ui.common.presenter",
    "gui.ui.common.new_tab_links",
    "gui.ui.common.projector",
    "gui.ui.common.run_banner",
    "gui.ui.lessons.board",
    "gui.ui.lessons.join",
    "gui.ui.lessons.student",
    "gui.ui.data.page",
)


def warm_up() -> None:
    """Import the first page's modules, then open the store once (its migrations run here,
    not in the first visitor's page)."""
    for name in FIRST_PAGE_MODULES:
        importlib.import_module(name)
    from gui.core.store.workspaces import Store  # noqa: PLC0415

    try:
        Store.from_env().engine.dispose()
    except Exception:  # noqa: BLE001 - the page says what is wrong with the store, in words
        pass


def start() -> threading.Thread:
    """Warm up in a daemon thread (the server does not wait for it)."""
    thread = threading.Thread(target=warm_up, name="layerlab-warm-up", daemon=True)
    thread.start()
    return thread


@asynccontextmanager
async def lifespan(_app):
    """st.App's startup hook: start warming up, and serve at once."""
    start()
    yield
