"""Corpus-level resolution: the variants of one actor across documents meet under one canonical name.

Within a document ``actors.find_actors`` already maps aliases, acronyms and
partial names to the gazetteer's canonical name and a surname to the full
name found earlier.  Across documents names still differ:

* in spelling: hamza forms, diacritics, ى/ي, ة/ه, tatweel (``actor_key``);
* in transliteration: ترمب/ترامب, بوتن/بوتين, غريفث/غريفيث.  A foreign name's
  long vowels are unstable, so a word that is not a known Arabic given name
  and has four letters or more is compared without its inner ا, و and ي
  (``skeleton``); known given names keep their vowels (حامد is not حمد);
* by the nasab: عزام بن محمد الدخيل = عزام الدخيل (``بن X`` before a family
  name is dropped from the key);
* by the first name: السوداني or محمد السوداني alone = محمد شياع السوداني,
  when exactly one longer person name in the corpus ends that way.

Names of different types never merge.  The canonical name of a group is the
gazetteer's name when one member is a gazetteer canonical name, otherwise
the form most documents used (the longer one on a tie).

This module knows no gazetteer (``actors`` imports it, not the reverse):
``actors.resolve_actor_names`` and ``actors.actor_variant_key`` call it with
the gazetteer's canonical and given names.  Usage::

    from indexer.ingest.actors import resolve_actor_names
    canonical = resolve_actor_names({("دونالد ترمب", "person"): 3, ("دونالد ترامب", "person"): 10})
    canonical[("دونالد ترمب", "person")]  # -> "دونالد ترامب"
"""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Mapping

from indexer.text.normalize import normalize_text, normalize_with_digits

#: Public actor types.
PERSON, ORGANISATION, PLACE = "person", "organisation", "place"

#: Spellings that normalization does not fold, as normalized token prefixes.
SPELLING_FOLDS = {
    "اميرك": "امريك",
    "البنتاجون": "البنتاغون",
    "الكونجرس": "الكونغرس",
    "ترمب": "ترامب",
}


def quick_normalize(text: str) -> str:
    """``normalize_text`` (the shared normalization, Latin lowercased) plus ``SPELLING_FOLDS``."""
    text = normalize_text(text)
    for variant, standard in SPELLING_FOLDS.items():
        if variant in text:
            text = text.replace(variant, standard)
    return text


@functools.lru_cache(maxsize=131072)
def actor_key(name: str) -> str:
    """The key under which two spellings of one actor are the same (for merging across documents)."""
    return " ".join(quick_normalize(normalize_with_digits(name)).split())

NASAB_WORDS = frozenset({"بن", "ابن", "بنت"})
#: Inner letters a transliterated name spells or leaves out at will.
UNSTABLE_VOWELS = str.maketrans("", "", "اوي")
MIN_SKELETON_LETTERS = 4


def skeleton(word: str, given_names: frozenset[str]) -> str:
    """``word`` without its inner long vowels, unless it is a known given name or short."""
    if len(word) < MIN_SKELETON_LETTERS or word in given_names or word.startswith("ال") and len(word) < 6:
        return word
    return word[0] + word[1:-1].translate(UNSTABLE_VOWELS) + word[-1]


def without_nasab(words: list[str]) -> list[str]:
    """Drop ``بن X`` links before a family name: عزام بن محمد الدخيل -> عزام الدخيل."""
    if len(words) < 4 or words[-2] in NASAB_WORDS:
        return words
    kept, skip = [], False
    for position, word in enumerate(words):
        if skip:
            skip = False
            continue
        if word in NASAB_WORDS and 0 < position < len(words) - 2:
            skip = True
            continue
        kept.append(word)
    return kept


def variant_key(name: str, given_names: frozenset[str] = frozenset()) -> str:
    """The key under which spelling, transliteration and nasab variants of one name are equal.

    ``given_names`` (normalized) keep their vowels: with حامد among them, حامد العلي is not حمد العلي.
    """
    return " ".join(skeleton(word, given_names) for word in without_nasab(actor_key(name).split()))


def resolve_names(documents: Mapping[tuple[str, str | None], int], canonical_names: frozenset[str] = frozenset(),
                  given_names: frozenset[str] = frozenset()) -> dict[tuple[str, str | None], str]:
    """``(name, type) -> canonical name`` for every name of ``documents`` (``(name, type) -> document count``).

    ``type`` is ``person``, ``organisation`` or ``place`` (or ``None`` when unknown: such names merge among
    themselves only); ``canonical_names`` are names to prefer (the gazetteer's).
    """
    groups: dict[tuple[str, str | None], list[tuple[str, str | None]]] = defaultdict(list)
    for name, kind in documents:
        groups[(variant_key(name, given_names), kind)].append((name, kind))
    # First names and partial names of people: the one longer person name they end.
    by_ending: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for key, kind in groups:
        words = tuple(key.split())
        if kind == PERSON and len(words) >= 2:
            for length in range(1, len(words)):
                by_ending[words[-length:]].add(key)
            if len(words) >= 3:
                by_ending[(words[0], words[-1])].add(key)
    merged: dict[tuple[str, str | None], tuple[str, str | None]] = {}
    for key, kind in list(groups):
        words = tuple(key.split())
        if kind != PERSON:
            continue
        longer = {other for other in by_ending.get(words, ()) if len(other.split()) > len(words)}
        if len(longer) == 1:
            merged[(key, kind)] = (longer.pop(), kind)
    resolved_groups: dict[tuple[str, str | None], list[tuple[str, str | None]]] = defaultdict(list)
    for group, members in groups.items():
        resolved_groups[merged.get(group, group)].extend(members)
    result = {}
    for members in resolved_groups.values():
        known = [name for name, _ in members if name in canonical_names]
        if known:
            chosen = max(known, key=lambda name: documents[(name, members[0][1])])
        else:
            longest = max(len(name.split()) for name, _ in members)
            full = [member for member in members if len(member[0].split()) == longest]
            chosen = max(full, key=lambda member: (documents[member], len(member[0])))[0]
        for member in members:
            result[member] = chosen
    return result
