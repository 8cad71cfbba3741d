"""The server's head start (gui/ui/warm_up.py): once `streamlit run app.py` has started, and
before any browser asks, the store's database is at the newest schema; after the warm-up,
the first page's script run imports none of the first page's modules itself."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from gui.core.store import migrate
from tests.e2e.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]

FIRST_RUN = """
import json, sys
from gui.ui import warm_up
warm_up.warm_up()
before = set(sys.modules)
from streamlit.testing.v1 import AppTest
at = AppTest.from_file("layerlab.py", default_timeout=120).run()
assert not at.exception, at.exception
assert at.get("file_uploader"), "the first page has its uploader"
new = sorted(m for m in set(sys.modules) - before
             if m.split(".")[0] in ("gui", "steps", "pandas", "numpy", "sqlalchemy", "alembic"))
print(json.dumps(new))
"""


def test_the_server_readies_the_store_before_any_page(tmp_path):
    port = free_port()
    env = {**os.environ, "LAYERLAB_HOME": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("LAYERLAB_DATABASE_URL", None)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        database, found = tmp_path / "layerlab.db", None
        deadline = time.time() + 90
        while found is None and time.time() < deadline:
            time.sleep(0.2)
            if database.exists():
                try:
                    with sqlite3.connect(database) as db:
                        found = db.execute("SELECT version_num FROM alembic_version").fetchone()
                except sqlite3.Error:
                    pass  # the migration is still creating its tables
        assert found == (migrate.head(),), "no browser asked, yet the store is at the newest schema"
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=5) as r:
            assert r.status == 200  # and the server serves
    finally:
        server.terminate()
        server.wait(10)


def test_after_the_warm_up_the_first_page_imports_nothing_heavy(tmp_path):
    env = {**os.environ, "LAYERLAB_HOME": str(tmp_path), "TF_CPP_MIN_LOG_LEVEL": "3"}
    env.pop("LAYERLAB_DATABASE_URL", None)
    out = subprocess.run([sys.executable, "-c", FIRST_RUN], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-3000:]
    imported = json.loads(out.stdout.strip().splitlines()[-1])
    # steps/data.py itself is the page's script (run, not imported as a module)
    assert imported == [], f"the first page imported these itself: {imported}"


def test_the_server_serves_with_uvloop_and_httptools():
    """Streamlit's server (uvicorn, with its "auto" choices) runs on uvloop and parses HTTP
    with httptools, both pinned in requirements.txt: a first visit's ~130 script files are
    served in C, not by uvicorn's pure-Python fallbacks, beside the warm-up's imports."""
    import uvicorn

    config = uvicorn.Config(app=lambda scope, receive, send: None)
    config.load()
    assert config.http_protocol_class.__module__.endswith("httptools_impl")
    assert config.get_loop_factory().__module__.startswith("uvloop")
