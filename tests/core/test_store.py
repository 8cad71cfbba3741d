"""The workspace store: real files under tmp_path, real processes, no mocks; every test that
takes `store` or `make_store` runs twice, on SQLite and on a real PostgreSQL server
(tests/postgres_server.py)."""

from __future__ import annotations

import io
import multiprocessing
import os
import time
import tracemalloc
from pathlib import Path

import pytest
from sqlalchemy import func, select, update

from gui.core.store import workspaces as store_mod
from gui.core.store.workspaces import (
    QuotaExceeded,
    Store,
    StoreError,
    default_home,
    valid_token,
    workspaces,
)

MB = 2**20


def blobs(home: Path) -> list[Path]:
    """Content files on disk (temp uploads excluded): what dedup and cleanup are about."""
    return [p for p in (home / "files").rglob("*")
            if p.is_file() and not p.name.startswith("incoming-")]


def temps(home: Path) -> list[Path]:
    return list((home / "files").rglob("incoming-*"))


def last_seen(s: Store, token: str) -> float:
    with s.engine.connect() as db:
        return db.execute(select(workspaces.c.last_seen).where(
            workspaces.c.token == token)).scalar()


# ---- 1. round trip ------------------------------------------------------------------------------

def test_state_round_trips_and_version_rises_per_save(store, make_store):
    """What was saved is what comes back, in this process and in a fresh Store on the same home."""
    token = store.create()
    assert store.version(token) == 0
    states = [{"spec": {"layers": [{"units": 8}]}}, {"spec": None, "edits": ["a", 1, 2.5, True]}]
    for i, state in enumerate(states, start=1):
        assert store.save_state(token, state) == i
        snap = store.load(token)
        assert snap.state == state and snap.version == i
    sha = store.add_file(token, "a.csv", b"x,y\n1,2\n").sha256
    other = make_store(store.home)
    assert other.load(token).state == states[-1] and other.load(token).version == 2
    assert other.read_file(token, sha) == b"x,y\n1,2\n"
    assert [f.name for f in other.files(token)] == ["a.csv"]
    other.engine.dispose()


@pytest.mark.parametrize("token", ["", "../../etc", "a" * 32, None, "A" * 31 + "/"])
def test_unknown_or_malformed_tokens_do_not_exist(store, token):
    """A token in a URL is untrusted: only issued ones exist, and reading others is an error."""
    assert store.exists(token) is False
    for call in (lambda: store.load(token), lambda: store.save_state(token, {"x": 1}),
                 lambda: store.add_file(token, "a.csv", b"1"), lambda: store.version(token)):
        with pytest.raises(StoreError):
            call()


# ---- 2. tokens ----------------------------------------------------------------------------------

def test_tokens_are_unique_random_and_well_formed(store):
    """Tokens are the only key to a workspace, so they must be unguessable and never repeat."""
    tokens = [store.create() for _ in range(100)]
    assert len(set(tokens)) == 100
    for token in tokens:
        assert len(token) == 32 and store_mod.TOKEN_PATTERN.fullmatch(token)
        assert valid_token(token) and store.exists(token)
    for bad in ["", "short", "a" * 33, "a" * 31 + ".", "a" * 31 + "/", 12345, b"a" * 32]:
        assert not valid_token(bad)


# ---- 3. files -----------------------------------------------------------------------------------

def test_add_file_from_bytes_memoryview_and_file_objects(store, tmp_path):
    """Uploads arrive as bytes or as file objects; all must store exactly the same content."""
    token = store.create()
    on_disk = tmp_path / "upload.bin"
    on_disk.write_bytes(b"from an open file\n" * 1000)
    with open(on_disk, "rb") as handle:
        handle.read(5)  # a partly read file is still stored whole
        sources = {"bytes": b"plain bytes", "view": memoryview(b"0123456789abcdef")[2:12],
                   "bio": io.BytesIO(b"bytes io" * 3), "file": handle}
        expected = {"bytes": b"plain bytes", "view": b"23456789ab", "bio": b"bytes io" * 3,
                    "file": on_disk.read_bytes()}
        for name, source in sources.items():
            record = store.add_file(token, name, source)
            assert record.size == len(expected[name])
            assert store.read_file(token, record.sha256) == expected[name]
    assert {f.name for f in store.files(token)} == set(sources)


def test_same_content_is_one_blob_and_counted_once(store):
    """Content is stored once on disk, however many names or workspaces hold it."""
    a, b = store.create(), store.create()
    raw = b"same content" * 100
    first = store.add_file(a, "one.csv", raw)
    assert store.add_file(a, "two.csv", raw).sha256 == first.sha256
    store.add_file(b, "three.csv", io.BytesIO(raw))
    assert len(blobs(store.home)) == 1 and not temps(store.home)
    assert store.usage(a) == len(raw) and store.usage(b) == len(raw)
    assert {f.name for f in store.files(a)} == {"one.csv", "two.csv"}
    store.remove_file(a, first.sha256)
    assert store.files(a) == [] and store.usage(a) == 0
    assert len(blobs(store.home)) == 1  # b still refers to it
    assert store.read_file(b, first.sha256) == raw
    store.remove_file(b, first.sha256)
    assert blobs(store.home) == []


