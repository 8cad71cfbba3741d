"""The workspace store: what each user did, kept in a database.

A workspace is reached only through its token: an unguessable string that lives in the
user's URL. It holds one JSON document (the spec, the chosen data, what was edited by hand)
with a version number that rises with every save, and the files uploaded into it. Files are
stored once per content, in the database (blobs.py, named by their SHA-256), and a workspace
reads a file only through a row that ties it to its own token, so knowing another
workspace's hash gives nothing. LAYERLAB_HOME/files is only this process's cache of them (it
may be empty): a training process elsewhere needs only the database.

SQLite under LAYERLAB_HOME by default, through SQLAlchemy, so LAYERLAB_DATABASE_URL can point
at a database server (PostgreSQL) when several app processes share one store. The tables are
made and changed by Alembic migrations (migrate.py) when a Store opens.

Example:
    store = Store.from_env()
    token = store.create()
    store.save_state(token, {"spec": {...}})
    record = store.add_file(token, "penguins.csv", upload)    # bytes or a binary file
    raw = store.read_file(token, record.sha256)
"""

from __future__ import annotations

import copy
import json
import os
import random
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    Text,
    column,
    create_engine,
    event,
    exc,
    func,
    inspect,
    select,
    table,
)

from gui.core.store import migrate
from gui.core.store.blobs import Blobs, turn
from gui.core.store.errors import (  # noqa: F401  (imported from here by the rest)
    QuotaExceeded,
    StoreConfigError,
    StoreError,
    config_error,
)
from gui.core.store.metadata import metadata
from gui.core.store.tokens import (  # noqa: F401  (imported from here by the rest)
    TOKEN_BYTES,
    TOKEN_PATTERN,
    new_token,
    valid_token,
)

DEFAULT_QUOTA_MB = 1024
DEFAULT_IDLE_DAYS = 30
TOUCH_EVERY_S = 60  # last_seen is written at most once a minute per workspace

