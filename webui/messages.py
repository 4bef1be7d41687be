"""Every Arabic sentence the web UI builds from data: notes, errors and counted nouns.

Notes (``Notice``) and errors (``FahrasError``) carry a stable ``code`` and
``params``; the page shows the Arabic text chosen by the code, never the
library's English message (which may name a server path).  A code without
an Arabic text here is a bug that ``tests/test_webui.py`` catches.
"""

from __future__ import annotations

from dataclasses import dataclass

from webui.display import strip_bidi_controls

LEFT_TO_RIGHT_ISOLATE = "\u2066"
POP_DIRECTIONAL_ISOLATE = "\u2069"


FIRST_STRONG_ISOLATE = "\u2068"


def ltr(value) -> str:
    """Isolate a Latin value (a date, a parameter) inside an Arabic sentence so bidi keeps its order."""
    return f"{LEFT_TO_RIGHT_ISOLATE}{value}{POP_DIRECTIONAL_ISOLATE}"


def isolated(value) -> str:
    """A value from the data (an id, a filter value) in its own direction, so the quotes and full stop
    around it stay where the Arabic sentence puts them."""
    # Its own controls go first: a PDI inside the value would close the isolate early.
    return f"{FIRST_STRONG_ISOLATE}{strip_bidi_controls(str(value), marks=True)}{POP_DIRECTIONAL_ISOLATE}"


# --- number agreement ---------------------------------------------------------------


@dataclass(frozen=True)
class Noun:
    """The forms an Arabic noun takes after a number.

    ``one`` and ``two`` stand without a digit (نتيجة واحدة، نتيجتان); ``two_oblique`` is the dual
    after a verb or preposition (تضم كلمتين); ``few`` follows 3 to 10 (5 نتائج); ``many`` 11 to 99
    (16 تطابقًا); ``other`` 100 and up, and the hundreds ending in 00, 01 or 02 (100 نتيجة، 101 نتيجة).
    """

    one: str
    two: str
    two_oblique: str
    few: str
    many: str
    other: str
    zero: str


NOUNS = {
    "result": Noun("نتيجة واحدة", "نتيجتان", "نتيجتين", "نتائج", "نتيجة", "نتيجة", "لا نتائج"),
    "match": Noun("تطابق واحد", "تطابقان", "تطابقين", "تطابقات", "تطابقًا", "تطابق", "لا تطابق"),
    "article": Noun("مقالة واحدة", "مقالتان", "مقالتين", "مقالات", "مقالة", "مقالة", "لا مقالات"),
    "page": Noun("صفحة واحدة", "صفحتان", "صفحتين", "صفحات", "صفحة", "صفحة", "لا صفحات"),
    "word": Noun("كلمة واحدة", "كلمتان", "كلمتين", "كلمات", "كلمة", "كلمة", "لا كلمات"),
    "character": Noun("حرف واحد", "حرفان", "حرفين", "أحرف", "حرفًا", "حرف", "لا أحرف"),
    "value": Noun("قيمة واحدة", "قيمتان", "قيمتين", "قيم", "قيمة", "قيمة", "لا قيم"),
    # "and N others" under a hit's actor chips.
    "other_actor": Noun("فاعل آخر", "فاعلان آخران", "فاعلين آخرين", "فاعلين آخرين", "فاعلًا آخر", "فاعل آخر",
                        "لا فاعلين آخرين"),
}


def plural_category(count: int) -> str:
    """CLDR's Arabic plural category of a whole number: zero, one, two, few, many or other."""
    count = abs(int(count))
    if count in (0, 1, 2):
        return ("zero", "one", "two")[count]
    rest = count % 100
    if 3 <= rest <= 10:
        return "few"
    if 11 <= rest <= 99:
        return "many"
    return "other"


def counted(count: int, noun: str, *, oblique: bool = False) -> str:
    """``count`` and ``noun`` in agreement: نتيجة واحدة، نتيجتان، 5 نتائج، 11 نتيجة، 1,200 نتيجة."""
    forms = NOUNS[noun]
    category = plural_category(count)
    if category == "zero":
        return forms.zero
    if category == "one":
        return forms.one
    if category == "two":
        return forms.two_oblique if oblique else forms.two
    return f"{count:,} {getattr(forms, category)}"


# --- notes and errors ---------------------------------------------------------------


def _range(params: dict) -> dict:
    return {"since": ltr(params["since"]), "until": ltr(params["until"])}


def _value_list(values) -> str:
    return "، ".join(f"«{isolated(value)}»" for value in values)


#: "no source named X" in Arabic, per facet.
UNKNOWN_VALUE_TEXTS = {"source": "لا يوجد في الفهرس مصدر باسم «{value}»", "actor": "لا يوجد في الفهرس فاعل باسم «{value}»"}


def _unknown_value(facet: str, value: str, suggestions) -> str:
    template = UNKNOWN_VALUE_TEXTS.get(facet, "لا توجد في الفهرس القيمة «{value}» في «" + ltr(facet) + "»")
    text = template.format(value=isolated(value))
    return text + (f"؛ لعلك تقصد: {_value_list(suggestions)}." if suggestions else ".")


