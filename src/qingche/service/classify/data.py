"""The shared training data (`../shared/data/taidi2020/` beside the project, or QINGCHE_TAIDI_DIR): the
labelled messages, the unlabelled ones, the category tree of 附件1, and the split kept out of training.

Pure Python and files: no ORM here."""

from __future__ import annotations

import csv
import os
import random
import re
from collections import defaultdict
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[4]
UNLABELLED_FILES = ("附件2（测试数据）.xlsx", "附件3.xlsx", "附件4.xlsx")
HELD_OUT_SHARE = 0.2
SPLIT_SEED = 2020
# Two messages are near-duplicates when they share their first or their last KEY_CHARS characters
# (after whitespace is removed): train.csv holds a few reposts, which must not sit on both sides of a split.
KEY_CHARS = 40

_SPACE = re.compile(r"\s+")


def taidi_dir() -> Path:
    """Where the shared data is: QINGCHE_TAIDI_DIR, else ../shared/data/taidi2020 beside the project."""
    given = os.environ.get("QINGCHE_TAIDI_DIR")
    return Path(given) if given else PROJECT_DIR.parent / "shared" / "data" / "taidi2020"


def normalise(text: str) -> str:
    """The form the model sees: whitespace removed, as in train.csv (subject and details run together)."""
    return _SPACE.sub("", text or "")


def message_text(subject: str, details: str) -> str:
    return normalise(subject) + normalise(details)


def dedupe_keys(text: str) -> tuple[str, str]:
    return text[:KEY_CHARS], text[-KEY_CHARS:]


def dedupe(items: list[tuple[str, str]], seen: set[str] | None = None) -> list[tuple[str, str]]:
    """(text, label) pairs without near-duplicates (the first of each group is kept); `seen` collects the keys."""
    seen = set() if seen is None else seen
    kept = []
    for text, label in items:
        keys = dedupe_keys(text)
        if any(key in seen for key in keys):
            continue
        seen.update(keys)
        kept.append((text, label))
    return kept


def labelled(directory: Path | None = None) -> list[tuple[str, str]]:
    """train.csv as (normalised text, first-level label), near-duplicates removed."""
    path = (directory or taidi_dir()) / "train.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        rows = [(normalise(row["text"]), row["label"].strip()) for row in csv.DictReader(handle)]
    return dedupe([row for row in rows if row[0] and row[1]])


def split(items: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The fixed stratified split: (training part, held-out part). The held-out part never trains a model
    built from the shared data, so the figure measured on it is the project's own quality figure."""
    by_label: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for item in items:
        by_label[item[1]].append(item)
    rng = random.Random(SPLIT_SEED)
    train, held = [], []
    for label in sorted(by_label):
        group = sorted(by_label[label])
        rng.shuffle(group)
        cut = round(len(group) * HELD_OUT_SHARE)
        held.extend(group[:cut])
        train.extend(group[cut:])
    return train, held


def _xlsx_rows(path: Path):
    import openpyxl  # lazy: openpyxl is slow to import and only Excel files need it

    workbook = openpyxl.load_workbook(path, read_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header = [str(cell or "").strip() for cell in next(rows)]
        for row in rows:
            yield dict(zip(header, row, strict=False))
    finally:
        workbook.close()


def unlabelled(exclude: set[str], directory: Path | None = None) -> list[str]:
    """The messages of 附件2/3/4 (subject + details), without near-duplicates of each other or of any key
    in `exclude` (the labelled messages, held-out ones included)."""
    directory = directory or taidi_dir()
    seen = set(exclude)
    texts = []
    for name in UNLABELLED_FILES:
        path = directory / name
        if not path.exists():
            continue
        for row in _xlsx_rows(path):
            text = message_text(str(row.get("留言主题") or ""), str(row.get("留言详情") or ""))
            if text:
                texts.append((text, ""))
    return [text for text, _ in dedupe(texts, seen)]


def taxonomy(directory: Path | None = None) -> list[tuple[str, ...]]:
    """The three-level tree of 附件1 as (first, second, third) name paths; empty when the file is absent."""
    path = (directory or taidi_dir()) / "附件1.xlsx"
    if not path.exists():
        return []
    paths = []
    for row in _xlsx_rows(path):
        names = tuple(str(row.get(key) or "").strip() for key in ("一级分类", "二级分类", "三级分类"))
        if names[0]:
            paths.append(tuple(name for name in names if name))
    return paths
