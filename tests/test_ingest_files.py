"""Encodings, bad files, JSON / JSON Lines / HTML readers, ids and hashes, the inspect command."""

import datetime as dt
import gzip
import hashlib
import json

import pytest
from click.testing import CliRunner

from indexer.cli import cli
from indexer.ingest import iter_records, read_file, record_from_mapping
from indexer.ingest.decode import MAX_FILE_BYTES, decode_bytes
from indexer.errors import IngestError
from indexer.records import Record, Skipped

REFERENCE = dt.date(2024, 9, 20)
ARTICLE = (
    "الحكومة العراقية تبحث انسحاب قوات التحالف\n"
    "16 أغسطس 2024، 3:20 م\n\n"
    "قال رئيس الوزراء العراقي، محمد شياع السوداني، إن المحادثات مع واشنطن بشأن انسحاب قوات التحالف الدولي انتهت.\n"
    "وأضاف السوداني أن العراق لم يعد بحاجة إلى قوات أجنبية.\n"
    "جميع الحقوق محفوظة © 2024\n"
)


def _only_record(path):
    (item,) = read_file(path, reference_date=REFERENCE)
    assert isinstance(item, Record), item
    return item


@pytest.mark.parametrize(
    "encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le", "utf-16-be", "cp1256"]
)
def test_encodings_are_detected_and_never_garbled(tmp_path, encoding):
    path = tmp_path / f"article-{encoding}.txt"
    path.write_bytes(ARTICLE.encode(encoding))
    record = _only_record(path)
    assert record.title == "الحكومة العراقية تبحث انسحاب قوات التحالف"
    assert "قال رئيس الوزراء العراقي، محمد شياع السوداني" in record.body
    assert "جميع الحقوق" not in record.body
    assert record.date == dt.date(2024, 8, 16)
    assert "محمد شياع السوداني" in record.actors
    assert record.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()


def test_cp1256_with_crlf_line_ends(tmp_path):
    path = tmp_path / "windows.txt"
    path.write_bytes(ARTICLE.replace("\n", "\r\n").encode("cp1256"))
    record = _only_record(path)
    assert "\r" not in record.body and record.date == dt.date(2024, 8, 16)


def test_decode_rejects_binary_and_undecodable():
    with pytest.raises(IngestError, match="binary"):
        decode_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 50, "image.txt")
    with pytest.raises(IngestError, match="binary"):
        decode_bytes(bytes(range(0, 32)) * 40, "controls.txt")
    # High bytes without spaces would "decode" as Windows-1256 letters: refused, not garbled.
    noise = bytes((index * 37 + 131) % 128 + 128 for index in range(3000))
    with pytest.raises(IngestError, match="undecodable"):
        decode_bytes(noise, "noise.txt")


def test_latin_text_in_a_legacy_encoding_is_still_read():
    text, _ = decode_bytes("Le président a déclaré à la presse qu'il partira.".encode("cp1252"))
    assert "président a déclaré" in text


@pytest.mark.parametrize(
    ("name", "content", "reason"),
    [
        ("empty.txt", b"", "empty file"),
        ("blank.txt", b"  \n\n \t\n", "empty"),
        ("image.txt", b"\x89PNG\r\n\x1a\n" + b"\x00\x10\x00\x00" * 400, "binary"),
        ("broken.json", b'{"title": "x", "body": ', "invalid JSON"),
        ("list.json", b"[]", "empty"),
        ("menu.txt", "logo\nتابعونا على\nجميع الحقوق محفوظة ©️ 2024\n".encode(), "no article text"),
        ("notes.docx", b"PK\x03\x04", "unsupported file type"),
    ],
)
def test_bad_files_are_skipped_with_a_reason(tmp_path, name, content, reason):
    path = tmp_path / name
    path.write_bytes(content)
    items = read_file(path)
    assert len(items) == 1 and isinstance(items[0], Skipped)
    assert reason in items[0].reason
    assert "\n" not in items[0].reason
    assert items[0].path == str(path)


