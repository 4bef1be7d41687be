"""The ``fahras`` command line: a thin layer over the library.

Domain errors (``FahrasError``) become click exceptions here and only here.
"""

from __future__ import annotations

import functools

import click

from indexer.errors import FahrasError


class FahrasClickError(click.ClickException):
    def __init__(self, error: FahrasError):
        super().__init__(str(error))
        self.exit_code = error.exit_code


def reports_errors(command):
    """Turn library errors into one-line messages with the right exit status."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except FahrasError as error:
            raise FahrasClickError(error) from error

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="fahras")
def cli():
    """Fahras (فهرس): index and search Arabic news on your own machine."""


# Commands are added below, one section per command group.

# --- ingestion commands: inspect -------------------------------------------


# --- index and search commands: index, search, show, actors ----------------


# --- web commands: serve ----------------------------------------------------
