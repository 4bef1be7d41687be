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

A trained recognizer (``ner``, a CRF over ANERcorp) adds the people,
organisations and places that no pattern introduces.  Its spans are trimmed
of the words a name never ends or starts with (prepositions, dates, role
words: no "باسم ...", "... بتهمة", "يوم ..."), mapped to the gazetteer's
canonical name when it knows them, and made consistent across the document:
a name found once counts at every mention, and a surname or a shorter form
of a person's name counts for the full name found in the same document
(السوداني -> محمد شياع السوداني).

Every actor has a type: ``person``, ``organisation`` or ``place``.  States
(gazetteer places) are actors as before; other places (cities, regions) are
recorded as entities but stay out of the actor list.

Canonical names of actors the gazetteer does not know are their first
surface form in the document; ``actor_key`` gives the key under which the
index can merge them across documents, and ``resolve`` merges variants
across a corpus.
"""

from __future__ import annotations

import functools
import re
from collections import Counter
from dataclasses import dataclass, field
from itertools import chain, compress
from typing import NamedTuple

from indexer.config import load_entries
from indexer.text.stopwords import ARABIC_STOPWORDS
from indexer.ingest import ner
from indexer.ingest.resolve import (
    ORGANISATION, PERSON, PLACE, SPELLING_FOLDS, actor_key, quick_normalize, resolve_names, variant_key,
)
from indexer.text.normalize import TATWEEL, normalize_with_digits

__all__ = ["PERSON", "ORGANISATION", "PLACE", "SPELLING_FOLDS", "actor_key", "quick_normalize", "tokenize",
           "find_actors", "extract_actors", "DocumentActors", "resolve_actor_names", "actor_variant_key",
           "summarize_actors", "ActorSummary", "tagger", "gazetteer", "ner_lexicon"]

ACTORS_FILE = "actors.json"

# Tokenizing is the hot spot of ingestion (70k articles must ingest in seconds),
# so it avoids a regex over every character: punctuation that matters to the
# patterns is padded with spaces (only when present), the text is split on
# whitespace, and normalization runs over the whole text at once
# (``normalize_text``: a few ``str.replace`` passes unless rarer marks occur).
PADDED_PUNCTUATION = "،,.:؛;؟?!\"'“”«»„‟()[]#"

DEFINITE = "ال"
# Clitics that attach before a name: conjunctions, prepositions and their pairs.
CLITIC_PREFIXES = ("", "و", "ف", "ب", "ك", "ل", "وب", "وك", "ول", "فب", "فك", "فل")
# Before ال, the preposition ل swallows the alef: ل + البنتاغون = للبنتاغون.
DEFINITE_CLITIC_PREFIXES = ("", "و", "ف", "ب", "ك", "وب", "وك", "فب", "فك")
LAM_DEFINITE_PREFIXES = ("ل", "ول", "فل")
QUOTES = frozenset("\"'“”«»„‟`()[]")
NAME_END_PUNCTUATION = frozenset("،,:.؛;؟?!")


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
#: Occupations that introduce a person the same way ("المنتج الأمريكي هارفي واينستين", "اللاعب الفرنسي ...").
#: Triggers only: the recognizer's lexicon was trained with ROLE_WORDS alone.
OCCUPATION_WORDS = frozenset(
    normalize_with_digits(word)
    for word in """المنتج المخرج المخرجة الممثل الممثلة اللاعب اللاعبة المدرب الفنان الفنانة المغني المغنية المطرب
    المطربة الروائي الروائية الشاعر الشاعرة الإعلامي الإعلامية الملياردير الداعية المفكر المؤرخ الكاتبة الصحفية
    الناقد الملاكم الرسام المصور المهاجم""".split()
)
#: Titles that stand right before a name and are not part of it.
HONORIFICS = frozenset(
    normalize_with_digits(word)
    for word in """الشيخ السيد الدكتور د اللواء العميد العقيد الفريق الجنرال الملك الأمير المهندس الحاج الأستاذ
    دكتور الدكتورة دكتورة المهندسة الأستاذة الشيخة السيدة""".split()
)
#: Heads of organisation names (indefinite: "الوزارة" alone refers back, it names nothing).
ORG_HEADS = frozenset(
    normalize_with_digits(word)
    for word in """كتائب حركة حزب وزارة جماعة فيلق تنظيم ميليشيا مليشيا ميليشيات جبهة منظمة هيئة مجلس ائتلاف سرايا
    عصائب لواء ألوية وكالة جمعية اتحاد بلدية جامعة أمانة شرطة نادي منتخب مديرية صحة تعليم""".split()
)
#: Heads that make a name only with a purpose ("شركة الإنماء للهندسة", "معهد الأمير سلطان لأبحاث التقنية") or
#: quoted ("شركة "كامبريدج أناليتيكا""): "شركة النفط" is an oil company, "شركة الأدوية البريطانية" a British
#: drug maker.  Not in the recognizer's lexicon (it was trained without them).
PURPOSE_HEADS = frozenset(normalize_with_digits(word) for word in "شركة مؤسسة معهد رابطة نقابة مركز مكتب".split())
#: Of those, heads whose quoted name is a building or someone's office more often than a body ("مركز "أبكس"
#: للمؤتمرات", "في مكتب "أنيتا""): named only by a purpose ("مركز الملك سلمان للأعمال الإنسانية").
PURPOSE_ONLY_HEADS = frozenset(normalize_with_digits(word) for word in "مركز مكتب".split())
#: Places and prizes named after a person ("مستشفى الملك فهد", "جائزة نوبل"): the person is not mentioned.
FACILITY_WORDS = frozenset(normalize_with_digits(word) for word in """مستشفى مستشفيات طريق شارع مطار ملعب استاد ستاد
    مسجد جامع جسر مجمع كلية معهد قاعدة ميناء جائزة قصر برج حي ميدان مدرسة ضاحية""".split())
#: Numbers in words ("بليون" is also ب + the name ليون).
AMOUNT_WORDS = frozenset(normalize_with_digits(word) for word in
                         "مليون ملايين مليار مليارات بليون بلايين ألف آلاف وألف ومليون ومليار".split())
#: Currency names: the recognizer reads "دينار كويتي", "بيزو أرجنتيني" as people.
CURRENCIES = frozenset(normalize_with_digits(word) for word in
                       "دينار دنانير درهم دراهم ريال ريالات جنيه ليرة ليرات دولار دولارات يورو بيزو روبية فرنك".split())
#: Heads whose definite words always make a name ("بلدية القيصومة", "جامعة الملك سعود"): no confirmation needed.
SELF_NAMING_HEADS = frozenset(normalize_with_digits(word) for word in "بلدية جامعة وزارة نادي مديرية".split())
#: Heads whose name goes on past و + a definite word: "وزارة الثقافة والإعلام", "وزارة التعليم العالي والبحث العلمي".
COORDINATED_NAME_HEADS = frozenset({normalize_with_digits("وزارة")})
#: Portfolios a ministry's name may join with و ("وزارة الثقافة والإعلام"); any other و + definite word starts
#: another phrase ("وزارة الدفاع والجيش", "وزارة الداخلية والمتمثل").
MINISTRY_PORTFOLIOS = frozenset(normalize_with_digits(word) for word in """الإعلام القروية البحث الصناعة التعليم
    الشؤون الماء المياه الرياضة الثروة التنمية السياحة الآثار الاستثمار التخطيط الإسكان الطاقة المعادن الزراعة الري
    البيئة الاتصالات الاقتصاد المالية الأوقاف الإرشاد الدعوة العدل الشباب الثقافة النقل المواصلات الطرق الكهرباء الصحة
    السكان الخدمات العمل التجارة الإصلاح الهجرة المهجرين العلوم التكنولوجيا الفنون التراث الأسرة المرأة الطفولة
    التموين البترول النفط الغاز الموارد البلديات التعاون المغتربين الإدارة الأشغال الإنشاءات التربية الإرشاد
    المساجد الحج العمرة الصيد الأمن الغابات التجهيز الصناعات الابتكار الرقمنة التحول الاقتصاد""".split())


class StateBody(NamedTuple):
    """How a state's force or body is named by the state's adjective after it ("البحرية المصرية")."""

    #: The adjective agrees with the body ("الجيش المصري", "البحرية المصرية"); None takes both
    #: ("خفر السواحل الماليزي" and "... الماليزية" are both written).
    feminine: bool | None
    #: The words that may stand between the body and the adjective; None: adjectives of the body's
    #: own that agree with it ("الحزب الشيوعي الصيني", "اللجنة الأولمبية السعودية").
    middle: frozenset[str] | None
    #: A body of adjectives needs one of its own: "اللجنة السعودية" is some Saudi committee.
    needs_middle: bool = False


def _state_bodies(table: str, middle: str | None = None, needs_middle: bool = False) -> dict[str, StateBody]:
    """``"word:m word:f ..."`` -> word -> StateBody."""
    bodies = {}
    for item in table.split():
        word, _, gender = item.partition(":")
        between = None if middle is None else frozenset(normalize_with_digits(w) for w in middle.split())
        bodies[normalize_with_digits(word)] = StateBody({"m": False, "f": True}.get(gender), between, needs_middle)
    return bodies


#: A state's forces and bodies (see StateBody).  Alone they are generic ("الشرطة", "القوات"),
#: except NAMED_FORCES.
STATE_BODIES = {
    **_state_bodies("الجيش:m", "الوطني"), **_state_bodies("البحرية:f", ""),
    **_state_bodies("الشرطة:f", "الوطنية"), **_state_bodies("النيابة:f", "العامة"),
    **_state_bodies("خفر", "السواحل"), **_state_bodies("الحرس:m", "الوطني الثوري الملكي الجمهوري"),
    **_state_bodies("القوات:f", "المسلحة الجوية البحرية البرية"), **_state_bodies("المخابرات:f", "العامة العسكرية"),
    **_state_bodies("الاستخبارات:f", "العسكرية"),
    **_state_bodies("""المجلس:m الاتحاد:m الحزب:m التحالف:m البنك:m المصرف:m الصندوق:m الهيئة:f اللجنة:f
                    المنظمة:f الجمعية:f الحركة:f الجبهة:f""", needs_middle=True),
    **_state_bodies("المنتخب:m"),  # "المنتخب السعودي"
}
NAMED_FORCES = frozenset(tuple(normalize_with_digits(name).split()) for name in ("الحرس الوطني", "الجيش الوطني"))
#: Heads that make a name with a place the lexicon knows ("شرطة الرياض", "أمانة المنطقة الشرقية"), not with a
#: common noun ("شرطة المرور").
#: (صحة and تعليم: a region's health and education directorates, "صحة جازان", "تعليم صبيا".)
PLACE_NAMED_HEADS = frozenset(normalize_with_digits(word) for word in "أمانة شرطة منتخب صحة تعليم".split())
#: Words that join an office to its region: "... بمنطقة جازان", "... بمحافظة العارضة".
REGION_LINKS = frozenset(normalize_with_digits(word) for word in "بمنطقة بمحافظة بمدينة".split())
PLACE_BOUND_HEADS = SELF_NAMING_HEADS | PLACE_NAMED_HEADS
REGION_WORDS = frozenset(normalize_with_digits(word) for word in
                         "المنطقة منطقة المدينة مدينة محافظة المحافظة ولاية الولاية".split())
GENERIC_PLACE_WORDS = frozenset(
    normalize_with_digits(word) for word in "المحافظة المدينة العاصمة المنطقة البلدة القرية الولاية الدولة المملكة".split())
#: Words that end a name or cannot be one (function words, verbs of saying, generic nouns).
NOT_NAME_WORDS = frozenset(
    normalize_with_digits(word)
    for word in """في من عن إن أن ان أنه إنه بأن بان قال قالت وقال وقالت أكد وأكد أضاف وأضاف يقول تقول
    وهو وهي هو هي الذي التي الذين خلال بعد قبل مع حول عبر لدى منذ حتى أو و ثم كما لا لم لن ما هذا هذه ذلك تلك
    إنها أنها بشأن بحسب وفق وفقا حيث عند عندما اليوم أمس الحكومة الحكومية الدولة المصدر مصدر مصادر المسؤولين
    العراقي العراقية الأمريكي الأمريكية الأميركي الأميركية السابق السابقة الأسبق الحالي الإيراني الإيرانية
    بشكل بصورة أيضا فقط جدا كل بين ضد نحو""".split()
)
#: Nouns for people in general that the recognizer reads as a person's name ("رجال الأمن", "جاسوس روسي").
PEOPLE_NOUNS = frozenset(normalize_with_digits(word) for word in """رجال رجل امرأة نساء شاب شبان فتاة طفل أطفال جاسوس
    مواطن مواطنين مواطنون سكان عناصر أفراد مسلحين مسلحون قتلى ضحايا جنود جندي عمال عامل طلاب طالب معايير ولي""".split())
#: Function words whose normalized form is a name: على -> علي, إلى -> الي, حتى -> حتي, رأى/رأي -> راي
#: ("شوغر راي" is a name, "رأى لافروف" is not), أمام (before) -> امام (imam).
NOT_NAME_WRITTEN = frozenset("على إلى الى حتى متى لدى سوى باسم رأى رأت رأي أمام".split())
NOT_NAME_WRITTEN_FORMS = frozenset(prefix + word for word in NOT_NAME_WRITTEN for prefix in ("", "و", "ف"))
#: Words that link a name to the role after it: "جوش روجين وهو كاتب".
APPOSITION_LINKS = frozenset({"،", ",", "وهو", "وهي"})
NAME_WORD_RE = re.compile(r"^[\u0621-\u064a\u0671-\u06d3]{2,}$")
#: A name found by a pattern has this many words at least and at most.
MIN_NAME_WORDS = 2
MAX_NAME_WORDS = 4
#: How far after a role word the comma before an appositive name may be.
MAX_ROLE_PHRASE_TOKENS = 12
#: How far after an occupation its person's given name may be ("اللاعب الدولي المصري محمد").
MAX_OCCUPATION_PHRASE_TOKENS = 3
#: Heads that name a unit only with a quoted name (كتائب "سيد الشهداء"); كتائب المدفعية is generic.
QUOTED_ONLY_HEADS = frozenset(normalize_with_digits(word) for word in "كتائب ألوية لواء سرايا".split())
#: Definite words that end an organisation's name rather than continue it.
ORG_END_WORDS = frozenset(
    normalize_with_digits(word) for word in
    "اليوم الأمس الذي التي الذين اللذين الآن الماضي الجاري الحالي التابع التابعة المعني المعنية المختص المختصة".split()
)
#: Head + word pairs that name no one in particular (traffic, faculty, a board).
GENERIC_ORGANISATIONS = frozenset(
    tuple(normalize_with_digits(phrase).split())
    for phrase in ("حركة المرور", "هيئة التدريس", "مجلس الإدارة", "وكالة الأنباء", "مجلس الأمناء", "حركة السير",
                   "حركة الملاحة", "حركة التجارة", "هيئة المحلفين", "اتحاد الكرة", "مجلس المحافظين")
)
#: Bodies named by their function alone, which the recognizer may read as an organisation's name.
GENERIC_BODIES = frozenset(normalize_with_digits(word) for word in """الأمن الشرطة الحكومة الجيش القوات الوزارة البرلمان
    المجلس الجمعية اللجنة الهيئة المنظمة الحركة الحزب الشركة المحكمة النيابة السلطات الاتحاد الوكالة الجامعة البلدية
    الإدارة المديرية الرئاسة الأمانة المخابرات الاستخبارات""".split())
#: What an organisation is for, after ل / لل: its name goes on ("المنظمة التونسية لمناهضة التعذيب",
#: "الهيئة العامة للإحصاء", "شركة الإنماء للهندسة والمقاولات").  A list, not any ل + noun: "تسعى المنظمة
#: لحماية المدنيين", "قدم الاتحاد الأوروبي للاجئين" go on with the sentence, not the name.
PURPOSE_NOUNS = frozenset(normalize_with_digits(word) for word in """تنمية إغاثة دراسات أبحاث بحوث إحصاء هندسة
    تجارة استثمار طاقة نفط بترول اتصالات ثقافة علوم تعليم إعلام تربية صناعة صناعات مكافحة مناهضة رصد رقابة محاسبة
    إعمار مقاولات خدمات طيران نقل رياضة فنون سينما تأمين تمويل تقنية تكنولوجيا إلكترونيات الكترونيات صحافة إنقاذ
    عقارات تعدين أسمدة كيماويات أسمنت إسمنت سيارات أغذية زراعة كهرباء سياحة آثار تراث ترجمة نشر إنتاج تصنيع
    إسكان تأهيل تدريب تطوير إنماء استشارات ملاحة شحن اتصالات حقوق أعمال""".split())
#: Those of them that also start a name without ال, as the first word of a construct ("لمكافحة الفساد").
CONSTRUCT_PURPOSE_NOUNS = frozenset(normalize_with_digits(word) for word in
                                    "مكافحة مناهضة رصد حقوق دراسات أبحاث بحوث تنمية إغاثة صناعة شركات".split())
#: How many words a purpose phrase adds at most.
MAX_PURPOSE_WORDS = 5
#: How many definite words after an organisation head make its name.
MAX_ORG_WORDS = 3
MAX_COORDINATED_ORG_WORDS = 5
#: A surname shorter than this (without ال) is too ambiguous to count alone.
MIN_SURNAME_LETTERS = 3

#: First words of media names: news outlets are sources, not actors (see ``sources``).
MEDIA_HEADS = frozenset(
    normalize_with_digits(word) for word in "وكالة صحيفة جريدة قناة إذاعة موقع راديو تلفزيون مجلة شبكة".split()
)
#: A one-word name from the recognizer alone needs at least this margin (see ``ner.Span``).
MIN_SINGLE_WORD_MARGIN = 2.0

#: The gazetteer's entry types -> public actor types.
ENTRY_TYPES = {"person": PERSON, "org": ORGANISATION, "organisation": ORGANISATION, "state": PLACE,
               "place": PLACE, "media": ORGANISATION}
#: Gazetteer entries of this type are news outlets: sources, not actors.  They are recognized
#: so that their words are read as the outlet's name ("صحيفة الشرق الأوسط" names no region),
#: and never counted.
MEDIA = "media"
MODEL_TYPES = {"PERS": PERSON, "ORG": ORGANISATION, "LOC": PLACE}
#: Words a name never starts or ends with: prepositions and prepositional nouns,
#: dates and times, verbs of saying, charges ("باسم ...", "... بتهمة", "يوم ...", "... الماضي").
EDGE_WORDS = frozenset(
    normalize_with_digits(word)
    for word in """باسم وباسم باسمه باسمها باسمهم وباسمه بتهمة بتهم بسبب بشأن لشؤون بحضور بمشاركة برئاسة بقيادة بحسب حسب عقب إثر اثر أمس امس
    اليوم غدا الليلة صباح مساء يوم ويوم اليوم الماضي الماضية المقبل المقبلة القادم القادمة الجاري الحالي الحالية
    السبت الأحد الاثنين الإثنين الثلاثاء الأربعاء الخميس الجمعة السبت يناير فبراير مارس أبريل ابريل مايو يونيو
    يوليو أغسطس سبتمبر أكتوبر نوفمبر ديسمبر كانون شباط آذار نيسان أيار حزيران تموز آب أيلول تشرين عام العام
    جانفي فيفري أفريل جوان جويلية أوت
    شهر الشهر أسبوع الأسبوع ساعة ساعات دقيقة قال قالت يقول تقول أكد أكدت أعلن أعلنت أضاف أضافت ذكر ذكرت
    دعا دعت طالبت أشار أشارت وقال وقالت وأكد وأضاف وأعلن وذكر إن أن ان إنه أنه الذي التي لدى عن
    أوضح أوضحت أفاد أفادت صرح صرحت نفى نفت اعتبر اعتبرت تابع تابعت شدد شددت لفت لفتت كشف كشفت
    أبدى أبدت أعرب أعربت أردف استطرد قرر قررت يرى ترى يعد تعد يعمل تعمل تبدو يبدو
    شارك شاركت عاد عادت قاد قادت غاب غابت أحرز أحرزت سجل سجلت أضاع لعب لعبت انتقل فاز فازت خسر خسرت
    تعادل حقق حققت أنهى بدأ بدأت نجح نجحت فشل فشلت اعترف اعترفت علق علقت
    في من مع ضد بين حول بعد قبل منذ خلال عبر نحو عند لكن بل كان كانت وكان وكانت أنا نحن أنت أنتم هم هن
    غير أي كل بعض جميع شبه أو او ثم حتى""".split()
) | ORG_END_WORDS



#: Date words a missing space glues to the word before ("بدريالماضي").
GLUED_DATE_WORDS = tuple(normalize_with_digits(word) for word in "الماضي الماضية المقبل المقبلة".split())


def tokenize(text: str) -> tuple[list[str], list[str]]:
    """``(tokens as written, normalized tokens)``, aligned one to one.

    Punctuation marks are tokens of their own; a word keeps its clitics.
    Tatweel is dropped from the written tokens too: "لـ" then stays one token.
    """
    if TATWEEL in text:
        text = text.replace(TATWEEL, "")
    if "_" in text:
        text = text.replace("_", " ")  # hashtags: #تيريزا_ماي
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


class Candidate(NamedTuple):
    """One reading of a gazetteer name from its first token (a tuple: a big gazetteer builds 200,000)."""

    rest: tuple[str, ...]  # the name's normalized tokens after the first
    canonical: str
    partial: bool
    prefix_length: int  # clitic letters to strip from the first written token
    #: ل + ال written لل: the surface form gets its alef back (للتحالف -> التحالف).
    restore_alef: bool = False
    #: A name whose first words are common words ("علي عبدالله صالح", "هو جين تاو") is looked up
    #: from its first uncommon word; these are the words that must stand before it.
    before: tuple[str, ...] = ()


# What a token can start: bit flags in one dict so that a token costs one lookup.
GAZETTEER_NAME = 1
ROLE = 2
ORG_HEAD = 4
GIVEN_NAME = 8
STATE_FORCE = 16


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
    #: Places that are not actors (cities, regions): typed when found, kept out of the actor list.
    places: list[dict] = field(default_factory=list)
    #: A name's lookup word (its first, with each clitic reading) -> its readings by the word after it
    #: (None: one-word names), longest first: a word shared by a hundred names ("محمد") costs one lookup.
    continuations: dict[str, dict[str | None, list[Candidate]]] = field(init=False)
    #: Lookup words that are a name's first word as written, with no clitic ("أحمد", not "وأحمد").
    written_first_words: frozenset[str] = field(init=False)
    role_phrase_stops: frozenset[str] = field(init=False)
    full_names: dict[tuple[str, ...], str] = field(init=False)
    #: Canonical name -> public type (``person``, ``organisation``, ``place``).
    types: dict[str, str] = field(init=False)
    not_actors: frozenset[str] = field(init=False)
    triggers: dict[str, int] = field(init=False)
    head_length: dict[str, int] = field(init=False)  # clitic length of role and head forms
    force_forms: dict[str, tuple[str, int, bool]] = field(init=False)
    media: frozenset[str] = field(init=False)  # canonical names of news outlets (see MEDIA)
    state_names: frozenset[str] = field(init=False)  # one-word names of states, normalized

    def __post_init__(self):
        # Lookup word -> its readings, a dict as a set kept in order (thousands of names share "محمد").
        readings_of: dict[str, dict[Candidate, None]] = {}
        self.full_names = {}
        self.types = {}
        self.media = frozenset(entry["name"] for entry in self.entries if entry.get("type") == MEDIA)
        for entry in self.entries:
            canonical = entry["name"]
            self.types.setdefault(canonical, ENTRY_TYPES.get(entry.get("type", ""), ORGANISATION))
            drop_definite = entry.get("type") == "org"
            for alias in (canonical, *entry.get("aliases", ())):
                self._add(readings_of, alias, canonical, partial=False, drop_definite=drop_definite)
            for alias in entry.get("partial", ()):
                self._add(readings_of, alias, canonical, partial=True, drop_definite=False)
        places = [place["name"] for place in self.places if place["name"] not in self.types]
        for place in self.places:
            if place["name"] in places:
                self.types[place["name"]] = PLACE
                for alias in (place["name"], *place.get("aliases", ())):
                    self._add(readings_of, alias, place["name"], partial=False, drop_definite=False)
        self.not_actors = frozenset(places)
        self.continuations = {}
        for form, readings in readings_of.items():
            by_next: dict[str | None, list[Candidate]] = {}
            # Longest name first; exact spellings before clitic readings.
            for candidate in sorted(readings, key=lambda candidate: (-len(candidate.rest), candidate.prefix_length)):
                by_next.setdefault(candidate.rest[0] if candidate.rest else None, []).append(candidate)
            self.continuations[form] = by_next
        self.written_first_words = frozenset(
            form for form, readings in readings_of.items()
            if any(not candidate.prefix_length and not candidate.before for candidate in readings))
        self.triggers = dict.fromkeys(self.continuations, GAZETTEER_NAME)
        self.head_length = {}
        for words, flag in ((ROLE_WORDS | OCCUPATION_WORDS, ROLE), (ORG_HEADS | PURPOSE_HEADS, ORG_HEAD)):
            for word in words:
                for form, clitic_length in clitic_forms(word):
                    self.triggers[form] = self.triggers.get(form, 0) | flag
                    self.head_length.setdefault(form, clitic_length)
        self.state_names = frozenset(
            key for entry in self.entries if entry.get("type") == "state"
            for key in map(actor_key, (entry["name"], *entry.get("aliases", ()))) if " " not in key)
        #: Clitic form of a force's first word -> (the word, clitic letters, restore alef: للجيش -> الجيش).
        self.force_forms = {}
        for word in STATE_BODIES:
            for variant, clitic_length, restore_alef in first_token_variants(word, drop_definite=False):
                self.triggers[variant] = self.triggers.get(variant, 0) | STATE_FORCE
                self.force_forms[variant] = (word, clitic_length, restore_alef)
        for name in self.given_names - {normalize_with_digits(word) for word in NOT_NAME_WRITTEN}:
            self.triggers[name] = self.triggers.get(name, 0) | GIVEN_NAME
        #: The tokens a role phrase can stop at; the others are passed over with one lookup.
        self.role_phrase_stops = NAME_END_PUNCTUATION | self.given_names | HONORIFICS

    def _add(self, readings_of: dict[str, dict[Candidate, None]], alias: str, canonical: str, *, partial: bool,
             drop_definite: bool):
        tokens = tuple(actor_key(alias).split())
        if not tokens:
            return
        if not partial:
            self.full_names.setdefault(tokens, canonical)
        first, rest = tokens[0], tokens[1:]
        anchor = next((position for position, token in enumerate(tokens) if not _is_common_start(token)),
                      next((position for position, token in enumerate(tokens) if token not in ARABIC_STOPWORDS), 0))
        if anchor:
            # Looking such names up at every "في", "علي" (على) or "ان" would cost a lookup at
            # every tenth token: they are looked up where their first uncommon word stands.
            candidate = Candidate(tokens[anchor + 1:], canonical, partial, 0, False, tokens[:anchor])
            readings_of.setdefault(tokens[anchor], {})[candidate] = None
            return
        # A letter or two ("إل جي", "سي إن إن") with a clitic is any short word: no clitic readings.
        variants = first_token_variants(first, drop_definite) if len(first) > 2 else [(first, 0, False)]
        for variant, prefix_length, restore_alef in variants:
            candidate = Candidate(rest, canonical, partial, prefix_length, restore_alef)
            readings_of.setdefault(variant, {})[candidate] = None

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


#: Lexicon tags the recognizer sees (see ``ner_lexicon``), by gazetteer entry type.
LEXICON_TAGS = {"person": "per", "org": "org", "state": "loc", "place": "loc"}


def ner_lexicon(gaz: Gazetteer) -> dict[str, tuple[str, ...]]:
    """Normalized word -> the lexicon tags the recognizer's features use (see ``ner.token_features``).

    A word of a gazetteer name gets the entry's type tag, plus ``-first`` /
    ``-last`` for the name's first and last word; given names, role words,
    organisation heads and honorifics get tags of their own.
    """
    tags: dict[str, set[str]] = {}

    def tag(word: str, name: str) -> None:
        tags.setdefault(word, set()).add(name)

    for entry in (*gaz.entries, *({"type": "place", **place} for place in gaz.places)):
        kind = LEXICON_TAGS.get(entry.get("type", ""), "org")
        for alias in (entry["name"], *entry.get("aliases", ()), *entry.get("partial", ())):
            words = actor_key(alias).split()
            for word in words:
                tag(word, kind)
            if len(words) > 1:
                tag(words[0], kind + "-first")
                tag(words[-1], kind + "-last")
    for words, name in ((gaz.given_names, "given"), (ROLE_WORDS, "role"), (ORG_HEADS, "head"),
                        (HONORIFICS, "honorific")):
        for word in words:
            tag(word, name)
    return {word: tuple(sorted(names)) for word, names in tags.items()}


@functools.lru_cache(maxsize=1)
def gazetteer() -> Gazetteer:
    """The shipped gazetteer plus the user's (see ``datafiles``), loaded once per process."""
    given = frozenset(actor_key(name) for name in load_entries(ACTORS_FILE, "given_names"))
    return Gazetteer(load_entries(ACTORS_FILE, "actors"), given, load_entries(ACTORS_FILE, "places"))


