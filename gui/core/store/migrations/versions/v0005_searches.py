"""Searches ("Find a better network" whose trials are runs): the searches table.

Skipped where the database has it already.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if "searches" in set(sa.inspect(op.get_bind()).get_table_names()):
        return
    op.create_table(
        "searches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("workspace", sa.String(64),
                  sa.ForeignKey("workspaces.token", ondelete="CASCADE"), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("minutes", sa.Float, nullable=False),
        sa.Column("task", sa.String(32), nullable=False),
        sa.Column("base", sa.Text, nullable=False),
        sa.Column("data", sa.Text, nullable=False),
        sa.Column("space", sa.Text, nullable=False),
        sa.Column("first_trial", sa.Text, nullable=False),
        sa.Column("trials", sa.Text, nullable=False),
        sa.Column("best_run", sa.Integer),
        sa.Column("best_score", sa.Float),
        sa.Column("note", sa.Text),
        sa.Column("started", sa.Float),
        sa.Column("ended", sa.Float),
        sa.Column("stop_requested", sa.Float),
        sa.Column("heartbeat", sa.Float),
        sa.Column("owner", sa.String(120)))
    op.create_index("ix_searches_workspace", "searches", ["workspace"])
    op.create_index("ix_searches_status", "searches", ["status"])


def downgrade() -> None:
    op.drop_table("searches")
