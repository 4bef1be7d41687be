"""Actor recognition quality and speed: dev-split span scores, tagger speed, document-level gold scores.

    python bench/actors.py [--dev-data PATH] [--corpus PATH] [--gold bench/actors_gold.jsonl]
                           [--speed-articles 2000] [--runs 3] [--junk-articles 20000] [--show] [--gold-sets a b c]
                           [--skip dev speed gold junk]

1. Span-level precision, recall and F1 (CoNLL exact match) per type and
   micro-averaged over PERS, ORG and LOC, on the development split that
   ``tools/train_ner.py`` keeps out of training (the last sixth of
   ANERcorp's train file), with the shipped model as ingestion runs it;
   also when one-word spans must reach the margins ``actors.py`` could require.
2. Tokens per second of the tagger alone and articles per second of
   ``find_actors`` (gazetteer, patterns, recognizer, consistency), on the
   first articles of the shared corpus; medians of ``--runs`` runs.
3. Document-level precision and recall of persons and organisations, and of
   places apart, on ``bench/actors_gold.jsonl`` (ids and names only; the
   texts are read from the corpus).  A found name matches a gold entry when
   their ``actor_key`` equals that of one of the entry's ``|``-separated forms
   (or one of its surface forms in the article does).
4. The junk scan: how many distinct actor labels of the first 20,000 corpus
   articles have the shapes issue 11 found in the facet ("باسم ...",
   "يوم ...", "... بتهمة", "... الماضي") or are one of its listed labels.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tools"))

import train_ner  # noqa: E402  (the split and the scoring are the trainer's own)

from indexer.ingest import actors, json_line_record, ner  # noqa: E402
from indexer.records import Skipped  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "arabic-news-70k.jsonl.gz"
DEFAULT_GOLD = REPO / "bench" / "actors_gold.jsonl"
MARGINS = (0.0, 1.0, 2.0, 3.0)


def dev_scores(data: Path) -> None:
    if not data.is_file():
        print(f"dev split: {data} not found, skipped")
        return
    _, dev_raw = train_ner.split(train_ner.read_sentences(data))
    dev = [train_ner.as_ingested(sentence) for sentence in dev_raw]
    tagger = actors.tagger()
    predicted = [tagger.tag(words) for words, _ in dev]
    gold = [tags for _, tags in dev]
    print(f"dev split ({len(dev)} sentences, {sum(len(w) for w, _ in dev)} tokens), shipped model:")
    print(train_ner.format_scores(train_ner.span_scores(gold, predicted)))
    for margin in MARGINS:
        kept = [[span for span in spans if span.margin is None or span.margin >= margin] for spans in predicted]
        micro = train_ner.span_scores(gold, kept)["micro"]
        print(f"  one-word spans kept at margin >= {margin} (actors.py uses {actors.MIN_SINGLE_WORD_MARGIN}): "
              f"micro P {micro['precision']:.3f} R {micro['recall']:.3f} F1 {micro['f1']:.3f}")


#: Consecutive dev sentences read as one document by ``dev_documents`` (ANERcorp marks no article ends).
DEV_DOCUMENT_SENTENCES = 5


def dev_documents(data: Path, show: bool) -> None:
    """The dev split through the whole product, as an outside user measures it with ``fahras inspect``.

    Every ``DEV_DOCUMENT_SENTENCES`` consecutive sentences, as written, are one
    document; its gold actors are the distinct PERS and ORG spans (places, LOC,
    apart), matched against ``find_actors`` like the gold file is.
    """
    if not data.is_file():
        return
    _, dev_raw = train_ner.split(train_ner.read_sentences(data))
    totals = {"actors": [0, 0, 0], "places": [0, 0, 0]}
    missed_names: dict[str, int] = {}
    for first in range(0, len(dev_raw), DEV_DOCUMENT_SENTENCES):
        sentences = dev_raw[first:first + DEV_DOCUMENT_SENTENCES]
        expected = {"actors": {}, "places": {}}
        for sentence in sentences:
            words = [token for token, _ in sentence]
            for span in ner.spans_from_bio([tag for _, tag in sentence]):
                key = "actors" if span.label in ("PERS", "ORG") else "places" if span.label == "LOC" else None
                if key:
                    text = " ".join(words[span.start:span.end])
                    expected[key].setdefault(actors.actor_key(text), "|".join(_without_clitic(text)))
        found = actors.find_actors("\n".join(" ".join(token for token, _ in sentence) for sentence in sentences))
        scored = _score(found, {key: list(names.values()) for key, names in expected.items()}, [totals])
        for name in scored["actors"][1]:
            missed_names[name] = missed_names.get(name, 0) + 1
    print(f"dev split through find_actors, {DEV_DOCUMENT_SENTENCES} sentences a document "
          f"({-(-len(dev_raw) // DEV_DOCUMENT_SENTENCES)} documents), distinct names per document:")
    _print_totals(totals)
    if show:
        print("  most missed:", ", ".join(f"{name} {count}" for name, count in
                                         sorted(missed_names.items(), key=lambda item: -item[1])[:40]))


#: ANERcorp spans keep a word's clitics (للأمم المتحدة); found names do not.
_CLITIC_READINGS = (("وال", "ال"), ("بال", "ال"), ("فال", "ال"), ("كال", "ال"), ("لل", "ال"), ("و", ""), ("ب", ""),
                    ("ل", ""), ("ف", ""), ("ك", ""))


def _without_clitic(text: str) -> list[str]:
    """``text`` and its readings without a leading clitic, as gold forms."""
    forms = [text]
    for clitic, rest in _CLITIC_READINGS:
        if text.startswith(clitic) and len(text) - len(clitic) >= 3:
            forms.append(rest + text[len(clitic):])
    return forms


def _score(found, expected: dict[str, list[str]], tallies: list[dict[str, list[int]]]) -> dict[str, tuple]:
    """Match ``found`` (``find_actors``) against gold ``actors`` (persons and organisations) and ``places``.

    Adds (found right, found, gold) to each tally; returns key -> (spurious names, missed entries).
    """
    types = {entity["name"]: entity["type"] for entity in found.entities}
    scored = {}
    for key, expected_names in expected.items():
        predicted = {name: found.surfaces.get(name, []) for name, kind in types.items()
                     if (kind == actors.PLACE) == (key == "places")}
        hits, spurious, missed = _match(predicted, expected_names)
        for totals in tallies:
            totals[key][0] += hits
            totals[key][1] += hits + len(spurious)
            totals[key][2] += len(expected_names)
        scored[key] = (spurious, missed)
    return scored


def _print_totals(totals: dict[str, list[int]]) -> None:
    for key, (right, found, expected) in totals.items():
        precision = right / found if found else 0.0
        recall = right / expected if expected else 0.0
        label = "persons and organisations" if key == "actors" else "places"
        print(f"  {label}: precision {precision:.3f} ({right}/{found}), recall {recall:.3f} ({right}/{expected})")


def corpus_articles(corpus: Path, limit: int) -> list[bytes]:
    lines = []
    with gzip.open(corpus, "rb") as handle:
        for line in handle:
            lines.append(line)
            if len(lines) >= limit:
                break
    return lines


def speed(corpus: Path, articles: int, runs: int) -> None:
    if not corpus.is_file():
        print(f"speed: {corpus} not found, skipped")
        return
    texts = []
    for line in corpus_articles(corpus, articles):
        article = json.loads(line)
        texts.append(f"{article.get('title') or ''}\n{article.get('body') or ''}")
    token_lists = [actors.tokenize(text)[1] for text in texts]
    tokens = sum(map(len, token_lists))
    tagger = actors.tagger()
    for words in token_lists[:50]:
        tagger.tag(words)  # load the model
    tag_rates, find_rates = [], []
    for _ in range(runs):
        start = time.process_time()
        for words in token_lists:
            tagger.tag(words)
        tag_rates.append(tokens / (time.process_time() - start))
        start = time.process_time()
        for text in texts:
            actors.find_actors(text)
        find_rates.append(len(texts) / (time.process_time() - start))
    print(f"speed on {len(texts)} corpus articles ({tokens:,} tokens), medians of {runs} runs (CPU time; "
          f"the first run also fills the per-type score cache):")
    print(f"  tagger alone: {statistics.median(tag_rates):,.0f} tokens/s "
          f"(runs: {', '.join(f'{rate:,.0f}' for rate in tag_rates)})")
    print(f"  find_actors:  {statistics.median(find_rates):,.0f} articles/s "
          f"(runs: {', '.join(f'{rate:,.0f}' for rate in find_rates)})")
    # The tagger decodes only stretches where an entity label comes close to O: how often does
    # that give a whole document's spans exactly as Viterbi over every token would?
    same = 0
    for words in token_lists:
        full = tagger.viterbi(tagger.emissions(words))
        reference = ner.spans_from_bio([tagger.labels[label] for label in full])
        same += [(s.start, s.end, s.label) for s in tagger.tag(words)] == [
            (s.start, s.end, s.label) for s in reference]
    print(f"  documents tagged exactly as full Viterbi would: {same}/{len(token_lists)}")


def _forms(entry: str) -> set[str]:
    return {actors.actor_key(form) for form in entry.split("|")}


def _match(found: dict[str, list[str]], gold: list[str]) -> tuple[int, set[str], list[str]]:
    """``(gold entries found, found names matching no entry, gold entries missed)``.

    ``found`` maps each canonical name to its surface forms in the article: the
    canonical name is a naming choice (شركة نوفارتيس or نوفارتيس), so any of
    them may match one of a gold entry's forms.
    """
    forms = [_forms(entry) for entry in gold]
    keys = {name: {actors.actor_key(form) for form in (name, *surfaces)} for name, surfaces in found.items()}
    found_keys = set().union(*keys.values()) if keys else set()
    hit = [entry for entry, entry_forms in zip(gold, forms) if entry_forms & found_keys]
    all_forms = set().union(*forms) if forms else set()
    spurious = {name for name, name_keys in keys.items() if not name_keys & all_forms}
    return len(hit), spurious, [entry for entry in gold if entry not in hit]


#: What each gold set is (the ``set`` key of ``bench/actors_gold.jsonl``; see docs/actors.md).
GOLD_SETS = {
    "a": "drawn 1 Dec; rules were written after reading its misses",
    "b": "drawn 2 Dec; first measured untouched, then its misses read",
    "c": "drawn 2 Dec; never read while writing rules",
}


def gold_scores(gold_file: Path, corpus: Path, show: bool, sets: list[str] | None = None) -> None:
    if not corpus.is_file():
        print(f"gold: {corpus} not found, skipped")
        return
    gold = {item["id"]: item for item in map(json.loads, gold_file.read_text(encoding="utf-8").splitlines())
            if not sets or item.get("set") in sets}
    records = {}
    with gzip.open(corpus, "rb") as handle:
        for number, line in enumerate(handle, start=1):
            if b'"id"' in line and json.loads(line).get("id") in gold:
                record = json_line_record(line, line_number=number, id_base="corpus", path=str(corpus),
                                          reference_date=dt.date(2024, 1, 1))
                if not isinstance(record, Skipped):
                    records[json.loads(line)["id"]] = record
    by_set: dict[str, dict[str, list[int]]] = {}
    for article_id, item in gold.items():
        record = records.get(article_id)
        if record is None:
            print(f"  {article_id}: not in the corpus")
            continue
        found = actors.find_actors(f"{record.title}\n{record.body}")
        tallies = [by_set.setdefault(name, {"actors": [0, 0, 0], "places": [0, 0, 0]})
                   for name in (item.get("set", "-"), "all")]
        scored = _score(found, {"actors": item["persons"] + item["organisations"], "places": item["places"]}, tallies)
        for key, (spurious, missed) in scored.items():
            if show and (spurious or missed):
                print(f"  {article_id} {key}: missed {missed}, spurious {sorted(spurious)}")
    counts = {name: sum(item.get("set", "-") == name for item in gold.values()) for name in by_set}
    counts["all"] = len(gold)
    print(f"gold file {gold_file.name}: {len(gold)} articles")
    for name, totals in sorted(by_set.items(), key=lambda item: item[0] == "all"):
        print(f" set {name} ({counts[name]} articles{'; ' + GOLD_SETS[name] if name in GOLD_SETS else ''}):")
        _print_totals(totals)


#: The labels issue 11 found in the facet of a 20k-article index, and the shapes they share.
KNOWN_JUNK = ("باسم القوات", "باسم البيت الأبيض", "يوم السبت الماضي", "يوسف القرضاوي بتهمة",
              "حركة الرياح السطحية", "حركة المسافرين", "مجلس الوزراء الموافقة", "جمعية الثقافة", "هيئة الأمر")
JUNK_STARTS = ("باسم", "يوم ")
JUNK_ENDS = ("بتهمة", "الماضي", "الماضية")


def junk_scan(corpus: Path, articles: int) -> None:
    """Actor labels of the first ``articles`` corpus articles that have the shapes of known junk."""
    if not corpus.is_file():
        print(f"junk: {corpus} not found, skipped")
        return
    labels, shaped = set(), set()
    for number, line in enumerate(corpus_articles(corpus, articles), start=1):
        record = json_line_record(line, line_number=number, id_base="corpus", path=str(corpus),
                                  reference_date=dt.date(2024, 1, 1))
        if isinstance(record, Skipped):
            continue
        for name in record.actors:
            labels.add(name)
            if name.startswith(JUNK_STARTS) or name.endswith(JUNK_ENDS) or name in KNOWN_JUNK:
                shaped.add(name)
    print(f"junk scan of {articles} articles: {len(labels)} distinct actor labels, {len(shaped)} with a junk shape "
          f"(starting {'/'.join(JUNK_STARTS)}, ending {'/'.join(JUNK_ENDS)}, or listed in issue 11)"
          + (f": {', '.join(sorted(shaped)[:20])}" if shaped else ""))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dev-data", type=Path, default=train_ner.DEFAULT_DATA)
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--gold", type=Path, default=DEFAULT_GOLD)
    parser.add_argument("--speed-articles", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--show", action="store_true", help="list each gold article's misses and spurious names")
    parser.add_argument("--gold-sets", nargs="*", help="only these gold sets (a, b, c)")
    parser.add_argument("--junk-articles", type=int, default=20000, help="articles the junk scan reads")
    parser.add_argument("--skip", nargs="*", default=[], choices=["dev", "speed", "gold", "junk"])
    args = parser.parse_args()
    if "dev" not in args.skip:
        dev_scores(args.dev_data)
        dev_documents(args.dev_data, args.show)
    if "speed" not in args.skip:
        speed(args.corpus, args.speed_articles, args.runs)
    if "gold" not in args.skip:
        gold_scores(args.gold, args.corpus, args.show, args.gold_sets)
    if "junk" not in args.skip:
        junk_scan(args.corpus, args.junk_articles)


if __name__ == "__main__":
    main()
