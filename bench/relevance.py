"""Relevance of Fahras's ranking: MRR@10, nDCG@10, Recall@10 and Recall@100 per configuration.

    python bench/relevance.py --queries Q.jsonl --corpus C.jsonl [--distractors N]
        [--distractor-file F] [--configurations PATTERN,...|all] [--json] [--opensearch URL]

Query files are JSON Lines ``{"qid", "query", "relevant": [doc ids]}``; corpus
files ``{"id", "title", "body"}``.  The corpus (and, with ``--distractors N``,
the first N lines of a JSON Lines news file as unjudged non-relevant
documents) goes through the normal ingestion path into a temporary index per
analyzer configuration (stemmer, stop words); every query then runs through
``Index.search``, the code the web UI uses, once per ranking configuration.

Configurations (``--configurations all`` lists every one):

``default``
    what Fahras ships: ``DEFAULT_STEMMER``, stop words, ``Ranking()``.
``light10-parity-any``
    the reference, BM25 with Lucene's ArabicAnalyzer as Elasticsearch runs a
    plain multi-word query: light10, stop words, k1=1.2, b=0.75, any word
    matches (``match="any"``, Lucene's default OR), no exact-form field.
    ``-all`` and ``-auto`` are the same with Fahras's other match modes.
``<stemmer>[-nostop]``
    each analyzer with the default ranking.
``default <knob>=<value>``
    the default with one ranking knob changed (the tuning sweep).
"""

from __future__ import annotations

import argparse
import dataclasses
import fnmatch
import gzip
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make ``bench`` and ``indexer`` importable from the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.relevance_metrics import METRIC_NAMES, mean_metrics, query_metrics  # noqa: E402
from indexer import DocumentNotFound, Ranking, open_index, update_index  # noqa: E402
from indexer.text.analysis import DEFAULT_STEMMER, STEMMERS  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DISTRACTOR_FILE = REPO_ROOT.parent / "shared" / "corpus" / "arabic-news-70k.jsonl.gz"
#: Hits fetched per query: Recall@100 needs the first hundred.
DEPTH = 100
#: Names the temporary inputs get; record ids are ``<file name>#<json id>``.
CORPUS_FILENAME = "corpus.jsonl"
DISTRACTOR_FILENAME = "distractors.jsonl"
#: The corpus is rewritten with positional ids so that any id (with ``#``,
#: spaces, numbers) maps back exactly.
POSITION_ID_PREFIX = "doc"
DEFAULT_CONFIGURATION = "default"
PARITY_NAME = "light10-parity"
#: One-knob changes around the default ranking measured by the tuning sweep.
TUNING_VALUES = {
    "k1": (0.9, 1.2, 1.5, 2.0),
    "b": (0.5, 0.75, 0.9),
    "title_weight": (0.0, 0.25, 0.5, 1.0, 2.0),
    "exact_weight": (0.0, 0.3, 0.6, 1.0),
    "min_share": (0.0, 0.2, 0.34, 0.5),
    "match": ("all", "auto", "any"),
    "all_words_up_to": (0, 3, 5),
    "proximity_weight": (0.0, 0.25, 0.5, 1.0),
    "proximity_window": (1, 3, 5),
    "proximity_docs": (10, 30, 100),
}


class HarnessError(Exception):
    """Input the harness cannot evaluate: the message says which file and line, and why."""


@dataclass(frozen=True)
class Query:
    qid: str
    text: str
    relevant: frozenset[str]


@dataclass(frozen=True)
class Analysis:
    """What an index is built with; each distinct one is built once."""

    stemmer: str
    stopwords: bool


@dataclass(frozen=True)
class Configuration:
    name: str
    analysis: Analysis
    ranking: Ranking


@dataclass
class BuildInfo:
    seconds: float
    documents: int
    skipped: list[str]


# --- inputs ----------------------------------------------------------------------------


