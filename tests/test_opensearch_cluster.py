"""The development cluster: real OpenSearch JVMs started from the launcher, no mocks."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

from indexer.opensearch.devcluster import OPENSEARCH_VERSION, DevCluster, find_java
from opensearch_fixtures import free_port_block, java_processes_under, require_opensearch

CLI = [sys.executable, "-m", "indexer"]


def get_json(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        return json.loads(response.read())


def wait_until(condition, timeout: float, interval: float = 0.2) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(interval)
    return condition()


# --- one node ---------------------------------------------------------------


def test_the_session_cluster_is_a_green_opensearch_node(opensearch_cluster):
    about = get_json(opensearch_cluster.url)
    assert about["version"]["distribution"] == "opensearch"
    assert about["version"]["number"] == OPENSEARCH_VERSION
    # Green, or yellow only where another test's index asks for a replica that one node cannot hold.
    health = opensearch_cluster.wait_for_status("green", timeout=30)
    assert health["status"] in ("green", "yellow")
    assert health["number_of_nodes"] == 1


def test_the_session_cluster_has_the_arabic_analysis_of_analysis_common(opensearch_client):
    tokens = opensearch_client.indices.analyze(body={
        "tokenizer": "standard", "filter": ["arabic_normalization", "arabic_stem", "decimal_digit"],
        "text": "المدرسة ٢٠٢٤",
    })["tokens"]
    assert [token["token"] for token in tokens] == ["مدرس", "2024"]


def test_a_node_listens_on_loopback_only(opensearch_cluster):
    nodes = get_json(f"{opensearch_cluster.url}/_nodes/http,transport")["nodes"]
    (node,) = nodes.values()
    bound = node["http"]["bound_address"] + node["transport"]["bound_address"]
    assert bound and all(address.startswith(("127.0.0.1:", "[::1]:")) for address in bound)


# --- the command ------------------------------------------------------------


def start_command(tmp_path, *options: str) -> subprocess.Popen:
    return subprocess.Popen([*CLI, "dev-cluster", "--data", str(tmp_path / "data"), *options],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def first_line(command: subprocess.Popen) -> str:
    """What the command printed first on stdout; its stderr if it printed nothing and exited."""
    line = command.stdout.readline().strip()
    if not line:
        command.wait(timeout=60)
        pytest.fail(f"dev-cluster exited with {command.returncode}: {command.stderr.read()[-2000:]}")
    return line


def send_json(url: str, method: str, body: dict) -> dict:
    request = urllib.request.Request(url, json.dumps(body).encode(), {"Content-Type": "application/json"},
                                     method=method)
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


def test_dev_cluster_prints_its_url_stops_on_ctrl_c_and_keeps_its_data(tmp_path):
    require_opensearch()
    data = tmp_path / "data"
    port = free_port_block(1)
    with start_command(tmp_path, "--port", str(port)) as command:
        try:
            url = first_line(command)
            assert url == f"http://127.0.0.1:{port}"
            assert get_json(f"{url}/_cluster/health")["status"] == "green"
            assert java_processes_under(data)
            send_json(f"{url}/kept/_doc/1?refresh=true", "PUT", {"title": "خبر"})
            command.send_signal(signal.SIGINT)
            assert command.wait(timeout=60) == 0
            assert command.stdout.read() == ""  # the URL, and nothing else, on stdout
        finally:
            if command.poll() is None:
                command.kill()
    assert java_processes_under(data) == []
    with socket.socket() as probe:
        assert probe.connect_ex(("127.0.0.1", port)) != 0

    # Started again on the same --data, with the index yellow (one replica wanted, one node):
    # the document is there, and a kill -9 of the command takes its node down with it.
    with start_command(tmp_path, "--port", str(port)) as command:
        try:
            assert first_line(command) == url
            assert get_json(f"{url}/kept/_doc/1")["_source"] == {"title": "خبر"}
        finally:
            command.kill()
    assert wait_until(lambda: java_processes_under(data) == [], timeout=30)


def test_a_taken_port_is_a_one_line_error(tmp_path):
    port = free_port_block(1)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        completed = subprocess.run([*CLI, "dev-cluster", "--port", str(port)], capture_output=True, text=True,
                                   timeout=60)
    assert completed.returncode == 1
    assert completed.stderr.strip().splitlines() == [
        f"Error: port {port} on 127.0.0.1 is already in use (another OpenSearch?): choose other ports with --port"]


def test_missing_java_is_a_one_line_error(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "JAVA_HOME"}
    env["PATH"] = str(tmp_path)  # no java, no mvn
    completed = subprocess.run([*CLI, "dev-cluster", "--port", str(free_port_block(1))], capture_output=True,
                               text=True, env=env, timeout=60)
    assert completed.returncode == 1
    (line,) = completed.stderr.strip().splitlines()
    assert line.startswith("Error: java not found: install a Java 17 JDK")


def test_missing_maven_is_a_one_line_error_when_the_launcher_is_not_built_yet(tmp_path):
    require_opensearch()
    java = find_java()
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "java").symlink_to(java)
    env = {key: value for key, value in os.environ.items() if key != "JAVA_HOME"}
    # Java but no Maven, and an empty cache: the launcher would have to be built.
    env.update(PATH=str(bin_dir), XDG_CACHE_HOME=str(tmp_path / "cache"))
    completed = subprocess.run([*CLI, "dev-cluster", "--port", str(free_port_block(1))], capture_output=True,
                               text=True, env=env, timeout=60)
    assert completed.returncode == 1
    (line,) = completed.stderr.strip().splitlines()
    assert line.startswith("Error: mvn not found: install Maven")


# --- three nodes, one killed ------------------------------------------------

FAULT_INDEX = "fault"


def cluster_client(cluster: DevCluster):
    from opensearchpy import OpenSearch

    # Every node is a host: when one dies, the client retries the request on another.
    return OpenSearch(hosts=cluster.urls, max_retries=5, retry_on_timeout=True, timeout=30)


def with_retries(call, attempts: int = 6, pause: float = 0.5):
    """The application's retry on top of the client's: a few attempts with a growing pause."""
    from opensearchpy.exceptions import ConnectionError, TransportError

    for attempt in range(attempts):
        try:
            return call(), attempt
        except (ConnectionError, TransportError):
            if attempt == attempts - 1:
                raise
            time.sleep(pause * (attempt + 1))


class Traffic(threading.Thread):
    """A client running one kind of request in a loop until told to stop, keeping score."""

    def __init__(self, cluster: DevCluster, request):
        super().__init__(daemon=True)
        self.client = cluster_client(cluster)
        self.request = request
        self.stopping = threading.Event()
        self.succeeded: list = []
        self.failed: list[str] = []
        self.retried = 0

    def run(self):
        number = 0
        while not self.stopping.is_set():
            try:
                result, retries = with_retries(lambda: self.request(self.client, number))
                self.retried += retries
                self.succeeded.append((time.monotonic(), result))
            except Exception as error:  # noqa: BLE001 - every failure is a finding here
                self.failed.append(f"{type(error).__name__}: {error}")
            number += 1

    def stop(self):
        self.stopping.set()
        self.join(timeout=120)
        self.client.close()


def index_one(client, number: int) -> str:
    doc_id = f"doc-{number}"
    response = client.index(index=FAULT_INDEX, id=doc_id, body={"n": number, "text": f"خبر رقم {number}"})
    assert response["result"] in ("created", "updated")
    return doc_id  # acknowledged


def search_all(client, number: int) -> int:
    from opensearchpy.exceptions import TransportError

    response = client.search(index=FAULT_INDEX, body={"query": {"match": {"text": "خبر"}}, "size": 1},
                             params={"allow_partial_search_results": "false"})
    if response["_shards"]["failed"]:  # a partial answer is a failed search, retried like one
        raise TransportError(503, "shard failures", response["_shards"])
    return response["hits"]["total"]["value"]


def primary_holder(client) -> int:
    """The node to kill: one holding a primary shard, the elected cluster manager if it holds one."""
    manager = client.cat.cluster_manager(format="json")[0]["node"]
    holders = {row["node"] for row in client.cat.shards(index=FAULT_INDEX, format="json") if row["prirep"] == "p"}
    name = manager if manager in holders else sorted(holders)[0]
    return int(name.rsplit("-", 1)[1]) - 1


@pytest.mark.slow
def test_killing_a_node_loses_no_acknowledged_write_and_fails_no_search(tmp_path):
    require_opensearch()
    with DevCluster(nodes=3, data_dir=tmp_path / "cluster", port=free_port_block(3)) as cluster:
        cluster.start()
        admin = cluster_client(cluster)
        admin.indices.create(index=FAULT_INDEX, body={"settings": {
            "number_of_shards": 3, "number_of_replicas": 1, "refresh_interval": "200ms"}})
        cluster.wait_for_status("green", timeout=60)
        victim = primary_holder(admin)

        writer = Traffic(cluster, index_one)
        reader = Traffic(cluster, search_all)
        writer.start()
        reader.start()
        try:
            time.sleep(2)
            killed_at = time.monotonic()
            cluster.kill_node(victim)
            time.sleep(5)
            cluster.start_node(victim)  # waits for green: every shard copy assigned again
            time.sleep(1)
        finally:
            writer.stop()
            reader.stop()

        assert reader.failed == []
        assert writer.failed == []
        # The clients kept working while the node was down, not only before and after.
        assert any(at > killed_at for at, _ in writer.succeeded)
        assert any(at > killed_at for at, _ in reader.succeeded)

        acknowledged = [doc_id for _, doc_id in writer.succeeded]
        admin.indices.refresh(index=FAULT_INDEX)
        found = admin.mget(index=FAULT_INDEX, body={"ids": acknowledged}, params={"_source": "false"})["docs"]
        assert [doc["_id"] for doc in found if not doc.get("found")] == []
        assert admin.count(index=FAULT_INDEX)["count"] == len(acknowledged)
        health = cluster.wait_for_status("green", timeout=60)
        assert (health["status"], health["number_of_nodes"], health["unassigned_shards"]) == ("green", 3, 0)
        admin.close()
