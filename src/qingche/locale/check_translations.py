"""Check that every message of the interface is translated.

    python src/qingche/locale/check_translations.py [PO_FILE ...]

Without arguments it checks every locale/<lang>/LC_MESSAGES/*.po next to this script. It lists
each message that would show untranslated at run time and exits 1 if there is any:

- an empty msgstr (for a plural message: any empty msgstr[n]);
- a fuzzy entry (compilemessages leaves fuzzy translations out);
- a translation whose %(name)s placeholders differ from the msgid's (a KeyError at run time).

Standard library only; tests can call `problems(path)` directly.
"""

from __future__ import annotations

import ast
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

LOCALE_DIR = Path(__file__).resolve().parent
PLACEHOLDER = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifr]")


@dataclass
class Entry:
    line: int
    flags: set[str] = field(default_factory=set)
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)


def _unquote(text: str, path: Path, number: int) -> str:
    text = text.strip()
    if not (len(text) >= 2 and text[0] == text[-1] == '"'):
        raise ValueError(f"{path}:{number}: expected a quoted string, got {text!r}")
    return ast.literal_eval(text)


def parse(path: Path) -> list[Entry]:
    """Entries of a .po file, the header and obsolete (#~) entries left out."""
    entries: list[Entry] = []
    entry: Entry | None = None
    target: tuple[str, int | None] | None = None  # which string continuation lines extend

    def finish():
        nonlocal entry, target
        if entry is not None and entry.msgid != "":
            entries.append(entry)
        entry, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if entry is not None and target is not None:  # a comment after strings starts a new entry
                finish()
            if line.startswith("#,"):
                entry = entry or Entry(line=number)
                entry.flags.update(flag.strip() for flag in line[2:].split(",") if flag.strip())
            continue
        keyword, _space, rest = line.partition(" ")
        if line.startswith('"'):
            if entry is None or target is None:
                raise ValueError(f"{path}:{number}: a string outside any entry")
            name, index = target
            value = _unquote(line, path, number)
            if name == "msgstr":
                entry.msgstr[index] += value
            else:
                setattr(entry, name, getattr(entry, name) + value)
            continue
        if keyword in ("msgctxt", "msgid") and entry is not None and target is not None and target[0] == "msgstr":
            finish()  # entries not separated by a blank line
        entry = entry or Entry(line=number)
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if keyword in ("msgctxt", "msgid", "msgid_plural"):
            setattr(entry, keyword, _unquote(rest, path, number))
            target = (keyword, None)
        elif keyword == "msgstr" or match:
            index = int(match.group(1)) if match else 0
            entry.msgstr[index] = _unquote(rest, path, number)
            target = ("msgstr", index)
        else:
            raise ValueError(f"{path}:{number}: unknown keyword {keyword!r}")
    finish()
    return entries


def problems(path: Path) -> list[str]:
    """One line per message that would not show translated, with its line in the file."""
    found = []
    for entry in parse(Path(path)):
        label = repr(entry.msgid) if entry.msgctxt is None else f"{entry.msgctxt!r} | {entry.msgid!r}"
        where = f"{path}:{entry.line}"
        if not entry.msgstr or any(not text for text in entry.msgstr.values()):
            found.append(f"{where}: untranslated: {label}")
        elif "fuzzy" in entry.flags:
            found.append(f"{where}: fuzzy: {label}")
        else:
            wanted = set(PLACEHOLDER.findall(entry.msgid)) | set(PLACEHOLDER.findall(entry.msgid_plural or ""))
            for text in entry.msgstr.values():
                got = set(PLACEHOLDER.findall(text))
                if got - wanted:
                    found.append(f"{where}: placeholders {sorted(got - wanted)} not in the msgid: {label}")
                    break
    return found


def main(argv: list[str]) -> int:
    paths = [Path(arg) for arg in argv] or sorted(LOCALE_DIR.glob("*/LC_MESSAGES/*.po"))
    if not paths:
        print(f"no .po files under {LOCALE_DIR}", file=sys.stderr)
        return 2
    found = [line for path in paths for line in problems(path)]
    for line in found:
        print(line)
    if found:
        print(f"{len(found)} message(s) need a translation.", file=sys.stderr)
        return 1
    print(f"all messages translated in {len(paths)} file(s).")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