workspaces = Table(
    "workspaces", metadata,
    Column("token", String(64), primary_key=True),
    Column("created", Float, nullable=False),
    Column("last_seen", Float, nullable=False, index=True),
    Column("version", Integer, nullable=False, default=0),
    Column("state", Text, nullable=False, default="{}"),
)
files = Table(
    "files", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("workspace", String(64), ForeignKey("workspaces.token", ondelete="CASCADE"),
           nullable=False, index=True),
    Column("sha256", String(64), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("size", BigInteger, nullable=False),  # bytes: a file may pass 2 GiB
    Column("added", Float, nullable=False),
)


@dataclass(frozen=True)
class FileRecord:
    sha256: str
    name: str
    size: int
    added: float


@dataclass(frozen=True)
class Snapshot:
    """A workspace's document as read: the JSON state and its version."""
    state: dict
    version: int


def default_home() -> Path:
    """LAYERLAB_HOME, else the per-user data folder (XDG), never the working directory."""
    if os.environ.get("LAYERLAB_HOME"):
        return Path(os.environ["LAYERLAB_HOME"]).expanduser()
    base = os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share"
    return Path(base) / "layerlab"


class Store:
    """Workspaces, their JSON document and their files. Safe to share between threads and
    processes: every method is one short transaction."""

    def __init__(self, home: Path | str, url: str | None = None,
                 quota_bytes: int = DEFAULT_QUOTA_MB * 2**20,
                 idle_seconds: float = DEFAULT_IDLE_DAYS * 86_400):
        self.home = Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.url = url or f"sqlite:///{self.home / 'layerlab.db'}"
        self.quota_bytes = quota_bytes
        self.idle_seconds = idle_seconds
        sqlite = self.url.startswith("sqlite")
        try:
            self.engine = create_engine(self.url,
                                        connect_args={"timeout": 30} if sqlite else {})
            if sqlite:
                event.listen(self.engine, "connect", _sqlite_pragmas)
            migrate.upgrade(self.engine, self.home)
            self.create_tables()  # tables that have no migration yet (none today)
        except (ImportError, exc.ArgumentError, exc.DBAPIError) as error:
            raise config_error(self.url, url is not None, error) from None
        self.blobs = Blobs(self.engine, self.home / "files")  # the uploads' content

    def create_tables(self, *tables: Table) -> None:
        """Create `tables` (default: all known) unless they exist; the schema is kept by the
        migrations (migrate.py): a new table or column needs one there too."""
        for attempt in range(5):
            try:
                metadata.create_all(self.engine, tables=list(tables) or None)
                return
            except exc.DBAPIError:  # another process created the same tables just now
                if attempt == 4:
                    raise
                time.sleep(0.05 * (attempt + 1))

    @classmethod
    def from_env(cls) -> Store:
        """The store the environment names: LAYERLAB_HOME, LAYERLAB_DATABASE_URL,
        LAYERLAB_QUOTA_MB (default 1024) and LAYERLAB_IDLE_DAYS (default 30)."""
        quota = float(os.environ.get("LAYERLAB_QUOTA_MB", DEFAULT_QUOTA_MB))
        idle = float(os.environ.get("LAYERLAB_IDLE_DAYS", DEFAULT_IDLE_DAYS))
        return cls(default_home(), os.environ.get("LAYERLAB_DATABASE_URL") or None,
                   quota_bytes=int(quota * 2**20), idle_seconds=idle * 86_400)

    # ---- workspaces ------------------------------------------------------------------------
    def create(self, state: dict | None = None) -> str:
        """A new workspace under a fresh random token (never one a visitor chose)."""
        token, now = new_token(), time.time()
        with self.engine.begin() as db:
            db.execute(workspaces.insert().values(
                token=token, created=now, last_seen=now, version=0,
                state=json.dumps(state or {})))
        return token

    def exists(self, token: str) -> bool:
        if not valid_token(token):
            return False
        with self.engine.connect() as db:
            return db.execute(select(workspaces.c.token).where(
                workspaces.c.token == token)).first() is not None

    def touch(self, token: str) -> None:
        """Note that the workspace is in use (keeps it from the idle purge)."""
        now = time.time()
        with self.engine.begin() as db:
            db.execute(workspaces.update().where(
                workspaces.c.token == token,
                workspaces.c.last_seen < now - TOUCH_EVERY_S).values(last_seen=now))

    def version(self, token: str) -> int:
        with self.engine.connect() as db:
            value = db.execute(select(workspaces.c.version).where(
                workspaces.c.token == token)).scalar()
        if value is None:
            raise StoreError("This workspace does not exist.")
        return value

    def load(self, token: str) -> Snapshot:
        with self.engine.connect() as db:
            row = db.execute(select(workspaces.c.state, workspaces.c.version).where(
                workspaces.c.token == token)).first()
        if row is None:
            raise StoreError("This workspace does not exist.")
        return Snapshot(json.loads(row.state), row.version)

    def save_state(self, token: str, state: dict) -> int:
        """Replace the workspace's document in one transaction; returns its new version."""
        text = json.dumps(state)
        with self.engine.begin() as db:
            result = db.execute(workspaces.update().where(workspaces.c.token == token).values(
                state=text, version=workspaces.c.version + 1, last_seen=time.time()))
            if result.rowcount != 1:
                raise StoreError("This workspace does not exist.")
            return db.execute(select(workspaces.c.version).where(
                workspaces.c.token == token)).scalar()

    def update_state(self, token: str, change: Callable[[dict], dict],
                     attempts: int = 50) -> Snapshot:
        """Read the newest document, pass it to `change` and store what it returns — unless
        another writer saved in between (compare-and-swap on the version): then read again
        and retry, so no one's write is lost. The same on SQLite and PostgreSQL (one
        conditional UPDATE, no locks held while `change` runs). Returns what is stored; an
        unchanged document is not written (its version stays)."""
        for attempt in range(attempts):
            snapshot = self.load(token)
            state = change(copy.deepcopy(snapshot.state))
            if state == snapshot.state:
                return snapshot
            with self.engine.begin() as db:
                result = db.execute(workspaces.update().where(
                    workspaces.c.token == token, workspaces.c.version == snapshot.version,
                ).values(state=json.dumps(state), version=snapshot.version + 1,
                         last_seen=time.time()))
            if result.rowcount == 1:
                return Snapshot(state, snapshot.version + 1)
            time.sleep(random.uniform(0, 0.01 * (attempt + 1)))  # another tab wrote first
        raise StoreError("This workspace is being changed from many places at once; "
                         "try the change again in a moment.")

    def clear(self, token: str) -> None:
        """Start over: the document emptied, every file and run removed (the token stays)."""
        with self.engine.begin() as db:
            hashes = self._hashes(db, token)
            self._delete_parts(db, token)
            db.execute(workspaces.update().where(workspaces.c.token == token).values(
                state="{}", version=workspaces.c.version + 1, last_seen=time.time()))
        self._collect(hashes)

    def delete(self, token: str) -> None:
        with self.engine.begin() as db:
            hashes = self._hashes(db, token)
            self._delete_parts(db, token)
            db.execute(workspaces.delete().where(workspaces.c.token == token))
        self._collect(hashes)

    def workspace_dir(self, token: str) -> Path:
        """The local cache folder of a workspace's own files besides uploads (its runs'
        models and snapshots: run_files.py keeps them in the database)."""
        if not valid_token(token):
            raise StoreError("This workspace does not exist.")
        return self.home / "workspaces" / token

    def purge_idle(self, now: float | None = None) -> int:
        """Delete workspaces unused for longer than idle_seconds; returns how many."""
        cutoff = (now or time.time()) - self.idle_seconds
        with self.engine.connect() as db:
            tokens = db.execute(select(workspaces.c.token).where(
                workspaces.c.last_seen < cutoff)).scalars().all()
        for token in tokens:
            self.delete(token)
        with turn(self.engine) as db:
            self.blobs.sweep(db)  # uploads that died half-way
        return len(tokens)

    # ---- files -----------------------------------------------------------------------------
    def add_file(self, token: str, name: str, source: bytes | memoryview | BinaryIO,
                 ) -> FileRecord:
        """Store `source` in the workspace: into the database, a chunk at a time (never a
        second copy in memory), and this home's cache; the same content is stored once."""
        if not self.exists(token):
            raise StoreError("This workspace does not exist.")
        sha, size, tmp = self.blobs.receive(source)
        try:
            with turn(self.engine) as db:
                if refused := self._over_quota(db, token, name, sha, size):
                    raise refused
                ready = self.blobs.claim(db, sha, size)
                cached = self.blobs.keep(tmp, sha)
                if ready:
                    return self._add_row(db, token, sha, name, size)
            self.blobs.send(sha, cached)  # outside the turn: other writers go on meanwhile
            with turn(self.engine) as db:
                self.blobs.complete(db, sha, size)
                if not (refused := self._over_quota(db, token, name, sha, size)):
                    return self._add_row(db, token, sha, name, size)
            self._collect({sha})  # another upload took the room meanwhile
            raise refused
        finally:
            tmp.unlink(missing_ok=True)

    def files(self, token: str) -> list[FileRecord]:
        """The workspace's files, newest first; one row per name and content."""
        with self.engine.connect() as db:
            # size follows from the content (sha256); max() lets PostgreSQL group by both
            rows = db.execute(select(files.c.sha256, files.c.name,
                                     func.max(files.c.size).label("size"),
                                     func.max(files.c.added).label("added"))
                              .where(files.c.workspace == token)
                              .group_by(files.c.sha256, files.c.name)
                              .order_by(func.max(files.c.added).desc())).all()
        return [FileRecord(r.sha256, r.name, r.size, r.added) for r in rows]

    def file_path(self, token: str, sha256: str) -> Path:
        """The stored file, if this workspace holds it (otherwise StoreError): this home's
        cached copy, fetched from the database (and checked by SHA-256) when absent."""
        self.blobs.cached(sha256)  # a well-formed hash, or StoreError
        with self.engine.connect() as db:
            held = db.execute(select(files.c.id).where(
                files.c.workspace == token, files.c.sha256 == sha256)).first()
        path = self.blobs.path(sha256) if held else None
        if path is None:
            raise StoreError("This file is not in the workspace any more; upload it again.")
        return path

    def read_file(self, token: str, sha256: str) -> bytes:
        return self.file_path(token, sha256).read_bytes()

    def remove_file(self, token: str, sha256: str) -> None:
        with self.engine.begin() as db:
            db.execute(files.delete().where(files.c.workspace == token,
                                            files.c.sha256 == sha256))
        self._collect({sha256})

    def usage(self, token: str) -> int:
        """Bytes of distinct files the workspace holds (what its quota counts)."""
        with self.engine.connect() as db:
            return self._usage(db, token)

    # ---- internals -------------------------------------------------------------------------
    def _over_quota(self, db, token: str, name: str, sha: str, size: int,
                    ) -> QuotaExceeded | None:
        if sha in self._hashes(db, token):
            return None  # counted once already
        used = self._usage(db, token)
        if used + size <= self.quota_bytes:
            return None
        return QuotaExceeded(
            f"{name} ({_mb(size)}) does not fit: this workspace holds {_mb(used)} of its "
            f"{_mb(self.quota_bytes)}. Start over to empty it, or remove files you no longer "
            "need.")

    @staticmethod
    def _add_row(db, token: str, sha: str, name: str, size: int) -> FileRecord:
        now = time.time()
        db.execute(files.insert().values(workspace=token, sha256=sha, name=name, size=size,
                                         added=now))
        return FileRecord(sha, name, size, now)

    def _delete_parts(self, db, token: str) -> None:
        # Every table with a `workspace` column (files, runs, run files, links) holds rows of
        # one workspace; its cache folder goes with them. The tables are read from the
        # database: a process that never imported links.py must still withdraw its links.
        names = [n for n, _ in inspect(db).get_sorted_table_and_fkc_names() if n]
        for name in reversed(names):  # children before the tables they refer to
            if any(c["name"] == "workspace" for c in inspect(db).get_columns(name)):
                owned = table(name, column("workspace"))
                db.execute(owned.delete().where(owned.c.workspace == token))
        if valid_token(token):
            shutil.rmtree(self.workspace_dir(token), ignore_errors=True)

    @staticmethod
    def _hashes(db, token: str) -> set[str]:
        return set(db.execute(select(files.c.sha256).where(
            files.c.workspace == token)).scalars())

    @staticmethod
    def _usage(db, token: str) -> int:
        distinct = select(files.c.sha256, func.max(files.c.size).label("size")).where(
            files.c.workspace == token).group_by(files.c.sha256).subquery()
        return int(db.execute(select(func.coalesce(func.sum(distinct.c.size), 0))).scalar())

    def _collect(self, hashes: set[str]) -> None:
        """Delete the blobs no workspace refers to any more, and their cached copies."""
        if not hashes:
            return
        with turn(self.engine) as db:
            gone = self.blobs.collect(db, hashes, used=files.c.sha256)
        self.blobs.remove_cached(gone)


def _sqlite_pragmas(connection, _record) -> None:
    # WAL lets readers go on while one process writes; foreign keys for the cascade.
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _mb(size: int) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 1024:,.0f} KB"
