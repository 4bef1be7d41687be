"""Shared pytest fixtures.  Add yours in a section; don't rewrite others'."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"


# --- web UI: an index of the seeds plus one hostile document ----------------

#: A plain-text article whose title and body carry markup: the web UI must
#: show it as text (never run it), with or without a query highlighting it.
HOSTILE_FILENAME = "hostile_markup.txt"
HOSTILE_TITLE = "<script>alert(1)</script> اختبار الترميز في العراق"
HOSTILE_TEXT = (
    f"{HOSTILE_TITLE}\n\n"
    "نشرت وكالة الأنباء العراقية في بغداد يوم 2024-09-15 خبرًا عن البرلمان العراقي.\n"
    'قال المتحدث إن <b onmouseover="alert(2)">الحكومة</b> ستناقش الموازنة، '
    "و<script>alert(1)</script> ليست إلا نصًا يجب أن يظهر كما هو.\n"
    '<img src="x" onerror="alert(3)"> وسم صورة مكتوب في نص المقالة عن العراق.\n'
)


@pytest.fixture(scope="session")
def web_corpus_dir(tmp_path_factory) -> Path:
    """The bundled seeds plus the hostile-markup article, copied to a temporary folder."""
    folder = tmp_path_factory.mktemp("web_corpus")
    for seed in sorted(SEEDS_DIR.iterdir()):
        shutil.copyfile(seed, folder / seed.name)
    (folder / HOSTILE_FILENAME).write_text(HOSTILE_TEXT, encoding="utf-8")
    return folder


@pytest.fixture(scope="session")
def web_index_dir(tmp_path_factory, web_corpus_dir) -> Path:
    from indexer import update_index

    index_dir = tmp_path_factory.mktemp("web_index")
    update_index([web_corpus_dir], index_dir, processes=1)
    return index_dir


@pytest.fixture(scope="session")
def web_index(web_index_dir):
    from indexer import open_index

    return open_index(web_index_dir)


@pytest.fixture()
def web_app(web_index):
    from webui import create_app

    return create_app({"TESTING": True, "INDEX": web_index})


@pytest.fixture()
def web_client(web_app):
    return web_app.test_client()


# --- index and search: synthetic records, read without ingestion heuristics ----

import datetime as _dt  # noqa: E402
import hashlib as _hashlib  # noqa: E402
import json as _json  # noqa: E402

from indexer.records import Record as _Record, Skipped as _Skipped  # noqa: E402

#: One record per file: ``name -> fields``.  Dates and sources are chosen so
#: that facets, date buckets and sorting have known answers.
ARTICLES = {
    "drone.json": {
        "title": "طائرة مسيَّرة تهاجم قاعدة أمريكية في سوريا",
        "body": "قالت مصادر إن هجوم على القاعدة الأمريكية نفذته طائرة مسيَّرة فجر اليوم، وأعلنت الفصائل مسؤوليتها.",
        "source": "الجزيرة",
        "date": "2024-07-28",
        "actors": ["الحوثيون", "الولايات المتحدة"],
    },
    "pentagon.json": {
        "title": "البنتاغون يعلق على الهجمات",
        "body": "قالت وزارة الدفاع الأميركية إن الطائرات المسيرة استهدفت قواتها في العراق، وإن الرد سيأتي.",
        "source": "العربية",
        "date": "2024-06-10",
        "actors": ["الولايات المتحدة"],
    },
    "isis.json": {
        "title": "تنظيم الدولة يتبنى تفجيرا في العراق",
        "body": "أعلن تنظيم الدولة مسؤوليته عن التفجير الذي وقع قرب بغداد وأودى بحياة عشرة أشخاص.",
        "source": "الجزيرة",
        "date": "2019-01-05",
        "actors": ["تنظيم الدولة"],
    },
    "markup.json": {
        "title": "البرلمان يناقش الموازنة",
        "body": "ناقش البرلمان العراقي الموازنة <script>alert(1)</script> وقال النواب إن الحكومة تأخرت.",
        "source": "المدى",
        "date": None,
        "actors": [],
    },
    "economy.json": {
        "title": "البنتاجون والاقتصاد المصري",
        "body": "تقرير عن الاقتصاد المصري وأسعار الصرف في القاهرة، وعلاقة ذلك بصفقات البنتاجون.",
        "source": "العربية",
        "date": "2024-07-01",
        "actors": ["مصر"],
    },
}


def write_articles(folder: Path, articles: dict = ARTICLES) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, fields in articles.items():
        (folder / name).write_text(_json.dumps(fields, ensure_ascii=False), encoding="utf-8")
    return folder


def read_article(path: Path, root: Path | None, reference_date) -> list:
    """A ``read`` for ``update_index``: one JSON object per file, fields taken as they are."""
    raw = path.read_bytes()
    try:
        fields = _json.loads(raw)
    except ValueError:
        return [_Skipped(str(path), "not JSON")]
    record_id = path.name if root is None else path.relative_to(root).as_posix()
    return [
        _Record(
            id=record_id,
            path=record_id,
            title=fields["title"],
            body=fields["body"],
            source=fields.get("source"),
            date=_dt.date.fromisoformat(fields["date"]) if fields.get("date") else None,
            date_precision="day" if fields.get("date") else None,
            actors=fields.get("actors", []),
            content_hash=_hashlib.sha256(raw).hexdigest(),
        )
    ]


@pytest.fixture()
def article_reader():
    """``read_article``: pass it as ``update_index(..., read=...)``."""
    return read_article


@pytest.fixture(scope="session")
def synthetic_index_dir(tmp_path_factory) -> Path:
    from indexer import update_index

    folder = write_articles(tmp_path_factory.mktemp("synthetic_corpus"))
    index_dir = tmp_path_factory.mktemp("synthetic_index")
    update_index([folder], index_dir, read=read_article, processes=1)
    return index_dir


@pytest.fixture(scope="session")
def synthetic_index(synthetic_index_dir):
    from indexer import open_index

    index = open_index(synthetic_index_dir)
    yield index
    index.close()


# --- OpenSearch: a real one-node cluster, once per run (see opensearch_fixtures.py) ---

from opensearch_fixtures import opensearch_client, opensearch_cluster, opensearch_url  # noqa: E402, F401
