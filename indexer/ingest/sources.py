"""The outlet (source) of an article: from metadata when given, else from the
outlet signatures in ``data/outlets.json``.

Evidence and its weight:

* a known domain in the URL, or anywhere in the text (an address in a footer);
* a footer only that outlet prints (copyright, legal notice, correction form);
* a line that is nothing but the outlet's name, near the top or the bottom;
* the outlet quoted as the one spoken to, ``لـ"إرم نيوز"`` / ``لـ(المدى)``, at
  least twice: once is as likely to be another outlet the writer cites.

Names in running text ("نقلت وكالة رويترز", "المصدر: رويترز" under a photo,
"قال لـ"رويترز"" once) are not evidence.  Below the threshold the source stays
None and the record says so in a warning.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from indexer.config import load_entries
from indexer.text.normalize import normalize_with_digits

OUTLETS_FILE = "outlets.json"

DOMAIN_WEIGHT = 10
FOOTER_WEIGHT = 10
NAME_LINE_WEIGHT = 6
SELF_REFERENCE_WEIGHT = 2
MIN_SCORE = 4
#: How many non-empty lines at each end of a file can carry the outlet's name on its own.
NAME_LINE_WINDOW = 12
#: Aliases shorter than this are too ambiguous for self-references (AA, RT, AP).
MIN_SELF_REFERENCE_ALIAS = 3

NON_WORD_RE = re.compile(r"[\W_]+")
QUOTE_OPEN = "\"'“”«(["
QUOTE_CLOSE = "\"'“”»)]"


@functools.lru_cache(maxsize=65536)
def name_key(name: str) -> str:
    """Comparison key for outlet names: normalized, without spaces, dots or dashes."""
    return NON_WORD_RE.sub("", normalize_with_digits(name))


@dataclass(frozen=True)
class Outlet:
    name: str
    name_ar: str = ""
    aliases: tuple[str, ...] = ()
    domains: tuple[str, ...] = ()
    footers: tuple[str, ...] = ()


@dataclass
class OutletSignatures:
    outlets: list[Outlet]
    by_key: dict[str, Outlet] = field(init=False)

    def __post_init__(self):
        self.by_key = {}
        for outlet in self.outlets:
            for name in (outlet.name, outlet.name_ar, *outlet.aliases):
                if name:
                    self.by_key.setdefault(name_key(name), outlet)
        marks = {}
        for outlet in self.outlets:
            for mark in (*outlet.domains, *outlet.footers):
                marks.setdefault(normalize_with_digits(mark), outlet)
        self.mark_of = marks
        self.marks_re = _alternation_re(marks)
        self_names = {
            normalize_with_digits(alias): outlet
            for outlet in self.outlets
            for alias in (outlet.name_ar, *outlet.aliases)
            if len(alias) >= MIN_SELF_REFERENCE_ALIAS
        }
        self.self_name_of = self_names
        self.self_reference_re = re.compile(
            rf"(?<![\w])ل\s*[{re.escape(QUOTE_OPEN)}]\s*({_alternation(self_names)})\s*[{re.escape(QUOTE_CLOSE)}]"
        )

    def canonical(self, name: str | None) -> str | None:
        """The canonical outlet name for a metadata value; unknown names are kept as given."""
        if not name or not str(name).strip():
            return None
        outlet = self.by_key.get(name_key(str(name)))
        return outlet.name if outlet else str(name).strip()

    def from_url(self, url: str | None) -> Outlet | None:
        if not url:
            return None
        match = self.marks_re.search(url.lower()) if self.marks_re else None
        return self.mark_of[match.group()] if match else None

    def detect(self, lines: list[str], url: str | None = None) -> tuple[str | None, str]:
        """``(outlet name or None, evidence)`` from a document's lines and URL."""
        scores: dict[str, int] = {}
        reasons: dict[str, list[str]] = {}

        def add(outlet: Outlet, weight: int, reason: str):
            scores[outlet.name] = scores.get(outlet.name, 0) + weight
            reasons.setdefault(outlet.name, []).append(reason)

        from_url = self.from_url(url)
        if from_url:
            add(from_url, DOMAIN_WEIGHT, "url")
        normalized = normalize_with_digits("\n".join(lines))
        if self.marks_re is not None:
            for outlet in {self.mark_of[m.group()] for m in self.marks_re.finditer(normalized)}:
                add(outlet, FOOTER_WEIGHT, "footer or domain")
        non_empty = [line for line in lines if line.strip()]
        edge_lines = non_empty[:NAME_LINE_WINDOW] + non_empty[-NAME_LINE_WINDOW:]
        for outlet in {self.by_key.get(name_key(line)) for line in edge_lines} - {None}:
            add(outlet, NAME_LINE_WEIGHT, "name line")
        for match in self.self_reference_re.finditer(normalized):
            add(self.self_name_of[match.group(1)], SELF_REFERENCE_WEIGHT, "quoted as interviewer")
        if not scores:
            return None, "no outlet signature found"
        best = max(scores, key=scores.get)
        if scores[best] < MIN_SCORE:
            return None, f"weak evidence only ({best}: {', '.join(reasons[best])})"
        return best, ", ".join(sorted(set(reasons[best])))


def _alternation(keys) -> str:
    return "|".join(re.escape(key) for key in sorted(keys, key=len, reverse=True))


def _alternation_re(keys) -> re.Pattern | None:
    return re.compile(_alternation(keys)) if keys else None


def _outlet_from_entry(entry: dict) -> Outlet:
    return Outlet(
        name=entry["name"],
        name_ar=entry.get("name_ar", ""),
        aliases=tuple(entry.get("aliases", ())),
        domains=tuple(domain.lower() for domain in entry.get("domains", ())),
        footers=tuple(entry.get("footers", ())),
    )


@functools.lru_cache(maxsize=1)
def outlet_signatures() -> OutletSignatures:
    """The shipped signatures plus the user's (see ``datafiles``), loaded once per process."""
    return OutletSignatures([_outlet_from_entry(entry) for entry in load_entries(OUTLETS_FILE, "outlets")])


def arabic_name(source: str | None) -> str | None:
    """The outlet's Arabic name for a stored source (``Sputnik Arabic`` -> ``سبوتنيك عربي``).

    None for an outlet the signatures do not know or that has no Arabic name:
    the caller then shows the stored value as it is.
    """
    if not source:
        return None
    outlet = outlet_signatures().by_key.get(name_key(source))
    return (outlet.name_ar or None) if outlet else None
