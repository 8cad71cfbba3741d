"""Alembic's entry point for the store's migrations (run by gui/core/store/migrate.py, which
hands over an open connection; never run on its own)."""

from alembic import context

import gui.core.store.lessons  # noqa: F401  (their tables join the metadata)
import gui.core.store.links  # noqa: F401
import gui.core.store.run_files  # noqa: F401
import gui.core.store.runs  # noqa: F401
from gui.core.store.workspaces import metadata

context.configure(connection=context.config.attributes["connection"],
                  target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
