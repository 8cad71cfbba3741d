"""A real PostgreSQL server for the tests, started by the tests themselves (a pytest plugin).

Debian's own binaries (`apt-get install postgresql`; `make test` installs it when it is
missing) run a throw-away cluster in a temporary folder: `initdb`, then `pg_ctl start`
listening only on 127.0.0.1 at a free port, its unix socket inside that folder. initdb
refuses to run as root, so under root the server runs as the `postgres` user that Debian's
package creates (or a `layerlab-pg` user made for the purpose). The server is started once,
the first time a test asks for it, and stopped and removed at the end of the session.

Fixtures (tests/conftest.py loads this plugin):
- `postgres_server`: the running server (session-wide): `.url(database)`, `.create_database()`.
- `database_url`: parametrised over both backends, so every test that takes it runs twice:
  `None` for the built-in SQLite file under LAYERLAB_HOME, and a
  `postgresql+psycopg://...` URL of a fresh, empty database of its own for PostgreSQL.
- `module_database_url`: the same, one database for a whole test module (e.g. the tests of
  tests/core/test_runs.py, which share one worker pool).
- `make_store(home, **options)`: a `Store` on `database_url` (disposed at the end).
- `store`: `make_store(tmp_path / "home")`: a fresh store on each backend.

A new store test takes `store` (or `make_store` / `database_url`) and runs on both.
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

SUPERUSER = "layerlab"
BACKENDS = ("sqlite", "postgresql")


def pg_bin(name: str) -> str:
    """Debian's binary `name` of the newest installed PostgreSQL (e.g. initdb, pg_ctl)."""
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"),
                   key=lambda p: int(Path(p).parts[4]) if Path(p).parts[4].isdigit() else 0)
    if found:
        return found[-1]
    if path := shutil.which(name):
        return path
    raise RuntimeError(
        f"PostgreSQL's {name} was not found: the store tests run against a real PostgreSQL "
        "server. Install Debian's server with `sudo apt-get install postgresql` (make test "
        "does it when run as root).")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_user() -> str | None:
    """Who runs the server: None for the current user, else a non-root user (under root)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "layerlab-pg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin",
                    "layerlab-pg"], check=True)
    return "layerlab-pg"


@dataclass
class PostgresServer:
    folder: Path
    port: int
    user: str | None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def _run(self, *argv: str) -> subprocess.CompletedProcess:
        command = ["runuser", "-u", self.user, "--", *argv] if self.user else list(argv)
        done = subprocess.run(command, capture_output=True, text=True, timeout=120,
                              cwd=self.folder)
        if done.returncode != 0:
            log = self.folder / "server.log"
            tail = log.read_text(errors="replace")[-3000:] if log.exists() else ""
            raise RuntimeError(f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}\n{tail}")
        return done

    def start(self) -> None:
        if self.user:
            shutil.chown(self.folder, self.user)
        self._run(pg_bin("initdb"), "-D", str(self.data), "-U", SUPERUSER, "--auth=trust",
                  "--encoding=UTF8", "--locale=C", "--no-sync")
        options = (f"-c listen_addresses=127.0.0.1 -p {self.port} "
                   f"-c unix_socket_directories={self.folder} -c fsync=off "
                   "-c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-o", options,
                  "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start")

    def stop(self) -> None:
        try:
            self._run(pg_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{self.port}/{database}"

    def create_database(self) -> str:
        """A fresh, empty database; returns its name."""
        import psycopg

        name = f"test_{secrets.token_hex(6)}"
        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname="postgres", autocommit=True) as db:
            db.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        import psycopg

        with psycopg.connect(host="127.0.0.1", port=self.port, user=SUPERUSER,
                             dbname="postgres", autocommit=True) as db:
            db.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def throwaway_server():
    """A PostgreSQL server on 127.0.0.1 at a free port, stopped and removed at the end
    (the tests' server; benchmarks/soak.py starts one the same way)."""
    user = _server_user()
    # Under root the server's user must reach the folder: /tmp, not a private TMPDIR.
    folder = Path(tempfile.mkdtemp(prefix="layerlab-pg-", dir="/tmp" if user else None))
    server = PostgresServer(folder, _free_port(), user)
    try:
        server.start()
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)
        raise
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of this test session, on 127.0.0.1 at a free port."""
    with throwaway_server() as server:
        yield server


def _backend(request):
    if request.param == "sqlite":
        yield None
        return
    server = request.getfixturevalue("postgres_server")
    name = server.create_database()
    yield server.url(name)
    server.drop_database(name)


@pytest.fixture(params=BACKENDS)
def database_url(request):
    """None (SQLite under LAYERLAB_HOME) or the URL of a fresh PostgreSQL database."""
    yield from _backend(request)


@pytest.fixture(scope="module", params=BACKENDS)
def module_database_url(request):
    """database_url shared by a module's tests (e.g. a module-wide worker pool)."""
    yield from _backend(request)


@pytest.fixture
def make_store(database_url):
    """make_store(home, **options): a Store on this test's backend."""
    from gui.core.store.workspaces import Store

    made = []

    def make(home, **options):
        made.append(Store(home, database_url, **options))
        return made[-1]

    yield make
    for store in made:
        store.engine.dispose()


@pytest.fixture
def store(make_store, tmp_path):
    """A fresh workspace store on each backend (SQLite, PostgreSQL)."""
    return make_store(tmp_path / "home")
