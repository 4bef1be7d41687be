"""The cluster index's settings and mapping: Fahras's analysis chain rebuilt from OpenSearch's stock parts.

Only components that ship with OpenSearch (core and analysis-common) are used, so the index can be
created on managed clusters that allow no plugins.  Each part is generated from the Python chain's
own tables (``indexer.text``), not copied by hand, so that the two cannot drift apart:

* tokenizer: a ``pattern`` tokenizer with ``analysis.WORD_PATTERN``'s rule (a word character, then
  word characters and in-word marks), so tokens and their offsets are the Python chain's words;
* a ``mapping`` char filter expanding presentation forms (ﻻ -> لا) as ``normalize`` does;
* ``pattern_replace`` token filters, one per target of ``normalize``'s character table (marks,
  tatweel and format characters removed, alef forms to alef, Persian letters to Arabic, teh
  marbuta to heh), then ``lowercase`` and ``decimal_digit``;
* ``stop`` with the normalized stop list; ``arabic_stem`` (Lucene's light10) and, for the
  ``fahras`` stemmer, ``stemmer_override`` rules for every indexed word whose fahras stem differs
  from light10's (computed from the indexed vocabulary, see ``stem_overrides``).

``body`` and ``title`` are stemmed; their ``.exact`` subfields are normalized but neither stemmed
nor stopped (``=word``, ``prefix*``, phrases with stop words).  ``body`` keeps offsets in its
postings for the unified highlighter.
"""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections import defaultdict

from indexer.records import ACTOR_TYPES
from indexer.text import analysis
from indexer.text.normalize import CHARACTERS_CHANGED, PRESENTATION_FORMS_RE, normalize
from indexer.text.stemming import NO_STEMMER, stem
from indexer.text.stopwords import ARABIC_STOPWORDS

#: Bump when the mapping or the analysis settings change: an index of another version must be rebuilt.
#: 2: date_basis, date_reference and entities.
#: 3: actors_person, actors_organisation, actors_place (the actors of each type, for the typed actor facet).
MAPPING_VERSION = 3
STEMMED_ANALYZER = "fahras_stemmed"
EXACT_ANALYZER = "fahras_exact"
#: Queries send terms already analysed by Python (``Leaf.stems``): split on spaces, and ``GAP`` stands for a
#: stop word's position, dropped with its position kept, as the stop filter does at index time.
TERMS_ANALYZER = "fahras_terms"
GAP = "|"
#: Stemmers the cluster analysis can reproduce.
CLUSTER_STEMMERS = ("fahras", "light10", NO_STEMMER)
#: Deep pages: ``MAX_LIMIT`` hits per page of the API, some hundreds of pages.
MAX_RESULT_WINDOW = 100_000
#: Actor type -> the keyword field holding a record's actors of that type (the ``entities`` say which):
#: the actor facet restricted to one type aggregates that field.
TYPED_ACTOR_FIELDS = {kind: f"actors_{kind}" for kind in ACTOR_TYPES}

#: ``_source`` fields of a record document.
RECORD_FIELDS = ("id", "path", "display_title", "body", "source", "date", "date_precision", "date_origin", "date_basis",
                 "date_reference", "entities", "url", "author", "actors", "actor_variants", "original", "title_derived", "warnings")


def _java_char(char: str) -> str:
    return f"\\u{ord(char):04x}" if ord(char) < 0x10000 else char


def _char_class(chars) -> str:
    return "[" + "".join(_java_char(char) for char in sorted(chars)) + "]"


def _word_pattern() -> str:
    # WORD_PATTERN is r"\w[\w<marks>]*"; Python's \w is a letter, a number or "_".
    marks = "".join("-" if char == "-" else _java_char(char) for char in analysis.IN_WORD_MARKS)
    return rf"[\p{{L}}\p{{N}}_][\p{{L}}\p{{N}}_{marks}]*"


def _rule_text(text: str) -> str:
    return "".join(f"\\u{ord(char):04x}" for char in text)


def _presentation_rules() -> list[str]:
    rules = []
    for code in [*range(0xFB50, 0xFE00), *range(0xFE70, 0xFEFF)]:
        char = chr(code)
        expanded = unicodedata.normalize("NFKC", char)
        if expanded != char and PRESENTATION_FORMS_RE.fullmatch(char):
            rules.append(f"{_rule_text(char)} => {_rule_text(expanded)}")
    return rules


def _normalization_filters() -> dict[str, dict]:
    """One ``pattern_replace`` filter per target of ``normalize``'s table (removal first)."""
    by_target: dict[str, list[str]] = defaultdict(list)
    for char in CHARACTERS_CHANGED:
        target = normalize(char)
        if target != char:  # digits are folded by ``decimal_digit``
            by_target[target].append(char)
    filters = {}
    for number, target in enumerate(sorted(by_target, key=lambda t: (t != "", t))):
        filters[f"fahras_normalize_{number}"] = {
            "type": "pattern_replace",
            "pattern": _char_class(by_target[target]),
            "replacement": target,
        }
    return filters


def stem_overrides(words, stemmer: str) -> list[str]:
    """``stemmer_override`` rules for the normalized ``words`` whose ``stemmer`` stem is not light10's."""
    if stemmer != "fahras":
        return []
    rules = []
    for word in sorted(set(words)):
        wanted = stem(word, "fahras")
        if wanted and wanted != stem(word, "light10") and "=>" not in word and "," not in word:
            rules.append(f"{word} => {wanted}")
    return rules