@functools.lru_cache(maxsize=1)
def tagger() -> ner.Tagger:
    """The shipped recognizer with the gazetteer's lexicon, loaded once per process."""
    return ner.Tagger(ner.MODEL_FILE, ner_lexicon(gazetteer()))


@dataclass
class _Document:
    """One document's tokens and what has been found in it so far."""

    written: list[str]
    norm: list[str]
    gaz: Gazetteer
    counts: Counter = field(default_factory=Counter)
    first_seen: dict[str, int] = field(default_factory=dict)
    variants: dict[str, list[str]] = field(default_factory=dict)
    types: dict[str, str] = field(default_factory=dict)
    pattern_people: dict[str, tuple[str, ...]] = field(default_factory=dict)  # canonical -> tokens
    pattern_keys: dict[str, str] = field(default_factory=dict)  # actor_key -> canonical
    #: Canonical -> normalized tokens of names the recognizer found (for their other mentions).
    model_names: dict[str, tuple[str, ...]] = field(default_factory=dict)
    claimed: bytearray = field(default_factory=bytearray)  # 1 where a token belongs to a name found
    #: Gazetteer people found so far only by a surname ("كاسترو"): another person of that
    #: surname named in full in the document is the one meant (see ``_prefer_named_people``).
    surname_only: set[str] = field(default_factory=set)
    #: Each token of an organisation / person span of the recognizer -> the span's end
    #: (confirms head patterns and bounds the names patterns find).
    model_org_end: dict[int, int] = field(default_factory=dict)
    model_person_end: dict[int, int] = field(default_factory=dict)

    def __post_init__(self):
        self.claimed = bytearray(len(self.norm))

    def add(self, canonical: str, surface: str, position: int, count: int = 1, *, kind: str | None = None,
            end: int | None = None):
        if canonical in self.gaz.media or kind == PERSON and self._names_a_facility(position):
            # The words are taken, but an outlet is a source, not an actor, and
            # "مستشفى الملك فهد" is a hospital, not the king.
            if end is not None:
                self.claimed[position:end] = b"\x01" * (end - position)
            return
        self.counts[canonical] += count
        self.first_seen.setdefault(canonical, position)
        if kind is not None:
            self.types.setdefault(canonical, kind)
        if end is not None:
            self.claimed[position:end] = b"\x01" * (end - position)
        forms = self.variants.setdefault(canonical, [])
        if surface not in forms:
            forms.append(surface)

    def _names_a_facility(self, position: int) -> bool:
        if position == 0:
            return False
        before = self.norm[position - 1]
        return before in FACILITY_WORDS or before[:1] in ("و", "ب", "ل", "ف") and before[1:] in FACILITY_WORDS

    @functools.cached_property
    def vocabulary(self) -> set[str]:
        return set(self.norm)

    def is_given_name(self, position: int) -> bool:
        return self.gaz.is_given_name(self.norm[position], self.written[position])

    def is_role(self, position: int) -> bool:
        return bool(self.gaz.triggers.get(self.norm[position], 0) & ROLE)


