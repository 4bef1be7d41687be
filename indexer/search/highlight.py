"""Highlights: the words a query matched, marked in the text as written.

The text is read with the index's own analysis chain (``indexer.text.analysis``):
the exact chain gives each word's normalized form and offsets, the stemmed
chain its term, and both are compared with the query's terms, so a stemmed,
normalized or variant match marks the original surface form (``مسيَّرة`` for
the query ``مسيرة``).  Everything outside ``<mark>`` is HTML-escaped, and
nothing else is inserted.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field

from indexer.text.analysis import chain, exact_chain

SNIPPET_CHARS = 280
#: Texts longer than this are cut before looking for a snippet (the document view marks everything).
SNIPPET_SCAN_CHARS = 60_000
MARK_OPEN = "<mark>"
MARK_CLOSE = "</mark>"
ELLIPSIS = "…"

#: A snippet looks this far past the first match for a denser window, then stops reading.
SNIPPET_LOOKAHEAD_CHARS = 2 * SNIPPET_CHARS


@dataclass(frozen=True)
class PhrasePattern:
    """Words that match only together, in order: for each word the stem it must have, or for a stop
    word (which has no stem) the exact form it must have; ``(None, None)`` is any stop word."""

    slots: tuple[tuple[str | None, str | None], ...]

    def matches_at(self, words: list[tuple[str, str | None]], index: int) -> bool:
        """Whether the pattern stands at ``words[index:]`` (each word: normalized form, stem or None)."""
        if index + len(self.slots) > len(words):
            return False
        for (stem, exact), (form, word_stem) in zip(self.slots, words[index:]):
            if stem is not None:
                if word_stem != stem:
                    return False
            elif word_stem is not None or (exact is not None and form != exact):
                return False
        return True


@dataclass
class MatchTerms:
    """What counts as a match: stems, exact normalized forms, prefixes of normalized forms, and phrases."""

    stemmer: str
    stems: set[str] = field(default_factory=set)
    exact: set[str] = field(default_factory=set)
    prefixes: tuple[str, ...] = ()
    stopwords: frozenset = frozenset()
    #: Marked only where the whole phrase stands (a phrase's words are not marked alone).
    phrases: tuple[PhrasePattern, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.stems or self.exact or self.prefixes or self.phrases)

    def matches(self, form: str, word: str | None = None) -> bool:
        """Whether a word whose normalized form is ``form`` is a match (``word``: as written, when known)."""
        if form in self.exact:
            return True
        if self.prefixes and form.startswith(self.prefixes):
            return True
        # The stemmed chain's term of the word as written (normalizing is idempotent, so
        # ``form`` gives the same term); stop words have none, and None is never a stem.
        return chain(self.stemmer, bool(self.stopwords)).term(form if word is None else word) in self.stems


def match_spans(text: str, terms: MatchTerms, stop_after: int | None = None) -> list[tuple[int, int]]:
    """``(start, end)`` character spans of the matching words of ``text``.

    The words, their normalized forms and offsets are the exact chain's
    tokens, their stems the stemmed chain's terms: the analysis that indexed
    them.  With ``stop_after``, reading stops that many characters past the
    first match.
    """
    if not terms or not text:
        return []
    if terms.phrases:
        return _spans_with_phrases(text, terms)
    spans: list[tuple[int, int]] = []
    limit = None
    matches = terms.matches
    for form, _, start, end in exact_chain().tokens(text):
        if limit is not None and start > limit:
            break
        if matches(form, text[start:end]):
            spans.append((start, end))
            if stop_after is not None and limit is None:
                limit = start + stop_after
    return spans


def _spans_with_phrases(text: str, terms: MatchTerms) -> list[tuple[int, int]]:
    """Word matches and whole-phrase matches (one span from a phrase's first word to its last)."""
    stemmed = chain(terms.stemmer, bool(terms.stopwords))
    tokens = list(exact_chain().tokens(text))
    words = [(form, stemmed.term(text[start:end])) for form, _, start, end in tokens]
    spans = []
    for index, (form, _, start, end) in enumerate(tokens):
        if (terms.stems or terms.exact or terms.prefixes) and terms.matches(form, text[start:end]):
            spans.append((start, end))
        for pattern in terms.phrases:
            if pattern.matches_at(words, index):
                spans.append((start, tokens[index + len(pattern.slots) - 1][3]))
    return merge_spans(spans)


def merge_spans(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """``spans`` sorted, overlapping ones joined (a phrase's span swallows its words' own)."""
    merged: list[tuple[int, int]] = []
    for span in sorted(spans):
        if merged and span[0] < merged[-1][1]:
            if span[1] > merged[-1][1]:
                merged[-1] = (merged[-1][0], span[1])
            continue
        merged.append(span)
    return merged


def mark(text: str, spans: list[tuple[int, int]], start: int = 0, end: int | None = None) -> str:
    """``text[start:end]`` escaped, with ``spans`` wrapped in ``<mark>``."""
    end = len(text) if end is None else end
    pieces, cursor = [], start
    for span_start, span_end in spans:
        if span_start < start or span_end > end:
            continue
        pieces.append(html.escape(text[cursor:span_start]))
        pieces.append(MARK_OPEN + html.escape(text[span_start:span_end]) + MARK_CLOSE)
        cursor = span_end
    pieces.append(html.escape(text[cursor:end]))
    return "".join(pieces)


def highlight_all(text: str, terms: MatchTerms) -> tuple[str, int]:
    """The whole text escaped with every match marked, and how many there are."""
    spans = match_spans(text, terms)
    return mark(text, spans), len(spans)


def _best_window(spans: list[tuple[int, int]], width: int) -> int:
    """Start of the ``width``-character window holding the most matches (two pointers)."""
    best_start, best_count, first = spans[0][0], 0, 0
    for last in range(len(spans)):
        while spans[last][1] - spans[first][0] > width:
            first += 1
        if last - first + 1 > best_count:
            best_count, best_start = last - first + 1, spans[first][0]
    return best_start


def _word_boundary_before(text: str, index: int, limit: int) -> int:
    floor = max(0, index - limit)
    space = text.rfind(" ", floor, index)
    return space + 1 if space > 0 else floor


def snippet(text: str, terms: MatchTerms, width: int = SNIPPET_CHARS) -> str:
    """A window of about ``width`` characters around the densest matches, escaped and marked."""
    text = text[:SNIPPET_SCAN_CHARS]
    return snippet_of_spans(text, match_spans(text, terms, stop_after=SNIPPET_LOOKAHEAD_CHARS), width)


def snippet_of_spans(text: str, spans: list[tuple[int, int]], width: int = SNIPPET_CHARS) -> str:
    """``snippet`` for matches found elsewhere (the OpenSearch backend's highlighter): ``spans`` in ``text``."""
    if spans:
        first_match = _best_window(spans, width)
        start = _word_boundary_before(text, max(0, first_match - width // 4), width // 4)
    else:
        start = 0
    end = min(len(text), start + width)
    if end < len(text):
        space = text.rfind(" ", start + width // 2, end)
        end = space if space > 0 else end
    body = mark(text, spans, start, end).replace("\n", " ")
    return (ELLIPSIS if start > 0 else "") + body.strip() + (ELLIPSIS if end < len(text) else "")
