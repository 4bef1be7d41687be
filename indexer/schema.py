"""The Whoosh schema of a Fahras index and the version stamped into it.

Whoosh holds only what matching needs: the analyzed title and body (stemmed,
with positions for phrases), one unstemmed ``exact`` field over both, the
facet fields and the record id.  Bulky stored text (body, original) lives in
the compressed side store (``store.py``) so that the Whoosh writer never
copies it.

Text fields are ``PreAnalyzedText``: they accept either a string (analyzed by
the field's analyzer, as usual) or the list of posting tuples that
``analyzed_postings`` produced in a worker process.  That is what lets index
building spread the analysis over both processor cores while one writer
consumes the results.
"""

from __future__ import annotations

from whoosh import fields

from indexer import analysis

#: Bump when the fields, their analysis or the side store change shape.
SCHEMA_VERSION = 1

TEXT_FIELDS = ("title", "body")
EXACT_FIELD = "exact"


class PreAnalyzedText(fields.TEXT):
    """A TEXT field that also accepts already analyzed postings.

    A list of ``(term_bytes, frequency, weight, encoded_value)`` tuples is
    passed through untouched; anything else goes through the analyzer.
    """

    def index(self, value, **kwargs):
        if isinstance(value, list) and (not value or isinstance(value[0], tuple)):
            return iter(value)
        return super().index(value, **kwargs)


def build_schema(stemmer: str = analysis.DEFAULT_STEMMER, stopwords: bool = True) -> fields.Schema:
    """The schema for one index; the analyzer choice is fixed at build time."""
    stemmed = analysis.arabic_analyzer(stemmer=stemmer, stopwords=stopwords)
    return fields.Schema(
        # Path, URL and content hash live in the side store: a unique term per
        # document costs a posting list each for no search need.
        id=fields.ID(stored=True, unique=True),
        title=PreAnalyzedText(analyzer=stemmed, phrase=True),
        body=PreAnalyzedText(analyzer=stemmed, phrase=True),
        # Frequencies only: exact-form phrases are not offered, and positions
        # here would add a third of the index size.
        exact=PreAnalyzedText(analyzer=analysis.exact_analyzer(), phrase=False),
        source=fields.ID,
        actors=fields.KEYWORD(commas=True, scorable=False),
        date=fields.DATETIME(sortable=True),
    )


def analyzed_postings(schema: fields.Schema, fieldname: str, text: str) -> list[tuple]:
    """Run a field's analysis on ``text`` and return picklable posting tuples."""
    return list(schema[fieldname].index(text))