@dataclass
class DocumentActors:
    """What one document names: actors for the facet, and every typed entity."""

    #: Canonical names of people, organisations and states, most mentioned first.
    actors: list[str]
    #: Canonical actor name -> the distinct surface forms found.
    variants: dict[str, list[str]]
    #: ``{"name", "type", "mentions"}`` for every actor, then for the other places named.
    entities: list[dict]
    #: Every entity's surface forms (``variants`` holds the actors' only).
    surfaces: dict[str, list[str]]


def find_actors(text: str, gazetteer_: Gazetteer | None = None) -> DocumentActors:
    """The actors and typed entities of one document (title and body as one text)."""
    gaz = gazetteer_ or gazetteer()
    written, norm = tokenize(text)
    doc = _Document(written, norm, gaz)
    spans = tagger().tag(norm) if norm else []
    for span in spans:
        if span.label == "ORG" or span.label == "PERS":
            ends = doc.model_org_end if span.label == "ORG" else doc.model_person_end
            for position in range(span.start, span.end):
                ends[position] = span.end
    triggers, continuations = gaz.triggers, gaz.continuations
    # Positions of the trigger tokens, computed in C: most tokens trigger nothing.
    hits = list(compress(range(len(norm)), map(triggers.__contains__, norm)))
    resume = 0  # tokens before this belong to a name already found
    for index in hits:
        if index < resume or written[index] in NOT_NAME_WRITTEN_FORMS:
            continue  # على (on) is spelled like the name علي once normalized: the commonest false hit
        kind = triggers[norm[index]]
        end = 0
        if kind & GAZETTEER_NAME:
            # Most first words of names are not followed by the rest of one: one lookup says so.
            by_next = continuations[norm[index]]
            following = index + 1
            if (None in by_next or following < len(norm) and (norm[following] in by_next
                                                                or norm[following] in QUOTES)):
                end = _match_gazetteer(doc, index, by_next)
        if not end and kind & ORG_HEAD:
            end = _match_organisation(doc, index)
        if not end and kind & STATE_FORCE:
            end = _match_state_force(doc, index)
        if not end and kind & ROLE:
            _match_role_person(doc, index)
        elif not end and kind & GIVEN_NAME and not APPOSITION_LINKS.isdisjoint(norm[index + 1:index + 6]):
            end = _match_named_before_role(doc, index)  # a name, then a link and a role
        resume = max(resume, end)
    _add_recognized(doc, spans)
    _count_repeats(doc)
    _merge_partial_people(doc)
    _prefer_named_people(doc)
    _count_surnames(doc)
    ordered = sorted(doc.counts, key=lambda name: (-doc.counts[name], doc.first_seen[name]))
    not_actors = doc.gaz.not_actors
    actors = [name for name in ordered if name not in not_actors and not _only_a_place(doc, name)]
    entities = [{"name": name, "type": doc.types.get(name, ORGANISATION), "mentions": doc.counts[name]}
                for name in ordered]
    return DocumentActors(actors, {name: doc.variants[name] for name in actors}, entities, doc.variants)


