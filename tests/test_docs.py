"""The README against the code, in the spirit of sqlite-utils' docs tests.

* Its Python example runs as written (in a temporary folder holding the seeds).
* Every ``fahras`` command and every option click knows is in a usage line of
  the README for that command.
* The ``--json`` example shows the keys ``SearchResult.to_dict()`` has.
* The query length it states is the one the code enforces.
"""

from __future__ import annotations

import json
import re
import shutil

import click
import pytest

from indexer.cli import cli
from indexer.search.query import MAX_LEAVES, MAX_QUERY_CHARS

from conftest import REPO_ROOT, SEEDS_DIR

README = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
FENCED = re.compile(r"^```(\w*)\n(.*?)^```", re.S | re.M)
INLINE = re.compile(r"`([^`\n]+)`")


def fenced_blocks(language: str) -> list[str]:
    return [body for lang, body in FENCED.findall(README) if lang == language]


def usage_texts(command: str) -> list[str]:
    """Fenced blocks and inline code spans of the README that show ``fahras COMMAND ...``."""
    pattern = re.compile(rf"\bfahras {re.escape(command)}(?![\w-])")
    spans = [body for _, body in FENCED.findall(README)] + INLINE.findall(FENCED.sub("", README))
    return [span for span in spans if pattern.search(span)]


def option_names(param: click.Parameter) -> list[str]:
    """The long names a user types: ``--json``; a ``--x/--no-x`` pair is documented as that pair."""
    if param.secondary_opts:
        return [f"{param.opts[-1]}/{param.secondary_opts[-1]}"]
    return [max(param.opts, key=len)]


COMMANDS = sorted(cli.commands)
DOCUMENTED_OPTIONS = [
    (name, option)
    for name in COMMANDS
    for param in cli.commands[name].params
    if isinstance(param, click.Option) and "--help" not in param.opts
    for option in option_names(param)
]


def test_the_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    [example] = fenced_blocks("python")
    shutil.copytree(SEEDS_DIR, tmp_path / "seeds")
    monkeypatch.chdir(tmp_path)
    exec(compile(example, "README.md", "exec"), {"__name__": "readme_example"})
    printed = capsys.readouterr().out.splitlines()
    seeds = len(list(SEEDS_DIR.iterdir()))
    assert printed[0].startswith(f"added {seeds}, updated 0, removed 0, unchanged 0")
    assert "<mark>" in "\n".join(printed)  # snippets and the marked document body
    assert (tmp_path / "fahras-demo").is_dir()


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_usage_line(command):
    assert usage_texts(command), f"README.md shows no `fahras {command} ...` usage"


@pytest.mark.parametrize(("command", "option"), DOCUMENTED_OPTIONS)
def test_every_option_is_in_its_command_usage(command, option):
    assert any(option in text for text in usage_texts(command)), (
        f"`fahras {command}`: {option} is missing from its usage in README.md"
    )


def test_the_readme_does_not_document_options_that_do_not_exist():
    for command in COMMANDS:
        known = {name for param in cli.commands[command].params for name in (*param.opts, *param.secondary_opts)}
        for text in usage_texts(command):
            usage = text[re.search(rf"\bfahras {re.escape(command)}(?![\w-])", text).start():]
            usage = re.split(r"\n(?=\S)|\bfahras (?!" + re.escape(command) + r"\b)", usage)[0]
            written = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", usage))
            assert written <= known, f"`fahras {command}`: README names {written - known}"


def test_the_json_example_has_the_result_keys(synthetic_index):
    [example] = [block for block in fenced_blocks("json") if '"hits"' in block]
    shown = set(json.loads(example.replace("[...]", "[]")))
    assert shown == set(synthetic_index.search("مسيرة").to_dict())


def test_the_query_limits_are_the_ones_enforced():
    from webui import DEFAULT_CONFIG

    assert DEFAULT_CONFIG["MAX_QUERY_CHARS"] == MAX_QUERY_CHARS
    assert f"cut at {MAX_QUERY_CHARS:,} characters and {MAX_LEAVES} words" in README
    assert f"longer than {MAX_QUERY_CHARS:,} characters" in README  # the page answers 400 rather than cut
