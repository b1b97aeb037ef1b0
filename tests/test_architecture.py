"""The layering STYLE.md asks for, checked on the source: front ends call the application
layer, only the store speaks SQL, collectors never reach the database."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from listen.errors import StorageError
from listen.store import Store

SRC = Path(__file__).resolve().parents[1] / "src" / "listen"


def imported_modules(path: Path) -> set[str]:
    """Every module `path` imports, at any depth (lazy imports count too)."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def modules_outside(folder: str) -> list[Path]:
    return [p for p in SRC.rglob("*.py") if folder not in p.relative_to(SRC).parts]


def test_the_cli_reaches_data_only_through_the_application_layer() -> None:
    imports = imported_modules(SRC / "cli.py")
    assert not {m for m in imports if m == "sqlite3" or m.startswith("listen.store")}


def test_the_web_app_reaches_data_only_through_the_application_layer() -> None:
    """Every module of listen.web: `listen.app`'s functions, never the store or SQL."""
    modules = sorted((SRC / "web").glob("*.py"))
    assert len(modules) >= 5
    for path in modules:
        imports = imported_modules(path)
        reaching = {
            m for m in imports if m.startswith(("listen.store", "sqlite")) or m == "sqlite3"
        }
        assert reaching == set(), path.name


@pytest.mark.parametrize("module", ["sqlite3", "sqlite_utils"])
def test_only_the_store_package_speaks_sql(module: str) -> None:
    users = [
        str(p.relative_to(SRC)) for p in modules_outside("store") if module in imported_modules(p)
    ]
    assert users == []


def test_collectors_import_neither_the_store_nor_the_application_layer() -> None:
    for path in (SRC / "collectors").glob("*.py"):
        imports = imported_modules(path)
        assert not {
            m for m in imports if m.startswith(("listen.store", "listen.app", "listen.cli"))
        }


def test_the_store_connection_is_not_public(store: Store) -> None:
    assert not hasattr(store, "conn")


def test_sqlite_errors_reach_callers_as_storage_errors(store: Store) -> None:
    store.close()  # any query on a closed connection is a sqlite3.ProgrammingError
    with pytest.raises(StorageError, match="database error"):
        store.count("posts")


def test_no_module_imports_another_modules_private_names() -> None:
    private = []
    for path in SRC.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("listen"):
                private += [f"{path.name}: {node.module}.{a.name}" for a in node.names]
    assert [name for name in private if name.rsplit(".", 1)[1].startswith("_")] == []


@pytest.mark.parametrize("module", ["budget.py", "scoring.py", "tracker.py", "health.py"])
def test_planners_and_scorers_are_pure(module: str) -> None:
    """They take records and return decisions: no store, collector or network below them."""
    imports = imported_modules(SRC / module)
    reaching_out = ("listen.store", "listen.app", "listen.collectors", "listen.http", "httpx")
    assert not {m for m in imports if m.startswith(reaching_out)}


def test_every_feed_goes_through_one_parser() -> None:
    """Issue 14.5: blog, Mastodon RSS and comment feeds all call `collectors.feeds.parse_feed`;
    only it reaches feedparser or the fast path."""
    reaching = {
        str(p.relative_to(SRC))
        for p in SRC.rglob("*.py")
        if {"feedparser", "listen.collectors.fastfeed"} & imported_modules(p)
    }
    assert reaching == {"collectors/feeds.py"}


def test_every_dependency_is_imported_somewhere() -> None:
    import re
    import tomllib
    from importlib.metadata import packages_distributions

    project = tomllib.loads((SRC.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    providers = packages_distributions()  # import name → the distributions that provide it
    imported = {m.split(".")[0] for p in SRC.rglob("*.py") for m in imported_modules(p)}
    used = {dist.lower() for name in imported for dist in providers.get(name, [])}
    declared = [
        re.split(r"[<>=!~\[ ;]", requirement, maxsplit=1)[0]
        for requirement in project["project"]["dependencies"]
    ]
    assert [name for name in declared if name.lower() not in used] == []


def test_each_recording_is_kept_once() -> None:
    """Issue 14.6: a recording the demo ships is not copied into tests/data (tests read it
    from the package through tests.helpers.data_path)."""
    import hashlib

    def digests(folder: Path) -> dict[str, str]:
        return {
            hashlib.sha256(p.read_bytes()).hexdigest(): str(p.relative_to(folder))
            for p in folder.rglob("*")
            if p.is_file() and p.name != "README"
        }

    shipped = digests(SRC / "demo" / "data")
    tests = digests(SRC.parents[1] / "tests" / "data")
    assert sorted(tests[d] for d in tests.keys() & shipped.keys()) == []


MAX_FUNCTION_LINES = 60


def functions(path: Path) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]


def test_every_function_reads_at_once() -> None:
    """No function in src/ runs over 60 lines (docstring included, decorators not)."""
    long = [
        f"{path.relative_to(SRC)}:{fn.lineno} {fn.name} ({fn.end_lineno - fn.lineno + 1} lines)"
        for path in SRC.rglob("*.py")
        for fn in functions(path)
        if (fn.end_lineno or fn.lineno) - fn.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_every_import_inside_a_function_says_why() -> None:
    """An import is deferred only for start-up time, with a comment saying so: on the import,
    or on the line above a run of imports."""
    silent = []
    for path in SRC.rglob("*.py"):
        lines = path.read_text(encoding="utf-8").splitlines()
        for fn in functions(path):
            for node in ast.walk(fn):
                if isinstance(node, ast.Import | ast.ImportFrom) and not _commented(lines, node):
                    silent.append(f"{path.relative_to(SRC)}:{node.lineno}")
    assert silent == []


def _commented(lines: list[str], node: ast.Import | ast.ImportFrom) -> bool:
    """A comment on the import's lines, or above the run of imports it belongs to."""
    if any("#" in line for line in lines[node.lineno - 1 : node.end_lineno]):
        return True
    above = node.lineno - 2
    while above >= 0 and lines[above].strip().startswith(("from ", "import ", ")")):
        if "#" in lines[above]:
            return True
        above -= 1
    return above >= 0 and lines[above].strip().startswith("#")