def _json_lines(path: Path) -> Iterable[tuple[int, dict]]:
    opener = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8") as stream:
            for number, line in enumerate(stream, start=1):
                if not line.strip():
                    continue
                try:
                    obj = json.loads(line)
                except ValueError as error:
                    raise HarnessError(f"{path}:{number}: invalid JSON ({error})") from None
                if not isinstance(obj, dict):
                    raise HarnessError(f"{path}:{number}: expected a JSON object")
                yield number, obj
    except OSError as error:
        raise HarnessError(f"cannot read {path}: {error}") from None


def load_queries(path: Path) -> list[Query]:
    """The judged queries of a ``{"qid", "query", "relevant"}`` JSON Lines file."""
    queries, seen = [], set()
    for number, obj in _json_lines(Path(path)):
        qid, text, relevant = obj.get("qid"), obj.get("query"), obj.get("relevant")
        if not isinstance(text, str) or not text.strip():
            raise HarnessError(f"{path}:{number}: missing or empty \"query\"")
        if not isinstance(relevant, list) or not relevant:
            raise HarnessError(f"{path}:{number}: \"relevant\" must be a non-empty list of document ids")
        qid = str(qid if qid is not None else number)
        if qid in seen:
            raise HarnessError(f"{path}:{number}: duplicate qid {qid!r}")
        seen.add(qid)
        queries.append(Query(qid, text, frozenset(map(str, relevant))))
    if not queries:
        raise HarnessError(f"{path}: no queries")
    return queries


def load_corpus(path: Path) -> list[dict]:
    """The judged documents of a ``{"id", "title", "body"}`` JSON Lines file, ids as strings."""
    documents, seen = [], set()
    for number, obj in _json_lines(Path(path)):
        doc_id, body = obj.get("id"), obj.get("body")
        if doc_id is None or str(doc_id) == "":
            raise HarnessError(f"{path}:{number}: missing \"id\"")
        if not isinstance(body, str) or not body.strip():
            raise HarnessError(f"{path}:{number}: document {doc_id!r} has no \"body\"")
        if str(doc_id) in seen:
            raise HarnessError(f"{path}:{number}: duplicate id {doc_id!r}")
        seen.add(str(doc_id))
        documents.append({"id": str(doc_id), "title": obj.get("title"), "body": body})
    if not documents:
        raise HarnessError(f"{path}: no documents")
    return documents


def write_corpus(documents: Sequence[dict], path: Path) -> dict[str, str]:
    """Write the corpus for ingestion under positional ids; returns positional id -> judged id."""
    judged_ids = {}
    with open(path, "w", encoding="utf-8") as stream:
        for position, document in enumerate(documents):
            position_id = f"{POSITION_ID_PREFIX}{position}"
            judged_ids[position_id] = document["id"]
            line = {"id": position_id, "title": document["title"], "body": document["body"]}
            stream.write(json.dumps(line, ensure_ascii=False) + "\n")
    return judged_ids


def write_distractors(source: Path, count: int, path: Path) -> int:
    """Copy the first ``count`` lines of ``source`` (JSON Lines, gzipped or not); returns how many."""
    opener = gzip.open if Path(source).suffix == ".gz" else open
    try:
        with opener(source, "rb") as stream, open(path, "wb") as out:
            written = 0
            for line in islice(stream, count):
                out.write(line)
                written += 1
    except OSError as error:
        raise HarnessError(f"cannot read the distractor file {source}: {error}") from None
    if written < count:
        raise HarnessError(f"{source} has only {written} lines, {count} distractors were asked for")
    return written


# --- configurations -----------------------------------------------------------------------


def default_analysis() -> Analysis:
    return Analysis(DEFAULT_STEMMER, True)


def parity_ranking() -> Ranking:
    """BM25 as Lucene scores it: its k1 and b, no exact-form field, no short-query rule; the title weighs as in Fahras."""
    return dataclasses.replace(Ranking(), k1=1.2, b=0.75, exact_weight=0.0, min_share=0.0, all_words_up_to=0,
                               proximity_weight=0.0)


def analyzer_name(analysis: Analysis) -> str:
    return analysis.stemmer + ("" if analysis.stopwords else "-nostop")