# ---- 4. isolation -------------------------------------------------------------------------------

def test_workspaces_cannot_reach_each_others_files_or_state(store):
    """Knowing another workspace's hash (or crafting a path) gives nothing."""
    a, b = store.create(), store.create()
    store.save_state(a, {"secret": "a's spec"})
    sha = store.add_file(a, "private.csv", b"private data").sha256
    for read in (store.file_path, store.read_file):
        with pytest.raises(StoreError):
            read(b, sha)
    assert store.files(b) == [] and store.load(b).state == {}
    for crafted in ["../../layerlab.db", "../layerlab.db", sha[:10], sha.upper(), ""]:
        with pytest.raises(StoreError):
            store.file_path(a, crafted)
    store.remove_file(b, sha)  # b cannot delete a's file either
    assert store.read_file(a, sha) == b"private data"


# ---- 5. quota -----------------------------------------------------------------------------------

def test_quota_refuses_a_file_that_does_not_fit_and_leaves_nothing(make_store, tmp_path):
    """A full workspace says which file, why, and what to do; the refused file leaves no trace."""
    s = make_store(tmp_path / "home", quota_bytes=1000)
    token = s.create()
    held = s.add_file(token, "first.csv", b"a" * 600)
    assert s.add_file(token, "again.csv", b"a" * 600).sha256 == held.sha256  # not counted twice
    with pytest.raises(QuotaExceeded) as info:
        s.add_file(token, "second.csv", io.BytesIO(b"b" * 600))
    message = str(info.value)
    assert "second.csv" in message and "does not fit" in message and "Start over" in message
    assert len(blobs(s.home)) == 1 and not temps(s.home)
    assert s.usage(token) == 600
    assert {f.name for f in s.files(token)} == {"first.csv", "again.csv"}
    s.add_file(token, "small.csv", b"c" * 400)  # exactly at the quota is allowed
    assert s.usage(token) == 1000
    s.engine.dispose()


# ---- 6. clear -----------------------------------------------------------------------------------

def test_clear_empties_the_workspace_but_keeps_the_token(store):
    """Start over removes files and state; the URL keeps working."""
    token = store.create()
    store.save_state(token, {"spec": 1})
    sha = store.add_file(token, "a.csv", b"data").sha256
    before = store.version(token)
    store.clear(token)
    assert store.exists(token)
    assert store.load(token).state == {} and store.version(token) == before + 1
    assert store.files(token) == [] and store.usage(token) == 0 and blobs(store.home) == []
    with pytest.raises(StoreError):
        store.read_file(token, sha)


# ---- 7. idle purge ------------------------------------------------------------------------------

def test_purge_idle_deletes_old_workspaces_and_their_blobs(make_store, tmp_path):
    """Idle workspaces go with the files only they held; recently used ones stay."""
    s = make_store(tmp_path / "home", idle_seconds=100)
    old, shared_with = s.create(), s.create()
    s.add_file(old, "mine.csv", b"only old")
    assert s.purge_idle(now=time.time()) == 0 and s.exists(old)
    assert s.purge_idle(now=time.time() + 1000) == 2
    assert not s.exists(old) and not s.exists(shared_with) and blobs(s.home) == []
    keep, gone = s.create(), s.create()
    shared = s.add_file(keep, "k.csv", b"shared").sha256
    s.add_file(gone, "g.csv", b"shared")
    with s.engine.begin() as db:
        db.execute(update(workspaces).where(workspaces.c.token == gone)
                   .values(last_seen=time.time() - 1000))
    assert s.purge_idle() == 1
    assert s.exists(keep) and not s.exists(gone) and s.read_file(keep, shared) == b"shared"
    s.engine.dispose()


def test_touch_is_throttled_but_save_updates_last_seen(store):
    """touch() writes at most once per TOUCH_EVERY_S; a save always marks the workspace used."""
    token = store.create()
    seen = last_seen(store, token)
    store.touch(token)
    assert last_seen(store, token) == seen
    stale = time.time() - 2 * store_mod.TOUCH_EVERY_S
    with store.engine.begin() as db:
        db.execute(update(workspaces).where(workspaces.c.token == token).values(last_seen=stale))
    store.touch(token)
    assert last_seen(store, token) > stale + store_mod.TOUCH_EVERY_S
    with store.engine.begin() as db:
        db.execute(update(workspaces).where(workspaces.c.token == token).values(last_seen=stale))
    store.save_state(token, {"x": 1})
    assert last_seen(store, token) > stale + store_mod.TOUCH_EVERY_S


