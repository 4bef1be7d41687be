"""Arabic stop words, read from ``indexer/data/stopwords_ar.txt``.

The words are normalized with the same function the analysis chain applies to
tokens, so a stop word matches whatever spelling (hamza, alef maqsura, digits)
the document used.
"""

from __future__ import annotations

from pathlib import Path

from indexer.config import SHIPPED_DATA_DIR
from indexer.text.normalize import normalize_with_digits

STOPWORDS_PATH = SHIPPED_DATA_DIR / "stopwords_ar.txt"
COMMENT_MARK = "#"


def parse_stopwords(lines) -> frozenset[str]:
    """Normalized words of a stop list: one word per line, ``#`` comments and blank lines ignored."""
    words = set()
    for line in lines:
        word = line.split(COMMENT_MARK, 1)[0].strip()
        if word:
            words.add(normalize_with_digits(word))
    return frozenset(words)


def load_stopwords(path: Path = STOPWORDS_PATH) -> frozenset[str]:
    """The normalized stop words stored in ``path`` (UTF-8)."""
    with open(path, encoding="utf-8") as stream:
        return parse_stopwords(stream)


ARABIC_STOPWORDS: frozenset[str] = load_stopwords()
