"""Actors: gazetteer names with clitics and spellings, role and head patterns, variants, no junk."""

import datetime as dt
import json
from pathlib import Path

import pytest

from indexer.ingest import actors as actors_module
from indexer.ingest import iter_records
from indexer.ingest.actors import actor_key, extract_actors, quick_normalize, tokenize
from indexer.ingest.sources import outlet_signatures
from indexer.text.normalize import normalize_with_digits

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def names(text):
    return extract_actors(text)[0]


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("قال المتحدث باسم البنتاجون إن", "البنتاغون"),
        ("أعلن البنتاغون أمس", "البنتاغون"),
        ("وأكدت وزارة الدفاع الأميركية أن", "البنتاغون"),
        ("وصل الوفد إلى أمريكا", "الولايات المتحدة"),
        ("وصل الوفد إلى أميركا", "الولايات المتحدة"),
        ("قصف مواقع لداعش", "تنظيم الدولة الإسلامية"),
        ("مقاتلو تنظيم “الدولة الإسلامية” في البادية", "تنظيم الدولة الإسلامية"),
        ("هاجمت للحوثيين سفنا", "الحوثيون"),
        ("قالت جماعة أنصار الله إن", "الحوثيون"),
        ("التقى محمد السوداني الوفد", "محمد شياع السوداني"),
        ("وقال السوداني إن", "محمد شياع السوداني"),
        ("أعلنت إسرائيل", "إسرائيل"),
        ("أعلنت اسرائيل", "إسرائيل"),
        ("دعت كتائب “حزب الله” العراقية", "كتائب حزب الله"),
    ],
)
def test_variants_resolve_to_one_canonical_name(text, canonical):
    assert canonical in names(text)


def test_variants_of_one_actor_are_recorded():
    found, variants = extract_actors("قال البنتاجون إن. ثم أكد البنتاغون أن. وذكرت وزارة الدفاع الأمريكية")
    assert found == ["البنتاغون"]
    assert variants["البنتاغون"] == ["البنتاجون", "البنتاغون", "وزارة الدفاع الأمريكية"]


def test_variants_resolve_across_seeds():
    records = {r.id[:3]: r for r in iter_records([SEEDS], reference_date=dt.date(2024, 9, 20))}
    # البنتاجون (001) and البنتاغون / وزارة الدفاع الأميركية (004) are one actor.
    assert "البنتاجون" in records["001"].actor_variants["البنتاغون"]
    assert "البنتاغون" in records["004"].actor_variants["البنتاغون"]
    # أمريكا (000) and أميركا-style spellings, with and without ال, are the United States.
    assert "أمريكا" in records["000"].actor_variants["الولايات المتحدة"]
    # السوداني alone, محمد السوداني and the full name are one person.
    assert "السوداني" in records["000"].actor_variants["محمد شياع السوداني"]
    assert "محمد شياع السوداني" in records["004"].actor_variants["محمد شياع السوداني"]
    # داعش = تنظيم الدولة الإسلامية = تنظيم الدولة.
    assert "داعش" in records["000"].actor_variants["تنظيم الدولة الإسلامية"]
    assert "تنظيم الدولة" in records["001"].actor_variants["تنظيم الدولة الإسلامية"]


@pytest.mark.parametrize(
    ("text", "person"),
    [
        ("بداية، يقول الخبير الأمني العراقي، مخلد حازم الدرب: \"على ما يبدو\"", "مخلد حازم الدرب"),
        ("وقال القيادي في “المقاومة الإسلامية”، علي الطائي، إن التصريحات", "علي الطائي"),
        ("بعد جولة الحوار التي قام بها وزير الدفاع ثابت العباسي في واشنطن", "ثابت العباسي"),
        ("ويقول المحلل السياسي، جمعة الدليمي، إن", "جمعة الدليمي"),
        ("عشية الهجوم ألمح مهدي الكعبي، عضو حركة النجباء، بان", "مهدي الكعبي"),
        ("رأى المسؤول الإعلامي لكتائب \"سيد الشهداء\" العراقية، الشيخ كاظم الفرطوسي، أن", "كاظم الفرطوسي"),
        ("وفق مقال نشره جوش روجين وهو كاتب متخصص", "جوش روجين"),
    ],
)
def test_people_introduced_by_roles(text, person):
    assert person in names(text)


