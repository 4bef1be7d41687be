"""The ``fahras`` command line: a thin layer over the library.

Domain errors (``FahrasError``) become click exceptions here and only here.
"""

from __future__ import annotations

import functools

import click

from indexer.api import ACTOR_TYPES, MAX_LIMIT, SORTS
from indexer.errors import FahrasError
from indexer.text.stemming import STEMMERS


class FahrasClickError(click.ClickException):
    def __init__(self, error: FahrasError):
        super().__init__(str(error))
        self.exit_code = error.exit_code


def reports_errors(command):
    """Turn library errors into one-line messages with the right exit status."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except FahrasError as error:
            raise FahrasClickError(error) from error

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fahras")
def cli():
    """Fahras (فهرس): index and search Arabic news on your own machine."""


# Commands are added below, one section per command group.

# --- ingestion commands: inspect -------------------------------------------

_INSPECT_BODY_CHARS = 200


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option("--reference-date", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Date that relative dates ('منذ 6 شهر', 'أمس') count from (default: each file's mtime).")
@click.option("--json", "as_json", is_flag=True,
              help='Print a JSON array of records; skipped inputs are {"path", "reason", "skipped": true} items.')
@reports_errors
def inspect(paths, reference_date, as_json):
    """Ingest PATHs without indexing and show what each record would hold."""
    import json

    from indexer.ingest import iter_records
    from indexer.records import Skipped

    items = list(iter_records(paths, reference_date=reference_date.date() if reference_date else None))
    records = [item for item in items if not isinstance(item, Skipped)]
    if as_json:
        out = [item.to_dict() | {"skipped": True} if isinstance(item, Skipped) else item.to_dict() for item in items]
        click.echo(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        for item in items:
            click.echo(_inspect_block(item))
    if not records:
        raise FahrasError(f"nothing could be read from {', '.join(paths)} ({len(items)} input(s) skipped)")


def _inspect_block(item) -> str:
    from indexer.records import Skipped

    if isinstance(item, Skipped):
        return f"skipped: {item.path}: {item.reason}\n"
    date = "unknown"
    if item.date:
        date = f"{item.date.isoformat()} ({item.date_precision} precision, origin: {item.date_origin})"
    body = item.body[:_INSPECT_BODY_CHARS].replace("\n", " ")
    lines = [
        click.style(item.title, bold=True),
        f"  id:       {item.id}",
        f"  source:   {item.source or 'unknown'}",
        f"  date:     {date}",
        f"  author:   {item.author}" if item.author else None,
        f"  url:      {item.url}" if item.url else None,
        f"  actors:   {', '.join(item.actors) or '(none)'}",
        "  entities: " + ", ".join("{name} ({type}, {mentions})".format(**entity) for entity in item.entities)
        if item.entities else None,
        f"  body:     {body}{'…' if len(item.body) > _INSPECT_BODY_CHARS else ''}",
        *(f"  warning:  {warning}" for warning in item.warnings),
    ]
    return "\n".join(line for line in lines if line is not None) + "\n"


# --- index and search commands: index, search, show, actors ----------------

_INDEX_OPTION = click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Index folder (default: $FAHRAS_INDEX, else the per-user data folder).",
)
_DATE = click.DateTime(formats=["%Y-%m-%d"])
_ACTOR_TYPE = click.Choice(ACTOR_TYPES, case_sensitive=False)


class _ProgressBar:
    """``update_index``'s ``read_progress(bytes_read, bytes_total)`` drawn with click.progressbar, on a terminal only.

    It counts the input bytes read, so one big JSON Lines file moves it as its lines are read.
    """

    def __init__(self):
        self.bar = None
        self.shown = 0

    def __call__(self, read: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(1, total), label="indexing", file=click.get_text_stream("stderr"))
            self.bar.__enter__()
        self.bar.update(read - self.shown)
        self.shown = read

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


def _marks_for_terminal(snippet: str) -> str:
    import html

    parts = snippet.replace("</mark>", "<mark>").split("<mark>")
    return "".join(click.style(html.unescape(p), bold=True) if i % 2 else html.unescape(p) for i, p in enumerate(parts))


def _json_out(data) -> None:
    import json

    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@cli.command("index")
@click.argument("paths", nargs=-1, type=click.Path())
@_INDEX_OPTION
@click.option("--rebuild", is_flag=True, help="Build a fresh index and swap it in when complete.")
@click.option("--reference-date", type=_DATE, default=None, help="Date that relative dates ('منذ 6 شهر') count from.")
@click.option("--stemmer", type=click.Choice(STEMMERS), default=None,
              help="Stemmer of a new or rebuilt index (default fahras, or the current index's).")
@click.option("--stopwords/--no-stopwords", default=None, help="Drop Arabic stop words (new or rebuilt index).")
@click.option("--processes", type=click.IntRange(1, 64), default=None, help="Worker processes for large batches.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as a JSON object.")
@reports_errors
def index_command(paths, index_dir, rebuild, reference_date, stemmer, stopwords, processes, as_json):
    """Index PATHs (files or folders; the bundled seeds/ when none): new, changed and removed files."""
    import sys

    from indexer.api import update_index  # sends an opensearch+http(s):// --index to the cluster writer

    progress = _ProgressBar() if sys.stderr.isatty() and not as_json else None
    try:
        report = update_index(
            paths,
            index_dir,
            rebuild=rebuild,
            reference_date=reference_date.date() if reference_date else None,
            stemmer=stemmer,
            stopwords=stopwords,
            processes=processes,
            read_progress=progress,
        )
    except KeyboardInterrupt:
        # The run has stopped its workers and rolled back: say so in one line, as a shell expects (130).
        if progress is not None:
            progress.close()
            progress = None
        click.echo("interrupted: the index was left as it was", err=True)
        sys.exit(130)
    finally:
        if progress is not None:
            progress.close()
    if as_json:
        _json_out(report.to_dict())
        return
    for note in report.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(report.summary())


@cli.command()
@click.argument("query", default="")
@_INDEX_OPTION
@click.option("--source", "sources", multiple=True, help="Only this source (repeat: any of them).")
@click.option("--actor", "actors", multiple=True, help="Only documents naming this actor (repeat: any of them).")
@click.option("--not-source", "exclude_sources", multiple=True, help="Leave out this source (repeatable).")
@click.option("--not-actor", "exclude_actors", multiple=True, help="Leave out documents naming this actor (repeatable).")
@click.option("--since", type=_DATE, default=None, help="From this date (YYYY-MM-DD), inclusive.")
@click.option("--until", type=_DATE, default=None, help="Up to this date (YYYY-MM-DD), inclusive.")
@click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True,
              help="date: newest first; oldest: oldest first.")
@click.option("--limit", type=click.IntRange(1, MAX_LIMIT), default=10, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--format", "output_format", type=click.Choice(["text", "json", "csv", "jsonl"]), default=None,
              help="text (default), json (the --json shape), or one row per document as csv (UTF-8 with BOM) or jsonl.")
@click.option("--all", "all_hits", is_flag=True, help="With --format csv|jsonl: every hit, not one page.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (hits, facets); same as --format json.")
@click.option("--actor-type", type=_ACTOR_TYPE, default=None,
              help="List only actors of this type in the actor facet (documents are not filtered: use --actor).")
@reports_errors
def search(query, index_dir, sources, actors, exclude_sources, exclude_actors, since, until, sort, limit, page,
           output_format, all_hits, as_json, actor_type):
    """Search the index.  QUERY: words, "phrases", OR, NOT/-word, prefix*, =exact; empty lists newest first."""
    from indexer.api import open_index
    from indexer.search import export

    if as_json and output_format not in (None, "json"):
        raise click.UsageError(f"--json and --format {output_format} ask for two outputs: give one")
    output_format = "json" if as_json else output_format or "text"
    if all_hits and output_format not in ("csv", "jsonl"):
        raise click.UsageError("--all writes every hit as rows: use it with --format csv or --format jsonl")
    filters = {
        "sources": sources,
        "actors": actors,
        "exclude_sources": exclude_sources,
        "exclude_actors": exclude_actors,
        "since": since.date() if since else None,
        "until": until.date() if until else None,
    }
    lines = {"csv": export.csv_lines, "jsonl": export.jsonl_lines}.get(output_format)
    with open_index(index_dir) as index:
        if all_hits:
            for line in lines(index.iter_hits(query, **filters, sort=sort)):
                click.echo(line, nl=False)
            return
        result = index.search(query, **filters, sort=sort, page=page, limit=limit, actor_type=actor_type)
    if lines is not None:
        for line in lines(result.hits):
            click.echo(line, nl=False)
        return
    if output_format == "json":
        _json_out(result.to_dict())
        return
    for note in result.notes:
        click.echo(f"note: {note}", err=True)
    click.echo(f"{result.total} results, page {result.page} of {result.pages} ({result.took_ms:.0f} ms)")
    for rank, hit in enumerate(result.hits, start=(result.page - 1) * result.per_page + 1):
        about = ", ".join(part for part in (hit.source, hit.date) if part)
        click.echo(f"\n{rank}. {click.style(hit.title, bold=True)}" + (f"  [{about}]" if about else ""))
        click.echo(f"   id: {hit.id}")
        click.echo(f"   {_marks_for_terminal(hit.snippet)}")
    for name, facet in result.facets.items():
        if facet.values:
            shown = ", ".join(f"{v.value} ({v.count})" for v in facet.values)
            click.echo(f"\n{name}{f' [{actor_type}]' if name == 'actor' and actor_type else ''}: {shown}")


@cli.command()
@click.argument("doc_id")
@_INDEX_OPTION
@click.option("--query", default="", help="Mark the matches of this query.")
@click.option("--json", "as_json", is_flag=True, help="Print the document as JSON.")
@reports_errors
def show(doc_id, index_dir, query, as_json):
    """Print one document by its id."""
    from indexer.api import open_index

    with open_index(index_dir) as index:
        document = index.document(doc_id, query=query)
    if as_json:
        _json_out(document.to_dict())
        return
    click.echo(click.style(document.title, bold=True))
    for label, value in (("id", document.id), ("path", document.path), ("source", document.source),
                         ("date", document.date), ("url", document.url), ("author", document.author),
                         ("actors", ", ".join(document.actors))):
        if value:
            click.echo(f"{label}: {value}")
    click.echo("")
    click.echo(_marks_for_terminal(document.body_html) if query else document.body)


@cli.command()
@_INDEX_OPTION
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Only the most frequent N.")
@click.option("--actor-type", type=_ACTOR_TYPE, default=None, help="Only actors of this type.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of {value, count, variants, type}.")
@reports_errors
def actors(index_dir, limit, actor_type, as_json):
    """List the actors named in the indexed documents, most frequent first,
    with their type (person, organisation, place; - when unknown) and the spellings merged into each."""
    from indexer.api import open_index

    with open_index(index_dir) as index:
        summaries = index.actor_summaries(limit=limit, actor_type=actor_type)
    if as_json:
        _json_out([{"value": s.name, "count": s.documents, "variants": s.variants, "type": s.type} for s in summaries])
        return
    width = max(map(len, ACTOR_TYPES))
    for summary in summaries:
        merged = [form for form in summary.variants if form != summary.name]
        click.echo(f"{summary.documents:6d}  {summary.type or '-':<{width}}  {summary.name}"
                   + (f"  ({'، '.join(merged)})" if merged else ""))



# --- web commands: serve ----------------------------------------------------


@cli.command()
@click.option(
    "--index",
    "index_dir",
    type=click.Path(file_okay=False),
    default=None,
    help="Index folder (default: $FAHRAS_INDEX or the user data folder; built from the bundled seeds if missing).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; 0.0.0.0 exposes the page.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535), help="0 picks a free port.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
@click.option("--open", "open_browser", is_flag=True, help="Open the page in the default web browser.")
@reports_errors
def serve(index_dir, host, port, threads, open_browser):
    """Serve the search page (waitress) until Ctrl+C."""
    from webui.server import serve as serve_web

    serve_web(index_dir, host=host, port=port, threads=threads, open_browser=open_browser, echo=click.echo)


# --- cluster commands: dev-cluster -------------------------------------------


@cli.command("dev-cluster")
@click.option("--nodes", default=1, show_default=True, type=click.IntRange(1, 9), help="Number of nodes (JVMs).")
@click.option("--data", "data_dir", type=click.Path(file_okay=False), default=None,
              help="Keep the nodes' data in this folder (default: a temporary folder, removed on stop).")
@click.option("--port", default=9200, show_default=True, type=click.IntRange(1, 65000),
              help="HTTP port of the first node; node i listens on PORT+i, its transport on PORT+100+i.")
@click.option("--heap", default="512m", show_default=True, help="Java heap of each node (-Xms/-Xmx).")
@reports_errors
def dev_cluster(nodes, data_dir, port, heap):
    """Run a local OpenSearch cluster on 127.0.0.1 until Ctrl+C; print its URL once it is green.

    Needs Java 17 and Maven (which fetches OpenSearch from Maven Central once)."""
    from indexer.opensearch.devcluster import run_dev_cluster

    run_dev_cluster(nodes=nodes, data_dir=data_dir, port=port, heap=heap, echo=click.echo,
                    status=lambda message: click.echo(message, err=True))
