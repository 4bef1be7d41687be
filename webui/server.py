"""Running the app under waitress for ``fahras serve`` (never Flask's debug server)."""

from __future__ import annotations

import webbrowser
from pathlib import Path

import waitress

import indexer
from indexer.errors import IndexNotFound, StaleIndex
from indexer.search.engine import FOREGROUND
from indexer.storage.generations import indexed_files
from webui import create_app

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_THREADS = 8
LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


def is_default_index(index_dir: Path) -> bool:
    return Path(index_dir).expanduser().resolve() == Path(indexer.default_index_dir()).expanduser().resolve()


def prepare_index(index_dir: str | Path | None, echo=print):
    """Open the index; the default one is first built from the bundled seeds if missing.

    A missing index anywhere else is an error: silently filling a folder the
    user named with sample articles would hide a typo.  A default index that
    an older Fahras built from the seeds alone is rebuilt; one that holds the
    user's own files is not (the error names the rebuild command).
    """
    target = Path(index_dir) if index_dir else Path(indexer.default_index_dir())
    try:
        return indexer.open_index(target)
    except IndexNotFound:
        if not is_default_index(target):
            raise
        echo(f"No index in {target} yet: building it from the bundled sample articles…")
        report = indexer.update_index((), target)
    except StaleIndex:
        if not (is_default_index(target) and _holds_only_the_seeds(target)):
            raise
        echo(f"The index in {target} was built by an older Fahras: rebuilding it from the bundled sample articles…")
        report = indexer.update_index((), target, rebuild=True)
    echo(report.summary())
    return indexer.open_index(target)


def _holds_only_the_seeds(index_dir: Path) -> bool:
    seeds = indexer.bundled_seeds_dir().resolve()
    return all(path.resolve().is_relative_to(seeds) for path in indexed_files(index_dir))


def counted_as_foreground(wsgi_app):
    """The WSGI app with each request counted as foreground work while it runs, so that slow phrase
    checks (``engine.SLOW_LANE``) pause for it: a page's rendering, not only its search, comes first.
    A streamed body (an export) is not counted once the app has returned it."""

    def app(environ, start_response):
        with FOREGROUND.running():
            return wsgi_app(environ, start_response)

    return app


def server_url(host: str, port: int) -> str:
    shown_host = f"[{host}]" if ":" in host else host
    return f"http://{shown_host}:{port}/"


def serve(
    index_dir: str | Path | None = None,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    threads: int = DEFAULT_THREADS,
    open_browser: bool = False,
    echo=print,
) -> None:
    """Serve the search page until interrupted; prints the URL once the socket is bound."""
    index = prepare_index(index_dir, echo)
    app = create_app({"INDEX": index})
    server = waitress.create_server(counted_as_foreground(app), host=host, port=port, threads=threads, ident="fahras")
    url = server_url(host, server.effective_port)
    echo(f"Fahras: {index.doc_count:,} documents, serving on {url} (Ctrl+C to stop)")
    if host not in LOOPBACK_HOSTS:
        echo(f"Note: bound to {host}, so other machines on the network can reach this page.")
    if open_browser:
        webbrowser.open(url)
    try:
        server.run()
    except KeyboardInterrupt:
        echo("Stopped.")
    finally:
        server.close()