#: Arabic text of each notice code; each takes the notice's params.
NOTICES = {
    "query_cut": lambda p: f"قُصّ نص البحث إلى أول {counted(p['chars'], 'character')}.",
    "query_words_cut": lambda p: f"استُعملت أول {counted(p['words'], 'word')} من البحث فقط.",
    "best_match": lambda p: (
        f"لا توجد مقالة تضم كلمات البحث كلها ({counted(p['words'], 'word')})؛ "
        f"تظهر المقالات التي تضم {counted(p['needed'], 'word', oblique=True)} منها على الأقل."
    ),
    "stop_words_only": lambda p: (
        "كل كلمات البحث شائعة جدًا (كلمات وقف) فلا تُبحث وحدها؛ "
        f"ضع = قبل الكلمة للبحث عنها كما كُتبت، مثل {ltr('=في')}."
    ),
    "query_nesting_flattened": lambda p: (
        f"الأقواس المتداخلة أعمق من {p['depth']} مستويات قُرئت كأنها غير موجودة."
    ),
    "time_budget": lambda p: (
        f"استغرق البحث أكثر من {p['ms']:g} ملّي ثانية فتوقّف: قد تنقص بعض النتائج."
    ),
    "phrase_check_limit": lambda p: (
        f"فُحصت العبارة في أول {counted(p['checked'], 'article')} من {counted(p['candidates'], 'article')} مرشّحة فقط."
    ),
}

GENERIC_NOTICE = "ملاحظة على طريقة قراءة البحث."


@dataclass(frozen=True)
class ErrorText:
    """An error's Arabic text: ``detailed(params)`` when the params it needs are there, else ``plain``."""

    plain: str
    detailed: object = None  # a callable taking the params

    def render(self, params: dict) -> str:
        if self.detailed is not None:
            try:
                return self.detailed(params)
            except (KeyError, TypeError, ValueError):
                pass
        return self.plain


