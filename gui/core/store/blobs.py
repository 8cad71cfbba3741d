"""File content kept in the database, a chunk per row; LAYERLAB_HOME holds only a cache of it.

The database is the one place every stored file lives, so a training process on another
machine needs only the database URL: an upload, a run's model or its weight snapshots are
fetched into that process's own LAYERLAB_HOME when it first reads them, and checked by
SHA-256 on the way. A file is split into chunks of CHUNK_BYTES (one row each), so that neither
SQLite nor PostgreSQL ever holds one huge value and a large file streams in and out.

Uploads are content-addressed blobs (`blobs`, `blob_chunks`), kept once however many
workspaces hold them; a workspace reaches one only through its own `files` row
(workspaces.py). A blob's header row is written first, marked incomplete; its chunks follow,
one short transaction each; it is marked complete with the workspace's `files` row. Only
complete blobs that no `files` row names are collected, so an upload under way is never
taken apart; an upload that died half-way is swept after STALE_UPLOAD_S. Taking or dropping a
reference goes in turns (`turn`), so a blob is never collected while another upload starts
to use it.

The chunk helpers (`chunk_rows`, `fetch`, `install`) serve the run files as well
(run_files.py): a run's model and snapshots, which change while it trains.

Example:
    blobs = Blobs(store.engine, store.home / "files")
    sha, size, tmp = blobs.receive(upload)              # hashed into the local cache
    with turn(store.engine) as db:
        ready = blobs.claim(db, sha, size)              # False: its chunks must be sent
    blobs.send(sha, blobs.keep(tmp, sha)); ...
    blobs.path(sha)                                     # the local copy, fetched if absent
"""

from __future__ import annotations

import hashlib
import itertools
import os
import re
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from sqlalchemy import (
    BigInteger,
    Column,
    Engine,
    Float,
    Integer,
    LargeBinary,
    String,
    Table,
    and_,
    func,
    select,
    text,
)

from gui.core.store.errors import StoreError
from gui.core.store.metadata import metadata

CHUNK_BYTES = 4 * 2**20  # one row of content
READ_BYTES = 1 << 20     # an upload is hashed and written to the cache a megabyte at a time
STALE_UPLOAD_S = 86_400  # an incomplete blob older than this was left by a process that died
TURN_LOCK = 7_201_921    # PostgreSQL: references to blobs are taken and dropped in turns

blobs = Table(
    "blobs", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
    Column("complete", Integer, nullable=False, default=0),  # 1 once every chunk is in
    Column("created", Float, nullable=False),
)
blob_chunks = Table(
    "blob_chunks", metadata,
    Column("sha256", String(64), primary_key=True),
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("data", LargeBinary, nullable=False),
)


@contextmanager
def turn(engine: Engine):
    """A transaction that runs alone among turns: a PostgreSQL advisory lock; on SQLite the
    write lock from the start (BEGIN IMMEDIATE), so what it reads stays true until it ends."""
    with engine.begin() as db:
        if db.dialect.name == "postgresql":
            db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": TURN_LOCK})
        elif db.dialect.name == "sqlite":
            db.exec_driver_sql("BEGIN IMMEDIATE")
        yield db


