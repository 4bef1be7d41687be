"""Where things are: the default index, the bundled seeds and the user-extendable data files.

Data files (outlet signatures, actor gazetteer, spelling variants):

The shipped file is always read; a file of the same name in the user's config
folder (``platformdirs.user_config_dir("fahras")``) or in the folder named by
``FAHRAS_DATA_DIR`` is read after it, so users add entries without editing the
installed package.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

from indexer.errors import FahrasError, IndexNotFound

PACKAGE_DIR = Path(__file__).resolve().parent
SHIPPED_DATA_DIR = PACKAGE_DIR / "data"
INDEX_ENV = "FAHRAS_INDEX"
DATA_DIR_VARIABLE = "FAHRAS_DATA_DIR"


def user_data_dirs() -> list[Path]:
    folders = [Path(platformdirs.user_config_dir("fahras"))]
    if os.environ.get(DATA_DIR_VARIABLE):
        folders.append(Path(os.environ[DATA_DIR_VARIABLE]))
    return folders


def data_file_paths(name: str) -> list[Path]:
    """The shipped file, then any user files of that name that exist."""
    return [SHIPPED_DATA_DIR / name, *(folder / name for folder in user_data_dirs() if (folder / name).is_file())]


def load_entries(name: str, key: str) -> list[dict]:
    """The ``key`` lists of every copy of data file ``name``, concatenated."""
    entries: list[dict] = []
    for path in data_file_paths(name):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise FahrasError(f"cannot read data file {path}: {error}") from error
        # A user file may leave a list out (only add actors, not given names).
        if not isinstance(data, dict) or not isinstance(data.get(key, []), list):
            raise FahrasError(f"data file {path} needs a top-level object whose {key!r} is a list")
        entries.extend(data.get(key, []))
    return entries


def default_index_dir() -> Path:
    """``$FAHRAS_INDEX`` if set, else ``<user data dir>/fahras/index``."""
    configured = os.environ.get(INDEX_ENV)
    if configured:
        return Path(configured).expanduser()
    return Path(platformdirs.user_data_dir("fahras")) / "index"


def default_index_location() -> str:
    """``$FAHRAS_INDEX`` as given (a folder or an ``opensearch+http(s)://HOST:PORT/NAME`` URL), else the
    default folder; unlike ``default_index_dir`` it never turns a URL into a path."""
    configured = os.environ.get(INDEX_ENV)
    if configured:
        return configured if "://" in configured else str(Path(configured).expanduser())
    return str(default_index_dir())


def bundled_seeds_dir() -> Path:
    """The sample articles: ``seeds/`` of a checkout, or the copy shipped in the package."""
    for candidate in (PACKAGE_DIR.parent / "seeds", PACKAGE_DIR / "data" / "seeds"):
        if candidate.is_dir():
            return candidate
    raise IndexNotFound("the bundled seeds/ folder is missing from this installation; give a PATH to index")
