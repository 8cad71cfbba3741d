"""A real Ray cluster for the tests and benchmarks, on 127.0.0.1 (`ray.cluster_utils`).

Every node is a real raylet with its own worker processes, on this machine; the cluster
lives as long as the `with` block (or until `.shutdown()`).

Example:
    with local_cluster(nodes=2) as cluster:
        os.environ["LAYERLAB_RAY_ADDRESS"] = cluster.address
"""

from __future__ import annotations

import contextlib
import os
import socket

NODE_MB = 80  # each node's object store: runs pass only ids and small dicts through it
LOOPBACK = "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"  # "0": Ray stays on 127.0.0.1


def start_cluster(nodes: int = 2, cpus: int = 2):
    """A Ray cluster of `nodes` nodes of `cpus` CPUs each, on 127.0.0.1 (Ray would otherwise
    announce the machine's outward address, which a sandbox may not let it reach); its head
    serves Ray clients (ray://) at `cluster.client_address`."""
    from ray.cluster_utils import Cluster

    os.environ[LOOPBACK] = "0"
    node = dict(num_cpus=cpus, object_store_memory=NODE_MB * 2**20)
    client_port = _free_port()
    cluster = Cluster(initialize_head=True,
                      head_node_args={**node, "include_dashboard": False,
                                      "ray_client_server_port": client_port})
    cluster.client_address = f"ray://127.0.0.1:{client_port}"
    for _ in range(nodes - 1):
        cluster.add_node(**node)
    cluster.wait_for_nodes()
    return cluster


@contextlib.contextmanager
def local_cluster(nodes: int = 2, cpus: int = 2):
    """start_cluster, then (this process's connection first) its shutdown."""
    import ray

    cluster = start_cluster(nodes, cpus)
    try:
        yield cluster
    finally:
        ray.shutdown()
        cluster.shutdown()
        os.environ.pop(LOOPBACK, None)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]
