"""Which engine trains the app's runs: worker processes on this machine (the default), or
Ray actors on a cluster when LAYERLAB_RAY_ADDRESS is set (`auto`, `host:port` or
`ray://host:port`). Ray is imported only then, so `make run` needs no Ray.

Example:
    pool = make_pool(Store.from_env())  # a RayConfigError in words if the address is wrong
"""

from __future__ import annotations

import os
import socket

RAY_ADDRESS_ENV = "LAYERLAB_RAY_ADDRESS"
CONNECT_TIMEOUT_S = 3.0


class RayConfigError(Exception):
    """The Ray cluster that LAYERLAB_RAY_ADDRESS names cannot be used: the message says
    which setting is wrong and how to fix it."""


def ray_address() -> str | None:
    """LAYERLAB_RAY_ADDRESS, or None (train in processes on this machine)."""
    return os.environ.get(RAY_ADDRESS_ENV, "").strip() or None


def make_pool(store, slots: int | None = None, idle_seconds: float | None = None):
    """The app's TrainingPool on the engine the environment names."""
    from gui.core.workers.pool import TrainingPool

    address = ray_address()
    if address is None:
        return TrainingPool(store, slots, idle_seconds)
    from gui.core.workers import ray_engine

    engine = ray_engine.RayEngine(store, ray_engine.connect(address))
    return TrainingPool(store, slots, idle_seconds, engine=engine)


def probe(address: str) -> None:
    """A quick TCP connect to the address's host:port (`auto` is found by Ray itself), so
    that a wrong address is said within seconds (Ray itself retries for a minute)."""
    if address == "auto":
        return
    host, _, port = address.removeprefix("ray://").rpartition(":")
    if not host or not port.isdigit():
        raise wrong_address(address, "is not a Ray address")
    try:
        socket.create_connection((host.strip("[]"), int(port)), CONNECT_TIMEOUT_S).close()
    except OSError as error:
        raise wrong_address(address, f"does not answer ({error.strerror or error})") from None


def check_ray_address() -> None:
    """LAYERLAB_RAY_ADDRESS, if set, answers (a RayConfigError in words if not); no Ray
    import, so a page can ask before it draws."""
    address = ray_address()
    if address is not None:
        probe(address)


def wrong_address(address: str, why: str) -> RayConfigError:
    return RayConfigError(
        f"{RAY_ADDRESS_ENV} ({address}) {why}: start the cluster first (`ray start --head` on "
        "its head node, `ray start --address=HEAD:6379` on the others), then set "
        f"{RAY_ADDRESS_ENV} to `auto` on a node of the cluster, to HEAD:6379, or to "
        f"ray://HEAD:10001 from another machine; or unset {RAY_ADDRESS_ENV} to train in "
        "processes on this machine.")
