"""The README's "shared database server" lines, followed as a school would: the exported
LAYERLAB_DATABASE_URL (its user, password and database replaced by the test server's) and
LAYERLAB_HOME, then LayerLab in a fresh process records a run there, and a second store on
the same URL (another app process) sees the workspace and its run."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from sqlalchemy import make_url

from gui.core.store.runs import Runs
from gui.core.store.workspaces import Store
from tests.conftest import ROOT, SAMPLES


def readme_exports() -> dict[str, str]:
    text = (ROOT / "README.md").read_text()
    start = text.index("**A shared database server.**")
    section = text[start:text.index("**Training on a Ray cluster.**", start)]
    return dict(re.findall(r"^export (\w+)='?([^'\s]+)'?", section, re.MULTILINE))


def test_the_readme_names_a_postgresql_url_and_a_home():
    exports = readme_exports()
    assert set(exports) == {"LAYERLAB_DATABASE_URL", "LAYERLAB_HOME"}
    url = make_url(exports["LAYERLAB_DATABASE_URL"])
    assert url.drivername == "postgresql+psycopg"
    assert (url.username, url.database) == ("layerlab", "layerlab")
    requirements = (ROOT / "requirements.txt").read_text()
    assert re.search(r"^psycopg==", requirements, re.MULTILINE)  # "among the pinned"


def test_a_run_recorded_through_the_readme_s_url_is_seen_by_another_process(
        postgres_server, tmp_path):
    name = postgres_server.create_database()
    try:
        readme = make_url(readme_exports()["LAYERLAB_DATABASE_URL"])
        ours = make_url(postgres_server.url(name))
        url = readme.set(host=ours.host, port=ours.port, username=ours.username,
                         database=name).render_as_string(hide_password=False)
        home = tmp_path / "srv-layerlab"
        app = Store(home, url)  # the app process's store: a student's workspace
        token = app.create()
        env = {**os.environ, "LAYERLAB_DATABASE_URL": url, "LAYERLAB_HOME": str(home)}
        done = subprocess.run(
            [sys.executable, "-m", "gui", "train", "--data", str(SAMPLES / "iris.csv"),
             "--target", "species", "--epochs", "2", "--out", str(tmp_path / "out"),
             "--workspace", token], cwd=ROOT, env=env, capture_output=True, text=True,
            timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
        (record,) = Runs(app).list(token)
        assert record.status == "done" and record.epochs_done == 2
        assert app.url.startswith("postgresql+psycopg://")
        assert not (home / "layerlab.db").exists()  # no SQLite file: the server holds it
        app.engine.dispose()
    finally:
        postgres_server.drop_database(name)
