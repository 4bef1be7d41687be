"""The query language, read forgivingly into a small tree.

    word word        plain words (combined as the index's match mode says: all words, or "auto")
    "a phrase"       the words next to each other, in order (stemmed, as the index is)
    a OR b           either; ``|`` works too
    NOT a, -a        without
    pref*            words starting with ``pref`` (unstemmed, normalized)
    =word            this exact form only: no stemming, no variant spellings
    ( ... )          grouping

Nothing here raises: an unclosed quote or bracket runs to the end, a stray
closing bracket, a lone operator, a dangling ``-``, ``*`` or ``=`` and control
characters are dropped, ``name:value`` reads as the words ``name value``.
Queries longer than ``MAX_QUERY_CHARS`` are cut, with a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from indexer.models import Notice

MAX_QUERY_CHARS = 1000
#: More leaves than this make a query slow and are never meant: the rest is dropped, with a note.
MAX_LEAVES = 64
#: Brackets nested deeper than this are read as if absent (with a note): nobody means them, and each
#: level costs the parser several stack frames.
MAX_DEPTH = 16

OR_WORDS = frozenset({"OR", "|", "||"})
NOT_WORDS = frozenset({"NOT"})
AND_WORDS = frozenset({"AND", "&", "&&", "+"})

# Control and format characters other than ordinary whitespace become spaces.
_CONTROL_RE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Lexer: quotes (ASCII and typographic), brackets, or a run of anything else.
_QUOTES = "\"\u201c\u201d\u00ab\u00bb"
_TOKEN_RE = re.compile(rf"[{_QUOTES}]|[()]|[^\s(){_QUOTES}]+")
_QUOTE_SET = frozenset(_QUOTES)
# What separates words inside a bare token (``name:value``, ``a,b``): kept for the analyzer to split on.
_FIELD_SEPARATOR_RE = re.compile(r"[:]+")


@dataclass(frozen=True)
class Word:
    text: str
    exact: bool = False
    prefix: bool = False


@dataclass(frozen=True)
class Phrase:
    text: str


@dataclass
class Not:
    child: object


@dataclass
class And:
    children: list = field(default_factory=list)


@dataclass
class Or:
    children: list = field(default_factory=list)


@dataclass
class ParsedQuery:
    tree: object | None
    notices: list[Notice]
    #: The query as read (control characters dropped, cut to ``MAX_QUERY_CHARS``).
    text: str = ""

    @property
    def notes(self) -> list[str]:
        return [notice.message for notice in self.notices]


def _lex(text: str) -> list[tuple[str, str]]:
    """``(kind, value)`` tokens: quote-delimited phrases are read here, unclosed ones run to the end."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while True:
        match = _TOKEN_RE.search(text, position)
        if match is None:
            break
        value = match.group()
        position = match.end()
        if value in _QUOTE_SET:
            end = next((i for i in range(position, len(text)) if text[i] in _QUOTE_SET), len(text))
            tokens.append(("phrase", text[position:end]))
            position = end + 1
        elif value in "()":
            tokens.append((value, value))
        else:
            tokens.append(("word", value))
    return tokens


def _leaf_for(raw: str):
    """A bare token as a leaf (or None when nothing searchable is left)."""
    exact = raw.startswith("=")
    raw = raw.lstrip("=")
    prefix = raw.endswith("*")
    raw = raw.rstrip("*").lstrip("*")
    raw = _FIELD_SEPARATOR_RE.sub(" ", raw).strip()
    if not raw or not any(ch.isalnum() for ch in raw):
        return None
    if " " in raw and not prefix:
        return And([Word(part, exact=exact) for part in raw.split()])
    return Word(raw.split()[-1] if prefix else raw, exact=exact, prefix=prefix)


