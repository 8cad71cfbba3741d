"""The store's schema through Alembic migrations, on SQLite and PostgreSQL: a fresh database
gets exactly the tables the code describes, and a database made before migrations existed is
upgraded when a Store opens it, keeping every workspace, file and run."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import time

import numpy as np
import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import BigInteger, Integer, MetaData, create_engine, inspect

import gui.core.store.lessons  # noqa: F401  (every table of the store joins the metadata)
import gui.core.store.links  # noqa: F401
import gui.core.store.searches  # noqa: F401
from gui.core.store import migrate
from gui.core.store.runs import Runs, runs_table
from gui.core.store.workspaces import Store, StoreError, files, metadata, workspaces
from gui.core.training.snapshots import Snapshots
from tests.core.test_runs import IRIS, iris_spec


def test_a_fresh_database_gets_exactly_the_tables_the_code_describes(store):
    assert migrate.revision(store.engine) == migrate.head() == "0006"
    with store.engine.connect() as db:
        differences = compare_metadata(MigrationContext.configure(db), metadata)
    assert differences == []  # every table, column, type, index and key matches


def test_the_newest_revision_read_from_the_files_is_alembics():
    assert migrate.head_in_files() == migrate.head()


def test_a_store_at_the_newest_revision_opens_without_importing_alembic(tmp_path):
    """The first page opens the store: Alembic (a second of imports) only when there is
    something to upgrade."""
    opened = ("import sys; from gui.core.store.workspaces import Store; "
              "store = Store.from_env(); print(store.create() and 'alembic' in sys.modules)")
    env = {**os.environ, "LAYERLAB_HOME": str(tmp_path)}
    env.pop("LAYERLAB_DATABASE_URL", None)

    def alembic_imported() -> str:
        return subprocess.run([sys.executable, "-c", opened], env=env, capture_output=True,
                              text=True, check=True, timeout=120).stdout.strip()

    assert alembic_imported() == "True"  # a fresh database: every table, through Alembic
    assert alembic_imported() == "False"  # at the newest revision already


def todays_tables() -> MetaData:
    """The tables as a database made before migrations has them (file sizes as INTEGER)."""
    old = MetaData()
    for table in metadata.sorted_tables:
        table.to_metadata(old)
    old.tables["files"].c.size.type = Integer()
    return old


def test_a_database_from_before_migrations_is_upgraded_keeping_everything(
        database_url, make_store, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    url = database_url or f"sqlite:///{home / 'layerlab.db'}"
    engine = create_engine(url)
    todays_tables().create_all(engine)
    now = time.time()
    spec = iris_spec(epochs=3)
    with engine.begin() as db:
        for k, token in enumerate(("A" * 32, "B" * 32)):
            db.execute(workspaces.insert().values(token=token, created=now, last_seen=now,
                                                  version=k + 1,
                                                  state=json.dumps({"spec": {"n": k}})))
            db.execute(files.insert().values(workspace=token, sha256="0" * 64, name="a.csv",
                                             size=1000 + k, added=now))
            db.execute(runs_table.insert().values(
                workspace=token, name=f"Run {k}", created=now + k, status="done",
                spec=spec.to_json(), data=json.dumps(IRIS), start_epoch=0,
                history=json.dumps({"loss": [1.0, 0.5, 0.25 + k]}), epoch_seconds="[]",
                log="[]", progress="[3, 3, 0, 0]", test_metrics="{}"))
    assert "alembic_version" not in inspect(engine).get_table_names()
    engine.dispose()

    store = make_store(home)
    assert migrate.revision(store.engine) == migrate.head()
    runs = Runs(store)
    for k, token in enumerate(("A" * 32, "B" * 32)):
        snap = store.load(token)
        assert snap.state == {"spec": {"n": k}} and snap.version == k + 1
        assert [(f.name, f.size) for f in store.files(token)] == [("a.csv", 1000 + k)]
        (run,) = runs.list(token)
        assert run.name == f"Run {k}" and run.history["loss"] == [1.0, 0.5, 0.25 + k]
        assert run.spec.fit.epochs == 3 and run.status == "done"
    with store.engine.connect() as db:
        size = {c["name"]: c["type"] for c in inspect(db).get_columns("files")}["size"]
        assert compare_metadata(MigrationContext.configure(db), metadata) == []
    assert isinstance(size, BigInteger)
    with store.engine.begin() as db:  # past 2 GiB: PostgreSQL's INTEGER refused it before
        db.execute(files.update().values(size=3 * 2**30))
    assert store.files("A" * 32)[0].size == 3 * 2**30
    assert store.save_state(store.create(), {"after": True}) == 1  # it goes on working
    again = make_store(home)  # a second opening finds it upgraded and changes nothing
    assert again.load("A" * 32).version == 1


def test_files_on_disk_move_into_the_database_on_upgrade(database_url, tmp_path):
    """A store of the 0003 schema kept its files in LAYERLAB_HOME: the upgrade imports them,
    so a store whose home is a different, empty folder reads every one."""
    home = tmp_path / "home"
    home.mkdir()
    url = database_url or f"sqlite:///{home / 'layerlab.db'}"
    engine = create_engine(url)
    with engine.begin() as db:
        command.upgrade(migrate._config(db, home), "0003")
    token, now = "T" * 32, time.time()
    upload = os.urandom(5 * 2**20)  # two chunks
    sha = hashlib.sha256(upload).hexdigest()
    lost = hashlib.sha256(b"deleted by hand").hexdigest()
    with engine.begin() as db:
        db.execute(workspaces.insert().values(token=token, created=now, last_seen=now,
                                              version=1, state="{}"))
        for digest, name in ((sha, "big.csv"), (lost, "lost.csv")):
            db.execute(files.insert().values(workspace=token, sha256=digest, name=name,
                                             size=len(upload), added=now))
        run_id = db.execute(runs_table.insert().values(
            workspace=token, name="Run 1", created=now, status="done",
            spec=iris_spec(epochs=2).to_json(), data=json.dumps(IRIS), start_epoch=0,
            history="{}", epoch_seconds="[]", log="[]", progress="[2, 2, 0, 0]",
            test_metrics="{}", model_epoch=2)).inserted_primary_key[0]
    engine.dispose()
    (home / "files" / sha[:2]).mkdir(parents=True)
    (home / "files" / sha[:2] / sha).write_bytes(upload)
    folder = home / "workspaces" / token / "runs"
    folder.mkdir(parents=True)
    model = os.urandom(300_000)
    (folder / f"{run_id}.keras").write_bytes(model)
    (folder / f"{run_id}.card.txt").write_text("Only for the lesson.", encoding="utf-8")
    snaps = Snapshots()
    for epoch in range(3):
        snaps.add(epoch, {"dense": [np.full((4, 3), epoch, "float32"), np.zeros(3, "float32")]})
    snaps.save(folder / f"{run_id}.snapshots.npz")
    stamp = (folder / f"{run_id}.keras").stat().st_mtime_ns

    upgraded = Store(home, database_url)  # the app's process opens it: the upgrade runs
    assert migrate.revision(upgraded.engine) == migrate.head()
    assert Runs(upgraded).model_path(token, run_id).stat().st_mtime_ns == stamp  # current
    other = Store(tmp_path / "empty", url)
    try:
        assert other.read_file(token, sha) == upload
        with pytest.raises(StoreError, match="upload it again"):
            other.read_file(token, lost)  # missing on disk before: missing now
        runs = Runs(other)
        assert runs.model_path(token, run_id).read_bytes() == model
        assert runs.card_notes(token, run_id) == "Only for the lesson."
        full, latest = runs.snapshot_paths(token, run_id)
        assert Snapshots.load(full).epochs == [0, 1, 2] and not latest.exists()
        assert float(Snapshots.load(full).at(2)["dense"][0][0, 0]) == 2.0
        assert full.is_relative_to(other.home)
    finally:
        other.engine.dispose()
        upgraded.engine.dispose()


def test_runs_of_the_0005_schema_gain_model_pending_on_upgrade(database_url, tmp_path):
    """0006 adds runs.model_pending (a stopped run's final model still being saved): the
    runs already there keep everything and read as not pending."""
    home = tmp_path / "home"
    home.mkdir()
    url = database_url or f"sqlite:///{home / 'layerlab.db'}"
    engine = create_engine(url)
    with engine.begin() as db:
        command.upgrade(migrate._config(db, home), "0005")
    assert "model_pending" not in {c["name"] for c in inspect(engine).get_columns("runs")}
    token, now = "P" * 32, time.time()
    with engine.begin() as db:
        db.execute(workspaces.insert().values(token=token, created=now, last_seen=now,
                                              version=1, state="{}"))
        run_id = db.execute(runs_table.insert().values(
            workspace=token, name="Run 1", created=now, status="stopped",
            spec=iris_spec(epochs=2).to_json(), data=json.dumps(IRIS), start_epoch=0,
            history=json.dumps({"loss": [1.0, 0.5]}), epoch_seconds="[]", log="[]",
            progress="[2, 2, 0, 0]", test_metrics="{}", model_epoch=2)).inserted_primary_key[0]
    engine.dispose()
    upgraded = Store(home, database_url)
    assert migrate.revision(upgraded.engine) == migrate.head() == "0006"
    with upgraded.engine.connect() as db:
        assert compare_metadata(MigrationContext.configure(db), metadata) == []
    record = Runs(upgraded).get(token, run_id)
    assert record.status == "stopped" and record.model_epoch == 2
    assert not record.model_pending and record.has_model
    assert record.history == {"loss": [1.0, 0.5]}
    upgraded.engine.dispose()
