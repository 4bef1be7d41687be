"""The cluster's analysis against ours, on a real node through ``_analyze``.

The index settings (``indexer.opensearch.schema``) rebuild the Python chain from
OpenSearch's stock parts; here the node analyses the five seeds and every character
that normalization changes, and each token (term, position, offsets) must be ours.
"""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from indexer.opensearch import schema
from indexer.text import analysis
from indexer.text.normalize import CHARACTERS_CHANGED, PRESENTATION_FORMS_RE

INDEX = "fahras-analysis-check"
STEMMER = "fahras"
SEEDS_DIR = Path(__file__).resolve().parent.parent / "seeds"


def seed_texts() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(SEEDS_DIR.iterdir())}


def code_point_offsets(text: str):
    """UTF-16 offset (what Java reports) -> code point offset (what Python counts)."""
    table, units = {}, 0
    for index, char in enumerate(text):
        table[units] = index
        units += 2 if ord(char) > 0xFFFF else 1
    table[units] = len(text)
    return table


def cluster_tokens(client, analyzer: str, text: str) -> list[tuple]:
    offsets = code_point_offsets(text)
    tokens = client.indices.analyze(index=INDEX, body={"analyzer": analyzer, "text": text})["tokens"]
    return [(t["token"], t["position"], offsets[t["start_offset"]], offsets[t["end_offset"]]) for t in tokens]


def our_tokens(chain, text: str) -> list[tuple]:
    return list(chain.tokens(text))


@pytest.fixture(scope="module")
def analysis_index(opensearch_client):
    vocabulary = set()
    for text in seed_texts().values():
        vocabulary |= schema.vocabulary_forms(text)
    overrides = schema.stem_overrides(vocabulary, STEMMER)
    body = schema.index_body(STEMMER, True, overrides)
    opensearch_client.indices.create(index=INDEX, body=body)
    yield overrides
    opensearch_client.indices.delete(index=INDEX)


def disagreements(ours: list[tuple], theirs: list[tuple]) -> list[str]:
    """The words the two token streams read differently, for a readable failure."""
    mine = {(start, end): term for term, _, start, end in ours}
    cluster = {(start, end): term for term, _, start, end in theirs}
    return [f"{span}: ours {mine.get(span)!r}, cluster {cluster.get(span)!r}"
            for span in sorted(mine.keys() | cluster.keys()) if mine.get(span) != cluster.get(span)]


@pytest.mark.parametrize("analyzer, chain", [
    pytest.param("stemmed", analysis.chain(STEMMER, True), id="stemmed"),
    pytest.param("exact", analysis.exact_chain(), id="exact"),
])
def test_the_cluster_reads_every_seed_word_as_we_do(opensearch_client, analysis_index, analyzer, chain):
    name = schema.STEMMED_ANALYZER if analyzer == "stemmed" else schema.EXACT_ANALYZER
    words = agreed = 0
    problems = []
    for seed, text in seed_texts().items():
        ours = our_tokens(chain, text)
        theirs = cluster_tokens(opensearch_client, name, text)
        differing = disagreements(ours, theirs)
        words += len(ours)
        agreed += len(ours) - len(differing)
        problems += [f"{seed} {line}" for line in differing]
        if not differing:  # same terms at the same spans: the positions must agree too
            assert theirs == ours, seed
    assert problems == [], f"{agreed}/{words} tokens agree; first differences: {problems[:10]}"


def read_differently(char: str) -> bool:
    """The two presentation forms cases where the cluster, which expands them before tokenizing, differs.

    * The expansion holds a space (ﱡ is " ُّ", ﷺ a whole phrase): ours expands it inside the
      word and keeps one term with a space in it, which no query can ask for; the cluster reads
      two words.
    * The form is not a word character for us (﷼, RIAL SIGN, a currency symbol): ours breaks
      the word there, the cluster reads the expansion ريال as part of it.
    """
    expanded = unicodedata.normalize("NFKC", char)
    return " " in expanded or (expanded != char and not analysis.WORD_PATTERN.fullmatch("ب" + char))


def test_every_character_normalization_changes_is_folded_alike(opensearch_client, analysis_index):
    presentation_forms = [chr(code) for code in range(0xFB50, 0xFEFF) if PRESENTATION_FORMS_RE.fullmatch(chr(code))]
    chars = [char for char in sorted(CHARACTERS_CHANGED) + presentation_forms if not read_differently(char)]
    # Each character inside a word, so that in-word marks and word breaks both show.
    text = " ".join(f"كتب{char}ها" for char in chars)
    ours = our_tokens(analysis.exact_chain(), text)
    theirs = cluster_tokens(opensearch_client, schema.EXACT_ANALYZER, text)
    assert disagreements(ours, theirs) == []
    assert theirs == ours


def test_stem_overrides_carry_our_stems_where_light10_differs(opensearch_client, analysis_index):
    overrides = analysis_index
    assert overrides, "the seeds hold words (القوات, بيان...) that light10 and ours stem differently"
    for word in ("القوات", "بيان", "وزارة"):  # words of the seeds
        (term,) = [token[0] for token in cluster_tokens(opensearch_client, schema.STEMMED_ANALYZER, word)]
        assert term == analysis.chain(STEMMER, True).term(word), word
