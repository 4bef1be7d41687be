"""The shipped entity recognizer: it loads, tags what it should, decodes exactly, and stays accurate."""

import json
import sys
from pathlib import Path

import numpy as np
import pytest

from indexer.ingest import actors, ner

REPO = Path(__file__).resolve().parent.parent
ANERCORP = REPO.parent / "shared" / "ner" / "ANERCorp_CamelLab_train.txt"


def spans(text):
    _, norm = actors.tokenize(text)
    return [(span.label, " ".join(norm[span.start:span.end])) for span in actors.tagger().tag(norm)]


def test_model_files_ship_with_metadata():
    assert ner.MODEL_FILE.is_file() and ner.MODEL_FILE.stat().st_size < 5_000_000
    metadata = ner.metadata()
    assert {"training_data", "settings", "dev_scores", "citations"} <= set(metadata)
    assert any("ANERsys" in citation for citation in metadata["citations"])
    assert any("CAMeL Tools" in citation for citation in metadata["citations"])
    assert metadata["dev_scores"]["micro"]["f1"] > 0.6
    assert set(metadata["labels"]) >= {"O", "B-PERS", "I-PERS", "B-ORG", "I-ORG", "B-LOC", "I-LOC"}


@pytest.mark.parametrize(
    ("text", "label", "name"),
    [
        # None of these names is in the gazetteer: the model finds them from context and form.
        ("وقال الروائي الياباني هاروكي موراكامي إن", "PERS", "هاروكي موراكامي"),
        ("وقالت الممثلة الأمريكية جينيفر لورانس في مقابلة", "PERS", "جينيفر لورانس"),
        ("وصل الوفد إلى مدينة فادوز أمس", "LOC", "فادوز"),
        ("وقالت جامعة هارفارد في بيان", "ORG", "جامعه هارفارد"),
        ("وأعلنت جامعة السوربون عن", "ORG", "جامعه السوربون"),
    ],
)
def test_tags_names_the_gazetteer_does_not_know(text, label, name):
    assert (label, name) in spans(text), spans(text)


def test_the_names_the_model_tests_use_stay_out_of_the_gazetteer():
    # Otherwise these tests would measure the gazetteer, not the model.
    known = actors.gazetteer().full_names
    names = ["هاروكي موراكامي", "جينيفر لورانس", "فادوز", "جامعه هارفارد", "جامعه السوربون",
             *(name for _, name in GUARD_SENTENCES)]
    assert not [name for name in names if tuple(name.split()) in known]


def test_common_words_are_not_tagged():
    assert spans("وقال إن الوضع هادئ في المنطقة بعد يوم طويل من العمل") == []


def _full_viterbi(tagger, words):
    path = tagger.viterbi(tagger.emissions(words))
    return [(span.start, span.end, span.label) for span in ner.spans_from_bio([tagger.labels[label] for label in path])]


def test_decoding_only_competitive_stretches_matches_full_viterbi_on_sentences():
    # Only stretches where an entity label comes close to O are decoded; on
    # ordinary news sentences that gives the same spans as Viterbi over everything.
    tagger = actors.tagger()
    sentences = [sentence for sentence, _ in GUARD_SENTENCES] + [
        "قال الرئيس الأمريكي دونالد ترامب إن وزارة الخارجية العراقية أعلنت في بغداد أن الوفد وصل",
        "والتقى المتحدث باسم حركة حماس جون كيري في جنيف الاثنين مع ممثلي الأمم المتحدة",
        "وأعلن الرئيس الكيني أوهورو كينياتا أن بلاده ستشارك في قمة نيروبي للتنمية",
    ]
    for sentence in sentences:
        words = actors.tokenize(sentence)[1]
        assert [(span.start, span.end, span.label) for span in tagger.tag(words)] == _full_viterbi(tagger, words)


def test_viterbi_keeps_the_best_path():
    # A brute-force check of the decoder on short random sequences of scores.
    import itertools

    tagger = actors.tagger()
    rng = np.random.default_rng(3)
    transitions, outside = tagger.transitions, tagger.outside
    labels = range(len(tagger.labels))
    for _ in range(30):
        scores = rng.normal(0, 3, size=(3, len(tagger.labels))).astype(np.float32)

        def total(path):
            chain = [outside, *path, outside]
            return scores[np.arange(3), list(path)].sum() + sum(transitions[a, b] for a, b in zip(chain, chain[1:]))

        best = max(itertools.product(labels, repeat=3), key=total)
        assert np.isclose(total(tuple(tagger.viterbi(scores))), total(best), atol=1e-4)


