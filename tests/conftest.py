"""Shared test set-up: quiet TensorFlow, and the repository root on sys.path."""

import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
SAMPLES = ROOT / "sample_data"

# Workspaces made by tests live in a throw-away folder, never in the user's data folder.
if "LAYERLAB_HOME" not in os.environ:
    import tempfile

    os.environ["LAYERLAB_HOME"] = tempfile.mkdtemp(prefix="layerlab-tests-")

# The store fixtures, over both backends (SQLite, and a real PostgreSQL server that the tests
# start themselves): `store`, `make_store`, `database_url`, `postgres_server`; see
# tests/postgres_server.py. A store test that takes `store` runs on both.
pytest_plugins = ("tests.postgres_server",)
