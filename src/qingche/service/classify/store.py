"""Model versions on disk: <var>/classifier/<version>/model.pickle with evaluation.json beside it, and
<var>/classifier/current naming the version in use. Restoring a version rewrites `current` only.

The pickles are written by this module alone, under the project's own var/ directory; nothing received
from outside is ever unpickled."""

from __future__ import annotations

import json
import os
import pickle
import shutil
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from django.conf import settings

MODEL_FILE = "model.pickle"
EVALUATION_FILE = "evaluation.json"
KEEP_VERSIONS = 10

_lock = threading.Lock()
_loaded: dict[str, object] = {}


class NoModel(LookupError):
    """No model has been built yet (`make model`, or `qingche service classifier-build`)."""


@dataclass(frozen=True)
class Version:
    name: str
    evaluation: dict
    current: bool


def root() -> Path:
    return Path(settings.VAR_DIR) / "classifier"


def _write_atomically(path: Path, data: bytes) -> None:
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temporary, path)


def current_name() -> str | None:
    try:
        return (root() / "current").read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def save(classifier, evaluation: dict, make_current: bool = True) -> str:
    """Store a new version (named by its UTC time) with its evaluation; older versions beyond the last
    KEEP_VERSIONS are removed, never the current one."""
    name = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    directory = root() / name
    directory.mkdir(parents=True)
    _write_atomically(directory / MODEL_FILE, pickle.dumps(classifier, protocol=pickle.HIGHEST_PROTOCOL))
    evaluation = {"version": name, **evaluation}
    _write_atomically(directory / EVALUATION_FILE, json.dumps(evaluation, ensure_ascii=False, indent=2).encode("utf-8"))
    if make_current:
        set_current(name)
    for old in [version.name for version in versions()][KEEP_VERSIONS:]:
        if old != current_name():
            shutil.rmtree(root() / old, ignore_errors=True)
    return name


def set_current(name: str) -> None:
    if not (root() / name / MODEL_FILE).exists():
        raise NoModel(name)
    _write_atomically(root() / "current", (name + "\n").encode("utf-8"))


def versions() -> list[Version]:
    """Every stored version, newest first."""
    if not root().exists():
        return []
    current = current_name()
    found = []
    for directory in sorted(root().iterdir(), reverse=True):
        if (directory / MODEL_FILE).exists():
            try:
                evaluation = json.loads((directory / EVALUATION_FILE).read_text(encoding="utf-8"))
            except (OSError, ValueError):
                evaluation = {}
            found.append(Version(directory.name, evaluation, directory.name == current))
    return found


def previous_name() -> str | None:
    """The newest version older than the current one."""
    current = current_name()
    older = [version.name for version in versions() if current is None or version.name < current]
    return older[0] if older else None


def load(name: str | None = None):
    """The classifier of version `name` (default: the current one), read once per process and version."""
    name = name or current_name()
    if name is None:
        raise NoModel("no model")
    with _lock:
        if name not in _loaded:
            path = root() / name / MODEL_FILE
            if not path.exists():
                raise NoModel(name)
            with path.open("rb") as stream:
                _loaded.clear()
                _loaded[name] = pickle.load(stream)  # noqa: S301 — our own file, see the module docstring
        return _loaded[name]
