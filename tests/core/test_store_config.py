"""A database setting that cannot work is said in words: which setting, what is wrong, how to
fix it — in the store, and on the command line (the page: tests/ui/test_database_setting.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys

import pytest

from gui.core.store.workspaces import Store, StoreConfigError, StoreError
from tests.conftest import ROOT, SAMPLES


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (a database server that is down)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("url, words", [
    ("mysql+pymysql://ann:s3cret@127.0.0.1/lab", ["'pymysql'", "not installed", "pip install"]),
    ("nosuchdb://ann:s3cret@host/lab", ["kind of database", "postgresql+psycopg://"]),
    ("not a url at all", ["is not a database URL", "postgresql+psycopg://"]),
    (f"postgresql+psycopg://ann:s3cret@127.0.0.1:{closed_port()}/lab",
     ["could not be opened", "server is running", "host, port"]),
])
def test_a_database_url_that_cannot_work_says_which_setting_and_how_to_fix_it(tmp_path, url,
                                                                              words):
    with pytest.raises(StoreConfigError) as caught:
        Store(tmp_path, url)
    message = str(caught.value)
    assert message.startswith("LAYERLAB_DATABASE_URL (")
    assert "unset LAYERLAB_DATABASE_URL to use the built-in SQLite file" in message
    for word in words:
        assert word in message
    assert "s3cret" not in message  # never the password
    assert isinstance(caught.value, StoreError)  # callers that handle store errors handle it


def test_a_running_server_without_that_database_says_so(tmp_path, postgres_server):
    """A real PostgreSQL server that answers, but has no such database: said in words."""
    url = postgres_server.url("no_such_database").replace("layerlab@", "layerlab:s3cret@")
    with pytest.raises(StoreConfigError) as caught:
        Store(tmp_path, url)
    message = str(caught.value)
    assert message.startswith("LAYERLAB_DATABASE_URL (postgresql+psycopg://layerlab:***@")
    assert '"no_such_database" does not exist' in message and "database name" in message
    assert "s3cret" not in message


def test_a_home_whose_database_cannot_be_opened_names_layerlab_home(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "layerlab.db").mkdir()  # a folder where the database file should be
    with pytest.raises(StoreConfigError, match=r"^LAYERLAB_HOME \(sqlite:///.*could not be "
                                               r"opened"):
        Store(home)


def test_the_command_line_says_it_in_one_line(tmp_path):
    url = f"postgresql+psycopg://ann:s3cret@127.0.0.1:{closed_port()}/lab"
    run = subprocess.run(
        [sys.executable, "-m", "gui", "train", "--data", str(SAMPLES / "iris.csv"),
         "--target", "species", "--epochs", "1", "--out", str(tmp_path / "out"),
         "--workspace", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "LAYERLAB_DATABASE_URL": url, "LAYERLAB_HOME": str(tmp_path)})
    assert run.returncode == 1
    assert "Traceback" not in run.stderr and "s3cret" not in run.stderr
    (line,) = [x for x in run.stderr.splitlines() if "error:" in x]
    assert line.startswith("python -m gui train: error: the workspace store: "
                           "LAYERLAB_DATABASE_URL (postgresql+psycopg://ann:***@127.0.0.1")
    assert "server is running" in line
