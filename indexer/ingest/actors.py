"""Named actors (people, organisations, states) under one canonical name each.

One pass over the tokens of a document finds three kinds of mention:

* gazetteer names (``data/actors.json`` plus the user's copy), matched as
  token n-grams on normalized tokens, with the clitics و ف ب ل ك and the
  article ال handled by precomputed variants of each name's first token, so
  a token costs one dict lookup;
* people introduced by a role or an attribution ("الخبير الأمني العراقي، مخلد
  حازم الدرب", "وزير الدفاع ثابت العباسي", "مهدي الكعبي، عضو ...");
* organisations by their heads (كتائب، حركة، حزب، وزارة، جماعة، فيلق، تنظيم ...)
  followed by a quoted name or by definite words ("وزارة الخارجية العراقية").

Variants resolve to one name: spellings through normalization (hamza, ta
marbuta, alef maqsura, digits) and ``SPELLING_FOLDS`` (أميركا/أمريكا,
البنتاجون/البنتاغون); aliases and partial names through the gazetteer; and
the surname of a person found by a pattern counts for that person elsewhere in
the same document (الدرب -> مخلد حازم الدرب).

Canonical names of actors the gazetteer does not know are their first
surface form in the document; ``actor_key`` gives the key under which the
index can merge them across documents.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import compress

from indexer.config import load_entries
from indexer.text.normalize import RARE_VARIANTS_RE, fold_common
from indexer.text.normalize import TATWEEL
from indexer.text.normalize import normalize_with_digits

ACTORS_FILE = "actors.json"

# Tokenizing is the hot spot of ingestion (70k articles must ingest in seconds),
# so it avoids a regex over every character: punctuation that matters to the
# patterns is padded with spaces (only when present), the text is split on
# whitespace, and normalization runs over the whole text as a few
# ``str.replace`` passes for the common letter variants (``textnorm``); the
# full ``normalize_with_digits`` is used only when rarer marks occur.
PADDED_PUNCTUATION = "،,.:؛;؟?!\"'“”«»„‟()[]"

DEFINITE = "ال"
# Clitics that attach before a name: conjunctions, prepositions and their pairs.
CLITIC_PREFIXES = ("", "و", "ف", "ب", "ك", "ل", "وب", "وك", "ول", "فب", "فك", "فل")
# Before ال, the preposition ل swallows the alef: ل + البنتاغون = للبنتاغون.
DEFINITE_CLITIC_PREFIXES = ("", "و", "ف", "ب", "ك", "وب", "وك", "فب", "فك")
LAM_DEFINITE_PREFIXES = ("ل", "ول", "فل")
QUOTES = frozenset("\"'“”«»„‟`()[]")
NAME_END_PUNCTUATION = frozenset("،,:.؛;؟?!")

# Spellings that normalization does not fold, as normalized token prefixes.
SPELLING_FOLDS = {
    "اميرك": "امريك",
    "البنتاجون": "البنتاغون",
    "الكونجرس": "الكونغرس",
    "ترمب": "ترامب",
}

#: Words that introduce a person (normalized).  A name follows after a comma
#: ("الخبير الأمني العراقي، مخلد حازم الدرب") or directly when it starts with
#: a known given name ("وزير الدفاع ثابت العباسي").
ROLE_WORDS = frozenset(
    normalize_with_digits(word)
    for word in """الخبير خبير المحلل محلل القيادي قيادي النائب نائب الوزير وزير وزيرة الوزيرة رئيس الرئيس رئيسة
    المتحدث متحدث الناطق المستشار مستشار المستشارة السفير سفير السفيرة سفيرة المسؤول مسؤول الكاتب كاتب زعيم
    الزعيم عضو العضو قائد القائد مدير المدير الأمين أمين الباحث باحث الصحفي المرشح المبعوث مبعوث المندوب
    المحافظ محافظ الناشط الناشطة القاضي المفوض السكرتير الجنرال المحامي الأكاديمي الدبلوماسي دبلوماسي
    المرشد الأمينة""".split()
)
#: Titles that stand right before a name and are not part of it.
HONORIFICS = frozenset(
    normalize_with_digits(word)
    for word in "الشيخ السيد الدكتور د اللواء العميد العقيد الفريق الجنرال الملك الأمير المهندس الحاج الأستاذ".split()
)
#: Heads of organisation names (indefinite: "الوزارة" alone refers back, it names nothing).
ORG_HEADS = frozenset(
    normalize_with_digits(word)
    for word in """كتائب حركة حزب وزارة جماعة فيلق تنظيم ميليشيا مليشيا ميليشيات جبهة منظمة هيئة مجلس ائتلاف سرايا
    عصائب لواء ألوية وكالة جمعية اتحاد""".split()
)
#: Words that end a name or cannot be one (function words, verbs of saying, generic nouns).
NOT_NAME_WORDS = frozenset(
    normalize_with_digits(word)
    for word in """في من عن إن أن ان أنه إنه بأن بان قال قالت وقال وقالت أكد وأكد أضاف وأضاف يقول تقول
    وهو وهي هو هي الذي التي الذين خلال بعد قبل مع حول عبر لدى منذ حتى أو و ثم كما لا لم لن ما هذا هذه ذلك تلك
    إنها أنها بشأن بحسب وفق وفقا حيث عند عندما اليوم أمس الحكومة الحكومية الدولة المصدر مصدر مصادر المسؤولين
    العراقي العراقية الأمريكي الأمريكية الأميركي الأميركية السابق السابقة الأسبق الحالي الإيراني الإيرانية
    بشكل بصورة أيضا فقط جدا كل بين ضد نحو""".split()
)
#: Function words whose normalized form is a name: على -> علي, إلى -> الي, حتى -> حتي.
NOT_NAME_WRITTEN = frozenset("على إلى الى حتى متى لدى سوى".split())
NOT_NAME_WRITTEN_FORMS = frozenset(prefix + word for word in NOT_NAME_WRITTEN for prefix in ("", "و", "ف"))
#: Words that link a name to the role after it: "جوش روجين وهو كاتب".
APPOSITION_LINKS = frozenset({"،", ",", "وهو", "وهي"})
NAME_WORD_RE = re.compile(r"^[\u0621-\u064a\u0671-\u06d3]{2,}$")
#: A name found by a pattern has this many words at least and at most.
MIN_NAME_WORDS = 2
MAX_NAME_WORDS = 4
#: How far after a role word the comma before an appositive name may be.
MAX_ROLE_PHRASE_TOKENS = 12
#: Heads that name a unit only with a quoted name (كتائب "سيد الشهداء"); كتائب المدفعية is generic.
QUOTED_ONLY_HEADS = frozenset(normalize_with_digits(word) for word in "كتائب ألوية لواء سرايا".split())
#: Definite words that end an organisation's name rather than continue it.
ORG_END_WORDS = frozenset(
    normalize_with_digits(word) for word in "اليوم الأمس الذي التي الذين اللذين الآن الماضي الجاري الحالي".split()
)
#: Head + word pairs that name no one in particular (traffic, faculty, a board).
GENERIC_ORGANISATIONS = frozenset(
    tuple(normalize_with_digits(phrase).split())
    for phrase in ("حركة المرور", "هيئة التدريس", "مجلس الإدارة", "وكالة الأنباء", "مجلس الأمناء", "حركة السير",
                   "حركة الملاحة", "حركة التجارة", "هيئة المحلفين", "اتحاد الكرة")
)
#: How many definite words after an organisation head make its name.
MAX_ORG_WORDS = 3
#: A surname shorter than this (without ال) is too ambiguous to count alone.
MIN_SURNAME_LETTERS = 3



def actor_key(name: str) -> str:
    """The key under which two spellings of one actor are the same (for merging across documents)."""
    return " ".join(quick_normalize(normalize_with_digits(name)).split())


def quick_normalize(text: str) -> str:
    """``normalize_with_digits`` plus ``SPELLING_FOLDS``, fast for text without rare marks.

    Latin letters keep their case on the fast path (lowercasing a whole
    Arabic text costs as much as the rest); the gazetteer is Arabic.
    """
    text = normalize_with_digits(text) if RARE_VARIANTS_RE.search(text) is not None else fold_common(text)
    for variant, standard in SPELLING_FOLDS.items():
        if variant in text:
            text = text.replace(variant, standard)
    return text


def tokenize(text: str) -> tuple[list[str], list[str]]:
    """``(tokens as written, normalized tokens)``, aligned one to one.

    Punctuation marks are tokens of their own; a word keeps its clitics.
    Tatweel is dropped from the written tokens too: "لـ" then stays one token.
    """
    if TATWEEL in text:
        text = text.replace(TATWEEL, "")
    for mark in PADDED_PUNCTUATION:
        if mark in text:
            text = text.replace(mark, f" {mark} ")
    written = text.split()
    normalized = quick_normalize(text).split()
    if len(normalized) != len(written):
        # A token made only of removed marks (a lone shadda) vanished: realign,
        # token by token, with the same normalization as the other tokens.
        normalized = [quick_normalize(token) or "_" for token in written]
    return written, normalized


@dataclass(frozen=True)
class Candidate:
    rest: tuple[str, ...]  # the name's normalized tokens after the first
    canonical: str
    partial: bool
    prefix_length: int  # clitic letters to strip from the first written token
    #: ل + ال written لل: the surface form gets its alef back (للتحالف -> التحالف).
    restore_alef: bool = False


# What a token can start: bit flags in one dict so that a token costs one lookup.
GAZETTEER_NAME = 1
ROLE = 2
ORG_HEAD = 4
GIVEN_NAME = 8


def clitic_forms(word: str) -> list[tuple[str, int]]:
    """``(form, clitic length)`` of a normalized word with each clitic prefix it may carry."""
    if word.startswith(DEFINITE):
        return [(prefix + word, len(prefix)) for prefix in DEFINITE_CLITIC_PREFIXES] + [
            (prefix + word[1:], len(prefix)) for prefix in LAM_DEFINITE_PREFIXES
        ]
    return [(prefix + word, len(prefix)) for prefix in CLITIC_PREFIXES]


@dataclass
class Gazetteer:
    entries: list[dict]
    given_names: frozenset[str]  # normalized
    first_tokens: dict[str, list[Candidate]] = field(init=False)
    role_phrase_stops: frozenset[str] = field(init=False)
    full_names: dict[tuple[str, ...], str] = field(init=False)
    triggers: dict[str, int] = field(init=False)
    head_length: dict[str, int] = field(init=False)  # clitic length of role and head forms

    def __post_init__(self):
        self.first_tokens = {}
        self.full_names = {}
        for entry in self.entries:
            canonical = entry["name"]
            drop_definite = entry.get("type") == "org"
            for alias in (canonical, *entry.get("aliases", ())):
                self._add(alias, canonical, partial=False, drop_definite=drop_definite)
            for alias in entry.get("partial", ()):
                self._add(alias, canonical, partial=True, drop_definite=False)
        for candidates in self.first_tokens.values():
            # Longest name first; exact spellings before clitic readings.
            candidates.sort(key=lambda candidate: (-len(candidate.rest), candidate.prefix_length))
        self.triggers = dict.fromkeys(self.first_tokens, GAZETTEER_NAME)
        self.head_length = {}
        for words, flag in ((ROLE_WORDS, ROLE), (ORG_HEADS, ORG_HEAD)):
            for word in words:
                for form, clitic_length in clitic_forms(word):
                    self.triggers[form] = self.triggers.get(form, 0) | flag
                    self.head_length.setdefault(form, clitic_length)
        for name in self.given_names - {normalize_with_digits(word) for word in NOT_NAME_WRITTEN}:
            self.triggers[name] = self.triggers.get(name, 0) | GIVEN_NAME
        #: The tokens a role phrase can stop at; the others are passed over with one lookup.
        self.role_phrase_stops = NAME_END_PUNCTUATION | self.given_names | HONORIFICS

    def _add(self, alias: str, canonical: str, *, partial: bool, drop_definite: bool):
        tokens = tuple(actor_key(alias).split())
        if not tokens:
            return
        if not partial:
            self.full_names.setdefault(tokens, canonical)
        first, rest = tokens[0], tokens[1:]
        for variant, prefix_length, restore_alef in first_token_variants(first, drop_definite):
            candidate = Candidate(rest, canonical, partial, prefix_length, restore_alef)
            bucket = self.first_tokens.setdefault(variant, [])
            if candidate not in bucket:
                bucket.append(candidate)

    def is_given_name(self, normalized: str, written: str) -> bool:
        # "على" (on) normalizes to the name "علي"; the written form tells them apart.
        return normalized in self.given_names and written not in NOT_NAME_WRITTEN


def first_token_variants(token: str, drop_definite: bool) -> list[tuple[str, int, bool]]:
    """``(variant, clitic length, restore alef)`` for a name's first token with the clitics it can carry."""
    variants = []
    if token.startswith(DEFINITE):
        variants += [(prefix + token, len(prefix), False) for prefix in DEFINITE_CLITIC_PREFIXES]
        variants += [(prefix + token[1:], len(prefix), True) for prefix in LAM_DEFINITE_PREFIXES]
        if drop_definite:
            core = token[len(DEFINITE) :]
            variants += [(prefix + core, len(prefix), False) for prefix in CLITIC_PREFIXES]
    else:
        variants += [(prefix + token, len(prefix), False) for prefix in CLITIC_PREFIXES]
    return variants


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shipped gazetteer plus the user's (see ``datafiles``), loaded once per process."""
    given = frozenset(actor_key(name) for name in load_entries(ACTORS_FILE, "given_names"))
    return Gazetteer(load_entries(ACTORS_FILE, "actors"), given)


