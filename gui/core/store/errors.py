"""What goes wrong with the store, in words: a missing workspace or file, a full workspace, a
database setting that cannot work (which setting, what is wrong, how to fix it)."""

from __future__ import annotations

from sqlalchemy import exc, make_url


class StoreError(Exception):
    """A workspace or file that is not there, or a full workspace; the message says which."""


class QuotaExceeded(StoreError):
    pass


class StoreConfigError(StoreError):
    """The database that LAYERLAB_DATABASE_URL (or LAYERLAB_HOME) names cannot be used: the
    message says which setting is wrong and how to fix it."""


def config_error(url: str, named: bool, error: Exception) -> StoreConfigError:
    """What is wrong with the database setting, in words (never the URL's password)."""
    setting = "LAYERLAB_DATABASE_URL" if named else "LAYERLAB_HOME"
    try:
        shown = make_url(url).render_as_string(hide_password=True)
    except exc.ArgumentError:
        shown = "its value"
    unset = ("; or unset LAYERLAB_DATABASE_URL to use the built-in SQLite file under "
             "LAYERLAB_HOME" if named else "")
    if isinstance(error, ImportError):
        module = getattr(error, "name", None) or "its database driver"
        why = (f"needs the Python package '{module}', which is not installed here: install "
               f"it in LayerLab's environment (for PostgreSQL: pip install "
               f"\"psycopg[binary]\"){unset}.")
    elif isinstance(error, exc.NoSuchModuleError):
        why = ("names a kind of database that SQLAlchemy does not know: write it as "
               f"postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE{unset}.")
    elif isinstance(error, exc.ArgumentError):
        why = ("is not a database URL: write it as "
               f"postgresql+psycopg://USER:PASSWORD@HOST:PORT/DATABASE{unset}.")
    else:
        detail = str(getattr(error, "orig", None) or error).strip().splitlines()
        reason = f" ({detail[0][:200]})" if detail else ""
        why = (f"names a database that could not be opened{reason}: check that its server is "
               "running and reachable from here, and that the host, port, user, password and "
               f"database name are right{unset}.")
    return StoreConfigError(f"{setting} ({shown}) {why}")