def test_the_compiled_decoder_finds_the_numpy_reference_path():
    # Over one stretch covering everything, the compiled Viterbi and the numpy one agree exactly;
    # over several stretches, each equals Viterbi on that stretch alone with O outside it.
    from indexer.ingest import crf_kernel

    tagger = actors.tagger()
    rng = np.random.default_rng(11)
    for length in (1, 2, 5, 40):
        for _ in range(20):
            scores = rng.normal(0, 3, size=(length, len(tagger.labels))).astype(np.float32)
            everything = np.ones(length, dtype=np.bool_)
            compiled = crf_kernel.decode_stretches(scores, everything, tagger.transitions, tagger.outside)
            np.testing.assert_array_equal(compiled, tagger.viterbi(scores))
    scores = rng.normal(0, 3, size=(12, len(tagger.labels))).astype(np.float32)
    decoded = np.array([0, 1, 1, 1, 0, 0, 1, 0, 1, 1, 1, 1], dtype=np.bool_)
    path = crf_kernel.decode_stretches(scores, decoded, tagger.transitions, tagger.outside)
    assert (path[~decoded] == tagger.outside).all()
    for start, end in ((1, 4), (6, 7), (8, 12)):
        np.testing.assert_array_equal(path[start:end], tagger.viterbi(scores[start:end]))


def test_emission_tables_match_the_features():
    # A word's cached score row is the sum of the weights of its features at each offset,
    # as the exported model lists them ("-1:w=الرئيس").
    tagger = actors.tagger()
    with np.load(ner.MODEL_FILE) as data:
        attributes = {name: row for row, name in enumerate(str(data["attributes"]).split("\n"))}
        weights = data["weights"].astype(np.float32)
    words = actors.tokenize("التقى الرئيس بوتين نظيره في 2024 ،")[1]
    scores = tagger.emissions(words)
    padded = [ner.BEFORE, ner.BEFORE, *words, ner.AFTER, ner.AFTER]
    for position in range(len(words)):
        expected = np.zeros(len(tagger.labels), dtype=np.float32)
        for offset in ner.OFFSETS:
            for feature in ner.token_features(padded[position + 2 + offset], offset, tagger.lexicon):
                if feature in attributes:
                    expected += weights[attributes[feature]]
        np.testing.assert_allclose(scores[position], expected, rtol=1e-5, atol=1e-4)


def test_a_one_word_span_has_the_margin_it_adds_to_the_best_path():
    tagger = actors.tagger()
    words = actors.tokenize("وصل الوفد إلى مدينة كاتماندو أمس")[1]
    (span,) = tagger.tag(words)
    assert span.end == span.start + 1 and span.margin > 0
    # The margin is the best path's score minus that of the same path with the word as O.
    scores = tagger.emissions(words)
    path = tagger.viterbi(scores)
    without = path.copy()
    without[span.start] = tagger.outside

    def total(labels):
        chain = [tagger.outside, *labels.tolist(), tagger.outside]
        return scores[np.arange(len(words)), labels].sum() + sum(
            tagger.transitions[a, b] for a, b in zip(chain, chain[1:]))

    assert np.isclose(span.margin, total(path) - total(without), atol=1e-3)
    longer = [span for span in tagger.tag(actors.tokenize("قال الرئيس الكيني أوهورو كينياتا إن")[1])]
    assert all(span.margin is None for span in longer if span.end - span.start > 1)


def test_type_rows_are_recomputed_after_the_cache_is_emptied(monkeypatch):
    tagger = ner.Tagger(ner.MODEL_FILE, actors.tagger().lexicon)
    words = actors.tokenize("أعلن الرئيس الكيني أوهورو كينياتا أن بلاده ستشارك في قمة نيروبي")[1]
    before = tagger.tag(words)
    monkeypatch.setattr(ner.Tagger, "MAX_TYPES", 4)
    assert tagger.tag(words) == before