def test_surname_alone_counts_for_the_person_found_by_a_role():
    found, variants = extract_actors(
        "يقول المستشار العسكري العراقي السابق، صفاء الأعسم: \"كلام\". وأضاف الأعسم أن. وتابع الأعسم: \"نعم\"."
    )
    assert found == ["صفاء الأعسم"]
    assert variants["صفاء الأعسم"] == ["صفاء الأعسم", "الأعسم"]


@pytest.mark.parametrize(
    ("text", "organisation"),
    [
        ("حسبما ذكرت وزارة الخارجية العراقية في بيان", "وزارة الخارجية العراقية"),
        ("أعلنت حركة النجباء", "حركة النجباء"),
        ("قال مسؤول في كتائب \"سيد الشهداء\" إن", "كتائب سيد الشهداء"),
        ("أصدر حزب “التقدم” بيانا", "حزب التقدم"),
        # A municipality or university with its name; police and city offices with a place.
        ("وقالت بلدية القيصومة إن", "بلدية القيصومة"),
        ("وقالت بلدية غزة إن", "بلدية غزة"),
        ("أعلنت شرطة الرياض القبض على المتهم", "شرطة الرياض"),
        ("وقالت شرطة منطقة الرياض إن", "شرطة منطقة الرياض"),
        ("أعلنت شرطة دبي", "شرطة دبي"),
        ("وقالت أمانة المنطقة الشرقية إن", "أمانة المنطقة الشرقية"),
    ],
)
def test_organisations_by_their_heads(text, organisation):
    assert organisation in names(text)


@pytest.mark.parametrize(
    "text",
    [
        "قال الخبير إن الحكومة لم ترد. وأضاف المصدر أن الوضع هادئ.",
        "القائد الرئيس للتحالف، والجميع يعلم أنها ترعى الأمن",  # a clause after a comma is not a name
        "تحديد عدد ولايات الرئيس، وانتخاب أعضاء الفيفا من قبل الجمعية",  # ends in an organisation, not a family
        "نقلت وكالة “رويترز” عن مصادر. وقال لـ”رويترز” إن",  # outlets cited are not actors
        "ونقلت وكالة الأنباء العراقية الرسمية عن الوزارة",
        "بدأت تعزيز القوات ضمن كتائب المدفعية الميدانية",  # a generic unit, not a named group
        "هجوم على القاعدة الجوية في عين الأسد",  # القاعدة (the base) is not al-Qaeda
        "قال الجيش السوداني إن",  # السوداني after a definite noun is an adjective
        "وكان يسير على الطريق علي مهل",
        "ونظمت شرطة المرور حملة في شرطة منطقة بعيدة",  # police by a common noun, not a place
        "وصلت الشرطة، ثم غادرت بلدية",  # a head as the last word
        "وقالت شرطة منطقة",
    ],
)
def test_no_junk(text):
    found = names(text)
    assert not ({"الخبير", "المصدر", "الحكومة", "وأضاف", "رويترز", "وكالة رويترز", "تنظيم القاعدة",
                 "محمد شياع السوداني", "والجميع يعلم", "كتائب المدفعية", "وانتخاب أعضاء الفيفا"} & set(found)), found
    assert not any(name.startswith(("وكالة", "الوزارة")) for name in found), found


def test_tokens_stay_aligned_with_their_written_form():
    written, normalized = tokenize("قال لـ“البنتاجون”، مُسَيَّرَة العـــراق ٢٠٢٤ (واع).")
    assert len(written) == len(normalized)
    assert normalized[normalized.index("البنتاغون")] == "البنتاغون"
    assert written[normalized.index("البنتاغون")] == "البنتاجون"
    assert "مسيره" in normalized and "2024" in normalized and "العراق" in normalized


@pytest.mark.parametrize("text", ["أُعلن في العـراق", "ﻻ إله", "گزارش ی", "٢٠٢٤ إيران", "امريكا أميركا مستشفى"])
def test_quick_normalize_matches_normalize_on_arabic(text):
    # The fast path must give the gazetteer's keys: normalize_with_digits (plus spelling folds).
    assert quick_normalize(text).split() == actor_key(text).split()
    assert quick_normalize(text).split() == normalize_with_digits(text).replace("اميرك", "امريك").split()


