"""The one SQLAlchemy MetaData that every table of the store joins (workspaces, files, blobs,
runs, run files, lessons, links); the migrations compare the database against it."""

from sqlalchemy import MetaData

metadata = MetaData()