@pytest.mark.skipif(not ANERCORP.is_file(), reason="ANERcorp train split not beside the checkout (../shared/ner)")
def test_accuracy_guard_on_the_dev_split():
    # The last sixth of ANERcorp's train file is kept out of training; a broken
    # model, tokenizer or feature function drops far below the shipped figure.
    sys.path.insert(0, str(REPO / "tools"))
    import train_ner

    _, dev_raw = train_ner.split(train_ner.read_sentences(ANERCORP))
    dev = [train_ner.as_ingested(sentence) for sentence in dev_raw]
    predicted = [actors.tagger().tag(words) for words, _ in dev]
    scores = train_ner.span_scores([tags for _, tags in dev], predicted)
    shipped = json.loads(ner.METADATA_FILE.read_text(encoding="utf-8"))["dev_scores"]["micro"]["f1"]
    assert scores["micro"]["f1"] >= shipped - 0.02, scores["micro"]


GUARD_SENTENCES = [
    # People, places and organisations the gazetteer does not know (see the test above).
    ("وقال الروائي الياباني هاروكي موراكامي إن", "هاروكي موراكامي"),
    ("وقالت الممثلة الفرنسية إيزابيل أوبير في مهرجان", "ايزابيل اوبير"),
    ("وغنى الفنان العراقي كاظم الساهر في الحفل", "كاظم الساهر"),
    ("وأحيا المطرب المصري عمرو دياب حفلا", "عمرو دياب"),
    ("وقال رجل الأعمال المصري نجيب ساويرس إن", "نجيب ساويرس"),
    ("وقال المتحدث باسم الحكومة السودانية فيصل محمد صالح إن", "فيصل محمد صالح"),
    ("وقالت الممثلة الأمريكية جينيفر لورانس في مقابلة", "جينيفر لورانس"),
    ("وقال الكاتب الكولومبي غابرييل غارسيا ماركيز إن", "غابرييل غارسيا ماركيز"),
    ("وقال الكاتب المصري علاء الأسواني في روايته", "علاء الاسواني"),
    ("وقالت الروائية الجزائرية أحلام مستغانمي في حوار", "احلام مستغانمي"),
    ("وقال الروائي التركي أورهان باموق في مقابلة", "اورهان باموق"),
    ("وصل الوفد إلى مدينة فادوز أمس", "فادوز"),
    ("وأعلنت جامعة السوربون عن", "جامعه السوربون"),
    ("وقالت مؤسسة بيل وميليندا غيتس إن", "بيل وميليندا غيتس"),
]


def test_accuracy_guard_on_written_sentences():
    # The shipped model finds 11 of the 14 exactly.
    found = sum(any(name == text for _, text in spans(sentence)) for sentence, name in GUARD_SENTENCES)
    assert found >= 9, [(sentence, spans(sentence)) for sentence, _ in GUARD_SENTENCES]


def test_the_kernels_compile_even_where_no_cache_can_be_written(monkeypatch):
    # numba raises at decoration when it finds no writable cache place (a read-only install and home):
    # the kernels then compile in every process instead of failing ingestion.
    import numba
    from numba.core import caching

    from indexer.ingest import crf_kernel

    # No place to cache in: numba's own "no locator available" path.
    monkeypatch.setattr(caching.CacheImpl, "_locator_classes", [])
    monkeypatch.setattr(caching.config, "CACHE_LOCATOR_CLASSES", "", raising=False)
    with pytest.raises(RuntimeError, match="no locator"):
        numba.njit(cache=True)(lambda values: values)

    def add_one(values):
        return values + 1

    kernel = crf_kernel.compiled(add_one)
    np.testing.assert_array_equal(kernel(np.arange(3)), [1, 2, 3])


def test_compiled_spans_read_a_path_as_conll_does():
    # Random paths, invalid ones included (I- after O, I- of another type): CoNLL's reading.
    tagger = actors.tagger()
    rng = np.random.default_rng(5)
    for _ in range(300):
        path = rng.integers(0, len(tagger.labels), rng.integers(1, 15)).astype(np.intp)
        scores = rng.normal(size=(len(path), len(tagger.labels))).astype(np.float32)
        found = tagger._kernel.entity_spans(path, scores, tagger.transitions, tagger.outside, tagger._label_kinds,
                                            tagger._label_types)
        expected = ner.spans_from_bio([tagger.labels[label] for label in path])
        assert [(int(a), int(b), tagger._type_names[int(t)]) for a, b, t, _m in found] == [
            (span.start, span.end, span.label) for span in expected]
        assert all(np.isnan(m) == (b - a > 1) for a, b, _t, m in found)