def extract_actors(text: str, gazetteer_: Gazetteer | None = None) -> tuple[list[str], dict[str, list[str]]]:
    """``(canonical names, most mentioned first; canonical -> surface forms)``."""
    found = find_actors(text, gazetteer_)
    return found.actors, found.variants


def _only_a_place(doc: _Document, name: str) -> bool:
    """A place only the recognizer knows is not an actor (nor are the gazetteer's non-state places)."""
    return name in doc.model_names and doc.types.get(name) == PLACE


# --- the recognizer's spans -------------------------------------------------------------

#: A recognized name longer than this is a phrase, not a name.
MAX_RECOGNIZED_WORDS = 6
#: Clitics the recognizer leaves on a name's first word ("وبوتين"), stripped when the rest is known.
NAME_CLITICS = ("وب", "ول", "فب", "فل", "و", "ف", "ب", "ل", "ك")
#: ال with a clitic before it: always a clitic (والجيش -> الجيش).
DEFINITE_CLITICS = ("وال", "فال", "بال", "كال")


def _is_edge_word(doc: _Document, position: int, kind: str) -> bool:
    """A word a recognized name of ``kind`` cannot start or end with."""
    token = doc.norm[position]
    if token in EDGE_WORDS or token in ROLE_WORDS or token in HONORIFICS:
        return True
    if token[:1] in ("و", "ف") and token[1:] in EDGE_WORDS or token.endswith(GLUED_DATE_WORDS):
        return True  # "وأشارت", "فقال"; "بدريالماضي" (a missing space)
    if doc.written[position] in NOT_NAME_WRITTEN_FORMS:
        return True
    if token in QUOTES or token in NAME_END_PUNCTUATION or not any(ch.isalpha() for ch in token):
        return True
    if token in PEOPLE_NOUNS or token in AMOUNT_WORDS:
        return True
    return kind == PERSON and (token in NOT_NAME_WORDS or token.startswith(("لل", "بال")))  # "جمال للإصابة"