@dataclass
class _Document:
    """One document's tokens and what has been found in it so far."""

    written: list[str]
    norm: list[str]
    gaz: Gazetteer
    counts: Counter = field(default_factory=Counter)
    first_seen: dict[str, int] = field(default_factory=dict)
    variants: dict[str, list[str]] = field(default_factory=dict)
    pattern_people: dict[str, tuple[str, ...]] = field(default_factory=dict)  # canonical -> tokens
    pattern_keys: dict[str, str] = field(default_factory=dict)  # actor_key -> canonical

    def add(self, canonical: str, surface: str, position: int, count: int = 1):
        self.counts[canonical] += count
        self.first_seen.setdefault(canonical, position)
        forms = self.variants.setdefault(canonical, [])
        if surface not in forms:
            forms.append(surface)

    def is_given_name(self, position: int) -> bool:
        return self.gaz.is_given_name(self.norm[position], self.written[position])

    def is_role(self, position: int) -> bool:
        return bool(self.gaz.triggers.get(self.norm[position], 0) & ROLE)


def extract_actors(text: str, gazetteer_: Gazetteer | None = None) -> tuple[list[str], dict[str, list[str]]]:
    """``(canonical names, most mentioned first; canonical -> surface forms)``."""
    gaz = gazetteer_ or gazetteer()
    written, norm = tokenize(text)
    triggers = gaz.triggers
    # Positions of the trigger tokens, computed in C: most tokens trigger nothing.
    hits = list(compress(range(len(norm)), map(triggers.__contains__, norm)))
    if not hits:
        return [], {}
    doc = _Document(written, norm, gaz)
    resume = 0  # tokens before this belong to a name already found
    for index in hits:
        if index < resume or written[index] in NOT_NAME_WRITTEN_FORMS:
            continue  # على (on) is spelled like the name علي once normalized: the commonest false hit
        kind = triggers[norm[index]]
        end = 0
        if kind & GAZETTEER_NAME:
            end = _match_gazetteer(doc, index)
        if not end and kind & ORG_HEAD:
            end = _match_organisation(doc, index)
        if not end and kind & ROLE:
            _match_role_person(doc, index)
        elif not end and kind & GIVEN_NAME:
            end = _match_named_before_role(doc, index)
        resume = max(resume, end)
    _count_surnames(doc)
    ordered = sorted(doc.counts, key=lambda name: (-doc.counts[name], doc.first_seen[name]))
    return ordered, {name: doc.variants[name] for name in ordered}


