"""Rules stay pure: a `rules.py` may use Django's gettext for its labels and messages, nothing else of
Django (import-linter, run by `make test`, checks the layers between modules; it cannot tell Django's
sub-packages apart, so this check reads the imports itself)."""

import ast
from pathlib import Path

import qingche

ALLOWED_DJANGO = {"django.utils.translation"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_rules_modules_import_nothing_of_django_but_gettext():
    rules_files = sorted(Path(qingche.__file__).parent.glob("*/rules*.py"))
    assert len(rules_files) >= 6
    offending = {
        str(path.relative_to(path.parents[1])): sorted(
            name for name in _imports(path) if name.split(".")[0] == "django" and name not in ALLOWED_DJANGO
        )
        for path in rules_files
    }
    assert {path: names for path, names in offending.items() if names} == {}


def test_rules_modules_import_no_models_selectors_or_services():
    for path in Path(qingche.__file__).parent.glob("*/rules*.py"):
        layered = [
            name
            for name in _imports(path)
            if name.startswith("qingche.") and name.rsplit(".", 1)[-1] in {"models", "selectors", "services"}
        ]
        assert layered == [], f"{path}: {layered}"
