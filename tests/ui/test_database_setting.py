"""A database setting that cannot work gives a page that says so, never a traceback."""

from __future__ import annotations

import socket

import pytest
from streamlit.testing.v1 import AppTest

from gui.ui.session import workspace

APP = "../../layerlab.py"


@pytest.fixture
def database_url(monkeypatch):
    """Set LAYERLAB_DATABASE_URL for one test; the process's store is made again after."""
    def use(url: str) -> None:
        monkeypatch.setenv("LAYERLAB_DATABASE_URL", url)
        workspace._shared_store.clear()

    yield use
    monkeypatch.delenv("LAYERLAB_DATABASE_URL", raising=False)
    workspace._shared_store.clear()


def _down() -> str:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"postgresql+psycopg://ann:s3cret@127.0.0.1:{port}/lab"


@pytest.mark.parametrize("url, words", [
    ("mysql+pymysql://ann:s3cret@127.0.0.1/lab", "needs the Python package 'pymysql'"),
    (_down(), "could not be opened"),
])
def test_the_page_names_the_setting_and_the_fix(database_url, url, words):
    database_url(url)
    at = AppTest.from_file(APP, default_timeout=90).run()
    assert not at.exception
    assert at.title[0].value == "LayerLab cannot open its database"
    (error,) = at.error
    assert error.value.startswith("LAYERLAB_DATABASE_URL (") and words in error.value
    assert "unset LAYERLAB_DATABASE_URL" in error.value
    assert "s3cret" not in error.value
    assert "\u2060" not in error.value  # what it says to write is copied as written
    assert "restart" in at.caption[0].value
