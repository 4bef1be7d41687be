"""Filter values the index does not hold: an error that names the closest ones that it does.

``--source Nope`` silently giving 0 results looks like "nothing was written
about it"; saying which sources exist (closest first) shows the typo.  Values
must match exactly (as the filter does); the suggestions are looked for after
Arabic normalization (hamza, ta marbuta, diacritics, Latin case), so
``الجزيره`` is told about ``الجزيرة``.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable

from indexer.errors import QueryError
from indexer.text.normalize import normalize_with_digits

#: How many close values an error names.
MAX_SUGGESTIONS = 3
#: difflib's similarity cut-off: below it a value is not offered as a correction.
SIMILARITY_CUTOFF = 0.5
#: When nothing is close, the error lists up to this many of the known values.
MAX_LISTED = 10


def _key(value: str) -> str:
    return " ".join(normalize_with_digits(value).split())


def closest_values(value: str, known: Iterable[str], limit: int = MAX_SUGGESTIONS) -> list[str]:
    """The known values most like ``value`` (normalized, then difflib's ratio), best first."""
    by_key: dict[str, str] = {}
    for candidate in known:
        by_key.setdefault(_key(candidate), candidate)
    wanted = _key(value)
    close = difflib.get_close_matches(wanted, list(by_key), n=limit, cutoff=SIMILARITY_CUTOFF)
    # A value that contains what was typed ("Jazeera" in "Al Jazeera") is as good a guess as a near spelling.
    containing = [key for key in by_key if wanted and wanted in key and key not in close]
    return [by_key[key] for key in (close + containing)[:limit]]


def check_known_values(facet: str, wanted: Iterable[str], known: Iterable[str]) -> None:
    """Raise ``QueryError`` (code ``unknown_value``) for the first value of ``wanted`` that is not in ``known``.

    A value must be known exactly, as the filter matches it.  The error's params: ``facet``, ``value``, ``suggestions`` (closest known values)
    and ``known`` (how many values the facet has).
    """
    known = list(known)
    known_set = set(known)
    for value in wanted:
        if value in known_set:
            continue
        suggestions = closest_values(value, known)
        if suggestions:
            hint = "closest: " + ", ".join(suggestions)
        else:
            listed = sorted(known)[:MAX_LISTED]
            hint = "known: " + (", ".join(listed) + (", ..." if len(known) > MAX_LISTED else "") if listed else "none")
        raise QueryError(
            f"no {facet} named {value!r} in this index ({hint})",
            code="unknown_value",
            params={"facet": facet, "value": value, "suggestions": suggestions, "known": len(known)},
        )
