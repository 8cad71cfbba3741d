"""Runs say when their final model is still being saved: runs.model_pending.

A stopped run is reported stopped as soon as training halts; its worker then saves the
model of its last epoch, and pages wait for it (1) or load it (NULL or 0). Skipped where
the column exists already.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    columns = {c["name"] for c in sa.inspect(op.get_bind()).get_columns("runs")}
    if "model_pending" in columns:
        return
    with op.batch_alter_table("runs") as batch:
        batch.add_column(sa.Column("model_pending", sa.Integer))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("model_pending")
