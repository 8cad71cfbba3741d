"""The store's schema, kept by Alembic migrations (migrations/versions/, one file per change).

Every Store brings its database up to the newest revision when it opens: a fresh database
gets every table; a database made before migrations existed (the tables, no alembic_version)
is stamped with the first revision, which describes exactly those tables, and upgraded from
there, keeping every workspace and run. A migration that moves files into the database
(0004) reads them from the home of the process that upgrades (`config.attributes["home"]`).
Processes opening the same store at once take turns
(a lock file in the store's home; on PostgreSQL also an advisory lock, for app processes on
other machines). A schema change is a new file in migrations/versions/ (copy the latest;
`alembic revision` with script_location set to migrations/ writes one from script.py.mako).

Example:
    upgrade(store.engine, store.home)
    revision(store.engine)           # "0002"
"""

from __future__ import annotations

import fcntl
import re
from functools import cache
from pathlib import Path

from sqlalchemy import Engine, inspect, text

FOLDER = Path(__file__).with_name("migrations")
BEFORE_ALEMBIC = "0001"  # the revision that describes the tables made before migrations
ADVISORY_LOCK = 7_201_919  # PostgreSQL: one migrating process at a time, on any machine


def _config(connection=None, home: Path | None = None):
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    config.attributes["connection"] = connection
    config.attributes["home"] = home
    return config


@cache
def head() -> str:
    """The newest revision."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head()


@cache
def head_in_files() -> str | None:
    """The newest revision read from the version files' own `revision = ` and
    `down_revision = ` lines, without importing Alembic (a second on the first page): the
    one revision that no other follows; None if that is not one."""
    revisions, followed = set(), set()
    for path in (FOLDER / "versions").glob("*.py"):
        source = path.read_text()
        found = re.search(r'^revision = "([^"]+)"$', source, re.M)
        down = re.search(r'^down_revision = (?:"([^"]+)"|None)$', source, re.M)
        if found is None or down is None:
            return None
        revisions.add(found[1])
        followed.add(down[1])
    newest = revisions - followed
    return newest.pop() if len(newest) == 1 else None


def revision(engine: Engine) -> str | None:
    """The database's revision; None before any migration."""
    from alembic.migration import MigrationContext

    with engine.connect() as db:
        return MigrationContext.configure(db).get_current_revision()


def _stored_revision(engine: Engine) -> str | None:
    """The revision alembic_version holds (one row), read without Alembic; else None."""
    with engine.connect() as db:
        if not inspect(db).has_table("alembic_version"):
            return None
        rows = db.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
    return rows[0] if len(rows) == 1 else None


def upgrade(engine: Engine, home: Path) -> None:
    """Bring the database to the newest revision (nothing to do when it is there); files a
    migration moves into the database are read from `home` (LAYERLAB_HOME)."""
    newest = head_in_files()
    if newest is not None and _stored_revision(engine) == newest:
        return  # at the newest revision: Alembic is not even imported
    from alembic import command
    from alembic.migration import MigrationContext

    newest = head()
    if revision(engine) == newest:
        return
    lock_file = Path(home) / "schema.lock"
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with engine.begin() as db:
            if db.dialect.name == "postgresql":
                db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
            current = MigrationContext.configure(db).get_current_revision()
            if current == newest:  # another process upgraded it while we waited
                return
            if current is None and inspect(db).has_table("workspaces"):
                command.stamp(_config(db), BEFORE_ALEMBIC)
            command.upgrade(_config(db, Path(home)), "head")