class Blobs:
    """The uploads' content: in the database, and cached under `folder` (named by hash)."""

    def __init__(self, engine: Engine, folder: Path):
        self.engine = engine
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)

    def cached(self, sha: str) -> Path:
        """Where this process keeps its copy of blob `sha` (which may not be there)."""
        if not re.fullmatch(r"[0-9a-f]{64}", sha or ""):
            raise StoreError("Not a file of this workspace.")
        return self.folder / sha[:2] / sha

    def receive(self, source: bytes | memoryview | BinaryIO) -> tuple[str, int, Path]:
        """Hash `source` into a temporary file of the cache, a megabyte at a time (never a
        second copy in memory); (sha256, size, that file: `keep` it, or delete it)."""
        tmp = self.folder / f"incoming-{secrets.token_hex(8)}"
        digest, size = hashlib.sha256(), 0
        try:
            with open(tmp, "wb") as out:
                for chunk in _pieces(source):
                    digest.update(chunk)
                    out.write(chunk)
                    size += len(chunk)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return digest.hexdigest(), size, tmp

    def keep(self, tmp: Path, sha: str) -> Path:
        """Move a received file into the cache under its hash; its place there."""
        install(tmp, self.cached(sha))
        return self.cached(sha)

    # ---- in turns (`db` from `turn`) ------------------------------------------------------
    def claim(self, db, sha: str, size: int) -> bool:
        """True when blob `sha` is complete in the database; otherwise note that it is on its
        way (an incomplete header, which collection leaves alone) and return False."""
        row = db.execute(select(blobs.c.complete).where(blobs.c.sha256 == sha)).first()
        if row is None:
            db.execute(blobs.insert().values(sha256=sha, size=size, complete=0,
                                             created=time.time()))
        return bool(row and row.complete)

    def complete(self, db, sha: str, size: int) -> None:
        """Mark blob `sha` complete once all its chunks are in (StoreError when not)."""
        count, total = db.execute(select(func.count(), func.coalesce(
            func.sum(func.length(blob_chunks.c.data)), 0)).where(
            blob_chunks.c.sha256 == sha)).one()
        if count != chunk_count(size) or int(total) != size:
            raise StoreError("The file could not be stored whole; upload it again.")
        db.execute(blobs.update().where(blobs.c.sha256 == sha).values(complete=1))

    def collect(self, db, hashes: set[str], used) -> set[str]:
        """Delete the complete blobs among `hashes` that no row names in column `used` (the
        files' sha256); which were deleted."""
        if not hashes:
            return set()
        kept = set(db.execute(select(used).where(used.in_(hashes))).scalars())
        gone = set(db.execute(select(blobs.c.sha256).where(
            blobs.c.sha256.in_(hashes - kept), blobs.c.complete == 1)).scalars())
        if gone:
            db.execute(blob_chunks.delete().where(blob_chunks.c.sha256.in_(gone)))
            db.execute(blobs.delete().where(blobs.c.sha256.in_(gone)))
        return gone

    def sweep(self, db, now: float | None = None) -> int:
        """Delete incomplete blobs older than STALE_UPLOAD_S (their upload died)."""
        stale = set(db.execute(select(blobs.c.sha256).where(
            blobs.c.complete == 0,
            blobs.c.created < (now or time.time()) - STALE_UPLOAD_S)).scalars())
        if stale:
            db.execute(blob_chunks.delete().where(blob_chunks.c.sha256.in_(stale)))
            db.execute(blobs.delete().where(blobs.c.sha256.in_(stale)))
        return len(stale)

    # ---- content ----------------------------------------------------------------------------
    def send(self, sha: str, cached: Path) -> None:
        """Put the chunks of `cached` (blob `sha`) into the database, one transaction each;
        chunks already there (another upload of the same content) are kept."""
        for row in chunk_rows(cached, {"sha256": sha}):
            with self.engine.begin() as db:
                db.execute(insert_new(db, blob_chunks).values(**row))
            del row  # one chunk in memory at a time

    def path(self, sha: str) -> Path | None:
        """The local copy of blob `sha`, fetched from the database when it is not cached;
        None when the database holds no complete blob by that hash."""
        local = self.cached(sha)
        if local.exists():
            return local
        with self.engine.connect() as db:
            size = db.execute(select(blobs.c.size).where(
                blobs.c.sha256 == sha, blobs.c.complete == 1)).scalar()
        if size is None:
            return None
        found = fetch(self.engine, blob_chunks, blob_chunks.c.sha256 == sha, size, sha, local)
        return local if found else None

    def remove_cached(self, hashes: set[str]) -> None:
        for sha in hashes:
            self.cached(sha).unlink(missing_ok=True)


# ---- chunks, for blobs and run files ------------------------------------------------------------
def chunk_count(size: int) -> int:
    return -(-int(size) // CHUNK_BYTES)


def chunk_rows(path: Path, key: dict) -> Iterator[dict]:
    """The rows of `path`'s content: `key` with seq 0, 1, ... and CHUNK_BYTES of data each
    (a caller that drops each row before the next holds one chunk in memory at a time)."""
    with open(path, "rb") as source:
        for seq in itertools.count():
            data = source.read(CHUNK_BYTES)
            if not data:
                return
            row = {**key, "seq": seq, "data": data}
            del data
            yield row
            del row


def fetch(engine: Engine, table: Table, where, size: int, sha: str, dest: Path,
          stamp_ns: int | None = None) -> bool:
    """Write the chunks of `table` that `where` selects to `dest`, one chunk in memory at a
    time; installed (with modification time `stamp_ns`, if given) only when all are there
    and their SHA-256 is `sha`. False when a chunk is missing or the content differs (it
    was replaced meanwhile)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    tmp = dest.with_name(f"{dest.name}.fetching-{secrets.token_hex(4)}")
    digest = hashlib.sha256()
    try:
        with open(tmp, "wb") as out:
            for seq in range(chunk_count(size)):
                with engine.connect() as db:
                    data = db.execute(select(table.c.data).where(
                        and_(where, table.c.seq == seq))).scalar()
                if data is None:
                    return False
                digest.update(data)
                out.write(data)
        if digest.hexdigest() != sha:
            return False
        install(tmp, dest, stamp_ns)
        return True
    finally:
        tmp.unlink(missing_ok=True)


def install(tmp: Path, dest: Path, stamp_ns: int | None = None) -> None:
    """Move `tmp` to `dest` in one step (a reader never sees half a file), stamped first."""
    if stamp_ns is not None:
        os.utime(tmp, ns=(stamp_ns, stamp_ns))
    dest.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, dest)


def insert_new(db, table: Table):
    """An INSERT that keeps the row already there under the same key (SQLite, PostgreSQL).
    The dialect's module is imported here, by name: a SQLite store never loads PostgreSQL's
    (~0.1 s of the first page)."""
    import importlib

    dialect = importlib.import_module(f"sqlalchemy.dialects.{db.dialect.name}")
    return dialect.insert(table).on_conflict_do_nothing()


def sha256_of(path: Path) -> tuple[str, int]:
    """(SHA-256, size) of the file at `path`, read a megabyte at a time."""
    digest, size = hashlib.sha256(), 0
    with open(path, "rb") as source:
        while chunk := source.read(READ_BYTES):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def _pieces(source) -> Iterator[bytes | memoryview]:
    if isinstance(source, bytes | bytearray | memoryview):
        view = memoryview(source)
        for start in range(0, len(view), READ_BYTES):
            yield view[start:start + READ_BYTES]
        return
    if hasattr(source, "seek"):
        source.seek(0)
    while chunk := source.read(READ_BYTES):
        yield chunk