def analysis_settings(stemmer: str, stopwords: bool, overrides: list[str] = ()) -> dict:
    normalizers = _normalization_filters()
    filters = dict(normalizers)
    filters["fahras_nonempty"] = {"type": "length", "min": 1}
    filters["fahras_gap"] = {"type": "stop", "stopwords": [GAP]}
    filters["fahras_stop"] = {"type": "stop", "stopwords": sorted(ARABIC_STOPWORDS), "ignore_case": False}
    common = [*normalizers, "lowercase", "decimal_digit", "fahras_nonempty"]
    stemmed = list(common)
    if stopwords:
        stemmed.append("fahras_stop")
    if stemmer != NO_STEMMER:
        if overrides:
            filters["fahras_stem_overrides"] = {"type": "stemmer_override", "rules": list(overrides)}
            stemmed.append("fahras_stem_overrides")
        stemmed.append("arabic_stem")
    return {
        "char_filter": {"fahras_presentation_forms": {"type": "mapping", "mappings": _presentation_rules()}},
        "tokenizer": {"fahras_words": {"type": "pattern", "pattern": _word_pattern(), "group": 0}},
        "filter": filters,
        "analyzer": {
            STEMMED_ANALYZER: {"type": "custom", "char_filter": ["fahras_presentation_forms"],
                               "tokenizer": "fahras_words", "filter": stemmed},
            EXACT_ANALYZER: {"type": "custom", "char_filter": ["fahras_presentation_forms"],
                             "tokenizer": "fahras_words", "filter": common},
            TERMS_ANALYZER: {"type": "custom", "tokenizer": "whitespace", "filter": ["fahras_gap"]},
        },
    }


def _text(offsets: bool = False) -> dict:
    field = {"type": "text", "analyzer": STEMMED_ANALYZER,
             "fields": {"exact": {"type": "text", "analyzer": EXACT_ANALYZER}}}
    if offsets:
        field["index_options"] = "offsets"
        field["fields"]["exact"]["index_options"] = "offsets"
    return field


_STORED_ONLY = {"type": "keyword", "index": False, "doc_values": False}


def mappings(meta: dict[str, str]) -> dict:
    return {
        "dynamic": "strict",
        "_meta": meta,
        "properties": {
            "id": {"type": "keyword"},
            "path": _STORED_ONLY,
            # The title as shown; ``title`` is the indexed one (empty for a title made from the body).
            "display_title": _STORED_ONLY,
            "title": _text(),
            "body": _text(offsets=True),
            "source": {"type": "keyword"},
            "actors": {"type": "keyword"},
            **{field: {"type": "keyword"} for field in TYPED_ACTOR_FIELDS.values()},
            "date": {"type": "date", "format": "strict_date"},
            "date_precision": {"type": "keyword"},
            "date_origin": {"type": "keyword"},
            "date_basis": {"type": "keyword"},
            "date_reference": _STORED_ONLY,
            "entities": {"type": "object", "enabled": False},
            "url": _STORED_ONLY,
            "author": _STORED_ONLY,
            "original": {"type": "text", "index": False},
            "actor_variants": {"type": "object", "enabled": False},
            "title_derived": {"type": "boolean"},
            "warnings": _STORED_ONLY,
            "content_hash": {"type": "keyword"},
            #: The input file a record came from (incremental runs replace a file's records together).
            "file_key": {"type": "keyword"},
        },
    }


def is_current(meta: dict[str, str]) -> bool:
    """Whether an index with this ``_meta`` was built by this mapping and this analysis chain."""
    return (meta.get("mapping_version"), meta.get("analyzer_version")) == (
        str(MAPPING_VERSION), str(analysis.ANALYZER_VERSION))


def index_meta(stemmer: str, stopwords: bool) -> dict[str, str]:
    return {
        "mapping_version": str(MAPPING_VERSION),
        "analyzer_version": str(analysis.ANALYZER_VERSION),
        "stemmer": stemmer,
        "stopwords": "1" if stopwords else "0",
        "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
    }


def index_body(stemmer: str, stopwords: bool, overrides: list[str] = (), shards: int = 1,
               replicas: str | int = "0-1") -> dict:
    """The body of ``PUT /<physical index>``."""
    settings = {
        "number_of_shards": shards,
        "max_result_window": MAX_RESULT_WINDOW,
        "analysis": analysis_settings(stemmer, stopwords, overrides),
    }
    if isinstance(replicas, str) and "-" in replicas:
        settings["auto_expand_replicas"] = replicas
    else:
        settings["number_of_replicas"] = int(replicas)
    return {"settings": {"index": settings}, "mappings": mappings(index_meta(stemmer, stopwords))}


#: The files table of an index: one document per input file, keyed by its absolute path.
FILES_MAPPINGS = {
    "dynamic": "strict",
    "properties": {
        "key": {"type": "keyword"},
        "size": {"type": "long"},
        "mtime_ns": {"type": "long"},
        "hash": {"type": "keyword"},
    },
}


def vocabulary_forms(text: str) -> set[str]:
    """The normalized words of ``text`` (the exact chain's terms)."""
    return {term for term, *_ in analysis.exact_chain().tokens(text)}

