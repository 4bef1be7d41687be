"""Telling article lines from page furniture in text copied or scraped from news sites.

Lines are judged one by one on their normalized form (``normalize_with_digits``
so hamza, ta marbuta, tatweel and digit variants do not matter), plus two
context rules: the headline that follows a "related articles" marker or an
image caption belongs to another article, and short headline-like lines
trailing after the last paragraph are links to other articles.

JSON articles are normally clean already, so ``needs_cleaning`` is a single
cheap regex search that decides whether to run the line rules at all.
"""

from __future__ import annotations

import os
import re

from indexer.ingest.dates import date_line
from indexer.text.normalize import normalize_text

#: A line with at most this many words and no full stop reads as a headline.
MAX_HEADLINE_WORDS = 25
#: Trailing links to other articles are short; a longer unpunctuated last line is kept.
MAX_TRAILING_LINK_WORDS = 16
#: Bullets, share rows and labels are short.
MAX_LABEL_WORDS = 6
MAX_CAPTION_WORDS = 35

WORD_RE = re.compile(r"[^\W_]+")
SENTENCE_END_RE = re.compile(r"[.:؛]['\"”»)\]]*\s*$")

# Each rule: reason -> regex searched in the normalized, stripped line.
LINE_RULES: dict[str, re.Pattern] = {
    "font size control": re.compile(r"^حجم الخط\b"),
    "logo": re.compile(r"^(?:logo|شعار|الشعار)$"),
    "punctuation only": re.compile(r"^[\W_]+$"),
    "uuid": re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"),
    "source link": re.compile(r"^(?:عرض|رابط) (?:مصدر )?الخبر$|^المصدر الاصلي$"),
    # "طائرة مسيرة كوادكوبتر - سبوتنيك عربي, 1920, 24.05.2024": a photo caption
    # carrying its own article's date, which must not be taken for ours.
    "image caption": re.compile(r"\s[-–]\s[^,،]{2,40}[,،]\s*\d{3,4}[,،]\s*\d{1,2}\.\d{1,2}\.\d{4}$"),
    "read also": re.compile(r"^(?:اقرا|اقري|طالع|شاهد)(?:وا)? (?:ايضا|المزيد)\b|^(?:read more|see also)\b", re.I),
}
# Footers are a sentence or two; a paragraph that mentions copyright or quotes a
# "©" (an article about intellectual property, say) is article text.
MAX_FOOTER_WORDS = 40
FOOTER_LINE_RULES: dict[str, re.Pattern] = {
    "copyright": re.compile(r"جميع الحقوق محفوظه|حقوق (?:النشر|الطبع) محفوظه|©|all rights reserved|copyright", re.I),
    "correction request": re.compile(r"تعتقد\s*/\s*تعتقدين|ارسل\s*/\s*ارسلي|قدم\s*/\s*قدمي"),
    "legal notice": re.compile(r"استعمال المضامين بموجب بند|يرجي ارسال ملاحظات"),
}
# Rules that only apply to short lines (a sentence may well contain the words).
SHORT_LINE_RULES: dict[str, re.Pattern] = {
    "share or follow links": re.compile(
        r"^(?:تابعنا|تابعونا|تابعوا|شارك|شاركوا|مشاركه|انشر|اشترك|اشتركوا|share|follow us)\b", re.I
    ),
    "app promotion": re.compile(r"^(?:حمل |نزل |حملوا )?تطبيق\b|app store|google play", re.I),
    "navigation": re.compile(
        r"^(?:الرئيسيه|الصفحه الرئيسيه|جديد الاخبار|اخر الاخبار|الاكثر قراءه|الاكثر مشاهده|عاجل|home)$", re.I
    ),
    "bullet": re.compile(r"^[•·▪●■◦-]\s*\S"),
    "tags": re.compile(r"^(?:الوسوم|الكلمات المفتاحيه|كلمات مفتاحيه|tags)\s*:?", re.I),
}
# "اخبار ذات علاقه" and friends: the marker and the headlines under it go.
RELATED_MARKER_RE = re.compile(
    r"^(?:اخبار|مواضيع|مقالات|قصص)\s+(?:ذات\s+(?:صله|علاقه)|متعلقه|مشابهه)$|^(?:اقرا|اقري) ايضا:?$|^(?:related|more)\b", re.I
)
# "عنصر في إحدى الفصائل المسلحةالمصدر: رويترز": photo credits end the line.
PHOTO_CREDIT_RE = re.compile(r"(?:المصدر|الصوره|صوره|تصوير|مصدر الصوره)\s*:\s*[^\s.]+(?:\s+[^\s.]+){0,3}$")
AGENCY_CREDIT_RE = re.compile(
    r"\((?:الفرنسيه|رويترز|الاناضول|اسوشيتد برس|اسوشييتد برس|غيتي|الاوروبيه|مواقع التواصل|مواقع التواصل الاجتماعي"
    r"|الجزيره|ا ف ب|afp|ap|getty|epa|reuters|شترستوك|ارشيفيه|ارشيف)\)$",
    re.I,
)
# "بغداد/ تميم الحسن", "بقلم: فلان": the author, not the article.
DATELINE_BYLINE_RE = re.compile(r"^(?P<place>[^\W\d_]+(?: [^\W\d_]+)?)\s*/\s*(?P<author>[^\W\d_]+(?: [^\W\d_]+){1,3})$")
BYLINE_RE = re.compile(r"^(?:بقلم|كتب|كتبت|اعداد|تحرير|by)\s*:?\s*(?P<author>[^\W\d_]+(?: [^\W\d_]+){1,3})$", re.I)

