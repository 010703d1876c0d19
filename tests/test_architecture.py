"""The import direction and module sizes the architecture promises, read from the source.

Imports point one way: views, the API and commands call services, permissions, forms,
the gate and the reports, which read and write models. Nothing imports a view; the minutes
parser knows no database. Every import statement counts, including those inside functions
or under `TYPE_CHECKING`, because a lazy import is still a dependency.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "readiness"
MAX_LINES = 600

# Modules still over MAX_LINES, each waiting to be split. Remove an entry when its module
# is split; the test below fails once a listed module is gone or back under the limit, so
# the list cannot outlive its reason.
PENDING_SPLIT: set[str] = set()


def _relative(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def _sources() -> dict[str, Path]:
    """Every module of the package by dotted name, migrations aside."""
    return {
        _module_name(path): path
        for path in sorted(PACKAGE.rglob("*.py"))
        if "migrations" not in path.relative_to(PACKAGE).parts
    }


def _imports_in(source: str, package: str) -> set[str]:
    """The dotted names `source` imports, relative ones resolved against `package`.
    `from a import b` yields `a` and `a.b`, since `b` may be a submodule
    (`from readiness import services`)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                anchor = ".".join(parts[: len(parts) - node.level + 1])
                base = f"{anchor}.{base}" if base else anchor
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


@cache
def _imports(name: str) -> frozenset[str]:
    path = _sources()[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return frozenset(_imports_in(path.read_text(encoding="utf-8"), package))


def _is_under(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def _offenders(modules, forbidden: tuple[str, ...]) -> list[str]:
    """`file: imported name` for every import of a forbidden module."""
    return sorted(
        f"{_relative(_sources()[name])}: {imported}"
        for name in modules
        for imported in _imports(name)
        if _is_under(imported, forbidden)
    )


def _refuse(offenders: list[str], rule: str) -> None:
    """Fail with every offending file named, not pytest's truncated diff."""
    if offenders:
        pytest.fail(f"{rule}:\n  " + "\n  ".join(offenders), pytrace=False)


def _modules_under(*prefixes: str) -> list[str]:
    return [name for name in _sources() if _is_under(name, prefixes)]


def _modules_outside(*prefixes: str) -> list[str]:
    return [name for name in _sources() if not _is_under(name, prefixes)]


def test_it_reads_the_whole_package():
    # A guard for the guards: an empty scan would pass every rule below.
    names = _sources()
    assert {"readiness.urls", "readiness.models", "readiness.services"} <= names.keys()
    assert not any(".migrations" in name for name in names)
    views = _modules_under("readiness.views")
    assert any("readiness.services" in _imports(name) for name in views)


def test_it_resolves_relative_and_submodule_imports():
    source = "from . import core\nfrom ..models import Action\nimport django.db.models\n"
    found = _imports_in(source, "readiness.views")
    assert found == {
        "readiness.views",
        "readiness.views.core",
        "readiness.models",
        "readiness.models.Action",
        "django.db.models",
    }


def test_nothing_imports_a_view():
    """Only the URLconf routes to views; views share helpers within their own package."""
    importers = _modules_outside("readiness.views", "readiness.urls")
    _refuse(_offenders(importers, ("readiness.views",)), "a view imported outside the URLconf")


def test_nothing_imports_the_api_or_a_command():
    """The other doors are leaves too: the URLconf mounts the API, manage.py runs commands."""
    api_importers = _modules_outside("readiness.api", "readiness.urls")
    _refuse(_offenders(api_importers, ("readiness.api",)), "the API imported outside the URLconf")
    command_importers = _modules_outside("readiness.management.commands")
    _refuse(
        _offenders(command_importers, ("readiness.management.commands",)), "a command imported"
    )


def test_models_import_no_layer_above_them():
    forbidden = (
        "readiness.services",
        "readiness.views",
        "readiness.forms",
        "readiness.permissions",
        "readiness.api",
        "readiness.reports",
        "readiness.gate",
        "readiness.management",
    )
    _refuse(_offenders(_modules_under("readiness.models"), forbidden), "models import upward")


def test_services_import_no_door():
    forbidden = ("readiness.views", "readiness.forms", "readiness.api", "readiness.management")
    _refuse(_offenders(_modules_under("readiness.services"), forbidden), "services import a door")


def test_the_middle_layers_import_no_door():
    """Permissions, forms, the gate and the reports answer the doors, never call them."""
    middle = _modules_under(
        "readiness.permissions", "readiness.forms", "readiness.gate", "readiness.reports"
    )
    assert middle
    doors = ("readiness.views", "readiness.api", "readiness.management")
    _refuse(_offenders(middle, doors), "a middle layer imports a door")


def test_the_minutes_parser_knows_no_database():
    """Neither the parser nor anything of ours it imports, directly or not, reaches the
    database layer or the models."""
    forbidden = ("django.db", "readiness.models")
    seen, todo = set(), ["readiness.minutes.parser"]
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        todo += [
            imported
            for imported in _imports(name)
            if imported in _sources() and not _is_under(imported, forbidden)
        ]
    assert {"readiness.minutes.vocabulary", "readiness.minutes.fields"} <= seen
    _refuse(_offenders(seen, forbidden), "the minutes parser reaches the database")


def _long_modules() -> dict[str, int]:
    lengths = {
        _relative(path): len(path.read_text(encoding="utf-8").splitlines())
        for path in _sources().values()
    }
    return {path: n for path, n in lengths.items() if n > MAX_LINES}


def test_no_module_passes_the_size_limit():
    too_long = [
        f"{path}: {n} lines" for path, n in _long_modules().items() if path not in PENDING_SPLIT
    ]
    _refuse(too_long, f"over {MAX_LINES} lines; split by area")


def test_the_pending_splits_are_still_pending():
    """A split module leaves the list; a stale entry would hide the next one to grow."""
    _refuse(
        sorted(PENDING_SPLIT - _long_modules().keys()),
        f"no longer over {MAX_LINES} lines (or gone): remove from PENDING_SPLIT",
    )