class _Parser:
    def __init__(self, tokens):
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.flattened = False

    def peek(self):
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self):
        token = self.peek()
        self.index += 1
        return token

    def parse(self):
        children = []
        while self.peek() is not None:
            node = self.or_expr()
            if node is not None:
                children.append(node)
            if self.peek() == (")", ")"):
                self.take()  # a stray closing bracket: ignored
        return _simplify(And(children))

    def or_expr(self):
        options = [self.and_expr()]
        while self.peek() is not None and self.peek()[0] == "word" and self.peek()[1] in OR_WORDS:
            self.take()
            options.append(self.and_expr())
        options = [option for option in options if option is not None]
        if not options:
            return None
        return options[0] if len(options) == 1 else Or(options)

    def and_expr(self):
        children = []
        while (token := self.peek()) is not None:
            if token[0] == ")" or (token[0] == "word" and token[1] in OR_WORDS):
                break
            node = self.unary()
            if node is not None:
                children.append(node)
        if not children:
            return None
        return children[0] if len(children) == 1 else And(children)

    def unary(self):
        token = self.peek()
        if token[0] == "word" and token[1] in AND_WORDS:
            self.take()
            return None
        negate = False
        if token[0] == "word" and token[1] == "-":
            # A dash between spaces is punctuation (a pasted headline's "A - B"), not NOT.
            self.take()
            return None
        if token[0] == "word" and token[1] in NOT_WORDS:
            self.take()
            if self.peek() is None or self.peek()[0] == ")":
                return None
            if self.peek()[0] == "word" and self.peek()[1] in OR_WORDS:
                return None
            child = self.unary()
            return Not(child) if child is not None else None
        if token[0] == "word" and token[1].startswith("-") and len(token[1]) > 1:
            negate = True
            self.tokens[self.index] = ("word", token[1][1:])
        node = self.primary()
        if node is None:
            return None
        return Not(node) if negate else node

    def primary(self):
        kind, value = self.take()
        if kind == "(":
            if self.depth >= MAX_DEPTH:
                self.flattened = True
                return None
            self.depth += 1
            node = self.or_expr_until_close()
            self.depth -= 1
            return node
        if kind == "phrase":
            return Phrase(value) if any(ch.isalnum() for ch in value) else None
        return _leaf_for(value)

    def or_expr_until_close(self):
        children = []
        while self.peek() is not None and self.peek()[0] != ")":
            node = self.or_expr()
            if node is not None:
                children.append(node)
        if self.peek() is not None:
            self.take()
        if not children:
            return None
        return children[0] if len(children) == 1 else And(children)


def _simplify(node):
    """Flatten nested Ands/Ors and drop empty groups."""
    if isinstance(node, (And, Or)):
        kind = type(node)
        children = []
        for child in (_simplify(c) for c in node.children):
            if child is None:
                continue
            if isinstance(child, kind):
                children.extend(child.children)
            else:
                children.append(child)
        if not children:
            return None
        return children[0] if len(children) == 1 else kind(children)
    if isinstance(node, Not):
        child = _simplify(node.child)
        if isinstance(child, Not):  # NOT NOT a is a
            return child.child
        return Not(child) if child is not None else None
    return node


def _count_leaves(node) -> int:
    if isinstance(node, (And, Or)):
        return sum(_count_leaves(child) for child in node.children)
    if isinstance(node, Not):
        return _count_leaves(node.child)
    return 1


def _truncate_leaves(node, budget: list[int]):
    if isinstance(node, (And, Or)):
        children = [c for c in (_truncate_leaves(child, budget) for child in node.children) if c is not None]
        return type(node)(children) if children else None
    if isinstance(node, Not):
        child = _truncate_leaves(node.child, budget)
        return Not(child) if child is not None else None
    if budget[0] <= 0:
        return None
    budget[0] -= 1
    return node


def parse_query(text: str) -> ParsedQuery:
    """Read a query string into a tree (None for an empty query); never raises."""
    notices: list[Notice] = []
    text = _CONTROL_RE.sub(" ", text or "")
    if len(text) > MAX_QUERY_CHARS:
        text = text[:MAX_QUERY_CHARS]
        notices.append(Notice("query_cut", f"the query was cut to its first {MAX_QUERY_CHARS} characters",
                              {"chars": MAX_QUERY_CHARS}))
    parser = _Parser(_lex(text))
    tree = parser.parse()
    if parser.flattened:
        notices.append(Notice("query_nesting_flattened",
                              f"brackets nested more than {MAX_DEPTH} deep were read as if absent",
                              {"depth": MAX_DEPTH}))
    if tree is not None and _count_leaves(tree) > MAX_LEAVES:
        tree = _simplify(_truncate_leaves(tree, [MAX_LEAVES]))
        notices.append(Notice("query_words_cut", f"only the first {MAX_LEAVES} words of the query were used",
                              {"words": MAX_LEAVES}))
    return ParsedQuery(tree, notices, text)