# Whether a JSON body needs the line rules at all: literal substring tests
# (much cheaper than one regex with many branches over 70k bodies), then one
# small regexes for UUIDs and caption dates.
FURNITURE_MARKERS = (
    "©", "•", "logo", "حجم الخط", "تابعونا", "تابعنا", "جميع الحقوق", "ذات صلة", "ذات علاقة", "قرأ أيضا",
    "قرأ أيضًا", "تعتقد/", "استعمال المضامين",
)
#: Markers sharing at least this long a prefix are found by one search for the prefix.
MIN_SHARED_MARKER_PREFIX = 3


def _group_by_shared_prefix(markers) -> dict[str, tuple[str, ...]]:
    """``prefix -> markers``: each search costs a pass over the body, so shared prefixes are searched once."""
    groups: dict[str, tuple[str, ...]] = {}
    for marker in markers:
        for prefix in groups:
            shared = os.path.commonprefix([prefix, marker])
            if len(shared) >= MIN_SHARED_MARKER_PREFIX:
                groups[shared] = (*groups.pop(prefix), marker)
                break
        else:
            groups[marker] = (marker,)
    return groups


FURNITURE_MARKER_GROUPS = _group_by_shared_prefix(FURNITURE_MARKERS)
# Each starts with a literal, which lets the regex engine skip ahead fast.
UUID_MARKER_RE = re.compile(r"-[0-9a-f]{4}-[0-9a-f]{4}-")
CAPTION_DATE_MARKER_RE = re.compile(r", \d{3,4}, \d\d?\.\d\d?\.\d{4}")


def word_count(text: str) -> int:
    return len(WORD_RE.findall(text))


def is_headline_like(line: str, max_words: int = MAX_HEADLINE_WORDS) -> bool:
    """Short and without a full stop: a headline, a label or a link, not a paragraph."""
    words = word_count(line)
    return 0 < words <= max_words and not SENTENCE_END_RE.search(line)


def line_rule(normalized: str) -> str | None:
    """The reason a (normalized, stripped) line is page furniture, or None."""
    if not normalized:
        return "empty"
    for reason, regex in LINE_RULES.items():
        if regex.search(normalized):
            return reason
    words = word_count(normalized)
    if words <= MAX_FOOTER_WORDS:
        for reason, regex in FOOTER_LINE_RULES.items():
            if regex.search(normalized):
                return reason
    if words <= MAX_LABEL_WORDS:
        for reason, regex in SHORT_LINE_RULES.items():
            if regex.search(normalized):
                return reason
    if words <= MAX_CAPTION_WORDS and not SENTENCE_END_RE.search(normalized):
        if PHOTO_CREDIT_RE.search(normalized) or AGENCY_CREDIT_RE.search(normalized):
            return "image caption"
    return None


def byline_author(line: str) -> str | None:
    """The author in a dateline/byline line ("بغداد/ تميم الحسن"), else None."""
    stripped = line.strip()
    match = DATELINE_BYLINE_RE.match(stripped) or BYLINE_RE.match(stripped)
    return match["author"] if match else None


def needs_cleaning(body: str) -> bool:
    for prefix, markers in FURNITURE_MARKER_GROUPS.items():
        if prefix in body and any(marker in body for marker in markers):
            return True
    return UUID_MARKER_RE.search(body) is not None or CAPTION_DATE_MARKER_RE.search(body) is not None


def furniture(lines: list[str]) -> dict[int, str]:
    """Map line index -> reason for every line that is not article text.

    Empty lines are left out of the map (they only separate paragraphs).
    Whole-line dates are furniture too ("date line"): the reader decides
    separately which of them, if any, is the publication date.
    """
    dropped: dict[int, str] = {}
    # After a caption only the very next line is the other article's headline;
    # after a "related" marker, the next non-empty one.
    drop_next_headline = None
    for index, line in enumerate(lines):
        stripped = line.strip()
        if not stripped:
            if drop_next_headline == "caption":
                drop_next_headline = None
            continue
        if date_line(stripped):
            dropped[index] = "date line"
            continue
        normalized = normalize_text(stripped)
        if drop_next_headline and is_headline_like(stripped):
            dropped[index] = "related article headline"
            drop_next_headline = None
            continue
        drop_next_headline = None
        if RELATED_MARKER_RE.search(normalized):
            dropped[index] = "related articles"
            drop_next_headline = "marker"
            continue
        reason = line_rule(normalized)
        if reason:
            dropped[index] = reason
            if reason == "image caption":
                drop_next_headline = "caption"
    _drop_trailing_links(lines, dropped)
    return dropped


def _drop_trailing_links(lines: list[str], dropped: dict[int, str]) -> None:
    """Headline-like lines after the last paragraph link to other articles."""
    kept = [index for index, line in enumerate(lines) if line.strip() and index not in dropped]
    # Never empty an article: the first kept line is left to the title rules.
    for index in reversed(kept[1:]):
        if not is_headline_like(lines[index].strip(), MAX_TRAILING_LINK_WORDS):
            break
        dropped[index] = "related article headline"


def join_paragraphs(lines) -> str:
    """Strip lines and keep at most one empty line between paragraphs."""
    out: list[str] = []
    for line in lines:
        stripped = line.strip()
        if stripped or (out and out[-1]):
            out.append(stripped)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)
