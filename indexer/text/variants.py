"""Spelling variants that analysis cannot fold (أمريكية/أميركية, البنتاجون/البنتاغون).

Groups come from ``indexer/data/variants.json`` and from a ``variants.json``
of the same shape (``{"groups": [["أمريكا", "أميركا"], ...]}``) in the user's
config folder or in ``$FAHRAS_DATA_DIR`` (see ``indexer.config``).
Each member is analyzed with the index's analyzer; a query word (or phrase)
whose analysis equals a member's also matches every other member of its groups.
"""

from __future__ import annotations

from functools import lru_cache

from indexer.errors import FahrasError
from indexer.config import data_file_paths, load_entries

VARIANTS_FILENAME = "variants.json"


@lru_cache(maxsize=8)
def _groups(files: tuple) -> tuple[tuple[str, ...], ...]:
    del files  # the cache key: a new user file is read at the next open
    groups = load_entries(VARIANTS_FILENAME, "groups")
    for group in groups:
        if not isinstance(group, list) or not all(isinstance(member, str) for member in group):
            raise FahrasError(f"{VARIANTS_FILENAME}: every group must be a list of spellings, not {group!r}")
    return tuple(tuple(group) for group in groups)


class VariantTable:
    """Analyzed members of every group: ``alternatives(terms)`` gives the other spellings."""

    def __init__(self, groups, analyze):
        """``analyze(text) -> [(term, position), ...]`` is the index's stemmed analysis."""
        self._members: dict[tuple[str, ...], list[list[tuple[str, int]]]] = {}
        for group in groups:
            analyzed = [tokens for tokens in map(analyze, group) if tokens]
            for tokens in analyzed:
                key = tuple(text for text, _ in tokens)
                others = self._members.setdefault(key, [])
                for other in analyzed:
                    other_key = tuple(text for text, _ in other)
                    if other_key != key and other not in others:
                        others.append(other)

    def alternatives(self, terms: tuple[str, ...]) -> list[list[tuple[str, int]]]:
        return self._members.get(terms, [])

    @classmethod
    def load(cls, analyze) -> VariantTable:
        return cls(_groups(tuple(data_file_paths(VARIANTS_FILENAME))), analyze)