ERRORS = {
    "error": ErrorText("حدث خطأ في الخادم."),
    "internal_error": ErrorText("حدث خطأ غير متوقع في الخادم. سُجّل الخطأ؛ أعد المحاولة أو أبلغ المسؤول."),
    "not_found": ErrorText("لا توجد صفحة بهذا العنوان."),
    "method_not_allowed": ErrorText("هذا العنوان لا يقبل هذه الطريقة."),
    "http_error": ErrorText("تعذّر تلبية الطلب."),
    "index_not_found": ErrorText("لا يوجد فهرس بعد في المجلد الذي يقرأ منه الخادم."),
    "stale_index": ErrorText("بُني هذا الفهرس بإصدار أقدم من فهرس، ولا بد من إعادة بنائه."),
    "index_locked": ErrorText("الفهرس مشغول: عملية فهرسة أخرى تعمل عليه الآن. أعد المحاولة بعد انتهائها."),
    "ingest_error": ErrorText("تعذّرت قراءة أحد الملفات."),
    "document_not_found": ErrorText(
        "لا توجد في الفهرس مقالة بهذا المعرّف.",
        lambda p: f"لا توجد في الفهرس مقالة بالمعرّف «{isolated(p['id'])}».",
    ),
    "bad_location": ErrorText("عنوان الفهرس الذي أُعطي للخادم غير صالح."),
    "bad_stemmer": ErrorText("لا يمكن لفهرس على مجموعة " + ltr("OpenSearch") + " أن يستعمل هذا المجذّع."),
    "cluster_unreachable": ErrorText("تعذّر الوصول إلى مجموعة " + ltr("OpenSearch") + ": هل هي تعمل؟"),
    "cluster_auth": ErrorText("رفضت مجموعة " + ltr("OpenSearch") + " بيانات الدخول."),
    "cluster_forbidden": ErrorText("لا تسمح مجموعة " + ltr("OpenSearch") + " لهذا المستخدم بهذه العملية على الفهرس."),
    "cluster_error": ErrorText("فشلت مجموعة " + ltr("OpenSearch") + " في تلبية الطلب."),
    "cluster_foreign_index": ErrorText("في مجموعة " + ltr("OpenSearch") + " فهرس بهذا الاسم لم ينشئه فهرس؛ اختر اسمًا آخر."),
    "bad_query": ErrorText("تعذّرت قراءة الطلب."),
    "bad_filter": ErrorText("قيمة أحد المرشحات غير صالحة."),
    "bad_number": ErrorText("أحد الأرقام في الطلب غير صالح: يجب أن يكون عددًا صحيحًا موجبًا."),
    "bad_ranking": ErrorText("إعدادات الترتيب غير صالحة."),
    "unknown_facet": ErrorText(
        "لا يوجد مرشح بهذا الاسم؛ المرشحات: " + ltr("source") + " و" + ltr("actor") + " و" + ltr("date") + ".",
        lambda p: f"لا يوجد مرشح باسم «{ltr(p['name'])}»؛ المرشحات: {ltr('source')} و{ltr('actor')} و{ltr('date')}.",
    ),
    "unknown_value": ErrorText(
        "إحدى قيم المرشحات غير موجودة في الفهرس.",
        lambda p: _unknown_value(p["facet"], p["value"], p.get("suggestions") or ()),
    ),
    "bad_sort": ErrorText(
        "طريقة الترتيب غير معروفة؛ المتاح: " + ltr("relevance") + " و" + ltr("date") + " و" + ltr("oldest") + ".",
        lambda p: f"الترتيب «sort» يجب أن يكون relevance أو date أو oldest، لا «{ltr(p['value'])}».",
    ),
    "bad_date": ErrorText(
        "أحد التاريخين غير صالح؛ الصيغة المطلوبة " + ltr("YYYY-MM-DD") + ".",
        lambda p: f"التاريخ «{p['name']}» غير صالح: «{ltr(p['value'])}»؛ "
        f"الصيغة المطلوبة {ltr('YYYY-MM-DD')} (مثل {ltr('2024-07-28')}).",
    ),
    "date_not_in_calendar": ErrorText(
        "أحد التاريخين غير موجود في التقويم.",
        lambda p: f"التاريخ «{p['name']}» غير موجود في التقويم: «{ltr(p['value'])}».",
    ),
    "inverted_range": ErrorText(
        "تاريخ البداية بعد تاريخ النهاية: لا يقع أي تاريخ بينهما.",
        lambda p: "تاريخ البداية {since} بعد تاريخ النهاية {until}: لا يقع أي تاريخ بينهما.".format(**_range(p)),
    ),
    "query_too_long": ErrorText(
        "نص البحث طويل جدًا.",
        lambda p: f"نص البحث طويل جدًا ({p['chars']:,} حرفًا)؛ الحد الأقصى {counted(p['max'], 'character')}.",
    ),
    "too_many_values": ErrorText(
        "قيم أحد المرشحات كثيرة جدًا.",
        lambda p: f"قيم «{p['name']}» كثيرة جدًا ({p['count']:,})؛ الحد الأقصى {counted(p['max'], 'value')}.",
    ),
    "value_too_long": ErrorText(
        "إحدى قيم المرشحات طويلة جدًا.",
        lambda p: f"إحدى قيم «{p['name']}» أطول من {counted(p['max'], 'character')}.",
    ),
    "bad_page": ErrorText(
        "رقم الصفحة «page» يجب أن يكون عددًا صحيحًا موجبًا.",
        lambda p: f"رقم الصفحة «page» يجب أن يكون عددًا صحيحًا موجبًا، لا «{ltr(p['value'])}».",
    ),
    "page_out_of_range": ErrorText(
        "رقم الصفحة «page» خارج الحدود.",
        lambda p: f"رقم الصفحة «page» يجب أن يكون بين 1 و{p['max']:,}، لا {p['value']}.",
    ),
    "bad_actor_type": ErrorText(
        "نوع الفاعل «actor_type» يجب أن يكون " + ltr("person") + " أو " + ltr("organisation") + " أو "
        + ltr("place") + ".",
        lambda p: "نوع الفاعل «actor_type» يجب أن يكون " + ltr("person") + " (أشخاص) أو " + ltr("organisation")
        + " (منظمات) أو " + ltr("place") + f" (أماكن)، لا «{ltr(p['value'])}».",
    ),
    "bad_per_page": ErrorText(
        "عدد النتائج في الصفحة «per_page» غير صالح.",
        lambda p: f"عدد النتائج في الصفحة «per_page» يجب أن يكون بين 1 و{p['max']}، لا «{ltr(p['value'])}».",
    ),
}

#: An actor's type as a facet value shows it, and the actor facet's type switch.
ACTOR_TYPE_LABELS = {"person": "شخص", "organisation": "منظمة", "place": "مكان"}
ACTOR_TYPE_SWITCH_LABELS = {"all": "الكل", "person": "أشخاص", "organisation": "منظمات", "place": "أماكن"}

#: Shown under the message when the index cannot be used: how to build it.
INDEX_HINT = (
    "ابنِ الفهرس ثم أعد تحميل الصفحة: fahras index <المجلد> "
    "(أو شغّل fahras serve دون ‎--index‎ ليُبنى الفهرس الافتراضي من المقالات المرفقة)."
)
REBUILD_HINT = "أعد بناء الفهرس ثم أعد تحميل الصفحة: fahras index --rebuild <المجلد>."
HINTS = {"index_not_found": INDEX_HINT, "stale_index": REBUILD_HINT}


def notice_text(code: str, params: dict | None = None) -> str:
    """The Arabic sentence for a notice; an unknown code gets a neutral sentence, never English."""
    text = NOTICES.get(code)
    if text is None:
        return GENERIC_NOTICE
    try:
        return text(params or {})
    except (KeyError, TypeError, ValueError):
        return GENERIC_NOTICE


def error_text(code: str, params: dict | None = None) -> str:
    """The Arabic sentence for an error code (the generic one for a code this module lacks)."""
    return ERRORS.get(code, ERRORS["error"]).render(params or {})
