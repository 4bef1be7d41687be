"""Choosing the headline among the first lines of a copied or scraped article."""

from __future__ import annotations

import re

from indexer.ingest.boilerplate import WORD_RE, is_headline_like

#: Headlines repeated by the page (the H1 and the share title) are looked for this far down.
HEADER_WINDOW = 12
#: A title made from the first sentence is cut to this many words.
MAX_DERIVED_TITLE_WORDS = 14
SENTENCE_RE = re.compile(r"^(.+?[.!؟?])(?:\s|$)")


DERIVED_TITLE_WARNING = "no headline found: title made from the first sentence"


def choose_title(lines: list[str], kept: list[int]) -> tuple[str, set[int], str | None]:
    """``(title, indexes of lines that are not body, warning)`` for the kept lines.

    The headline is the line the page repeats near the top, else the first
    headline-like line before the first paragraph.  Short lines above it are
    section labels and breadcrumbs.  When the file starts with a paragraph the
    title is made from its first sentence and a warning says so.
    """
    header: list[int] = []
    for index in kept[:HEADER_WINDOW]:
        if not is_headline_like(lines[index].strip()):
            break
        header.append(index)
    if not header:
        if not kept:
            return "", set(), "no text"
        return derived_title(lines[kept[0]]), set(), DERIVED_TITLE_WARNING
    texts = [lines[index].strip() for index in kept[:HEADER_WINDOW]]
    repeated = [index for index in header if texts.count(lines[index].strip()) > 1]
    chosen = repeated[0] if repeated else header[0]
    title = lines[chosen].strip()
    not_body = {index for index in header if index <= chosen}
    not_body |= {index for index in kept[:HEADER_WINDOW] if lines[index].strip() == title}
    return title, not_body, None


def derived_title(paragraph: str) -> str:
    text = paragraph.strip()
    match = SENTENCE_RE.match(text)
    sentence = match.group(1) if match else text
    words = sentence.split()
    if len(WORD_RE.findall(sentence)) <= MAX_DERIVED_TITLE_WORDS:
        return sentence.rstrip(".")
    return " ".join(words[:MAX_DERIVED_TITLE_WORDS]).rstrip("،,:") + "…"