def _next_word(norm: list[str], position: int) -> int:
    """The index of the next token that is not a quote mark (names are often quoted)."""
    while position < len(norm) and norm[position] in QUOTES:
        position += 1
    return position


def _match_gazetteer(doc: _Document, index: int) -> int:
    norm, written = doc.norm, doc.written
    for candidate in doc.gaz.first_tokens[norm[index]]:
        position = index + 1
        matched = True
        for expected in candidate.rest:
            position = _next_word(norm, position)
            if position >= len(norm) or norm[position] != expected:
                matched = False
                break
            position += 1
        if not matched:
            continue
        if candidate.partial and index > 0 and _reads_as_adjective(norm, index):
            return 0
        first = written[index][candidate.prefix_length :]
        if candidate.restore_alef:
            first = "ا" + first
        surface = " ".join([first, *(word for word in written[index + 1 : position] if word not in QUOTES)])
        doc.add(candidate.canonical, surface, index)
        return position
    return 0


def _reads_as_adjective(norm: list[str], index: int) -> bool:
    """"الجيش السوداني": a surname after a definite word is an adjective, not the person."""
    return norm[index - 1].startswith(DEFINITE) and not norm[index].startswith(("و", "ل", "ب"))


def _is_definite(token: str) -> bool:
    """ال with or without a clitic before it: الحكومة, والحكومة, بالانتخابات, للتحالف."""
    return token.startswith(DEFINITE) or token.startswith("لل") or (token[:1] in "وفبك" and token[1:3] == DEFINITE)