def test_user_gazetteer_extends_the_shipped_one(tmp_path, monkeypatch):
    (tmp_path / "actors.json").write_text(
        json.dumps({"actors": [{"name": "نقابة المعلمين العراقيين", "type": "org", "aliases": ["نقابة المعلمين"]}]},
                   ensure_ascii=False),
        encoding="utf-8",
    )
    monkeypatch.setenv("FAHRAS_DATA_DIR", str(tmp_path))
    actors_module.gazetteer.cache_clear()
    try:
        found = names("أعلنت نقابة المعلمين إضرابا. وقال السوداني إن")
        assert found == ["نقابة المعلمين العراقيين", "محمد شياع السوداني"]
    finally:
        actors_module.gazetteer.cache_clear()


def test_outlet_signatures_are_user_extendable(tmp_path, monkeypatch):
    (tmp_path / "outlets.json").write_text(
        json.dumps({"outlets": [{"name": "Baghdad Today", "aliases": ["بغداد اليوم"], "domains": ["baghdadtoday.news"]}]},
                   ensure_ascii=False),
        encoding="utf-8",
    )
    monkeypatch.setenv("FAHRAS_DATA_DIR", str(tmp_path))
    outlet_signatures.cache_clear()
    try:
        assert outlet_signatures().detect(["خبر", "نص"], "https://baghdadtoday.news/1")[0] == "Baghdad Today"
        assert outlet_signatures().canonical("Sky News Arabia") == "Sky News Arabia"
    finally:
        outlet_signatures.cache_clear()


def test_summarize_actors_merges_spellings_across_documents():
    from indexer.ingest.actors import summarize_actors
    from indexer.records import Record

    def record(text):
        found, variants = extract_actors(text)
        return Record(id=text[:5], path="p", title="", body=text, actors=found, actor_variants=variants)

    summaries = summarize_actors([
        record("قال المحلل السياسي، أحمد الشمري، إن. وأضاف الشمري أن. وقال البنتاجون"),
        record("قال المحلل السياسي، أحمد الشّمري، إن الأمر انتهى. وأكد البنتاغون"),
        record("أعلن البنتاغون"),
    ])
    by_name = {summary.name: summary for summary in summaries}
    assert summaries[0].name == "البنتاغون" and summaries[0].documents == 3
    assert set(by_name["البنتاغون"].variants) == {"البنتاغون", "البنتاجون"}
    (shammari,) = [summary for summary in summaries if summary.name.startswith("أحمد")]
    assert shammari.documents == 2
    assert {"أحمد الشمري", "أحمد الشّمري", "الشمري"} <= set(shammari.variants)



def test_a_token_of_marks_alone_leaves_spelling_folds_working():
    # A lone soft hyphen normalizes to nothing; the other tokens still fold اميركا to امريكا.
    assert "الولايات المتحدة" in names("زار الوفد \u00ad أميركا")


# --- the recognizer in ingestion: types, junk rules, document consistency -----------------

from indexer.ingest.actors import find_actors  # noqa: E402
from indexer.ingest.actors import actor_variant_key as variant_key  # noqa: E402
from indexer.ingest.actors import resolve_actor_names as resolve_names  # noqa: E402


def entities(text):
    return {entity["name"]: (entity["type"], entity["mentions"]) for entity in find_actors(text).entities}


def test_every_actor_has_a_type_and_a_mention_count():
    found = find_actors("أعلن الرئيس الكيني أوهورو كينياتا في نيروبي أن حركة حماس. وقال كينياتا إن العراق")
    by_name = {entity["name"]: entity for entity in found.entities}
    assert by_name["أوهورو كينياتا"] == {"name": "أوهورو كينياتا", "type": "person", "mentions": 2}
    assert by_name["حركة حماس"]["type"] == "organisation"
    assert by_name["العراق"]["type"] == "place"
    # States are actors as before; a city is a typed entity but stays out of the actor list.
    assert "العراق" in found.actors and "نيروبي" not in found.actors
    assert by_name["نيروبي"]["type"] == "place"
    assert set(found.variants) == set(found.actors)


