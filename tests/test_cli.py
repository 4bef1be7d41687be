"""The index, search, show and actors commands (click CliRunner)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from indexer.cli import cli


@pytest.fixture()
def run():
    runner = CliRunner()

    def invoke(*args):
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


def test_search_json_has_the_contract_shape(run, synthetic_index_dir):
    result = run("search", "مسيرة", "--index", synthetic_index_dir, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"query", "total", "page", "hits", "facets"} <= set(data)
    assert data["query"] == "مسيرة" and data["page"] == 1 and data["total"] == 2
    hit = data["hits"][0]
    assert {"id", "path", "title", "source", "date", "actors", "score", "snippet"} <= set(hit)
    assert isinstance(hit["actors"], list) and isinstance(hit["score"], float)
    assert "<mark>" in hit["snippet"]
    assert set(data["facets"]) == {"source", "actor", "date"}
    for values in data["facets"].values():
        for value in values:
            assert {"value", "count"} <= set(value) and isinstance(value["count"], int)
    assert {v["value"] for v in data["facets"]["date"]} == {"2024-06", "2024-07"}


def test_search_filters_and_paging(run, synthetic_index_dir):
    result = run("search", "", "--index", synthetic_index_dir, "--source", "الجزيرة", "--source", "المدى",
                 "--since", "2019-01-01", "--sort", "date", "--limit", "1", "--page", "2", "--json")
    data = json.loads(result.output)
    assert data["total"] == 2 and data["page"] == 2
    assert [hit["id"] for hit in data["hits"]] == ["isis.json"]
    assert data["hits"][0]["date"] == "2019-01-05"


def test_search_readable_output(run, synthetic_index_dir):
    result = run("search", "البنتاغون", "--index", synthetic_index_dir)
    assert result.exit_code == 0
    assert "2 results" in result.output
    assert "id: pentagon.json" in result.output
    assert "<mark>" not in result.output


def test_bad_date_exits_2(run, synthetic_index_dir):
    result = run("search", "العراق", "--index", synthetic_index_dir, "--since", "2024-31-12")
    assert result.exit_code == 2


@pytest.mark.parametrize("query", ['"العراق', "(((", "OR", "-", "x:", "<script>"])
def test_malformed_query_on_the_command_line(run, synthetic_index_dir, query):
    result = run("search", query, "--index", synthetic_index_dir, "--json")
    assert result.exit_code == 0
    assert json.loads(result.output)["query"] == query


def test_missing_index_is_one_line(run, tmp_path):
    result = run("search", "العراق", "--index", tmp_path / "none")
    assert result.exit_code == 1
    assert "no index in" in result.output and "fahras index" in result.output
    assert "Traceback" not in result.output


def test_show(run, synthetic_index_dir):
    result = run("show", "markup.json", "--index", synthetic_index_dir, "--json")
    data = json.loads(result.output)
    assert data["id"] == "markup.json" and data["source"] == "المدى"
    assert "&lt;script&gt;" in data["body_html"]
    readable = run("show", "drone.json", "--index", synthetic_index_dir)
    assert "source: الجزيرة" in readable.output and "date: 2024-07-28" in readable.output
    missing = run("show", "nope", "--index", synthetic_index_dir)
    assert missing.exit_code == 1 and "no document" in missing.output


def test_actors(run, synthetic_index_dir):
    data = json.loads(run("actors", "--index", synthetic_index_dir, "--json").output)
    assert {key: data[0][key] for key in ("value", "count")} == {"value": "الولايات المتحدة", "count": 2}
    assert data[0]["value"] in data[0]["variants"]
    assert len(data) == 4
    assert "الحوثيون" in run("actors", "--index", synthetic_index_dir, "--limit", "3").output


def test_actors_lists_the_spellings_merged_into_each(run, web_index_dir):
    data = {row["value"]: row for row in json.loads(run("actors", "--index", str(web_index_dir), "--json").output)}
    # Seed 001 writes البنتاجون, seed 004 البنتاغون: one actor, both spellings listed.
    assert {"البنتاجون", "البنتاغون"} <= set(data["البنتاغون"]["variants"])
    assert data["البنتاغون"]["count"] == 3  # seeds 001, 003 and 004 (وزارة الدفاع الأمريكية in 003)
    readable = run("actors", "--index", str(web_index_dir)).output
    assert "البنتاجون" in readable


def test_index_command_on_the_seeds(run, tmp_path, monkeypatch):
    monkeypatch.setenv("FAHRAS_INDEX", str(tmp_path / "index"))
    result = run("index", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["added"] == 5 and data["documents"] == 5
    again = run("index")
    assert again.output.startswith("added 0, updated 0, removed 0, unchanged 5")
    data = json.loads(run("search", "العراق", "--json").output)
    assert data["total"] == 5


def test_search_exports_every_hit_as_csv_with_a_bom(run, synthetic_index_dir):
    import csv
    import io

    result = run("search", "", "--index", synthetic_index_dir, "--format", "csv", "--all", "--sort", "oldest")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(result.output[1:])))
    assert [row["id"] for row in rows] == ["isis.json", "pentagon.json", "economy.json", "drone.json", "markup.json"]
    assert list(rows[0]) == ["id", "title", "source", "date", "actors", "url", "path", "score"]
    drone = next(row for row in rows if row["id"] == "drone.json")
    assert drone["actors"] == "الحوثيون; الولايات المتحدة" and drone["source"] == "الجزيرة"


def test_search_exports_jsonl_under_the_filters(run, synthetic_index_dir):
    result = run("search", "", "--index", synthetic_index_dir, "--format", "jsonl", "--all",
                 "--not-source", "العربية", "--not-actor", "تنظيم الدولة")
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert sorted(row["id"] for row in rows) == ["drone.json", "markup.json"]
    page = run("search", "", "--index", synthetic_index_dir, "--format", "jsonl", "--limit", "2")
    assert len(page.output.splitlines()) == 2


def test_search_all_needs_a_row_format(run, synthetic_index_dir):
    result = run("search", "", "--index", synthetic_index_dir, "--all")
    assert result.exit_code == 2 and "--format csv" in result.output
    both = run("search", "", "--index", synthetic_index_dir, "--json", "--format", "csv")
    assert both.exit_code == 2


def test_search_oldest_first(run, synthetic_index_dir):
    data = json.loads(run("search", "", "--index", synthetic_index_dir, "--sort", "oldest", "--json").output)
    assert [hit["date"] for hit in data["hits"]] == ["2019-01-05", "2024-06-10", "2024-07-01", "2024-07-28", None]


def test_inverted_date_range_is_an_error(run, synthetic_index_dir):
    result = run("search", "العراق", "--index", synthetic_index_dir, "--since", "2024-01-01", "--until", "2020-01-01")
    assert result.exit_code == 2
    assert "since (2024-01-01) is after until (2020-01-01)" in result.output and "Traceback" not in result.output


# --- unknown filter values: the helper behind "--source Nope" ----------------------


def test_unknown_source_names_the_closest_known_ones():
    from indexer.errors import QueryError
    from indexer.search.suggest import check_known_values, closest_values

    known = ["الجزيرة", "العربية", "Al Jazeera", "Sputnik Arabic"]
    assert closest_values("الجزيره", known) == ["الجزيرة", "العربية"]  # ta marbuta folded before comparing
    assert closest_values("jazeera", known) == ["Al Jazeera"]
    check_known_values("source", ["العربية", "Al Jazeera"], known)  # known values pass
    with pytest.raises(QueryError) as raised:
        check_known_values("source", ["العربية", "Sputnik"], known)
    error = raised.value
    assert error.code == "unknown_value" and error.exit_code == 2
    assert error.params == {"facet": "source", "value": "Sputnik", "suggestions": ["Sputnik Arabic"], "known": 4}
    assert str(error) == "no source named 'Sputnik' in this index (closest: Sputnik Arabic)"
    with pytest.raises(QueryError, match=r"\(known: Al Jazeera, Sputnik Arabic, الجزيرة, العربية\)"):
        check_known_values("source", ["Nope"], known)


def test_an_unknown_source_exits_2_naming_the_closest(run, synthetic_index_dir):
    result = run("search", "", "--index", synthetic_index_dir, "--source", "الجزيره")
    assert result.exit_code == 2
    assert "الجزيرة" in result.output and "الجزيره" in result.output


def test_an_inverted_date_range_exits_2(run, synthetic_index_dir):
    result = run("search", "", "--index", synthetic_index_dir, "--since", "2024-01-01", "--until", "2020-01-01")
    assert result.exit_code == 2
    assert "after until" in result.output


# --- actor types: search --actor-type, actors --actor-type, the type column ---------------------------


def test_search_actor_type_restricts_the_actor_facet_and_only_adds_keys(run, web_index_dir):
    plain = json.loads(run("search", "--index", web_index_dir, "--json").output)
    result = run("search", "--index", web_index_dir, "--json", "--actor-type", "person")
    assert result.exit_code == 0, result.output
    people = json.loads(result.output)
    assert set(people) == set(plain) and people["total"] == plain["total"]  # documents are not filtered
    assert people["hits"] == plain["hits"]
    assert people["facets"]["actor"] and {v["type"] for v in people["facets"]["actor"]} == {"person"}
    assert people["facet_totals"]["actor"] < plain["facet_totals"]["actor"]
    # Every actor value gains a "type"; the other keys and every other facet are as they were.
    assert {v["type"] for v in plain["facets"]["actor"]} <= {"person", "organisation", "place"}
    assert all(set(v) == {"value", "count", "selected", "type"} for v in plain["facets"]["actor"])
    assert people["facets"]["source"] == plain["facets"]["source"]
    text = run("search", "--index", web_index_dir, "--actor-type", "place").output
    assert "actor [place]: " in text and "محمد شياع السوداني" not in text.split("actor [place]: ")[1].split("\n")[0]


def test_actors_shows_each_type_and_filters_by_it(run, web_index_dir):
    data = json.loads(run("actors", "--index", web_index_dir, "--json").output)
    assert all(set(row) == {"value", "count", "variants", "type"} for row in data)
    by_name = {row["value"]: row for row in data}
    assert by_name["محمد شياع السوداني"]["type"] == "person" and by_name["العراق"]["type"] == "place"
    assert by_name["البنتاغون"]["type"] == "organisation"
    places = json.loads(run("actors", "--index", web_index_dir, "--json", "--actor-type", "place").output)
    assert places and {row["type"] for row in places} == {"place"}
    assert [row["value"] for row in places] == [row["value"] for row in data if row["type"] == "place"]
    text = run("actors", "--index", web_index_dir, "--limit", "40").output.splitlines()
    line = next(line for line in text if line.endswith("محمد شياع السوداني") or "محمد شياع السوداني  (" in line)
    assert line.split()[1] == "person"
    people = run("actors", "--index", web_index_dir, "--actor-type", "PERSON").output.splitlines()
    assert people and all(line.split()[1] == "person" for line in people)


@pytest.mark.parametrize("command", ["search", "actors"])
def test_a_bad_actor_type_is_a_clear_usage_error(command, web_index_dir):
    result = CliRunner().invoke(cli, [command, "--index", str(web_index_dir), "--actor-type", "people"])
    assert result.exit_code == 2
    assert "'people' is not one of 'person', 'organisation', 'place'" in result.output
    assert "Traceback" not in result.output