def _name_at(doc: _Document, start: int) -> tuple[int, int] | None:
    """``(start, end)`` of a personal name at ``start``, ending at punctuation or a function word."""
    norm, written = doc.norm, doc.written
    position = start
    if position < len(norm) and norm[position] in HONORIFICS:
        position += 1
    first = position
    while position < len(norm) and position - first < MAX_NAME_WORDS:
        token = norm[position]
        if token in NAME_END_PUNCTUATION or token in QUOTES or token in NOT_NAME_WORDS:
            break
        if written[position] in NOT_NAME_WRITTEN:
            break
        if not NAME_WORD_RE.match(token) or doc.gaz.triggers.get(token, 0) & (ROLE | ORG_HEAD):
            return None  # "المتحدث باسم وزارة الدفاع": a name holds no role or organisation word
        position += 1
    if position - first < MIN_NAME_WORDS:
        return None
    if position < len(norm) and not (
        norm[position] in NAME_END_PUNCTUATION or norm[position] in QUOTES or norm[position] in NOT_NAME_WORDS
        or written[position] in NOT_NAME_WRITTEN
    ):
        return None  # ran past MAX_NAME_WORDS without a boundary: a clause, not a name
    if _is_definite(norm[first]) or norm[first] in NOT_NAME_WORDS:
        return None
    # A noun phrase after a comma ("، والجميع يعلم") is not a name: a name
    # starts with a known given name or ends with a family name in ال.
    if not doc.is_given_name(first) and not norm[position - 1].startswith(DEFINITE):
        return None
    return first, position