def _add_recognized(doc: _Document, spans: list[ner.Span]) -> None:
    """Add the recognizer's names that no gazetteer entry or pattern has claimed."""
    claimed = doc.claimed
    for span in spans:
        kind = MODEL_TYPES.get(span.label)
        if kind is None or 1 in claimed[span.start:span.end]:
            continue  # MISC, or a gazetteer or pattern name is there: they know better
        start, end = span.start, span.end
        while start < end and _is_edge_word(doc, start, kind):
            start += 1
        while end > start and _is_edge_word(doc, end - 1, kind):
            end -= 1
        if kind == PERSON and start < end:
            start, end = _whole_list_item(doc, start, end)
        for piece_start, piece_end in _split_conjunctions(doc, start, end):
            _add_recognized_name(doc, piece_start, piece_end, kind, span.margin)


#: What separates the items of a list of names ("، وأحمد حسن مكي وأحمد حمودي").
#: Not a full stop or the text's edge: a headline ("محمد رمضان يتراجع") is no list.
LIST_DELIMITERS = frozenset("،,؛;")


def _whole_list_item(doc: _Document, start: int, end: int) -> tuple[int, int]:
    """A recognized person's span grown to the list item it stands in, when the recognizer cut the name short.

    "وعلي يوسف جرار،": the given name before it; "وإبراهيم أمين السيد،", "وأحمد حسن مكي وأحمد حمودي": up to
    two name words after it.  Only inside an item a delimiter (or و + a given name) closes on both sides.
    """
    norm, claimed = doc.norm, doc.claimed
    item_start, item_end = start, end
    if (start > 0 and not claimed[start - 1] and _is_given_name_with_wa(doc, start - 1)
            and _opens_list_item(doc, start - 1)):
        item_start = start - 1
    while (item_end < len(norm) and item_end - end < 2 and item_end - item_start < MAX_NAME_WORDS
           and not claimed[item_end] and _is_list_name_word(doc, item_end)):
        item_end += 1
    if (item_start, item_end) == (start, end):
        return start, end
    if not (_opens_list_item(doc, item_start) and _closes_list_item(doc, item_end)):
        return start, end
    return item_start, item_end


def _is_name_word(doc: _Document, position: int) -> bool:
    """A word a name can hold: Arabic letters, not a function word, nor a word a person's name never holds."""
    return (bool(NAME_WORD_RE.match(doc.norm[position])) and doc.norm[position] not in ARABIC_STOPWORDS
            and not _is_edge_word(doc, position, PERSON))


def _is_list_name_word(doc: _Document, position: int) -> bool:
    """A word a name in a list or after an occupation may go on with: a given name ("أمين"), a title-like surname
    ("السيد"), a word no rule knows as another kind."""
    token = doc.norm[position]
    if doc.is_given_name(position) or token in HONORIFICS:
        return bool(NAME_WORD_RE.match(token))
    # "وأحمد" starts the next item; "بقميص النصر", "للفريق": the sentence goes on.
    return not (token.startswith("و") or token[:1] in "بل" and len(token) > 3) and _is_name_word(doc, position)


def _is_given_name_with_wa(doc: _Document, position: int) -> bool:
    """"أحمد" or "وأحمد": a given name, alone or after the conjunction."""
    token, written = doc.norm[position], doc.written[position]
    if token[:1] == "و" and doc.gaz.is_given_name(token[1:], written[1:]):
        return True
    return doc.gaz.is_given_name(token, written)


def _opens_list_item(doc: _Document, position: int) -> bool:
    """A list item starts here: right after a delimiter ("... جرار، وطلال حمية")."""
    return position > 0 and doc.norm[position - 1] in LIST_DELIMITERS


def _closes_list_item(doc: _Document, position: int) -> bool:
    """A list item ends before here: at a delimiter or و + a given name."""
    if position >= len(doc.norm):
        return False
    return doc.norm[position] in LIST_DELIMITERS or (
        doc.norm[position][:1] == "و" and _is_given_name_with_wa(doc, position))


def _split_conjunctions(doc: _Document, start: int, end: int) -> list[tuple[int, int]]:
    """"كوسبي وبولانسكي": a word in و whose rest stands alone elsewhere in the document starts a new name."""
    pieces, piece_start = [], start
    for position in range(start + 1, end):
        token = doc.norm[position]
        if token.startswith("و") and len(token) > 4 and token[1:] in doc.vocabulary:
            pieces.append((piece_start, position))
            piece_start = position
    pieces.append((piece_start, end))
    return pieces


def _add_recognized_name(doc: _Document, start: int, end: int, kind: str, margin: float | None) -> None:
    norm, written = doc.norm, doc.written
    if not start < end <= start + MAX_RECOGNIZED_WORDS or any(doc.claimed[start:end]):
        return
    if any(not NAME_WORD_RE.match(norm[position]) for position in range(start, end)):
        return  # quotes, digits or Latin inside: not a name the facet can show
    first_norm, first_written = _strip_clitic(doc, norm[start], written[start])
    tokens = (first_norm, *norm[start + 1:end])
    canonical = doc.gaz.full_names.get(tokens)
    if canonical is None and kind == PERSON and len(tokens) > 1:
        # A short form the gazetteer lists ("محمد السوداني"), where a definite word before it
        # kept the gazetteer from reading it ("التقى محمد السوداني" looks like "the ... Sudanese").
        by_next = doc.gaz.continuations.get(tokens[0], {})
        canonical = next((candidate.canonical for candidate in by_next.get(tokens[1], ())
                          if candidate.partial and not candidate.prefix_length and not candidate.before
                          and candidate.rest == tokens[1:]),
                         None)
    if canonical is not None:
        doc.add(canonical, " ".join([first_written, *written[start + 1:end]]), start,
                kind=doc.gaz.types.get(canonical, kind), end=end)
        return
    if max(map(len, tokens)) < MIN_SURNAME_LETTERS:
        return  # "أف أم"
    purpose_end = _purpose_end(doc, end) if kind == ORGANISATION else end
    if purpose_end > end:
        # The recognizer ends "المنظمة التونسية" before "لمناهضة التعذيب".
        end = purpose_end
        tokens = (first_norm, *norm[start + 1:end])
    if len(tokens) == 1 and ((margin is not None and margin < MIN_SINGLE_WORD_MARGIN)
                             or (kind == PERSON and first_norm.startswith(DEFINITE))
                             or _is_state_adjective(doc.gaz, first_norm, definite=False)):
        return  # a lone word the recognizer is unsure of is more often a common word; "روسي" is a nationality
    if kind == ORGANISATION and (tokens[0] in MEDIA_HEADS or "الانباء" in tokens or "للانباء" in tokens):
        return  # a news outlet cited as a source, not an actor
    if kind == ORGANISATION and _is_generic_organisation(tokens):
        return
    if any(token in CURRENCIES for token in tokens):
        return  # "مليار دينار كويتي", "بليون دولار": an amount, not a person
    surface = " ".join([first_written, *written[start + 1:end]])
    if _names_an_outlet(surface):
        return
    canonical = doc.pattern_keys.setdefault(" ".join(tokens), surface)
    doc.model_names.setdefault(canonical, tokens)
    if kind == PERSON and len(tokens) > 1:
        doc.pattern_people.setdefault(canonical, tokens)
    doc.add(canonical, surface, start, kind=kind, end=end)


