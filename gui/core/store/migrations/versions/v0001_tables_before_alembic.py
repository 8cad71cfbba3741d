"""The store's tables as they were before Alembic: workspaces, files and runs.

A database made before migrations existed has exactly these tables and no alembic_version
table; the store stamps it with this revision and upgrades it from here.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "workspaces",
        sa.Column("token", sa.String(64), primary_key=True),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("last_seen", sa.Float, nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
    )
    op.create_index("ix_workspaces_last_seen", "workspaces", ["last_seen"])
    op.create_table(
        "files",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace", sa.String(64),
                  sa.ForeignKey("workspaces.token", ondelete="CASCADE"), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("added", sa.Float, nullable=False),
    )
    op.create_index("ix_files_workspace", "files", ["workspace"])
    op.create_index("ix_files_sha256", "files", ["sha256"])
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace", sa.String(64),
                  sa.ForeignKey("workspaces.token", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("spec", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("parent", sa.Integer),
        sa.Column("start_epoch", sa.Integer, nullable=False),
        sa.Column("history", sa.Text, nullable=False),
        sa.Column("epoch_seconds", sa.Text, nullable=False),
        sa.Column("log", sa.Text, nullable=False),
        sa.Column("progress", sa.Text, nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("error", sa.Text),
        sa.Column("test_metrics", sa.Text, nullable=False),
        sa.Column("model_epoch", sa.Integer),
        sa.Column("started", sa.Float),
        sa.Column("ended", sa.Float),
        sa.Column("stop_requested", sa.Float),
        sa.Column("heartbeat", sa.Float),
        sa.Column("owner", sa.String(120)),
    )
    op.create_index("ix_runs_workspace", "runs", ["workspace"])
    op.create_index("ix_runs_created", "runs", ["created"])
    op.create_index("ix_runs_status", "runs", ["status"])


def downgrade() -> None:
    op.drop_table("runs")
    op.drop_table("files")
    op.drop_table("workspaces")