def test_oversized_files_are_skipped(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as handle:
        handle.truncate(MAX_FILE_BYTES + 1)
    (item,) = read_file(path)
    assert isinstance(item, Skipped) and "too large" in item.reason


def test_a_bad_file_never_stops_the_run_and_hidden_files_are_skipped(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"\x00\x01\x02\x03" * 100)
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "good.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / ".hidden.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.txt").write_text(ARTICLE, encoding="utf-8")
    items = list(iter_records([tmp_path], reference_date=REFERENCE))
    assert [type(item).__name__ for item in items] == ["Skipped", "Record"]
    assert items[1].id == "b/good.txt"
    assert items[1].path == str(tmp_path / "b" / "good.txt")


def test_missing_path_is_skipped(tmp_path):
    (item,) = iter_records([tmp_path / "nope.txt"])
    assert isinstance(item, Skipped) and "cannot read" in item.reason


CORPUS_LIKE = {
    "id": "snn-1",
    "title": "الرئيس هادي يعين نايف البكري محافظا لعدن",
    "body": "أصدر الرئيس عبدربه منصور هادي رئيس الجمهورية اليمنية قرارا بتعيين نايف البكري محافظا لعدن.",
    "source": "Al-Sharq Al-Awsat",
    "date": "2015-07-21T02:51:33",
    "url": "http://aawsat.com/home/article/410801",
    "author": "لندن: «الشرق الأوسط أونلاين»",
    "date_kind": "extracted",
}


def test_json_lines_use_metadata_and_ids(tmp_path):
    path = tmp_path / "news.jsonl.gz"
    lines = [json.dumps(CORPUS_LIKE, ensure_ascii=False), "", json.dumps({"headline": "بلا معرف", "content": "نص قصير عن اليمن."})]
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n{broken\n")
    items = list(iter_records([tmp_path], reference_date=REFERENCE))
    first, second, broken = items
    assert first.id == "news.jsonl.gz#snn-1"
    assert first.source == "Asharq Al-Awsat"  # metadata name mapped to the canonical outlet
    assert (first.date, first.date_precision, first.date_origin) == (dt.date(2015, 7, 21), "day", "crawl")
    assert "date is the crawl time given in the metadata" in first.warnings
    assert first.url == CORPUS_LIKE["url"] and first.author == CORPUS_LIKE["author"]
    assert first.original is None and first.body == CORPUS_LIKE["body"]
    assert "عبد ربه منصور هادي" in first.actors
    assert first.content_hash == hashlib.sha256(lines[0].encode()).hexdigest()
    assert second.id == "news.jsonl.gz#3" and second.title == "بلا معرف"
    assert second.source is None and any(w.startswith("source unknown") for w in second.warnings)
    assert isinstance(broken, Skipped) and "line 4" in broken.reason


def test_json_file_with_a_list_of_articles(tmp_path):
    path = tmp_path / "batch.json"
    articles = [dict(CORPUS_LIKE, id="a"), {"title": "خبر", "text": "حجم الخط:\nقالت وزارة الخارجية العراقية إن الوفد وصل.\nتابعنا على :"}]
    path.write_text(json.dumps({"articles": articles}, ensure_ascii=False), encoding="utf-8")
    first, second = read_file(path, reference_date=REFERENCE)
    assert first.id == "batch.json#a" and second.id == "batch.json#2"
    # A body with page furniture is cleaned and keeps its original.
    assert second.body == "قالت وزارة الخارجية العراقية إن الوفد وصل."
    assert second.original.startswith("حجم الخط")
    assert "وزارة الخارجية العراقية" in second.actors


def test_record_from_mapping_for_workers():
    record = record_from_mapping(
        dict(CORPUS_LIKE, date="٢٨/٠٧/٢٠٢٤", source=None, url="https://www.skynewsarabia.com/x"),
        id="f.jsonl#9", path="/data/f.jsonl", content_hash="abc", reference_date=REFERENCE,
    )
    assert record.id == "f.jsonl#9" and record.content_hash == "abc"
    assert record.date == dt.date(2024, 7, 28) and record.source == "Sky News Arabia"
    skipped = record_from_mapping({"title": "x"}, id="f.jsonl#3", path="/data/f.jsonl", content_hash="")
    assert isinstance(skipped, Skipped) and skipped.path == "/data/f.jsonl#3"


HTML = """<!doctype html><html lang="ar"><head><meta charset="utf-8">
<title>واشنطن تعزز قواتها في العراق | سكاي نيوز عربية</title>
<meta property="og:site_name" content="سكاي نيوز عربية">
<meta property="article:published_time" content="2024-08-16T10:00:00Z">
<link rel="canonical" href="https://www.skynewsarabia.com/middle-east/1">
</head><body><nav><a href="/">الرئيسية</a> <a href="/x">رياضة</a></nav>
<article><h1>واشنطن تعزز قواتها في العراق</h1>
<p>قال الخبير الأمني العراقي، علي الشمري، إن الولايات المتحدة أرسلت مئات الجنود الجدد إلى قواعدها في غرب العراق خلال الأسبوع الماضي.</p>
<p>وأضاف الشمري أن هذه التعزيزات تأتي بعد هجمات متكررة نفذتها فصائل مسلحة على القواعد التي تضم قوات التحالف الدولي في البلاد.</p>
<p>وكانت وزارة الدفاع الأمريكية قد أعلنت في بيان أنها ستواصل دعم القوات العراقية في الحرب على تنظيم داعش.</p>
</article><footer>جميع الحقوق محفوظة © سكاي نيوز عربية 2024</footer></body></html>"""


def test_html_main_text_and_metadata(tmp_path):
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    record = _only_record(path)
    assert "واشنطن تعزز قواتها في العراق" in record.title
    assert record.source == "Sky News Arabia"
    assert (record.date, record.date_origin) == (dt.date(2024, 8, 16), "metadata")
    assert "أرسلت مئات الجنود" in record.body
    assert "الرئيسية" not in record.body and "جميع الحقوق" not in record.body
    assert {"علي الشمري", "البنتاغون", "تنظيم الدولة الإسلامية"} <= set(record.actors)
    assert record.original == HTML


def test_inspect_readable_and_json(tmp_path):
    (tmp_path / "a.txt").write_text(ARTICLE, encoding="utf-8")
    (tmp_path / "b.txt").write_bytes(b"")
    runner = CliRunner()
    result = runner.invoke(cli, ["inspect", str(tmp_path), "--reference-date", "2024-09-20"])
    assert result.exit_code == 0, result.output
    assert "2024-08-16 (day precision, origin: text)" in result.output
    assert "محمد شياع السوداني" in result.output
    assert f"skipped: {tmp_path / 'b.txt'}: empty file" in result.output
    result = runner.invoke(cli, ["inspect", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data[0]["id"] == "a.txt" and data[0]["date"] == "2024-08-16" and data[0]["date_precision"] == "day"
    assert "محمد شياع السوداني" in data[0]["actors"]
    assert data[1] == {"path": str(tmp_path / "b.txt"), "reason": "empty file", "skipped": True}


def test_inspect_fails_when_nothing_can_be_read(tmp_path):
    (tmp_path / "b.txt").write_bytes(b"")
    result = CliRunner().invoke(cli, ["inspect", str(tmp_path)])
    assert result.exit_code == 1
    assert "nothing could be read" in result.output


def test_html_entities_in_json_and_text_fields_are_unescaped(tmp_path):
    path = tmp_path / "news.jsonl"
    article = dict(CORPUS_LIKE, title="&#8220;البفك و الباسكوت&#8221; &amp; أخرى",
                   body="قال &quot;المتحدث&quot; إن الوفد وصل &amp; بدأ المحادثات في عدن.")
    path.write_text(json.dumps(article, ensure_ascii=False) + "\n", encoding="utf-8")
    (record,) = read_file(path, reference_date=REFERENCE)
    assert record.title == "“البفك و الباسكوت” & أخرى"
    assert record.body == 'قال "المتحدث" إن الوفد وصل & بدأ المحادثات في عدن.'
    text = tmp_path / "article.txt"
    text.write_text(ARTICLE.replace("انتهت.", "انتهت &amp; بدأت مرحلة جديدة."), encoding="utf-8")
    assert "انتهت & بدأت مرحلة جديدة." in _only_record(text).body