@pytest.mark.parametrize(
    ("text", "junk"),
    [
        ("وقال المتحدث باسم البيت الأبيض، جون كيربي، إن", {"باسم البيت الأبيض", "باسم البيت الأبيض جون كيربي"}),
        ("وقال المتحدث باسم القوات الأمريكية إن", {"باسم القوات", "باسم القوات الأمريكية"}),
        ("وصل الوفد يوم السبت الماضي، إلى بغداد", {"يوم السبت الماضي", "السبت الماضي"}),
        ("أصدرت المحكمة حكما على يوسف القرضاوي بتهمة التحريض", {"يوسف القرضاوي بتهمة"}),
        ("وقال وزير التعليم الدكتور عزام الدخيل بتكليف أي من المرشحين", {"عزام الدخيل بتكليف أي"}),
        ("بسبب حركة الرياح السطحية في المنطقة", {"حركة الرياح السطحية", "حركة الرياح"}),
        ("ازدادت حركة المسافرين في المطار", {"حركة المسافرين"}),
        ("قرر مجلس الوزراء الموافقة على المشروع", {"مجلس الوزراء الموافقة"}),
        ("ويظهر مهرج على هيئة الرئيس الأمريكي", {"هيئة الرئيس الأمريكي", "هيئة الرئيس"}),
        ("وقال: أنا فخور جدا بها", {"أنا فخور"}),
        ("ذكرت وكالة الأنباء الإماراتية أن", {"وكالة الأنباء الإماراتية"}),
        # A head with indefinite adjectives is a kind of organisation; a name does not end in "or".
        ("وصنفت الحكومة الحركة منظمة إرهابية في بيان", {"منظمة إرهابية", "منظمة"}),
        ("هاجمت جماعة مسلحة القرية", {"جماعة مسلحة", "جماعة"}),
        ("وقالت إن منظمة أو جهة لم تعلن مسؤوليتها", {"منظمة أو", "منظمة"}),
    ],
)
def test_labels_swallow_no_preposition_date_role_or_verb(text, junk):
    found = set(entities(text))
    assert not junk & found, found
    assert not any(name.startswith(("باسم", "يوم ")) or name.endswith(("بتهمة", "الماضي")) for name in found), found


def test_the_yusuf_qaradawi_name_ends_before_the_charge():
    assert "يوسف القرضاوي" in entities("أصدرت المحكمة حكما على يوسف القرضاوي بتهمة التحريض")


def test_a_name_recognised_once_counts_at_every_mention():
    text = ("وقال المدرب البرتغالي جوزيه مورينيو إن فريقه جاهز. "
            "وكان جوزيه مورينيو قد فاز باللقب. ولم يعلق مورينيو على الأنباء. وأشاد لمورينيو الجمهور")
    found = entities(text)
    assert found["جوزيه مورينيو"] == ("person", 4), found
    assert "مورينيو" not in found


def test_a_shorter_form_of_a_name_maps_to_the_full_name_in_the_document():
    # كاسترو is also the surname of a gazetteer person (فيدل كاسترو): the document's own full name wins.
    text = "استقبل الرئيس الكيني ماوريسيو فيرناندو كاسترو الوفد. وقال ماوريسيو كاسترو إن. وأكد كاسترو أن"
    found = find_actors(text)
    assert found.actors == ["ماوريسيو فيرناندو كاسترو"], found.actors
    assert {"ماوريسيو كاسترو", "كاسترو"} <= set(found.variants["ماوريسيو فيرناندو كاسترو"])
    assert find_actors("وقال فيدل كاسترو إن الثورة مستمرة. وأكد كاسترو أن").actors == ["فيدل كاسترو"]


def test_a_conjunction_splits_two_recognised_names():
    text = ("طردت الأكاديمية الممثل بيل كوسبي والمخرج رومان بولانسكي. وقررت طرد كوسبي وبولانسكي. "
            "وقال بولانسكي إن")
    found = entities(text)
    assert "كوسبي وبولانسكي" not in found
    assert found["بيل كوسبي"][1] >= 2 and found["رومان بولانسكي"][1] >= 2, found


def test_acronyms_and_long_forms_meet_through_the_gazetteer():
    assert "أوبك" in names("قررت منظمة البلدان المصدرة للنفط خفض الإنتاج")
    assert "حلف شمال الأطلسي" in names("قال الناتو إن")
    assert "حركة طالبان" in names("سيطرت طالبان على كابل")


# --- corpus-level resolution ---------------------------------------------------------------


