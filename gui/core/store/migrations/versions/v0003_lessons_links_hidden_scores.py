"""Lessons and their students, presenter and board-view links, and a run's score on a lesson's
hidden test rows.

Each step is skipped where the database has it already (a database made before migrations
is stamped 0001 with today's tables, which include these).

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    have = sa.inspect(op.get_bind())
    tables = set(have.get_table_names())
    if "lessons" not in tables:
        op.create_table(
            "lessons",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("code", sa.String(16), nullable=False, unique=True),
            sa.Column("board", sa.String(64), nullable=False, unique=True),
            sa.Column("template", sa.String(64),
                      sa.ForeignKey("workspaces.token", ondelete="CASCADE"), nullable=False),
            sa.Column("teacher", sa.String(64), nullable=False),
            sa.Column("title", sa.String(200), nullable=False),
            sa.Column("instructions", sa.Text, nullable=False),
            sa.Column("rules", sa.Text, nullable=False),
            sa.Column("open", sa.Integer, nullable=False),
            sa.Column("created", sa.Float, nullable=False),
            sa.Column("hidden", sa.Text))
        op.create_index("ix_lessons_template", "lessons", ["template"])
        op.create_index("ix_lessons_teacher", "lessons", ["teacher"])
    if "students" not in tables:
        op.create_table(
            "students",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("lesson", sa.Integer, sa.ForeignKey("lessons.id", ondelete="CASCADE"),
                      nullable=False),
            sa.Column("copy", sa.String(64),
                      sa.ForeignKey("workspaces.token", ondelete="CASCADE"), nullable=False,
                      unique=True),
            sa.Column("name", sa.String(100), nullable=False),
            sa.Column("joined", sa.Float, nullable=False))
        op.create_index("ix_students_lesson", "students", ["lesson"])
    if "links" not in tables:
        op.create_table(
            "links",
            sa.Column("token", sa.String(64), primary_key=True),
            sa.Column("workspace", sa.String(64),
                      sa.ForeignKey("workspaces.token", ondelete="CASCADE"), nullable=False),
            sa.Column("role", sa.String(16), nullable=False),
            sa.Column("created", sa.Float, nullable=False),
            sa.UniqueConstraint("workspace", "role"))
        op.create_index("ix_links_workspace", "links", ["workspace"])
    if "hidden_metrics" not in {c["name"] for c in have.get_columns("runs")}:
        with op.batch_alter_table("runs") as batch:
            batch.add_column(sa.Column("hidden_metrics", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("runs") as batch:
        batch.drop_column("hidden_metrics")
    op.drop_table("links")
    op.drop_table("students")
    op.drop_table("lessons")
