"""A local OpenSearch cluster to try and test Fahras on: N JVMs on 127.0.0.1.

Each node is ``launcher/`` (a small Java program over the ``org.opensearch:opensearch``
artifacts of Maven Central, with the Netty transport and analysis-common plugins on its
classpath) running in a JVM of its own.  Maven builds the launcher once; the jar and
its classpath are kept in the user cache folder, keyed by the launcher's sources.

No node outlives its parent: each reads a pipe from us and stops when it closes, so
even a ``kill -9`` of the Python process ends the JVMs; :meth:`DevCluster.stop` asks
each node to stop (SIGTERM, the node closes itself) and kills what is left after a
grace period.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import platformdirs

from indexer.errors import FahrasError

LAUNCHER_DIR = Path(__file__).resolve().parents[2] / "launcher"
LAUNCHER_MAIN = "org.fahras.launcher.DevNode"
#: Kept in step with ``launcher/pom.xml``: the newest OpenSearch that runs on Java 17.
OPENSEARCH_VERSION = "2.19.6"
MIN_JAVA = 11
CLUSTER_NAME = "fahras-dev"
DEFAULT_PORT = 9200
#: Transport (node-to-node) ports sit this far above the HTTP ports: 9300 for 9200.
TRANSPORT_OFFSET = 100
#: Heap per node.  The machine is shared: small, fixed heaps (Xms = Xmx, as OpenSearch advises).
DEFAULT_HEAP = "512m"
START_TIMEOUT = 180.0
STOP_TIMEOUT = 30.0
_POLL_SECONDS = 0.25


class DevClusterError(FahrasError):
    """The development cluster cannot be built, started or kept running."""


# --- prerequisites ----------------------------------------------------------


def find_java() -> str:
    """The ``java`` of ``$JAVA_HOME``, else the one on PATH; it must be Java 11 or newer."""
    java_home = os.environ.get("JAVA_HOME")
    java = None
    if java_home and (Path(java_home) / "bin" / "java").is_file():
        java = str(Path(java_home) / "bin" / "java")
    else:
        java = shutil.which("java")
    if java is None:
        raise DevClusterError("java not found: install a Java 17 JDK (apt-get install openjdk-17-jdk-headless) "
                              "or set JAVA_HOME")
    major = java_major_version(java)
    if major < MIN_JAVA:
        raise DevClusterError(f"{java} is Java {major}; OpenSearch {OPENSEARCH_VERSION} needs Java 17 "
                              f"(at least {MIN_JAVA})")
    return java


def java_major_version(java: str) -> int:
    try:
        completed = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as error:
        raise DevClusterError(f"cannot run {java}: {error}") from error
    match = re.search(r'version "(\d+)(?:\.(\d+))?', completed.stderr)
    if not match:
        raise DevClusterError(f"cannot tell the version of {java}: {completed.stderr.strip()[:200]}")
    major = int(match.group(1))
    return int(match.group(2)) if major == 1 and match.group(2) else major


def find_maven() -> str:
    maven = shutil.which("mvn")
    if maven is None:
        raise DevClusterError("mvn not found: install Maven (apt-get install maven); it builds the OpenSearch "
                              "launcher from Maven Central once")
    return maven


# --- the launcher -----------------------------------------------------------


@dataclass(frozen=True)
class Launcher:
    """A built launcher: what ``java -cp CLASSPATH DevNode`` needs."""

    java: str
    classpath: str


def launcher_cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir("fahras")) / "opensearch-launcher"


def launcher_sources_key(source_dir: Path = LAUNCHER_DIR) -> str:
    """A digest of the launcher's pom and sources: a change rebuilds it."""
    digest = hashlib.sha256()
    for path in sorted([source_dir / "pom.xml", *(p for p in (source_dir / "src").rglob("*") if p.is_file())]):
        digest.update(path.relative_to(source_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _built_classpath(build_dir: Path) -> str | None:
    """The classpath of a complete build in ``build_dir``, or None (missing jar, or Maven cache cleaned)."""
    jar = build_dir / "fahras-opensearch-launcher-1.jar"
    listing = build_dir / "classpath.txt"
    if not (jar.is_file() and listing.is_file()):
        return None
    entries = [entry for entry in listing.read_text(encoding="utf-8").strip().split(os.pathsep) if entry]
    if not entries or not all(Path(entry).is_file() for entry in entries):
        return None
    return os.pathsep.join([str(jar), *entries])


def build_launcher(cache_dir: Path | None = None, status: Callable[[str], None] | None = None) -> Launcher:
    """The launcher, built by Maven if its cached build is missing or stale.

    Maven runs offline first (every artifact already in ``~/.m2``), then online.
    """
    java = find_java()
    if not (LAUNCHER_DIR / "pom.xml").is_file():
        raise DevClusterError(f"the OpenSearch launcher sources are not at {LAUNCHER_DIR}: "
                              "dev-cluster runs from a source checkout of Fahras")
    cache_dir = cache_dir or launcher_cache_dir()
    build_dir = cache_dir / launcher_sources_key()
    classpath = _built_classpath(build_dir)
    if classpath is not None:
        return Launcher(java, classpath)
    maven = find_maven()
    if status:
        status(f"building the OpenSearch {OPENSEARCH_VERSION} launcher with Maven (once)...")
    cache_dir.mkdir(parents=True, exist_ok=True)
    _remove_abandoned_builds(cache_dir)
    scratch = Path(tempfile.mkdtemp(prefix=f"{build_dir.name}{_SCRATCH_MARK}", dir=cache_dir))
    try:
        # Maven needs JAVA_HOME to agree with the java we run nodes on.
        env = {**os.environ, "JAVA_HOME": str(Path(os.path.realpath(java)).parent.parent)}
        command = [maven, "-B", "-q", "-f", str(LAUNCHER_DIR / "pom.xml"), "package",
                   f"-Dfahras.build.dir={scratch}"]
        completed = subprocess.run([*command[:1], "-o", *command[1:]], capture_output=True, text=True, env=env)
        if completed.returncode != 0:
            completed = subprocess.run(command, capture_output=True, text=True, env=env)
        if completed.returncode != 0 or _built_classpath(scratch) is None:
            raise DevClusterError(f"building the OpenSearch launcher failed: {_maven_error(completed.stdout)}")
        try:
            scratch.rename(build_dir)
        except OSError:
            if _built_classpath(build_dir) is None:  # not a concurrent build that finished first
                raise
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return Launcher(java, _built_classpath(build_dir))


_SCRATCH_MARK = ".building-"
#: A build folder this old is one whose build was killed: no Maven run takes an hour here.
_ABANDONED_SECONDS = 3600


def _remove_abandoned_builds(cache_dir: Path) -> None:
    for folder in cache_dir.glob(f"*{_SCRATCH_MARK}*"):
        try:
            if time.time() - folder.stat().st_mtime > _ABANDONED_SECONDS:
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:  # removed meanwhile by another build
            continue


def _maven_error(output: str) -> str:
    errors = [line.removeprefix("[ERROR]").strip() for line in output.splitlines() if line.startswith("[ERROR]")]
    errors = [line for line in errors if line and not line.startswith(("->", "To see", "Re-run", "For more"))]
    return errors[0][:300] if errors else "mvn gave no error message (run it by hand in launcher/)"


# --- the cluster ------------------------------------------------------------


def port_in_use(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        # The JVM binds with SO_REUSEADDR too: a port only in TIME_WAIT is free for it.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            return True
    return False


@dataclass(frozen=True)
class NodeSpec:
    name: str
    home: Path
    http_port: int
    transport_port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.http_port}"

    @property
    def log_path(self) -> Path:
        return self.home / "node.log"


class DevCluster:
    """N OpenSearch nodes on 127.0.0.1 forming one cluster.

    HTTP ports are ``port .. port+N-1``, transport ports ``port+100 ..``.  Without a
    ``data_dir`` the nodes live in a temporary folder removed by :meth:`stop`; with
    one, their data is kept for the next start (with the same number of nodes).
    """

    def __init__(self, nodes: int = 1, data_dir: Path | str | None = None, port: int = DEFAULT_PORT,
                 heap: str = DEFAULT_HEAP, transport_port: int | None = None):
        if nodes < 1:
            raise DevClusterError("a cluster needs at least one node")
        if not 1 <= port <= 65535 - nodes + 1:
            raise DevClusterError(f"HTTP port {port} is out of range")
        if not re.fullmatch(r"\d+[kmgKMG]?", heap):
            raise DevClusterError(f"heap {heap!r} is not a Java memory size such as 512m or 2g")
        transport_port = port + TRANSPORT_OFFSET if transport_port is None else transport_port
        self._temporary = data_dir is None
        self.data_dir = Path(tempfile.mkdtemp(prefix="fahras-dev-cluster-")) if data_dir is None else Path(data_dir)
        self.heap = heap
        self.specs = [
            NodeSpec(f"{CLUSTER_NAME}-{i + 1}", self.data_dir / f"node-{i + 1}", port + i, transport_port + i)
            for i in range(nodes)
        ]
        self._launcher: Launcher | None = None
        self._processes: dict[int, subprocess.Popen] = {}
        self._logs: dict[int, object] = {}
        self._stopping = False

    # -- where --

    @property
    def url(self) -> str:
        return self.specs[0].url

    @property
    def urls(self) -> list[str]:
        return [spec.url for spec in self.specs]

    def pid(self, node: int) -> int | None:
        process = self._processes.get(node)
        return process.pid if process is not None and process.poll() is None else None

    # -- lifecycle --

    def start(self, timeout: float = START_TIMEOUT, status: Callable[[str], None] | None = None) -> DevCluster:
        """Start every node and return once the cluster is green (or raise and stop them)."""
        atexit.register(self.stop)
        try:
            for spec in self.specs:
                for port in (spec.http_port, spec.transport_port):
                    if port_in_use(port):
                        raise DevClusterError(f"port {port} on 127.0.0.1 is already in use (another OpenSearch?): "
                                              "choose other ports with --port")
            self._launcher = build_launcher(status=status)
            for node in range(len(self.specs)):
                self.start_node(node, wait=False)
            self.wait_for_status("green", timeout=timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def start_node(self, node: int, wait: bool = True, timeout: float = START_TIMEOUT) -> None:
        """Start node ``node`` (0-based), for instance again after :meth:`kill_node`."""
        if self._launcher is None:
            self._launcher = build_launcher()
        if self.pid(node) is not None:
            raise DevClusterError(f"node {self.specs[node].name} is already running")
        spec = self.specs[node]
        (spec.home / "tmp").mkdir(parents=True, exist_ok=True)
        log = open(spec.log_path, "ab")
        self._logs[node] = log
        self._processes[node] = subprocess.Popen(
            [self._launcher.java, *self._jvm_options(spec), "-cp", self._launcher.classpath, LAUNCHER_MAIN,
             str(spec.home), *(f"{key}={value}" for key, value in self._node_settings(spec).items())],
            stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
            # A session of its own: a Ctrl-C in the terminal reaches us, and we stop the nodes in order.
            start_new_session=True,
        )
        if wait:
            self.wait_for_status("green", timeout=timeout)

    def kill_node(self, node: int) -> None:
        """``kill -9`` node ``node``: no clean shutdown, as when a machine dies."""
        process = self._processes.get(node)
        if process is not None and process.poll() is None:
            process.kill()
            process.wait()
        self._release(node)

    def stop_node(self, node: int, timeout: float = STOP_TIMEOUT) -> None:
        self._stop_nodes([node], timeout)

    def stop(self, timeout: float = STOP_TIMEOUT) -> None:
        """Stop every node cleanly (SIGTERM, then SIGKILL after ``timeout``); idempotent."""
        if self._stopping:
            return
        self._stopping = True
        try:
            self._stop_nodes(list(self._processes), timeout)
        finally:
            atexit.unregister(self.stop)
            if self._temporary:
                shutil.rmtree(self.data_dir, ignore_errors=True)
            self._stopping = False

    def _stop_nodes(self, nodes: list[int], timeout: float) -> None:
        running = [node for node in nodes if self.pid(node) is not None]
        for node in running:
            self._processes[node].send_signal(signal.SIGTERM)
        deadline = time.monotonic() + timeout
        for node in running:
            process = self._processes[node]
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        for node in nodes:
            self._release(node)

    def _release(self, node: int) -> None:
        process = self._processes.pop(node, None)
        if process is not None and process.stdin is not None:
            try:
                process.stdin.close()
            except OSError:
                pass
        log = self._logs.pop(node, None)
        if log is not None:
            log.close()

    def __enter__(self) -> DevCluster:
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # -- health --

    def health(self, node: int | None = None, **parameters) -> dict:
        """``GET _cluster/health`` through ``node`` (default: the first running one)."""
        urls = [self.specs[node].url] if node is not None else [
            spec.url for i, spec in enumerate(self.specs) if self.pid(i) is not None] or [self.url]
        query = "&".join(f"{key}={value}" for key, value in parameters.items())
        last_error: Exception | None = None
        for url in urls:
            try:
                with urllib.request.urlopen(f"{url}/_cluster/health?{query}", timeout=30) as response:
                    return json.loads(response.read())
            except urllib.error.HTTPError as error:
                if error.code == 408:  # wait_for_* timed out: the body still tells the state
                    return json.loads(error.read())
                last_error = error
            except (OSError, ValueError) as error:
                last_error = error
        raise DevClusterError(f"cluster health unavailable: {last_error}")

    def wait_for_status(self, status: str = "green", timeout: float = START_TIMEOUT) -> dict:
        """Wait until every running node is in the cluster and its status is ``status``.

        Green also accepts a yellow that no wait can turn green: indices kept in ``--data``
        that ask for more replicas than there are nodes (one node, one replica).
        """
        deadline = time.monotonic() + timeout
        expected = len(self._processes)
        last = "no answer yet"
        while True:
            self.check_running()
            try:
                health = self.health(wait_for_status=status, wait_for_nodes=expected, timeout="1s")
                if health.get("number_of_nodes") == expected and (
                        not health.get("timed_out") or (status == "green" and self._green_as_can_be(health))):
                    return health
                last = f"{health.get('status')} with {health.get('number_of_nodes')} of {expected} nodes"
            except DevClusterError as error:
                last = str(error)
            if time.monotonic() > deadline:
                raise DevClusterError(f"the cluster did not turn {status} within {timeout:.0f} s ({last}); "
                                      f"logs in {self.data_dir}")
            time.sleep(_POLL_SECONDS)

    def _green_as_can_be(self, health: dict) -> bool:
        """Yellow only for want of nodes: every primary active, no shard moving, and each yellow
        index asking for at least as many replicas as there are data nodes."""
        if health.get("status") != "yellow" or health.get("initializing_shards") or health.get("relocating_shards"):
            return False
        indices = self.health(level="indices").get("indices", {})
        nodes = health.get("number_of_data_nodes", 0)
        return all(index["number_of_replicas"] >= nodes for index in indices.values() if index["status"] != "green")

    def check_running(self) -> None:
        """Raise if a node that was started has exited on its own."""
        for node, process in list(self._processes.items()):
            if process.poll() is not None:
                spec = self.specs[node]
                self._release(node)
                raise DevClusterError(f"node {spec.name} exited with status {process.returncode}: "
                                      f"{last_error_line(spec.log_path)} (log: {spec.log_path})")

    # -- how a node is started --

    def _jvm_options(self, spec: NodeSpec) -> list[str]:
        # The subset of OpenSearch's config/jvm.options that matters outside its start script.
        return [
            f"-Xms{self.heap}", f"-Xmx{self.heap}",
            "-XX:+ExitOnOutOfMemoryError", "-XX:-OmitStackTraceInFastThrow",
            "-Dfile.encoding=UTF-8", "-Djava.awt.headless=true",
            "-Dlog4j2.disable.jmx=true", "-Dlog4j.shutdownHookEnabled=false",
            f"-Djava.io.tmpdir={spec.home / 'tmp'}",
        ]

    def _node_settings(self, spec: NodeSpec) -> dict[str, str]:
        settings = {
            "cluster.name": CLUSTER_NAME,
            "node.name": spec.name,
            "network.host": "127.0.0.1",
            "http.port": str(spec.http_port),
            "transport.port": str(spec.transport_port),
            "path.data": str(spec.home / "data"),
            "path.logs": str(spec.home / "logs"),
            # Every node shares one disk here: the watermarks would count it N times and refuse shards.
            "cluster.routing.allocation.disk.threshold_enabled": "false",
        }
        if len(self.specs) == 1:
            settings["discovery.type"] = "single-node"
        else:
            settings["discovery.seed_hosts"] = ",".join(f"127.0.0.1:{s.transport_port}" for s in self.specs)
            settings["cluster.initial_cluster_manager_nodes"] = ",".join(s.name for s in self.specs)
        return settings


def last_error_line(log_path: Path) -> str:
    """The most telling line of a node's log: its last error or exception, else its last line."""
    try:
        lines = log_path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return "no log"
    for line in reversed(lines):
        if "ERROR" in line or "Exception" in line:
            return line.strip()[:300]
    return lines[-1].strip()[:300] if lines else "the log is empty"


# --- the foreground command -------------------------------------------------


def run_dev_cluster(nodes: int = 1, data_dir: Path | str | None = None, port: int = DEFAULT_PORT,
                    heap: str = DEFAULT_HEAP, echo: Callable[[str], None] = print,
                    status: Callable[[str], None] | None = None) -> None:
    """Start the cluster, ``echo`` its URL once it is green, and stop it on Ctrl-C or SIGTERM."""

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    cluster = DevCluster(nodes=nodes, data_dir=data_dir, port=port, heap=heap)
    # Both signals, explicitly: a shell starts background jobs with SIGINT ignored.
    previous = {signum: signal.signal(signum, interrupt) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        started = time.monotonic()
        cluster.start(status=status)
        if status:
            state = cluster.health()["status"]  # yellow: kept indices want more replicas than nodes
            status(f"{nodes} node{'s' if nodes > 1 else ''} {state} in {time.monotonic() - started:.1f} s; "
                   f"Ctrl-C stops {'them' if nodes > 1 else 'it'}")
        echo(cluster.url)
        while True:
            cluster.check_running()
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        # A second Ctrl-C must not cut the clean stop short.
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        try:
            cluster.stop()
        finally:
            for signum, handler in previous.items():
                signal.signal(signum, handler)
