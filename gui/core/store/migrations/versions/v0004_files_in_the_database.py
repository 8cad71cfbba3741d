"""Files in the database: uploads as content-addressed blobs in chunks, and each run's model,
weight snapshots and card notes; LAYERLAB_HOME becomes only a cache of them.

The upgrade creates the tables and imports the files already on disk, from the home of the
process that upgrades (migrate.py hands it over): every upload a `files` row names (checked by
its SHA-256; one missing or changed on disk stays missing, and reading it asks for the upload
again, as before) and every run's .keras, .card.txt and .snapshots.npz. A run file's stamp is
its modification time, so the upgrading home's copies stay current without a download. With
a database server, upgrade from the machine whose LAYERLAB_HOME holds the files (the app's).

Self-contained on purpose (its own table shapes and chunking): a migration must do the same
thing whatever the code becomes later.

Revision ID: 0004
Revises: 0003
"""

import hashlib
from pathlib import Path

import sqlalchemy as sa
from alembic import context, op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

CHUNK_BYTES = 4 * 2**20
RUN_FILES = {"model": ".keras", "card": ".card.txt", "snapshots": ".snapshots.npz"}

blobs = sa.table("blobs", sa.column("sha256"), sa.column("size"), sa.column("complete"),
                 sa.column("created"))
blob_chunks = sa.table("blob_chunks", sa.column("sha256"), sa.column("seq"),
                       sa.column("data"))
run_files = sa.table("run_files", sa.column("id"), sa.column("run"), sa.column("workspace"),
                     sa.column("name"), sa.column("sha256"), sa.column("size"),
                     sa.column("stamp"))
run_file_chunks = sa.table("run_file_chunks", sa.column("run_file"), sa.column("stamp"),
                           sa.column("seq"), sa.column("workspace"), sa.column("data"))


def upgrade() -> None:
    _create_tables()
    home = context.config.attributes.get("home")
    if home is not None:
        _import_uploads(Path(home))
        _import_run_files(Path(home))


def _create_tables() -> None:
    tables = set(sa.inspect(op.get_bind()).get_table_names())
    if "blobs" not in tables:
        op.create_table(
            "blobs",
            sa.Column("sha256", sa.String(64), primary_key=True),
            sa.Column("size", sa.BigInteger, nullable=False),
            sa.Column("complete", sa.Integer, nullable=False),
            sa.Column("created", sa.Float, nullable=False))
    if "blob_chunks" not in tables:
        op.create_table(
            "blob_chunks",
            sa.Column("sha256", sa.String(64), primary_key=True),
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("data", sa.LargeBinary, nullable=False))
    if "run_files" not in tables:
        op.create_table(
            "run_files",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("run", sa.Integer, sa.ForeignKey("runs.id", ondelete="CASCADE"),
                      nullable=False),
            sa.Column("workspace", sa.String(64),
                      sa.ForeignKey("workspaces.token", ondelete="CASCADE"), nullable=False),
            sa.Column("name", sa.String(16), nullable=False),
            sa.Column("sha256", sa.String(64), nullable=False),
            sa.Column("size", sa.BigInteger, nullable=False),
            sa.Column("stamp", sa.BigInteger, nullable=False),
            sa.UniqueConstraint("run", "name"))
        op.create_index("ix_run_files_workspace", "run_files", ["workspace"])
    if "run_file_chunks" not in tables:
        op.create_table(
            "run_file_chunks",
            sa.Column("run_file", sa.Integer,
                      sa.ForeignKey("run_files.id", ondelete="CASCADE"), primary_key=True,
                      autoincrement=False),
            sa.Column("stamp", sa.BigInteger, primary_key=True, autoincrement=False),
            sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
            sa.Column("workspace", sa.String(64),
                      sa.ForeignKey("workspaces.token", ondelete="CASCADE"), nullable=False),
            sa.Column("data", sa.LargeBinary, nullable=False))
        op.create_index("ix_run_file_chunks_workspace", "run_file_chunks", ["workspace"])


def _chunks(path: Path):
    with open(path, "rb") as source:
        seq = 0
        while data := source.read(CHUNK_BYTES):
            yield seq, data
            seq += 1


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    for _, data in _chunks(path):
        digest.update(data)
    return digest.hexdigest()


def _import_uploads(home: Path) -> None:
    db = op.get_bind()
    known = set(db.execute(sa.select(blobs.c.sha256)).scalars())
    named = db.execute(sa.text("SELECT DISTINCT sha256 FROM files")).scalars().all()
    for sha in named:
        path = home / "files" / sha[:2] / sha
        if sha in known or len(sha) != 64 or not path.is_file() or _sha256(path) != sha:
            continue
        for seq, data in _chunks(path):
            db.execute(blob_chunks.insert().values(sha256=sha, seq=seq, data=data))
        db.execute(blobs.insert().values(sha256=sha, size=path.stat().st_size, complete=1,
                                         created=path.stat().st_mtime))


def _import_run_files(home: Path) -> None:
    db = op.get_bind()
    rows = db.execute(sa.text("SELECT id, workspace FROM runs")).all()
    have = set(db.execute(sa.select(run_files.c.run, run_files.c.name)).tuples())
    for run_id, token in rows:
        for name, suffix in RUN_FILES.items():
            path = home / "workspaces" / token / "runs" / f"{int(run_id)}{suffix}"
            if (run_id, name) in have or "/" in token or not path.is_file():
                continue
            stamp = path.stat().st_mtime_ns
            file_id = db.execute(run_files.insert().values(
                run=run_id, workspace=token, name=name, sha256=_sha256(path),
                size=path.stat().st_size, stamp=stamp).returning(run_files.c.id)).scalar()
            for seq, data in _chunks(path):
                db.execute(run_file_chunks.insert().values(
                    run_file=file_id, stamp=stamp, seq=seq, workspace=token, data=data))


def downgrade() -> None:
    # The files stay only in the caches of the homes that hold them.
    op.drop_table("run_file_chunks")
    op.drop_table("run_files")
    op.drop_table("blob_chunks")
    op.drop_table("blobs")
