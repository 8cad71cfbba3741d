"""The pool's workers start one at a time, so their TensorFlow imports never take every core
at once (the page that started the pool shares those cores), and each trains on its share."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from gui.core.store.workspaces import Store
from gui.core.workers.pool import TrainingPool
from gui.core.workers.worker import THREADS_ENV
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


def test_each_worker_runs_tensorflow_on_its_share_of_the_cores(tmp_path):
    """Two workers on this machine's cores: each is told its share, and TensorFlow's pools
    take that size (TensorFlow's default, every core in each worker, only makes them fight)."""
    pool = TrainingPool(Store(tmp_path), slots=2, idle_seconds=600)
    try:
        wait_for(lambda: pool.ready_workers >= 1, 180)
        pid = pool.worker_pids()[0]
        environ = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
        share = max(1, (os.cpu_count() or 1) // 2)
        assert f"{THREADS_ENV}={share}".encode() in environ
    finally:
        pool.close()
    sizes = subprocess.run(
        [sys.executable, "-c", "from gui.core.workers.worker import import_tensorflow\n"
         "import_tensorflow(1)\nimport tensorflow as tf\n"
         "print(tf.config.threading.get_intra_op_parallelism_threads(),"
         " tf.config.threading.get_inter_op_parallelism_threads())"],
        capture_output=True, text=True, timeout=300, check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert sizes.stdout.split() == ["1", "1"]


def test_a_worker_imports_the_training_code_once_and_out_of_the_collector_s_sight():
    """What a worker imports at start lives as long as it does: the training code is imported
    then (not during the first run), and frozen, so the garbage collector's full passes (after
    each run, and during a fit) do not walk TensorFlow's hundreds of thousands of objects."""
    said = subprocess.run(
        [sys.executable, "-c", "import gc, sys\n"
         "from gui.core.workers.worker import import_tensorflow, TRAINING_MODULES\n"
         "import_tensorflow(1)\n"
         "print(gc.get_freeze_count(), len(gc.get_objects()),"
         " all(name in sys.modules for name in TRAINING_MODULES))"],
        capture_output=True, text=True, timeout=300, check=True,
        env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    frozen, tracked, imported = said.stdout.split()
    assert int(frozen) > 100_000 and int(tracked) < int(frozen) // 10
    assert imported == "True"
