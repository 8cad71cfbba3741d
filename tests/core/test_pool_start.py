"""The pool's workers start one at a time, so their TensorFlow imports never take every core
at once (the page that started the pool shares those cores)."""

from __future__ import annotations

from gui.core.store.workspaces import Store
from gui.core.workers.pool import TrainingPool
from tests.core.test_runs import wait_for


def test_workers_start_one_after_another(tmp_path):
    pool = TrainingPool(Store(tmp_path), slots=2, idle_seconds=600)
    try:
        first, second = pool.worker_pids()
        assert first is not None and second is None  # the second waits for the first
        wait_for(lambda: pool.ready_workers >= 1, 180)
        wait_for(lambda: pool.ready_workers == 2, 180)
        assert pool.worker_pids()[0] == first and None not in pool.worker_pids()
    finally:
        pool.close()
    assert pool.ready_workers == 0