def _is_generic_organisation(tokens: tuple[str, ...]) -> bool:
    """A head alone, or a head with indefinite adjectives ("منظمة إرهابية", "جماعة مسلحة"): a kind, not a name.

    So is a body's word alone ("الأمن", "الحكومة") or before an indefinite word ("الاتحاد قفز", "المنظمة زكي
    حسنين": the sentence goes on).
    """
    if tokens[0] in GENERIC_BODIES and (len(tokens) == 1 or not _is_definite(tokens[1])):
        return True
    return tokens[0] in ORG_HEADS and all(
        not _is_definite(token) and token.endswith(("يه", "ي", "ه")) for token in tokens[1:])


def _purpose_end(doc: _Document, end: int) -> int:
    """Where an organisation's name that ends before ``end`` ends with the purpose phrase after it, if one follows.

    "للهندسة والمقاولات": لل + a purpose noun, then definite words or و + definite words; "لرصد انتهاكات
    حقوق الإنسان": ل + a purpose noun, indefinite words of the construct, ended by a definite word.
    """
    norm, claimed = doc.norm, doc.claimed
    if end >= len(norm) or claimed[end]:
        return end
    token = norm[end]
    if token.startswith("لل") and token[2:] in PURPOSE_NOUNS:
        last = end + 1
    elif token.startswith("ل") and token[1:] in CONSTRUCT_PURPOSE_NOUNS:
        last = None
    else:
        return end
    position = end + 1
    while position < len(norm) and position - end < MAX_PURPOSE_WORDS and not claimed[position]:
        if not _is_name_word(doc, position):
            break
        word = norm[position]
        if word.startswith(DEFINITE) or last == position and word.startswith("و" + DEFINITE):
            last = position + 1
        elif last is not None:
            break  # past the construct's definite word, an indefinite word is the sentence going on
        position += 1
    return end if last is None else last


def _named_for_purpose(doc: _Document, position: int) -> list[int]:
    """"شركة ماهر للتجارة", "معهد الأمير سلطان لأبحاث ...": one or two name words before a purpose (their positions)."""
    for end in (position + 1, position + 2):
        if end > len(doc.norm) or not (_is_name_word(doc, end - 1) or doc.norm[end - 1] in HONORIFICS):
            return []
        if _is_indefinite_adjective(doc, end - 1):
            return []  # "مركز إقليمي للخدمات المالية", "شركة صينية للاتصالات": a kind of centre or company
        if _purpose_end(doc, end) > end:
            return list(range(position, end))
    return []


def _is_indefinite_adjective(doc: _Document, position: int) -> bool:
    """"إقليمي", "عالمية", "صينية": a relative adjective without ال; not a name ("علي", "أبوظبي", "جدوى")."""
    token = doc.norm[position]
    return (not _is_definite(token) and doc.written[position].endswith(("ي", "ية", "يه"))
            and not doc.is_given_name(position) and token not in tagger().lexicon)


def _strip_clitic(doc: _Document, token: str, written: str) -> tuple[str, str]:
    """``(normalized, written)`` of a name's first word without the clitic the recognizer kept."""
    for clitic in DEFINITE_CLITICS:
        if token.startswith(clitic):
            return token[1:], written[1:]
    if token.startswith("لل") and len(token) > 4:
        return "ا" + token[1:], "ا" + written[1:]
    # A gazetteer name's first word as written, not its clitic forms ("وأحمد" is a form of "أحمد ...").
    if doc.gaz.is_given_name(token, written) or token in doc.gaz.written_first_words:
        return token, written
    for clitic in NAME_CLITICS:
        rest = token[len(clitic):]
        if token.startswith(clitic) and len(rest) >= MIN_SURNAME_LETTERS and (
            rest in doc.vocabulary or rest in doc.gaz.given_names or rest in doc.gaz.continuations
        ):
            return rest, written[len(clitic):]
    return token, written


def _count_repeats(doc: _Document) -> None:
    """A name the recognizer found once counts at its other mentions, with their clitics."""
    if not doc.model_names:
        return
    starts: dict[str, list[tuple[tuple[str, ...], str, int]]] = {}
    for canonical, tokens in doc.model_names.items():
        for form, clitic_length in clitic_forms(tokens[0]):
            starts.setdefault(form, []).append((tokens[1:], canonical, clitic_length))
    norm, written, claimed = doc.norm, doc.written, doc.claimed
    for index in compress(range(len(norm)), map(starts.__contains__, norm)):
        if claimed[index]:
            continue
        for rest, canonical, clitic_length in sorted(starts[norm[index]], key=lambda item: -len(item[0])):
            end = index + 1 + len(rest)
            if tuple(norm[index + 1:end]) == rest and not any(claimed[index:end]):
                surface = " ".join([written[index][clitic_length:], *written[index + 1:end]])
                doc.add(canonical, surface, index, end=end)
                break


def _merge_partial_people(doc: _Document) -> None:
    """A shorter form of a person's name in the same document is that person (شياع السوداني, محمد السوداني)."""
    people = {name: tuple(actor_key(name).split()) for name, kind in doc.types.items() if kind == PERSON}
    if len(people) < 2:
        return
    for short, tokens in sorted(people.items(), key=lambda item: len(item[1])):
        for full, full_tokens in people.items():
            if full == short or len(full_tokens) <= len(tokens) or full not in doc.counts:
                continue
            suffix = full_tokens[-len(tokens):] == tokens
            first_and_last = len(tokens) == 2 and tokens == (full_tokens[0], full_tokens[-1])
            if suffix or first_and_last:
                _move_mentions(doc, short, full)
                break


def _inside_longer_person(doc: _Document, start: int, end: int) -> bool:
    """The recognizer reads ``start:end`` as part of a longer person's name."""
    ends = doc.model_person_end
    span_end = ends.get(start)
    return span_end is not None and (span_end > end or ends.get(start - 1) == span_end)


def _prefer_named_people(doc: _Document) -> None:
    """"كاسترو" after "ماوريسيو كاسترو" is that Castro, not the gazetteer's: the document's full name wins."""
    for canonical in doc.surname_only:
        if canonical not in doc.counts:
            continue
        surnames = {actor_key(form).split()[-1] for form in doc.variants[canonical]}
        for name, kind in list(doc.types.items()):
            if (kind == PERSON and name != canonical and name in doc.counts and " " in name
                    and actor_key(name).split()[-1] in surnames):
                _move_mentions(doc, canonical, name)
                break


def _move_mentions(doc: _Document, source: str, target: str) -> None:
    doc.counts[target] += doc.counts.pop(source)
    doc.first_seen[target] = min(doc.first_seen[target], doc.first_seen.pop(source))
    for form in doc.variants.pop(source):
        if form not in doc.variants[target]:
            doc.variants[target].append(form)
    doc.pattern_people.pop(source, None)
    doc.model_names.pop(source, None)
    doc.types.pop(source, None)


def _next_word(norm: list[str], position: int) -> int:
    """The index of the next token that is not a quote mark (names are often quoted)."""
    while position < len(norm) and norm[position] in QUOTES:
        position += 1
    return position


def _match_gazetteer(doc: _Document, index: int, by_next: dict[str | None, list[Candidate]]) -> int:
    """The gazetteer name read at ``index`` (``by_next``: the readings of its word); the token after it, or 0."""
    norm, written = doc.norm, doc.written
    following = _next_word(norm, index + 1)
    longer = by_next.get(norm[following], ()) if following < len(norm) else ()
    for candidate in chain(longer, by_next.get(None, ())):
        start, prefix_length = index, candidate.prefix_length
        if candidate.before:
            start = index - len(candidate.before)
            if start < 0 or doc.claimed[start] or tuple(norm[start + 1:index]) != candidate.before[1:]:
                continue
            prefix_length = _clitic_before(norm[start], candidate.before[0])
            if prefix_length is None:
                continue
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
        if candidate.partial and (start > 0 and _reads_as_adjective(norm, start) or _has_adjective(norm, position)):
            return 0
        if (candidate.partial and prefix_length and candidate.canonical not in doc.counts
                and norm[start][prefix_length:] not in doc.vocabulary):
            continue  # "برايس" is ب + رايس only where رايس (or the whole name) is written elsewhere
        if candidate.partial and _inside_longer_person(doc, start, position):
            return 0  # the surname ends a longer name read here ("ماوريسيو فيرناندو كاسترو"), not Fidel's
        if candidate.partial and candidate.canonical not in doc.counts:
            doc.surname_only.add(candidate.canonical)
        elif not candidate.partial:
            doc.surname_only.discard(candidate.canonical)
        first = written[start][prefix_length:]
        if candidate.restore_alef:
            first = "ا" + first
        surface = " ".join([first, *(word for word in written[start + 1 : position] if word not in QUOTES)])
        doc.add(candidate.canonical, surface, start, kind=doc.gaz.types[candidate.canonical], end=position)
        return position
    return 0


