"""Links that show a workspace without being its token: each has its own unguessable token
and a role that says what it may do. Today one role: a presenter link, the workspace
read-only (for a second screen or a visitor). Whoever holds a link never learns the
workspace's own token, so nothing done through the link can write to the workspace.

The links of a workspace go with it: Start over withdraws them (a new one is made when
asked for), deleting or purging the workspace deletes them (the table has a `workspace`
column, see Store._delete_parts).

Example:
    links = Links(store)
    shown = links.token_for(teacher_token, PRESENTER)     # the same token every time
    links.resolve(shown)                                  # Link(workspace=teacher_token, ...)
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    String,
    Table,
    UniqueConstraint,
    exc,
    select,
)

from gui.core.store.workspaces import (
    Store,
    StoreError,
    metadata,
    new_token,
    valid_token,
    workspaces,
)

PRESENTER = "presenter"  # the workspace shown read-only
ROLES = (PRESENTER,)

links_table = Table(
    "links", metadata,
    Column("token", String(64), primary_key=True),
    Column("workspace", String(64), ForeignKey(workspaces.c.token, ondelete="CASCADE"),
           nullable=False, index=True),
    Column("role", String(16), nullable=False),
    Column("created", Float, nullable=False),
    UniqueConstraint("workspace", "role"),  # one link per role: two tabs asking get the same
)


@dataclass(frozen=True)
class Link:
    workspace: str
    role: str


class Links:
    """The links table; every method is one short transaction."""

    def __init__(self, store: Store):
        self.store = store
        self.engine = store.engine
        store.create_tables(links_table)

    def token_for(self, workspace: str, role: str) -> str:
        """The workspace's link for `role`, made the first time it is asked for."""
        if role not in ROLES:
            raise ValueError(f"Expected a role among {', '.join(ROLES)}. Received: {role!r}.")
        for _ in range(3):
            with self.engine.connect() as db:
                known = db.execute(select(links_table.c.token).where(
                    links_table.c.workspace == workspace, links_table.c.role == role)).scalar()
            if known:
                return known
            if not self.store.exists(workspace):
                raise StoreError("This workspace does not exist.")
            try:
                token = new_token()
                with self.engine.begin() as db:
                    db.execute(links_table.insert().values(
                        token=token, workspace=workspace, role=role, created=time.time()))
                return token
            except exc.IntegrityError:  # a race on the same workspace: read the winner's
                continue
        raise RuntimeError("could not make a link")  # pragma: no cover - three collisions

    def tokens_for(self, workspaces_: list[str], role: str) -> dict[str, str]:
        """`token_for` of many workspaces (a class board's students): one read for all that
        have their link already."""
        with self.engine.connect() as db:
            known = dict(db.execute(select(links_table.c.workspace, links_table.c.token).where(
                links_table.c.workspace.in_(list(workspaces_)),
                links_table.c.role == role)).all())
        for workspace in workspaces_:
            if workspace not in known:
                known[workspace] = self.token_for(workspace, role)
        return known

    def resolve(self, token: str) -> Link | None:
        """What a link token shows; None for a token that is no link."""
        if not valid_token(token):
            return None
        with self.engine.connect() as db:
            row = db.execute(select(links_table.c.workspace, links_table.c.role).where(
                links_table.c.token == token)).first()
        return Link(row.workspace, row.role) if row else None