def all_configurations() -> list[Configuration]:
    """Every configuration the harness knows, the shipped default first."""
    default = Configuration(DEFAULT_CONFIGURATION, default_analysis(), Ranking())
    parity = Analysis("light10", True)
    configurations = [
        default,
        Configuration(f"{PARITY_NAME}-any", parity, dataclasses.replace(parity_ranking(), match="any")),
        Configuration(f"{PARITY_NAME}-all", parity, dataclasses.replace(parity_ranking(), match="all")),
        Configuration(f"{PARITY_NAME}-auto", parity, dataclasses.replace(parity_ranking(), match="auto")),
    ]
    for stemmer in STEMMERS:
        for stopwords in (True, False):
            analysis = Analysis(stemmer, stopwords)
            configurations.append(Configuration(analyzer_name(analysis), analysis, Ranking()))
    for knob, values in TUNING_VALUES.items():
        for value in values:
            if getattr(default.ranking, knob) == value:
                continue
            ranking = dataclasses.replace(default.ranking, **{knob: value})
            configurations.append(Configuration(f"{DEFAULT_CONFIGURATION} {knob}={value}", default.analysis, ranking))
    return configurations


def select_configurations(patterns: str) -> list[Configuration]:
    """Configurations matching comma-separated names or shell patterns (``all`` = ``*``), default first."""
    known = all_configurations()
    wanted = [p.strip() for p in patterns.split(",") if p.strip()]
    wanted = ["*" if p == "all" else p for p in wanted]
    unmatched = [p for p in wanted if not any(fnmatch.fnmatchcase(c.name, p) for c in known)]
    if unmatched:
        raise HarnessError(f"no configuration matches {', '.join(map(repr, unmatched))}; known: "
                           + ", ".join(c.name for c in known))
    return [c for c in known if c.name == DEFAULT_CONFIGURATION or any(fnmatch.fnmatchcase(c.name, p) for p in wanted)]


# --- running ---------------------------------------------------------------------------------


def build_index(inputs: Sequence[Path], index_dir: Path, analysis: Analysis) -> BuildInfo:
    started = time.perf_counter()
    report = update_index([str(p) for p in inputs], index_dir, rebuild=True, stemmer=analysis.stemmer,
                          stopwords=analysis.stopwords)
    skipped = [f"{item.path}: {item.reason}" for item in report.skipped]
    return BuildInfo(time.perf_counter() - started, report.doc_count, skipped)


def judged_id_map(judged_ids: dict[str, str]) -> dict[str, str]:
    """Record id -> judged id for the corpus file's records (distractors have none)."""
    return {f"{CORPUS_FILENAME}#{position_id}": doc_id for position_id, doc_id in judged_ids.items()}


def run_queries(index, queries: Sequence[Query], configuration: Configuration,
                record_to_judged: dict[str, str]) -> tuple[dict[str, float], list[float]]:
    """Mean metrics of ``configuration`` over ``queries``, and each query's seconds."""
    rows, seconds = [], []
    for query in queries:
        started = time.perf_counter()
        result = index.search(query.text, limit=DEPTH, facet_limit=0, ranking=configuration.ranking)
        seconds.append(time.perf_counter() - started)
        # A distractor keeps its rank as None, which no judgment names.
        ranked = [record_to_judged.get(hit.id) for hit in result.hits]
        rows.append(query_metrics(ranked, query.relevant))
    return mean_metrics(rows), seconds


