"""SQL lives in ``queries/``: no module above it writes a statement or opens DuckDB.

Every statement is a named query in ``queries/`` and runs through the gateway (its time limit,
its error mapping, its cache where one fits), so one folder holds all there is to review for
bound parameters, and nothing borrows a cursor. ``lake/`` may import DuckDB (storage) but writes
no SQL either; tests and benchmarks are exempt (they check the queries against DuckDB itself).
import-linter cannot see either rule: a string is not an import, and DuckDB is outside the
project.
"""

from __future__ import annotations

import ast
import os
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
EXEMPT = {"queries", "tests", "bench"}  # where SQL may be written
DUCKDB_ALLOWED = {"lake", "queries", "tests", "bench"}
# A statement's first word, in capitals as the project writes SQL (prose says "Select ...").
STATEMENT = re.compile(
    r"^\s*\(?\s*(SELECT|WITH|INSERT|CREATE|COPY|UPDATE|DELETE|DROP|ALTER|PRAGMA|ATTACH)\s"
)


def project_files(root: Path) -> Iterator[Path]:
    """The project's Python files: top-level modules and packages, not hidden folders (the
    virtualenv, caches)."""
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith(".") and d != "__pycache__")
        yield from (Path(folder) / f for f in sorted(files) if f.endswith(".py"))


def _top(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else ""


def _leading_text(node: ast.AST) -> str | None:
    """The text a string literal starts with (an f-string's first literal part)."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        if isinstance(first, ast.Constant) and isinstance(first.value, str):
            return first.value
    return None


def sql_strings(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, first words) of each string literal that starts like a SQL statement."""
    inner = {id(v) for n in ast.walk(tree) if isinstance(n, ast.JoinedStr) for v in n.values}
    found = []
    for node in ast.walk(tree):
        if id(node) in inner:
            continue  # an f-string's parts are judged with the f-string
        text = _leading_text(node)
        if text is not None and STATEMENT.match(text):
            found.append((node.lineno, " ".join(text.split())[:40]))
    return sorted(found)


def duckdb_imports(tree: ast.AST) -> Iterator[int]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            if any(a.name == "duckdb" or a.name.startswith("duckdb.") for a in node.names):
                yield node.lineno
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "duckdb":
            yield node.lineno


@cache
def offences(root: Path) -> tuple[list[str], list[str]]:
    """(SQL written outside ``queries/``, DuckDB imported outside ``lake/`` and ``queries/``),
    each as ``path:line``."""
    sql, imports = [], []
    for path in project_files(root):
        top = _top(path, root)
        if top in EXEMPT and top in DUCKDB_ALLOWED:
            continue
        tree = ast.parse(path.read_text(), filename=str(path))
        name = path.relative_to(root).as_posix()
        if top not in EXEMPT:
            sql += [f"{name}:{line} {words!r}" for line, words in sql_strings(tree)]
        if top not in DUCKDB_ALLOWED:
            imports += [f"{name}:{line}" for line in duckdb_imports(tree)]
    return sql, imports


def test_sql001_no_sql_outside_queries():
    sql, _ = offences(REPO)
    assert not sql, "SQL belongs in a named query in queries/:\n" + "\n".join(sql)


def test_sql002_duckdb_is_imported_by_lake_and_queries_only():
    _, imports = offences(REPO)
    assert not imports, "import DuckDB in lake/ or queries/ only:\n" + "\n".join(imports)


def test_sql003_the_scan_finds_what_it_looks_for(tmp_path):
    """The checks above pass because the code is clean, not because the scan is blind."""
    (tmp_path / "targeting").mkdir()
    (tmp_path / "queries").mkdir()
    (tmp_path / "targeting" / "bad.py").write_text(
        "import duckdb\n"
        "from duckdb import connect\n"
        "A = '''\n    SELECT 1'''\n"
        "B = f'WITH x AS (SELECT {A}) SELECT * FROM x'\n"
        "C = ('CREATE TEMP TABLE t AS ' 'SELECT 1')\n"
        "D = '(SELECT name FROM code_names)'\n"
        "E = 'Select the rows: prose, not SQL'\n"
        "F = f'{A} SELECT'\n"
    )
    (tmp_path / "queries" / "fine.py").write_text("import duckdb\nA = 'SELECT 1'\n")
    sql, imports = offences(tmp_path)
    assert [s.split(" ")[0] for s in sql] == [f"targeting/bad.py:{n}" for n in (3, 5, 6, 7)]
    assert imports == ["targeting/bad.py:1", "targeting/bad.py:2"]