def test_spelling_transliteration_and_nasab_variants_share_a_key():
    assert variant_key("دونالد ترمب") == variant_key("دونالد ترامب")
    assert variant_key("بوتن") == variant_key("بوتين")
    assert variant_key("مارتن غريفث") == variant_key("مارتن غريفيث")
    assert variant_key("عزام الدخيل") == variant_key("عزام بن محمد الدخيّل")
    assert variant_key("أحمد الشمري") == variant_key("احمد الشمرى")
    # Known given names keep their vowels: حامد is not حمد; a nasab alone is the name.
    assert variant_key("حامد العلي") != variant_key("حمد العلي")
    assert variant_key("محمد بن سلمان") != variant_key("محمد سلمان")


def test_resolution_across_documents_picks_one_canonical_name():
    documents = {
        ("جون سميث", "person"): 4, ("جون سميت", "person"): 1,  # not in the gazetteer
        ("ستيفن مانوتشين", "person"): 2, ("ستيفن منوتشين", "person"): 5,
        ("كينياتا", "person"): 3, ("أوهورو كينياتا", "person"): 2,
        ("دونالد ترمب", "person"): 3, ("دونالد ترامب", "person"): 1,
        ("حزب الله", "organisation"): 3, ("كتائب حزب الله", "organisation"): 2,
        ("كينياتا", "place"): 1,
    }
    resolved = resolve_names(documents)
    assert resolved[("ستيفن مانوتشين", "person")] == resolved[("ستيفن منوتشين", "person")] == "ستيفن منوتشين"
    assert resolved[("كينياتا", "person")] == "أوهورو كينياتا"
    assert resolved[("دونالد ترمب", "person")] == "دونالد ترامب"  # the gazetteer's name wins over counts
    # Organisations never merge by their endings; types never merge with each other.
    assert resolved[("حزب الله", "organisation")] == "حزب الله"
    assert resolved[("كينياتا", "place")] == "كينياتا"
    assert resolved[("جون سميت", "person")] == "جون سميت"  # ت is not a vowel: different names


def test_fahras_actors_merges_resolved_variants_once_per_document():
    from indexer.ingest.actors import summarize_actors
    from indexer.records import Record

    def record(text):
        found = find_actors(text)
        return Record(id=text[:5], path="p", title="", body=text, actors=found.actors,
                      actor_variants=found.variants, entities=found.entities)

    summaries = summarize_actors([
        # A minister the gazetteer does not know, written two ways.
        record("وقال وزير المالية الكيني هنري روتيتش إن العقوبات. وأضاف روتيتش أن"),
        record("وقال وزير المالية الكيني هنري روتتش إن"),
        record("وأعلن وزير المالية الكيني هنري روتيتش فرض ضرائب"),
        record("قال الرئيس الروسي فلاديمير بوتن إن"),
        record("قال بوتين إن"),
    ])
    by_name = {summary.name: summary for summary in summaries}
    assert by_name["هنري روتيتش"].documents == 3 and by_name["هنري روتيتش"].type == "person"
    assert {"هنري روتتش", "روتيتش"} <= set(by_name["هنري روتيتش"].variants)
    assert by_name["فلاديمير بوتين"].documents == 2


def test_quick_normalize_is_the_shared_normalization_plus_spelling_folds():
    # Latin is lowercased like everywhere else (normalize_text); Arabic keeps its folds.
    assert quick_normalize("وقالت CRS إن أميركا") == "وقالت crs ان امريكا"
    assert actor_key("Donald TRUMP") == "donald trump"


def test_a_country_adjective_confirms_a_ministry_the_recognizer_may_miss():
    assert "وزارة الداخلية السعودية" in names("أعلنت وزارة الداخلية السعودية، الأحد، أن")
    assert "وزارة الخارجية العراقية" in names("حسبما ذكرت وزارة الخارجية العراقية في بيان")
    # The masculine adjective of a state whose name is its feminine one (السعودية).
    assert "مجلس الشورى السعودي" in names("وقال مجلس الشورى السعودي في جلسته")


def test_a_recognized_name_loses_its_conjunction_even_when_a_gazetteer_name_starts_alike():
    # "وأحمد" is a clitic form of the first word of gazetteer names (أحمد ...): still "و" + أحمد.
    found = entities("وشارك في العرض محمد عيسى، ومحمد طاهر، وإبراهيم عسيري، وأحمد عسيري، وماهر السلمي، وأيمن لافي.")
    assert "أحمد عسيري" in found and not any(name.startswith(("وأحمد", "وإبراهيم")) for name in found), found