def evaluate(
    queries: Sequence[Query],
    documents: Sequence[dict],
    configurations: Sequence[Configuration],
    distractors: int = 0,
    distractor_file: Path = DEFAULT_DISTRACTOR_FILE,
    log=None,
    opensearch: str | None = None,
) -> dict[str, dict[str, float]]:
    """Metrics per configuration name, each analyzer configuration built once in a temporary folder
    (or, with ``opensearch`` a node URL such as ``http://127.0.0.1:9200``, in a cluster index)."""
    log = log or (lambda message: None)
    corpus_ids = {d["id"] for d in documents}
    unjudgeable = [q.qid for q in queries if not q.relevant & corpus_ids]
    if unjudgeable:
        raise HarnessError(f"{len(unjudgeable)} queries have no relevant document in the corpus, e.g. "
                           f"{unjudgeable[0]!r}: wrong corpus for these queries?")
    results: dict[str, dict[str, float]] = {}
    with tempfile.TemporaryDirectory(prefix="fahras-relevance-") as workdir:
        work = Path(workdir)
        inputs = [work / CORPUS_FILENAME]
        record_to_judged = judged_id_map(write_corpus(documents, inputs[0]))
        if distractors:
            inputs.append(work / DISTRACTOR_FILENAME)
            write_distractors(distractor_file, distractors, inputs[1])
        by_analysis: dict[Analysis, list[Configuration]] = {}
        for configuration in configurations:
            by_analysis.setdefault(configuration.analysis, []).append(configuration)
        for number, (analysis, group) in enumerate(by_analysis.items()):
            index_dir = work / f"index-{number}"
            if opensearch:
                index_dir = f"opensearch+{opensearch.rstrip('/')}/fahras_relevance_{number}"
            build = build_index(inputs, index_dir, analysis)
            log(f"built {analyzer_name(analysis)}: {build.documents} documents in {build.seconds:.1f} s")
            for skipped in build.skipped:
                log(f"  skipped by ingestion: {skipped}")
            with open_index(index_dir) as index:
                indexed = {doc_id for record_id, doc_id in record_to_judged.items() if _has_document(index, record_id)}
                lost = sum(1 for q in queries if not q.relevant & indexed)
                if lost:
                    log(f"  {lost} queries lost every relevant document to ingestion (they score 0)")
                for configuration in group:
                    metrics, seconds = run_queries(index, queries, configuration, record_to_judged)
                    results[configuration.name] = metrics
                    log(f"  {configuration.name}: " + "  ".join(f"{m} {v:.4f}" for m, v in metrics.items())
                        + f"  (median {statistics.median(seconds) * 1000:.1f} ms/query)")
            if opensearch:
                from indexer.opensearch.writer import delete_cluster_index

                delete_cluster_index(index_dir)
    return {c.name: results[c.name] for c in configurations}


def _has_document(index, record_id: str) -> bool:
    try:
        index.document(record_id)
    except DocumentNotFound:
        return False
    return True


def format_table(results: dict[str, dict[str, float]]) -> str:
    width = max(len("configuration"), *map(len, results))
    lines = [f"{'configuration':<{width}}  " + "  ".join(f"{m:>7}" for m in METRIC_NAMES)]
    for name, metrics in results.items():
        lines.append(f"{name:<{width}}  " + "  ".join(f"{metrics[m]:7.4f}" for m in METRIC_NAMES))
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--queries", type=Path, required=True, help="JSON Lines {qid, query, relevant}")
    parser.add_argument("--corpus", type=Path, required=True, help="JSON Lines {id, title, body}")
    parser.add_argument("--distractors", type=int, default=0, metavar="N",
                        help="mix in the first N articles of --distractor-file as unjudged documents")
    parser.add_argument("--distractor-file", type=Path, default=DEFAULT_DISTRACTOR_FILE)
    parser.add_argument("--configurations", default="all", metavar="NAMES",
                        help="comma-separated names or shell patterns ('default*'), or 'all' (default)")
    parser.add_argument("--json", action="store_true", help="print one JSON object: configuration -> metrics")
    parser.add_argument("--opensearch", metavar="URL", default=None,
                        help="build the indices on this OpenSearch node (http://HOST:PORT) instead of in folders")
    args = parser.parse_args(argv)
    if args.distractors < 0:
        parser.error("--distractors must be 0 or more")
    started = time.perf_counter()
    try:
        configurations = select_configurations(args.configurations)
        results = evaluate(load_queries(args.queries), load_corpus(args.corpus), configurations,
                           args.distractors, args.distractor_file,
                           log=lambda message: print(message, file=sys.stderr, flush=True),
                           opensearch=args.opensearch)
    except HarnessError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps({name: {m: round(v, 4) for m, v in metrics.items()} for name, metrics in results.items()},
                         indent=2))
    else:
        print(format_table(results))
    print(f"total {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