def _add_person(doc: _Document, span: tuple[int, int] | None) -> int:
    if span is None:
        return 0
    first, end = span
    tokens = tuple(doc.norm[first:end])
    if tokens in doc.gaz.full_names:
        return 0  # the gazetteer pass counts it when the scan gets there
    surface = " ".join(doc.written[first:end])
    canonical = doc.pattern_keys.setdefault(" ".join(tokens), surface)
    doc.pattern_people[canonical] = tokens
    doc.add(canonical, surface, first)
    return end


def _match_role_person(doc: _Document, index: int) -> int:
    """A person named after a role: after a comma, or a known given name right after the role phrase."""
    norm, stops = doc.norm, doc.gaz.role_phrase_stops
    limit = min(len(norm), index + 1 + MAX_ROLE_PHRASE_TOKENS)
    for position in range(index + 1, limit):
        token = norm[position]
        if token not in stops:
            continue
        if token in ("،", ","):
            return _add_person(doc, _name_at(doc, position + 1))
        if token in NAME_END_PUNCTUATION:
            return 0
        if doc.is_given_name(position) or token in HONORIFICS:
            if token in doc.gaz.first_tokens:
                return 0  # a gazetteer name (محمد السوداني) is counted by the gazetteer pass
            span = _name_at(doc, position)
            if span:
                return _add_person(doc, span)
    return 0


def _match_named_before_role(doc: _Document, index: int) -> int:
    """"مهدي الكعبي، عضو حركة النجباء", "جوش روجين وهو كاتب": a name, a link, a role."""
    if not doc.is_given_name(index):
        return 0
    span = _name_at(doc, index)
    if not span or span[1] + 1 >= len(doc.norm) or doc.norm[span[1]] not in APPOSITION_LINKS:
        return 0
    if not doc.is_role(span[1] + 1):
        return 0
    return _add_person(doc, span)


