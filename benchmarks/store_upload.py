"""Saving a large upload into the workspace store: time and extra memory; asserts nothing.

The uploaded file is already in memory once (Streamlit's UploadedFile, a BytesIO). Saving
it must not make a second copy: the store hashes it into its cache a megabyte at a time and
streams it into the database in chunks (blobs.py). Then a store whose home is a different,
empty folder (another machine's worker) reads it: fetched from the database, chunk by chunk.

Run: .venv/bin/python benchmarks/store_upload.py [--mb 200] [--url postgresql+psycopg://...]
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gui.core.store.workspaces import Store  # noqa: E402


def rss_mb() -> float:
    """Peak resident memory of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=200)
    parser.add_argument("--url", default=None,
                        help="a database URL (default: SQLite in a temporary home)")
    args = parser.parse_args()
    size = args.mb * 2**20
    line = b"1.2345,6.7890,red,yes\n"
    upload = io.BytesIO(line * (size // len(line)))  # what the uploader holds
    with tempfile.TemporaryDirectory() as home, tempfile.TemporaryDirectory() as empty:
        store = Store(home, args.url)
        token = store.create()
        before = rss_mb()
        tracemalloc.start()
        start = time.perf_counter()
        record = store.add_file(token, "big.csv", upload)
        seconds = time.perf_counter() - start
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        after = rss_mb()
        again = time.perf_counter()
        store.add_file(token, "big copy.csv", upload)  # same content: no second blob
        seconds_again = time.perf_counter() - again
        elsewhere = Store(empty, store.url)
        fetch = time.perf_counter()
        fetched = elsewhere.file_path(token, record.sha256).stat().st_size
        seconds_fetch = time.perf_counter() - fetch
        cached = time.perf_counter()
        elsewhere.file_path(token, record.sha256)
        seconds_cached = time.perf_counter() - cached
        backend = store.engine.dialect.name
        store.remove_file(token, record.sha256)
        elsewhere.engine.dispose()
        store.engine.dispose()
    print(f"Saving a {record.size / 2**20:.0f} MB upload into the workspace store ({backend}):")
    print(f"  time                         : {seconds:6.2f} s "
          f"({record.size / 2**20 / seconds:,.0f} MB/s, hashing, caching, into the database)")
    print(f"  peak Python allocations      : {peak / 2**20:6.1f} MB while saving "
          f"(the file itself: {record.size / 2**20:.0f} MB, held once by the uploader)")
    print(f"  peak RSS before → after      : {before:6.0f} MB → {after:.0f} MB")
    print(f"  same content again           : {seconds_again:6.2f} s, stored once")
    print(f"  read from an empty home      : {seconds_fetch:6.2f} s "
          f"({fetched / 2**20 / seconds_fetch:,.0f} MB/s, fetched and checked by SHA-256)")
    print(f"  read again there (cached)    : {seconds_cached * 1000:6.1f} ms")


if __name__ == "__main__":
    main()