def test_an_amount_of_money_is_not_a_person():
    found = entities("وبلغت الميزانية المجمعة للمصارف نحو 57.7 مليار دينار كويتي في أيار")
    assert not any(name.startswith("دينار") for name in found), found


@pytest.mark.parametrize(
    ("text", "organisation"),
    [
        # A ministry is named by its portfolio, with or without its country, and portfolios join with و.
        ("وأعلنت وزارة الشؤون الاجتماعية أمس عن برنامج جديد", "وزارة الشؤون الاجتماعية"),
        ("قال متحدث باسم وزارة الثقافة والإعلام إن المعرض سيفتتح", "وزارة الثقافة والإعلام"),
        ("وقالت وزارة التعليم العالي والبحث العلمي في بيان", "وزارة التعليم العالي والبحث العلمي"),
        # A state's forces and services, named by the state's adjective.
        ("وقالت البحرية المصرية في بيان إن السفن وصلت", "البحرية المصرية"),
        ("وأعلن خفر السواحل الماليزية العثور على الحطام", "خفر السواحل الماليزية"),
        ("وقالت النيابة العامة البلجيكية إن المتهم اعتقل", "النيابة العامة البلجيكية"),
        ("وقال الجيش اللبناني إن دورية تعرضت لإطلاق نار", "الجيش اللبناني"),
        ("وأعلن الحرس الوطني عن إحباط عملية تهريب", "الحرس الوطني"),
        # Bodies with adjectives of their own before the state's; national teams; clubs.
        ("وقال المجلس الإسلامي البريطاني إن", "المجلس الإسلامي البريطاني"),
        ("وقالت اللجنة الأولمبية السعودية في بيان", "اللجنة الأولمبية السعودية"),
        ("وفاز المنتخب السعودي على نظيره", "المنتخب السعودي"),
        ("وتأهل منتخب الولايات المتحدة إلى النهائي", "منتخب الولايات المتحدة"),
        ("وتعاقد نادي الوحدة مع المدرب", "نادي الوحدة"),
        # Regional offices: by their region, or the region's health and education directorates.
        ("وقالت مديرية الدفاع المدني بمنطقة جازان إن", "مديرية الدفاع المدني بمنطقة جازان"),
        ("وأعلنت صحة جازان عن حملة", "صحة جازان"),
    ],
)
def test_ministries_and_state_forces(text, organisation):
    assert organisation in names(text), names(text)


@pytest.mark.parametrize(
    ("text", "junk"),
    [
        # A ministry's name joins only portfolios: another body or a participle after و is not part of it.
        ("وقالت وزارة الداخلية السعودية والأمن العام إن", "وزارة الداخلية السعودية والأمن"),
        ("شاركت وزارة الدفاع والجيش الإسرائيلي في", "وزارة الدفاع والجيش"),
        ("ونعت وزارة الداخلية والفقيد كان من أبرز", "وزارة الداخلية والفقيد"),
        # Forces need a state, not any adjective; security in general is no body.
        ("ناقش المؤتمر الأمن الإقليمي والأمن العربي", "الأمن الإقليمي"),
        ("وطالب بإرسال القوات الكافية إلى المنطقة", "القوات الكافية"),
        ("ونشرت الشرطة دوريات في المدينة", "الشرطة"),
        ("وقالت اللجنة السعودية إن", "اللجنة السعودية"),  # some Saudi committee
        ("وقال الاتحاد قفز إلى المركز الأول", "الاتحاد قفز"),
        ("وأكد على صحة المعلومات الواردة", "صحة المعلومات"),
    ],
)
def test_ministry_and_force_names_stop_where_the_body_does(text, junk):
    assert junk not in entities(text), entities(text)