def _is_common_start(token: str) -> bool:
    """A word too common to look a name up at ("في", "علي" as على once normalized, "سي")."""
    return token in ARABIC_STOPWORDS or len(token) <= 2


def _clitic_before(token: str, first: str) -> int | None:
    """How many clitic letters ``token`` has before ``first`` ("وعلي" -> 1), or None if it is not ``first``."""
    for prefix in CLITIC_PREFIXES:
        if token.startswith(prefix) and token[len(prefix):] == first:
            return len(prefix)
    return None


def _reads_as_adjective(norm: list[str], index: int) -> bool:
    """"الجيش السوداني": a surname after a definite word is an adjective, not the person."""
    return norm[index - 1].startswith(DEFINITE) and not norm[index].startswith(("و", "ل", "ب"))


def _has_adjective(norm: list[str], position: int) -> bool:
    """"القاعدة الجوية": a short name before a definite feminine adjective is a common noun."""
    return position < len(norm) and norm[position].startswith(DEFINITE) and norm[position].endswith("يه")


def _is_definite(token: str) -> bool:
    """ال with or without a clitic before it: الحكومة, والحكومة, بالانتخابات, للتحالف."""
    return token.startswith(DEFINITE) or token.startswith("لل") or (token[:1] in "وفبك" and token[1:3] == DEFINITE)


def _ends_name(doc: _Document, position: int) -> bool:
    """Punctuation, a function word, a date or a prepositional phrase ("بتكليف", "بالعاصمة") ends a name."""
    token = doc.norm[position]
    return (
        token in NAME_END_PUNCTUATION or token in QUOTES or token in NOT_NAME_WORDS or token in EDGE_WORDS
        or token.endswith(GLUED_DATE_WORDS) or doc.written[position] in NOT_NAME_WRITTEN
        or (token.startswith("بت") and len(token) >= 5) or token.startswith("بال")
    )


def _name_at(doc: _Document, start: int) -> tuple[int, int] | None:
    """``(start, end)`` of a personal name at ``start``, ending at punctuation or a function word."""
    norm, written = doc.norm, doc.written
    position = start
    if position < len(norm) and norm[position] in HONORIFICS:
        position += 1
    first = position
    while position < len(norm) and position - first < MAX_NAME_WORDS:
        token = norm[position]
        if _ends_name(doc, position):
            break
        if not NAME_WORD_RE.match(token) or doc.gaz.triggers.get(token, 0) & (ROLE | ORG_HEAD):
            return None  # "المتحدث باسم وزارة الدفاع": a name holds no role or organisation word
        position += 1
    if position - first < MIN_NAME_WORDS:
        return None
    if position < len(norm) and not _ends_name(doc, position):
        return None  # ran past MAX_NAME_WORDS without a boundary: a clause, not a name
    if _is_definite(norm[first]) or norm[first] in NOT_NAME_WORDS:
        return None
    # A noun phrase after a comma ("، والجميع يعلم") is not a name: a name
    # starts with a known given name or ends with a family name in ال.
    if not doc.is_given_name(first) and not norm[position - 1].startswith(DEFINITE):
        return None
    if not doc.is_given_name(first) and _names_non_person(doc.gaz, norm[position - 1]):
        return None  # "الرئيس، وانتخاب أعضاء الفيفا": the word in ال names an organisation, not a family
    return first, position


def _names_non_person(gaz: Gazetteer, token: str) -> bool:
    """Is ``token`` alone the name of a gazetteer organisation or place ("الفيفا", "العراق")?"""
    canonical = gaz.full_names.get((token,))
    return canonical is not None and gaz.types[canonical] != PERSON


def _add_person(doc: _Document, span: tuple[int, int] | None) -> int:
    if span is None:
        return 0
    first, end = span
    model_end = doc.model_person_end.get(first)
    if model_end is not None and first + MIN_NAME_WORDS <= model_end < end:
        end = model_end  # "ستيفن منوتشين فرض عقوبات": the recognizer ends the name before the verb
    tokens = tuple(doc.norm[first:end])
    if tokens in doc.gaz.full_names:
        return 0  # the gazetteer pass counts it when the scan gets there
    surface = " ".join(doc.written[first:end])
    canonical = doc.pattern_keys.setdefault(" ".join(tokens), surface)
    doc.pattern_people[canonical] = tokens
    doc.add(canonical, surface, first, kind=PERSON, end=end)
    return end


def _match_role_person(doc: _Document, index: int) -> int:
    """A person named after a role: after a comma, or a known given name right after the role phrase."""
    norm, stops = doc.norm, doc.gaz.role_phrase_stops
    # An occupation names its person right away ("المخرج الإيراني أصغر ..."), never after a clause and a comma.
    occupation = norm[index][doc.gaz.head_length[norm[index]]:] in OCCUPATION_WORDS
    limit = min(len(norm), index + 1 + (MAX_OCCUPATION_PHRASE_TOKENS if occupation else MAX_ROLE_PHRASE_TOKENS))
    for position in range(index + 1, limit):
        token = norm[position]
        if token not in stops:
            continue
        if token in ("،", ","):
            return 0 if occupation else _add_person(doc, _name_at(doc, position + 1))
        if token in NAME_END_PUNCTUATION:
            return 0
        if doc.is_given_name(position) or token in HONORIFICS:
            if token in doc.gaz.continuations:
                return 0  # a gazetteer name (محمد السوداني) is counted by the gazetteer pass
            span = _name_at(doc, position)
            if span and occupation:
                span = _occupation_name(doc, *span)
            if span:
                return _add_person(doc, span)
    return 0


def _occupation_name(doc: _Document, start: int, end: int) -> tuple[int, int] | None:
    """An occupation's person is a given name and a surname, or three names when the second is a given name too.

    Culture and sports pages go on with verbs and nouns no function word stops ("مديحة يسري هددها").
    """
    longest = 3 if start + 1 < end and doc.is_given_name(start + 1) else 2
    name_end = start + 1
    while name_end < min(end, start + longest) and _is_list_name_word(doc, name_end):
        name_end += 1
    if name_end - start < MIN_NAME_WORDS:
        return None
    # A name is written again, or the recognizer reads a person there; "شاكر ألمح" is a sentence going on.
    if doc.model_person_end.get(start) is None:
        norm, tokens = doc.norm, doc.norm[start:name_end]
        if not any(norm[position:position + len(tokens)] == tokens
                   for position in range(len(norm)) if position != start and norm[position] == tokens[0]):
            return None
    return start, name_end


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
    quoted = True
    if position < len(norm) and norm[position] in QUOTES:
        position += 1
        while position < len(norm) and norm[position] not in QUOTES and len(words) < MAX_ORG_WORDS:
            if not NAME_WORD_RE.match(norm[position]):
                return 0
            words.append(position)
            position += 1
        if position >= len(norm) or norm[position] not in QUOTES or head in PURPOSE_ONLY_HEADS:
            return 0
        position += 1
    elif head not in QUOTED_ONLY_HEADS:
        quoted = False
        if head in PLACE_BOUND_HEADS:  # شرطة دبي, شرطة منطقة الرياض, جامعة لوس أنجلوس: a place need not be definite
            words = list(range(position, position + _place_words(norm[position:position + 4])))
            position += len(words)
        named_by_place = head in PLACE_NAMED_HEADS and bool(words)  # "شرطة الرياض" ends at the place
        coordinated = head in COORDINATED_NAME_HEADS
        longest = MAX_COORDINATED_ORG_WORDS if coordinated else MAX_ORG_WORDS
        while (not named_by_place and position < len(norm) and len(words) < longest
               and (norm[position].startswith(DEFINITE)
                    or coordinated and words and norm[position].startswith("و" + DEFINITE)
                    and norm[position][1:] in MINISTRY_PORTFOLIOS
                    and not any(norm[word].startswith("و") for word in words)
                    and not _is_country_adjective(norm[words[-1]]))):
            token = norm[position]
            # "مجلس الوزراء اليوم", "وزارة الداخلية اللواء ...", "هيئة الرئيس": the name has ended.
            if (token in ORG_END_WORDS or token in HONORIFICS or token in ROLE_WORDS or token in EDGE_WORDS
                    or written[position] in NOT_NAME_WRITTEN):
                break
            words.append(position)
            position += 1
    if not words and head in PURPOSE_HEADS:
        words = _named_for_purpose(doc, position)
        position += len(words)
    if not words:
        return 0
    if not quoted and gaz.full_names.get((head, *(norm[word] for word in words))) is None:
        # Head + definite words name an organisation when the recognizer reads one
        # there (and then end where it ends: "مجلس الوزراء الموافقة"), when the
        # last word is a country's adjective (وزارة الخارجية العراقية), or when a
        # purpose follows (شركة الإنماء للهندسة); "حركة المسافرين", "حركة الرياح
        # السطحية" are not names.
        model_end = None if head in PURPOSE_HEADS else doc.model_org_end.get(index)
        if model_end is not None:
            words = [word for word in words if word < model_end]
            if not words:
                return 0
            position = words[-1] + 1
        purpose_end = _purpose_end(doc, position)
        if model_end is None and not (
                named_by_place or head not in PURPOSE_HEADS and _is_country_adjective(norm[words[-1]])
                or head in SELF_NAMING_HEADS and norm[words[0]] not in GENERIC_PLACE_WORDS or purpose_end > position):
            return 0  # "شرطة المرور"; "بلدية المحافظة", "بلدية المدينة": the town's municipality, unnamed
        words += range(position, purpose_end)
        position = purpose_end
    # "مديرية الدفاع المدني بمنطقة جازان": a regional office's name ends with its region.
    if position < len(norm) and norm[position] in REGION_LINKS:
        place = _place_words(norm[position + 1:position + 5])
        if place:
            words += range(position, position + 1 + place)
            position += 1 + place
    # شركة "كامبريدج أناليتيكا" is named by its quoted words; كتائب "سيد الشهداء", with its head.
    start = words[0] if quoted and head in PURPOSE_HEADS else index
    tokens = tuple(norm[word] for word in words) if start != index else (head, *(norm[word] for word in words))
    surface = " ".join([*([written[index][clitic_length:]] if start == index else ()),
                        *(written[word] for word in words)])
    canonical = gaz.full_names.get(tokens)
    if canonical is None:
        if tokens[:2] in GENERIC_ORGANISATIONS or _names_an_outlet(surface):
            return 0  # a news outlet cited as a source, not an actor
        canonical = doc.pattern_keys.setdefault(" ".join(tokens), surface)
    doc.add(canonical, surface, start, kind=gaz.types.get(canonical, ORGANISATION), end=position)
    return position