# ---- 8. two processes ---------------------------------------------------------------------------

def write_from_process(home: str, url: str | None, token: str, writer: int, start) -> None:
    """Run in a spawned process: its own Store on the shared home, saving and uploading."""
    s = Store(home, url)
    start.wait(30)  # both writers begin together, so their writes really interleave
    for k in range(40):
        s.save_state(token, {"writer": writer, "n": k})
        if k % 8 == 0:
            s.add_file(token, f"w{writer}-{k}.csv", f"writer {writer} file {k}\n".encode() * 50)


def open_fresh_home(home: str, url: str | None, writer: int, start) -> None:
    """Run in a spawned process: open a store on a home that may not have its tables yet."""
    start.wait(30)
    s = Store(home, url)
    s.save_state(s.create(), {"writer": writer})


def run_all(target, args: list[tuple]) -> list[int | None]:
    ctx = multiprocessing.get_context("spawn")
    start = ctx.Barrier(len(args))
    procs = [ctx.Process(target=target, args=(*a, start)) for a in args]
    for p in procs:
        p.start()
    for p in procs:
        p.join(timeout=60)
    return [p.exitcode for p in procs]


def test_two_processes_write_the_same_workspace_at_once(store, database_url):
    """Several app processes share one store: no save or upload may be lost or fail."""
    token = store.create()
    assert run_all(write_from_process,
                   [(str(store.home), database_url, token, w) for w in (0, 1)]) == [0, 0]
    snap = store.load(token)
    assert snap.version == 80 and set(snap.state) == {"writer", "n"}
    assert snap.state["writer"] in (0, 1) and 0 <= snap.state["n"] < 40
    assert len(store.files(token)) == 10 and len(blobs(store.home)) == 10


def test_processes_starting_together_on_a_fresh_home(tmp_path, database_url, make_store):
    """App processes started at once all create the tables; none may crash on the race (on
    SQLite three fresh homes, three processes each; on PostgreSQL all nine on one fresh
    database)."""
    homes = [str(tmp_path / f"home{i}") for i in range(3)]
    args = [(homes[i % 3], database_url, i) for i in range(9)]
    assert run_all(open_fresh_home, args) == [0] * 9
    for home in homes[:1] if database_url else homes:
        s = make_store(home)
        with s.engine.connect() as db:
            count = db.execute(select(func.count()).select_from(workspaces)).scalar()
        assert count == (9 if database_url else 3)


# ---- 9. streaming memory ------------------------------------------------------------------------

def test_add_file_streams_without_a_copy_in_memory(store, tmp_path):
    """A large upload is hashed and written a megabyte at a time, never held twice."""
    token = store.create()
    store.add_file(token, "warm-up.csv", b"warm up")  # first-query set-up is not the upload
    big = os.urandom(50 * MB)
    path = tmp_path / "big.bin"
    path.write_bytes(big[::-1])
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        record = store.add_file(token, "big.bin", big)
        peak_bytes = tracemalloc.get_traced_memory()[1]
        with open(path, "rb") as handle:
            tracemalloc.reset_peak()
            from_disk = store.add_file(token, "big-on-disk.bin", handle)
            peak_file = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak_bytes < 5 * MB and peak_file < 5 * MB, (peak_bytes, peak_file)
    assert record.size == from_disk.size == 50 * MB
    assert store.file_path(token, record.sha256).stat().st_size == 50 * MB
    assert store.file_path(token, from_disk.sha256).stat().st_size == 50 * MB


# ---- 10. environment ----------------------------------------------------------------------------

def test_from_env_honours_the_environment(monkeypatch, tmp_path):
    """Deployments configure the store by environment variables alone."""
    monkeypatch.setenv("LAYERLAB_HOME", str(tmp_path / "env-home"))
    monkeypatch.setenv("LAYERLAB_QUOTA_MB", "2")
    monkeypatch.setenv("LAYERLAB_IDLE_DAYS", "0.5")
    monkeypatch.delenv("LAYERLAB_DATABASE_URL", raising=False)
    s = Store.from_env()
    assert s.home == tmp_path / "env-home" and (tmp_path / "env-home" / "layerlab.db").exists()
    assert s.quota_bytes == 2 * MB and s.idle_seconds == 43_200
    s.engine.dispose()


def test_default_home_is_never_the_working_directory(monkeypatch, tmp_path):
    """Without LAYERLAB_HOME, data goes to the per-user data folder, not wherever the app ran."""
    monkeypatch.delenv("LAYERLAB_HOME")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert default_home() == tmp_path / "xdg" / "layerlab"
    monkeypatch.delenv("XDG_DATA_HOME")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_home() == tmp_path / ".local" / "share" / "layerlab"
    for home in (default_home(), Path(default_home()).resolve()):
        assert home != Path.cwd() and home != Path(".")
