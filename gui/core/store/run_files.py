"""A run's own files, kept in the database: its model (.keras, with the optimizer state), its
weight snapshots (every kept epoch; the latest epoch alone while it trains) and its model
card's notes. LAYERLAB_HOME/workspaces/<token>/runs/ is only this process's cache of them.

The process that trains a run writes a file locally and hands it over (`write`, `put`): the
content goes into the database in chunks (blobs.py) under a new stamp, unless it is what the
database holds already, and the file is moved into that process's cache with the stamp as its
modification time. A reader (`paths`) compares each cached file's modification time with the
database's stamp, in one short query: an equal one is read as it is (the live view polls the
latest snapshot each second and downloads nothing unchanged); a missing or older one is
fetched again and checked by SHA-256; a file the database no longer holds leaves the cache.
So the app and its training processes need not share a folder.

Every row names its workspace, and every read is scoped by the workspace's token.

Example:
    files = RunFiles(store)
    files.write(token, run_id, "model", lambda path: path.write_bytes(raw))
    (model,) = files.paths(token, run_id, "model")     # in this home, current
    files.remove(token, run_id)                        # every file of the run
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import (
    BigInteger,
    Column,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Table,
    UniqueConstraint,
    and_,
    exc,
    select,
)

from gui.core.store.blobs import chunk_rows, fetch, install, sha256_of
from gui.core.store.errors import StoreError
from gui.core.store.metadata import metadata
from gui.core.store.run_records import runs_table
from gui.core.store.workspaces import Store, workspaces

SUFFIXES = {"model": ".keras", "card": ".card.txt", "snapshots": ".snapshots.npz",
            "latest": ".latest.npz"}

run_files = Table(
    "run_files", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("run", Integer, ForeignKey(runs_table.c.id, ondelete="CASCADE"), nullable=False),
    Column("workspace", String(64), ForeignKey(workspaces.c.token, ondelete="CASCADE"),
           nullable=False, index=True),
    Column("name", String(16), nullable=False),     # a key of SUFFIXES
    Column("sha256", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("stamp", BigInteger, nullable=False),    # ns; rises with every new content
    UniqueConstraint("run", "name"),
)
run_file_chunks = Table(
    "run_file_chunks", metadata,
    Column("run_file", Integer, ForeignKey(run_files.c.id, ondelete="CASCADE"),
           primary_key=True, autoincrement=False),
    Column("stamp", BigInteger, primary_key=True, autoincrement=False),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("workspace", String(64), ForeignKey(workspaces.c.token, ondelete="CASCADE"),
           nullable=False, index=True),
    Column("data", LargeBinary, nullable=False),
)
HEADER = (run_files.c.id, run_files.c.name, run_files.c.sha256, run_files.c.size,
          run_files.c.stamp)


class RunFiles:
    """The files of the store's runs: in the database, cached in the store's home."""

    def __init__(self, store: Store):
        self.store = store
        self.engine = store.engine

    def cached(self, token: str, run_id: int, name: str) -> Path:
        """Where this process keeps its copy of the run's file `name` (may be absent)."""
        return self.store.workspace_dir(token) / "runs" / f"{int(run_id)}{SUFFIXES[name]}"

    def paths(self, token: str, run_id: int, *names: str) -> list[Path]:
        """The cached copies of the run's files `names`, brought up to date with the
        database first; a path that does not exist stands for a file the run has not."""
        with self.engine.connect() as db:
            rows = {row.name: row for row in db.execute(select(*HEADER).where(
                run_files.c.run == int(run_id), run_files.c.workspace == token,
                run_files.c.name.in_(names)))}
        found = []
        for name in names:
            local, row = self.cached(token, run_id, name), rows.get(name)
            if row is None:
                local.unlink(missing_ok=True)  # deleted, or never made (ids may repeat)
            elif _stamp(local) != row.stamp:
                self._fetch(row, local)
            found.append(local)
        return found

    def write(self, token: str, run_id: int, name: str, fill: Callable[[Path], object],
              ) -> Path:
        """`fill(path)` writes the run's file `name` to a new local file, which is then
        `put`; returns the cached copy."""
        local = self.cached(token, run_id, name)
        tmp = local.with_name(f"{local.name}.saving-{secrets.token_hex(4)}")
        tmp.parent.mkdir(parents=True, exist_ok=True)
        try:
            fill(tmp)
            return self.put(token, run_id, name, tmp)
        finally:
            tmp.unlink(missing_ok=True)

    def put(self, token: str, run_id: int, name: str, source: Path) -> Path:
        """Keep the local file `source` as the run's file `name`: into the database unless
        it holds that content already, then moved into the cache. StoreError when the run is
        not the workspace's (deleted meanwhile)."""
        sha, size = sha256_of(source)
        for attempt in range(3):
            try:
                stamp = self._store(token, int(run_id), name, source, sha, size)
                break
            except exc.IntegrityError:  # another process made the same file's row first
                if attempt == 2:
                    raise StoreError("The run's file could not be saved; try again.") from None
        local = self.cached(token, run_id, name)
        install(source, local, stamp)
        return local

    def remove(self, token: str, run_id: int, *names: str) -> None:
        """Delete the run's files `names` (default: all) from the database and the cache."""
        names = names or tuple(SUFFIXES)
        chosen = select(run_files.c.id).where(
            run_files.c.run == int(run_id), run_files.c.workspace == token,
            run_files.c.name.in_(names))
        with self.engine.begin() as db:
            db.execute(run_file_chunks.delete().where(
                run_file_chunks.c.run_file.in_(chosen.scalar_subquery())))
            db.execute(run_files.delete().where(run_files.c.id.in_(chosen.scalar_subquery())))
        for name in names:
            self.cached(token, run_id, name).unlink(missing_ok=True)

    # ---- internals -------------------------------------------------------------------------
    def _store(self, token: str, run_id: int, name: str, source: Path, sha: str,
               size: int) -> int:
        """Write `source` as the run's file `name` in one transaction; its stamp."""
        with self.engine.begin() as db:
            if db.execute(select(runs_table.c.id).where(
                    runs_table.c.id == run_id, runs_table.c.workspace == token)).first() is None:
                raise StoreError("This run is not in the workspace (deleted, or Start over).")
            row = db.execute(select(*HEADER).where(run_files.c.run == run_id,
                                                   run_files.c.name == name)).first()
            if row is not None and row.sha256 == sha:
                return row.stamp  # unchanged: nothing to send
            # Whole microseconds, so that any file system keeps the stamp exactly.
            stamp = max(time.time_ns() // 1000 * 1000, row.stamp + 1000 if row else 0)
            if row is None:
                file_id = db.execute(run_files.insert().values(
                    run=run_id, workspace=token, name=name, sha256=sha, size=size,
                    stamp=stamp)).inserted_primary_key[0]
            else:
                file_id = row.id
                db.execute(run_file_chunks.delete().where(
                    run_file_chunks.c.run_file == file_id))
                db.execute(run_files.update().where(run_files.c.id == file_id).values(
                    sha256=sha, size=size, stamp=stamp))
            for chunk in chunk_rows(source, {"run_file": file_id, "stamp": stamp,
                                             "workspace": token}):
                db.execute(run_file_chunks.insert().values(**chunk))
                del chunk  # one chunk in memory at a time
            return stamp

    def _fetch(self, row, local: Path) -> None:
        """Bring `local` to the content of header `row`; when that content is replaced while
        it is read, read the newest (a few tries; else the cached copy stays as it was)."""
        for _ in range(5):
            where = and_(run_file_chunks.c.run_file == row.id,
                         run_file_chunks.c.stamp == row.stamp)
            if fetch(self.engine, run_file_chunks, where, row.size, row.sha256, local,
                     row.stamp):
                return
            with self.engine.connect() as db:
                row = db.execute(select(*HEADER).where(run_files.c.id == row.id)).first()
            if row is None:
                local.unlink(missing_ok=True)
                return


def _stamp(path: Path) -> int | None:
    try:
        return path.stat().st_mtime_ns
    except OSError:
        return None
