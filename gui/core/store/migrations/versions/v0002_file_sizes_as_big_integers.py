"""A file's size in bytes as a big integer: an upload may pass 2 GiB (PostgreSQL's INTEGER
stops there; SQLite's is 64-bit already, but says BIGINT from now on too).

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.alter_column("size", type_=sa.BigInteger, existing_type=sa.Integer,
                           existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("files") as batch:
        batch.alter_column("size", type_=sa.Integer, existing_type=sa.BigInteger,
                           existing_nullable=False)