def _match_organisation(doc: _Document, index: int) -> int:
    """``head "name"`` or ``head`` + definite words: كتائب "سيد الشهداء", وزارة الخارجية العراقية."""
    norm, written, gaz = doc.norm, doc.written, doc.gaz
    clitic_length = gaz.head_length[norm[index]]
    head = norm[index][clitic_length:]
    position = index + 1
    words: list[int] = []
    if position < len(norm) and norm[position] in QUOTES:
        position += 1
        while position < len(norm) and norm[position] not in QUOTES and len(words) < MAX_ORG_WORDS:
            if not NAME_WORD_RE.match(norm[position]):
                return 0
            words.append(position)
            position += 1
        if position >= len(norm) or norm[position] not in QUOTES:
            return 0
        position += 1
    elif head not in QUOTED_ONLY_HEADS:
        while position < len(norm) and len(words) < MAX_ORG_WORDS and norm[position].startswith(DEFINITE):
            token = norm[position]
            # "مجلس الوزراء اليوم", "وزارة الداخلية اللواء ...", "وزارة الداخلية إلى": the name has ended.
            if token in ORG_END_WORDS or token in HONORIFICS or written[position] in NOT_NAME_WRITTEN:
                break
            words.append(position)
            position += 1
    if not words:
        return 0
    tokens = (head, *(norm[word] for word in words))
    surface = " ".join([written[index][clitic_length:], *(written[word] for word in words)])
    canonical = gaz.full_names.get(tokens)
    if canonical is None:
        if tokens[:2] in GENERIC_ORGANISATIONS or _names_an_outlet(surface):
            return 0  # a news outlet cited as a source, not an actor
        canonical = doc.pattern_keys.setdefault(" ".join(tokens), surface)
    doc.add(canonical, surface, index)
    return position


def _names_an_outlet(phrase: str) -> bool:
    """"وكالة الأنباء العراقية الرسمية": the phrase or its start is a known outlet."""
    from indexer.ingest.sources import name_key, outlet_signatures

    by_key = outlet_signatures().by_key
    words = phrase.split()
    return any(name_key(" ".join(words[:length])) in by_key for length in range(1, len(words) + 1))


def _count_surnames(doc: _Document) -> None:
    """A pattern-found person's surname alone (الدرب, وأضاف الأعسم) is that person."""
    if not doc.pattern_people:
        return
    counted = Counter(doc.norm)
    for canonical, tokens in doc.pattern_people.items():
        surname = tokens[-1]
        if len(surname.removeprefix(DEFINITE)) < MIN_SURNAME_LETTERS or surname in NOT_NAME_WORDS:
            continue
        forms = [surname, *(prefix + surname for prefix in ("و", "ل", "ب", "ف"))]
        if surname.startswith(DEFINITE):
            forms.append("ل" + surname[1:])
        alone = sum(counted[form] for form in forms) - doc.counts[canonical]
        if alone <= 0:
            continue
        position = doc.norm.index(surname) if surname in counted else 0
        doc.add(canonical, doc.written[position] if surname in counted else surname, position, alone)


@dataclass
class ActorSummary:
    """One actor across documents, for ``fahras actors``."""

    name: str
    documents: int
    variants: list[str]


def summarize_actors(records) -> list[ActorSummary]:
    """Merge the actors of many records (anything with ``actors`` and ``actor_variants``).

    Names are merged by ``actor_key``, so that people found by patterns under
    two spellings in two documents count once; the name shown is the one most
    documents used.  Sorted by document count, then name.
    """
    documents: Counter = Counter()
    names: dict[str, Counter] = {}
    variants: dict[str, list[str]] = {}
    for record in records:
        for name in dict.fromkeys(record.actors):
            key = actor_key(name)
            documents[key] += 1
            names.setdefault(key, Counter())[name] += 1
            forms = variants.setdefault(key, [])
            for form in (name, *record.actor_variants.get(name, ())):
                if form not in forms:
                    forms.append(form)
    summaries = [
        ActorSummary(names[key].most_common(1)[0][0], count, variants[key]) for key, count in documents.items()
    ]
    summaries.sort(key=lambda summary: (-summary.documents, summary.name))
    return summaries