def _match_state_force(doc: _Document, index: int) -> int:
    """"البحرية المصرية", "خفر السواحل الماليزية", "الحرس الوطني": a state's force, named by its adjective."""
    norm, written = doc.norm, doc.written
    first, clitic_length, restore_alef = doc.gaz.force_forms[norm[index]]
    body = STATE_BODIES[first]
    position = index + 1
    if body.middle is not None:
        while position < len(norm) and norm[position] in body.middle and position - index < 3:
            position += 1
    else:
        while (position < len(norm) and position - index < 3 and norm[position].startswith(DEFINITE)
               and norm[position].endswith("يه" if body.feminine else "ي") and norm[position] not in NOT_NAME_WORDS
               and not _is_state_adjective(doc.gaz, norm[position])):
            position += 1
        if (position == index + 1 and body.needs_middle
                and not (position < len(norm) and _is_state_adjective(doc.gaz, norm[position])
                         and _purpose_end(doc, position + 1) > position + 1)):
            return 0  # "اللجنة السعودية" is some Saudi committee; "الاتحاد الصيني لشركات ..." is named
    tokens = (first, *norm[index + 1:position])
    # The adjective agrees with the force ("البحرية المصرية", "الجيش المصري"); one that does not
    # describes a noun before it ("جهاز المخابرات الإسرائيلي").
    if (position < len(norm) and _is_state_adjective(doc.gaz, norm[position])
            and (body.feminine is None or norm[position].endswith("يه") == body.feminine)):
        tokens += (norm[position],)
        position += 1
    elif tokens not in NAMED_FORCES:
        return 0
    canonical = doc.gaz.full_names.get(tokens)
    if canonical is None and body.needs_middle:
        position = _purpose_end(doc, position)
        tokens = (first, *norm[index + 1:position])
    surface = written[index][clitic_length:]
    surface = " ".join(["ا" + surface if restore_alef else surface, *written[index + 1:position]])
    canonical = canonical or doc.pattern_keys.setdefault(" ".join(tokens), surface)
    doc.add(canonical, surface, index, kind=doc.gaz.types.get(canonical, ORGANISATION), end=position)
    return position


def _adjective_bases(word: str, definite: bool = True) -> tuple[str, ...]:
    """The place names an adjective may derive from ("العراقيه" -> العراق, "الروسي" -> روسيا); () if none."""
    if definite and not word.startswith(DEFINITE):
        return ()
    core = word[len(DEFINITE):] if definite else word
    for suffix in ("يه", "ي"):
        if core.endswith(suffix):
            core = core[: -len(suffix)]
            break
    else:
        return ()
    # السعودية is both the state and its adjective (السعودي its masculine); العراقية, الأمريكية derive from one.
    return word, core, DEFINITE + core, DEFINITE + core + "يه", core + "ا", core + "يا"


def _is_state_adjective(gaz: Gazetteer, word: str, definite: bool = True) -> bool:
    """"المصرية", "الروسي", "الأمريكية" (or without ال): the adjective of a state, not of any place ("الإقليمي")."""
    states = gaz.state_names
    return any(form in states for form in _adjective_bases(word, definite))


def _is_country_adjective(word: str) -> bool:
    """"العراقيه", "الامريكي", "المصريه": the adjective of a place the lexicon knows."""
    lexicon = tagger().lexicon
    return any("loc" in lexicon.get(form, ()) for form in _adjective_bases(word))


def _place_words(tokens: list[str]) -> int:
    """How many of ``tokens`` name a place the lexicon knows: "الرياض" 1, "المنطقة الشرقية" 2, "المرور" 0."""
    lexicon = tagger().lexicon
    if not tokens:
        return 0
    start = 1 if tokens[0] in REGION_WORDS else 0
    if start >= len(tokens) or "loc" not in lexicon.get(tokens[start], ()):
        return 0
    end = start + 1
    if "loc-first" in lexicon[tokens[start]]:  # a place of several words ("لوس أنجلوس") goes on to its last
        while end < len(tokens) and end - start < 3 and "loc-last" in lexicon.get(tokens[end], ()):
            end += 1
        while end > start + 1 and tuple(tokens[start:end]) not in gazetteer().full_names:
            end -= 1
        if tuple(tokens[start:end]) not in gazetteer().full_names:
            return 0  # "ولاية" begins place names ("ولاية نيوجيرسي") but is none by itself
    return end


@functools.lru_cache(maxsize=65536)
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


def actor_variant_key(name: str) -> str:
    """``resolve.variant_key`` with the gazetteer's given names (which keep their vowels)."""
    return variant_key(name, gazetteer().given_names)


def resolve_actor_names(documents) -> dict[tuple[str, str | None], str]:
    """``resolve.resolve_names`` with the gazetteer's canonical and given names: ``(name, type) -> canonical``.

    ``documents``: ``(name, type) -> number of documents``; type ``person``, ``organisation``,
    ``place`` or None.
    """
    gaz = gazetteer()
    return resolve_names(documents, frozenset(gaz.types), gaz.given_names)


@dataclass
class ActorSummary:
    """One actor across documents, for ``fahras actors``."""

    name: str
    documents: int
    variants: list[str]
    #: ``person``, ``organisation`` or ``place``; None when neither the records nor the gazetteer say.
    type: str | None = None


def summarize_actors(records) -> list[ActorSummary]:
    """Merge the actors of many records (anything with ``actors`` and ``actor_variants``).

    Names are merged by ``resolve.resolve_names`` (spellings, transliterations,
    nasab, and for people the shorter forms of one full name), with the type
    each record's ``entities`` give, else the gazetteer's; the name shown is
    the gazetteer's or the one most documents used.  Sorted by document
    count, then name.
    """
    known_types = gazetteer().types
    documents: Counter = Counter()
    variants: dict[tuple[str, str | None], list[str]] = {}
    keys_per_record = []
    for record in records:
        types = {entity["name"]: entity["type"] for entity in getattr(record, "entities", None) or ()}
        keys = [(name, types.get(name) or known_types.get(name)) for name in dict.fromkeys(record.actors)]
        keys_per_record.append(keys)
        for key in keys:
            documents[key] += 1
            forms = variants.setdefault(key, [])
            for form in (key[0], *record.actor_variants.get(key[0], ())):
                if form not in forms:
                    forms.append(form)
    canonical = resolve_actor_names(documents)
    merged: dict[tuple[str, str | None], ActorSummary] = {}
    for key in documents:
        summary = merged.setdefault((canonical[key], key[1]), ActorSummary(canonical[key], 0, [], key[1]))
        for form in variants[key]:
            if form not in summary.variants:
                summary.variants.append(form)
    for keys in keys_per_record:  # a record whose two names resolve to one actor counts once
        for target in {(canonical[key], key[1]) for key in keys}:
            merged[target].documents += 1
    summaries = list(merged.values())
    summaries.sort(key=lambda summary: (-summary.documents, summary.name))
    return summaries
