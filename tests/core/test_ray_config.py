"""A Ray address that cannot work is said in words, within seconds, on the page and in the
CLI; without one the app never imports Ray."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest

from gui.core.workers.engines import RAY_ADDRESS_ENV, RayConfigError, check_ray_address
from tests.conftest import ROOT, SAMPLES


@pytest.mark.parametrize("address, why", [
    ("ray://127.0.0.1:1", "does not answer"),
    ("127.0.0.1:1", "does not answer"),
    ("my-cluster", "is not a Ray address"),
])
def test_a_wrong_address_is_said_in_words_quickly(monkeypatch, address, why):
    monkeypatch.setenv(RAY_ADDRESS_ENV, address)
    began = time.monotonic()
    with pytest.raises(RayConfigError) as caught:
        check_ray_address()
    assert time.monotonic() - began < 10  # not Ray's minute of retries
    message = str(caught.value)
    assert message.startswith(f"{RAY_ADDRESS_ENV} ({address}) {why}")
    assert "ray start --head" in message and f"unset {RAY_ADDRESS_ENV}" in message


def test_a_wrong_address_connect_fails_before_ray_retries():
    from gui.core.workers.ray_engine import connect

    began = time.monotonic()
    with pytest.raises(RayConfigError, match="does not answer"):
        connect("ray://127.0.0.1:1")
    assert time.monotonic() - began < 10


def test_the_cli_says_a_wrong_address_without_a_traceback_and_trains_here(tmp_path):
    """`gui train` trains in its own process whatever the setting: a wrong address is said
    (the app's runs would not train) in words, and the model is still trained and written."""
    env = {**os.environ, RAY_ADDRESS_ENV: "ray://127.0.0.1:1"}
    done = subprocess.run(
        [sys.executable, "-m", "gui", "train", "--data", str(SAMPLES / "iris.csv"),
         "--target", "species", "--epochs", "1", "--out", str(tmp_path / "out")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("note: this command trains here, in this process; but the "
                                  f"app's runs would not train: {RAY_ADDRESS_ENV} "
                                  "(ray://127.0.0.1:1) does not answer")
    assert f"unset {RAY_ADDRESS_ENV}" in done.stderr
    assert (tmp_path / "out" / "model.keras").is_file()


def test_the_default_app_never_imports_ray(tmp_path):
    """Without the setting, making the app's pool imports no Ray (`make run` needs none)."""
    code = ("import sys; from gui.core.store.workspaces import Store;"
            "from gui.core.workers.engines import make_pool;"
            f"p = make_pool(Store({str(tmp_path)!r}), slots=1); p.close();"
            "print('ray' in sys.modules)")
    env = {k: v for k, v in os.environ.items() if k != RAY_ADDRESS_ENV}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == "False", done.stderr


def test_a_sqlite_store_refuses_a_cluster_of_several_machines():
    from gui.core.workers.ray_engine import sqlite_problem

    assert sqlite_problem({"10.0.0.5"}, "10.0.0.5") is None
    assert sqlite_problem({"127.0.0.1"}, "10.0.0.5") is None
    problem = sqlite_problem({"10.0.0.5", "10.0.0.7"}, "10.0.0.5")
    assert problem.startswith(f"{RAY_ADDRESS_ENV} names a Ray cluster with nodes on other "
                              "machines (10.0.0.7)")
    assert "LAYERLAB_DATABASE_URL" in problem


def test_auto_without_a_cluster_is_said_in_words(tmp_path):
    """`auto` finds the cluster this machine belongs to; on a machine in none, it says so."""
    code = ("from gui.core.workers.ray_engine import connect\n"
            "try:\n    connect('auto')\n"
            "except Exception as e:\n    print(type(e).__name__ + ': ' + str(e))\n")
    env = {**os.environ, "RAY_TMPDIR": str(tmp_path)}  # no cluster has ever run here
    began = time.monotonic()
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert time.monotonic() - began < 60
    assert done.stdout.startswith(f"RayConfigError: {RAY_ADDRESS_ENV} (auto) could not be "
                                  "joined ("), done.stdout + done.stderr