@pytest.mark.parametrize(
    ("text", "organisation"),
    [
        # A name goes on with what the body is for, after ل / لل.
        ("وقالت المنظمة التونسية لمناهضة التعذيب إن المعتقلين", "المنظمة التونسية لمناهضة التعذيب"),
        ("وقال التحالف اليمني لرصد انتهاكات حقوق الإنسان إن", "التحالف اليمني لرصد انتهاكات حقوق الإنسان"),
        ("وأعلن الاتحاد الصيني لشركات صناعة السيارات أن المبيعات", "الاتحاد الصيني لشركات صناعة السيارات"),
        ("وقال المعهد السعودي للالكترونيات والأجهزة المنزلية إن", "المعهد السعودي للالكترونيات والأجهزة المنزلية"),
        # Companies and institutes: with a purpose, or quoted (named then by the quoted words alone).
        ("ووقعت شركة الإنماء للهندسة والمقاولات عقدا جديدا", "شركة الإنماء للهندسة والمقاولات"),
        ("وأدرجت الخزانة شركة ماهر للتجارة على القائمة", "شركة ماهر للتجارة"),
        ('جمعتها شركة "كامبريدج أناليتيكا" من دون حق', "كامبريدج أناليتيكا"),
        # Centres and offices: only with a purpose.
        ("وقال مركز بغداد للدراسات الاستراتيجية إن", "مركز بغداد للدراسات الاستراتيجية"),
        ("وقدم مركز الملك سلمان للأعمال الإنسانية مساعدات", "مركز الملك سلمان للأعمال الإنسانية"),
    ],
)
def test_organisation_names_go_on_with_their_purpose(text, organisation):
    assert organisation in names(text), names(text)


@pytest.mark.parametrize(
    ("text", "junk"),
    [
        # ل + a noun that names no purpose goes on with the sentence.
        ("وتسعى المنظمة الدولية لحماية المدنيين في المنطقة", "لحماية"),
        ("وقالت وزارة الصحة للصحفيين إن الوضع مستقر", "للصحفيين"),
        # A company head with a noun and an adjective is a kind of company, not its name.
        ("وقالت شركة الأدوية البريطانية إن اللقاح فعال", "شركة الأدوية البريطانية"),
        ("وقالت شركة النفط الوطنية إن الإنتاج ارتفع", "شركة النفط الوطنية"),
        ('جمعتها شركة "كامبريدج أناليتيكا" من دون حق', "شركة كامبريدج أناليتيكا"),
        # An indefinite adjective makes a kind of centre; a quoted name after مركز or مكتب is a building or
        # someone's office.
        ("وأعلنت الحكومة إنشاء مركز إقليمي للخدمات المالية", "مركز إقليمي للخدمات المالية"),
        ('وتم تخصيص مركز "أبكس" للمؤتمرات للحفل', "أبكس"),
        ('وفي مكتب "أنيتا" أخرج ألفرد من حقيبته قارورة', "أنيتا"),
    ],
)
def test_purpose_phrases_and_company_heads_stop_where_the_name_does(text, junk):
    assert not any(junk in name for name in entities(text)), entities(text)


def test_a_person_in_a_list_is_the_whole_list_item():
    found = entities("والأسماء هي حسن نصرالله، ونعيم قاسم، وإبراهيم أمين السيد، ومحمد يزبك، وعلي يوسف جرار، ومجموعة سبكترم.")
    assert {"إبراهيم أمين السيد", "علي يوسف جرار"} <= set(found), found
    assert not {"إبراهيم", "يوسف جرار"} & set(found), found


def test_a_headline_is_no_list():
    found = entities("محمد رمضان يتراجع\nقال الفنان إن الفيلم لن يعرض")
    assert not any("يتراجع" in name for name in found), found


def test_news_outlets_in_the_gazetteer_take_their_words_but_are_not_actors():
    found = entities("وذكرت صحيفة الشرق الأوسط أن وزير الخارجية التقى نظيره، بحسب وكالة الأناضول وهيئة البث الإسرائيلية")
    assert not {"الشرق الأوسط", "صحيفة الشرق الأوسط", "وكالة الأناضول", "الأناضول", "هيئة البث الإسرائيلية"} & set(found)


def test_a_surname_with_a_clitic_needs_the_surname_elsewhere_in_the_document():
    # "كلامي" (my words) is not ك + لامي (David Lammy's surname) where لامي is written nowhere else.
    assert "ديفيد لامي" not in entities("وقال إن كلامي كان واضحا للجميع")
    found = entities("وصل ديفيد لامي إلى بغداد. وقال مسؤول إن لامي التقى نظيره، وإن لقاء الوزير بلامي كان مثمرا")
    assert found.get("ديفيد لامي", (None, 0))[1] >= 3, found


@pytest.mark.parametrize(
    ("text", "junk"),
    [
        ("وانتشر رجال الأمن في الشوارع", "رجال الأمن"),
        ("واعتقلت السلطات جاسوس روسي سابق", "روسي"),
        ("وقالت مساعدة وزير الدفاع لشؤون الأمن الدولي إن", "لشؤون الأمن"),
        ("والتقى ولي ولي العهد بالوفد", "ولي العهد"),
    ],
)
def test_people_in_general_and_nationalities_are_not_names(text, junk):
    found = entities(text)
    assert not any(junk in name for name in found), found


