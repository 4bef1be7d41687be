"""A real OpenSearch for the tests: one node started once per run, on free ports.

Skipped with a reason where Java or Maven is missing; CI sets FAHRAS_REQUIRE_OPENSEARCH
so that there a missing prerequisite is a failure instead of a quiet skip.
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import pytest

from indexer.opensearch.devcluster import (
    TRANSPORT_OFFSET,
    DevCluster,
    DevClusterError,
    find_java,
    find_maven,
    port_in_use,
)

OPENSEARCH_REQUIRED = bool(os.environ.get("FAHRAS_REQUIRE_OPENSEARCH"))


def opensearch_missing_reason() -> str | None:
    """Why no dev cluster can run here (java or mvn missing), or None."""
    try:
        find_java()
        find_maven()
    except DevClusterError as error:
        return str(error)
    return None


def require_opensearch() -> None:
    reason = opensearch_missing_reason()
    if reason is None:
        return
    if OPENSEARCH_REQUIRED:
        pytest.fail(f"FAHRAS_REQUIRE_OPENSEARCH is set but {reason}")
    pytest.skip(reason)


def free_port_block(nodes: int) -> int:
    """A first HTTP port such that the ``nodes`` HTTP and transport ports after it are all free.

    Random, away from 9200: other programs on a shared machine may run a cluster there.
    """
    for _ in range(200):
        first = random.randrange(20000, 40000)
        ports = [first + i for i in range(nodes)] + [first + TRANSPORT_OFFSET + i for i in range(nodes)]
        if not any(port_in_use(port) for port in ports):
            return first
    raise RuntimeError("no free block of ports between 20000 and 40000")


def java_processes_under(folder: Path) -> list[int]:
    """Pids of the processes whose command line names ``folder``: the nodes living there."""
    marker = str(folder).encode()
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker in (entry / "cmdline").read_bytes():
                    pids.append(int(entry.name))
            except OSError:  # the process ended while we looked
                continue
    return pids


@pytest.fixture(scope="session")
def opensearch_cluster(tmp_path_factory):
    """A green one-node cluster shared by the whole run (a :class:`DevCluster`)."""
    require_opensearch()
    cluster = DevCluster(nodes=1, data_dir=tmp_path_factory.mktemp("opensearch"), port=free_port_block(1))
    cluster.start()
    yield cluster
    cluster.stop()


@pytest.fixture(scope="session")
def opensearch_url(opensearch_cluster) -> str:
    return opensearch_cluster.url


@pytest.fixture(scope="session")
def opensearch_client(opensearch_url):
    from opensearchpy import OpenSearch

    client = OpenSearch(hosts=[opensearch_url], timeout=60)
    yield client
    client.close()