@pytest.mark.parametrize(
    ("text", "found", "not_found"),
    [
        # Hashtags join a name's words with "_".
        ("وكتبت #تيريزا_ماي في تغريدة", "تيريزا ماي", None),
        # A person a place or prize is named after is not mentioned.
        ("ونقل المصاب إلى مستشفى الملك فهد في جازان", None, "الملك فهد"),
        ("وزار الملك فهد المستشفى", "الملك فهد", None),
        # Amounts: "بليون" is not ب + the name ليون.
        ("وبلغت الخسائر خمسة بليون دولار", None, "ليون دولار"),
        # A force's adjective agrees with it; one that does not belongs to a noun before it.
        ("وقال جهاز المخابرات الإسرائيلي إن", None, "المخابرات الإسرائيلي"),
        # A police force named by a state needs the state, not the word "state".
        ("وقالت شرطة ولاية في بيان", None, "شرطة ولاية"),
        # A person's name does not run into a prepositional phrase.
        ("وغاب اللاعب فهد المولد للإصابة عن المباراة", None, "فهد المولد للإصابة"),
    ],
)
def test_hashtags_facilities_amounts_and_agreement(text, found, not_found):
    names_found = entities(text)
    if found:
        assert found in names_found, names_found
    if not_found:
        assert not_found not in names_found, names_found


@pytest.mark.parametrize(
    ("text", "name", "junk"),
    [
        # A verb the recognizer reads into the name it introduces, with or without و.
        ("وقال المدرب إن الفريق قدم مباراة جيدة . وأوضح سكولاري أن اللاعبين", "سكولاري", "وأوضح سكولاري"),
        ("وشارك بولت في السباق", "بولت", "وشارك بولت"),
        # رأى (he saw) normalizes like the name راي; أمام (before) like امام (imam).
        ("رأى سيغمار غابرييل أن الاتفاق مهم", "سيغمار غابرييل", "رأى سيغمار غابرييل"),
        ("وقف المطرب أمام عبد الحليم حافظ في الحفل", "عبد الحليم حافظ", "أمام عبد الحليم حافظ"),
    ],
)
def test_verbs_and_prepositions_stay_out_of_recognized_names(text, name, junk):
    found = entities(text)
    assert junk not in found, found
    assert name in found, found


@pytest.mark.parametrize(
    ("text", "name", "kind"),
    [
        # The world's states, with their spellings ("أوروجواي").
        ("وتعادل منتخب فرنسا مع أوروجواي في المباراة", "الأوروغواي", "place"),
        ("وقعت آيسلندا اتفاقا مع كرواتيا", "آيسلندا", "place"),
        # Clubs named after a city are clubs only with نادي or the country's adjective.
        ("وفاز نادي الباطن على ضيفه", "نادي الباطن", "organisation"),
        ("وتعادل المولودية الوجدية مع اتحاد الخميسات", "المولودية الوجدية", "organisation"),
    ],
)
def test_states_and_clubs_of_the_gazetteer(text, name, kind):
    types = {entity["name"]: entity["type"] for entity in find_actors(text).entities}
    assert types.get(name) == kind, types


def test_the_shipped_gazetteer_is_well_formed():
    from indexer.text.stopwords import ARABIC_STOPWORDS

    data = json.loads((Path(actors_module.__file__).resolve().parent.parent / "data" / "actors.json").read_text("utf-8"))
    assert {entry["type"] for entry in data["actors"]} <= {"person", "org", "state", "media"}
    owners = {}
    for entry in data["actors"]:
        assert entry["name"].strip() and entry["aliases"], entry
        for alias in entry["aliases"]:
            key = actor_key(alias)
            # One alias, one actor; no one-word alias is a stop word.
            assert owners.setdefault(key, entry["name"]) == entry["name"], (alias, owners[key], entry["name"])
            assert " " in key or key not in ARABIC_STOPWORDS, alias
    # علي is also على once normalized: the written form tells them apart (NOT_NAME_WRITTEN).
    given = {actor_key(name) for name in data["given_names"]}
    assert given & ARABIC_STOPWORDS <= {"علي"}
