"""Clean-notebook rules: what a source or release notebook must look like before it is committed.

Each rule returns human-readable problems; an empty list means the notebook is clean.
"""
from __future__ import annotations

import ast
import re
from collections import Counter

from nbformat import NotebookNode

from .notebooks import grade_cells

__all__ = ["lint_notebook", "last_statement_problem"]

# Control characters other than tab, newline and carriage return. They are almost always
# LaTeX written in a non-raw Python string by a notebook generator: "\varepsilon" becomes a
# vertical tab + "arepsilon", "\frac" a form feed, "\beta" a backspace, "\alpha" a bell.
CONTROL_CHARACTER = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def last_statement_problem(source: str) -> str | None:
    """Why a test cell could hand out points without checking anything, or None when it is safe.

    nbgrader gives partial or full credit from a cell's last-line value, so the cell must not
    end in a bare value (a call is fine: helpers' assertion functions return None), and it
    must check something: an ``assert``, a ``raise`` or a call somewhere in the cell.
    """
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        return f"does not parse: {exc.msg} (line {exc.lineno})"
    if not tree.body:
        return "is empty"
    last = tree.body[-1]
    if isinstance(last, ast.Expr) and not isinstance(last.value, ast.Call):
        return f"ends in a bare value ({ast.unparse(last.value)[:40]}), which nbgrader turns into partial or full credit"
    if not any(isinstance(node, (ast.Assert, ast.Raise, ast.Call)) for node in ast.walk(tree)):
        return "asserts nothing (no assert, raise or checking call)"
    return None


def lint_notebook(nb: NotebookNode, name: str, release: bool = False) -> list[str]:
    problems: list[str] = []
    for index, cell in enumerate(nb.cells):
        where = f"{name} cell {index}"
        if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
            problems.append(f"{where}: has outputs or an execution count (clear them before committing)")
        tags = cell.get("metadata", {}).get("tags")
        if tags:
            problems.append(f"{where}: has cell tags {tags} (tags can make nbclient skip or tolerate a cell)")
        if cell.get("attachments"):
            problems.append(f"{where}: has attachments (put images next to the notebook instead)")
        control = CONTROL_CHARACTER.search(cell.source)
        if control:
            context = cell.source[max(0, control.start() - 20): control.end() + 20]
            problems.append(f"{where}: contains the control character {control.group()!r} in {context!r} "
                            "(a backslash escape such as \\v or \\f in a non-raw string?)")
        meta = cell.get("metadata", {}).get("nbgrader")
        if meta is not None and meta.get("schema_version") != 3:
            problems.append(f"{where}: nbgrader schema_version {meta.get('schema_version')!r}, expected 3")
    cells = grade_cells(nb)
    counts = Counter(c.grade_id for c in cells)
    for grade_id, count in sorted(counts.items()):
        if not grade_id:
            problems.append(f"{name}: a cell with nbgrader metadata has no grade_id")
        elif count > 1:
            problems.append(f"{name}: grade_id {grade_id!r} appears {count} times")
    for c in cells:
        where = f"{name} cell {c.index} ({c.grade_id})"
        if c.kind == "test":
            if not c.cell.metadata["nbgrader"].get("locked"):
                problems.append(f"{where}: test cell is not locked")
            if c.points <= 0:
                problems.append(f"{where}: test cell has {c.points:g} points, needs > 0")
            why = last_statement_problem(c.cell.source)
            if why:
                problems.append(f"{where}: test cell {why}")
        if c.kind == "answer-graded":
            problems.append(f"{where}: a graded code answer cell (give its points to separate test cells)")
        if c.kind in ("written", "task") and c.points <= 0:
            problems.append(f"{where}: manually graded cell has {c.points:g} points, needs > 0")
        if not release and c.kind == "answer" and "### BEGIN SOLUTION" not in c.cell.source:
            problems.append(f"{where}: answer cell has no '### BEGIN SOLUTION' block (the release would drop the whole cell)")
    if not any(c.kind == "test" for c in cells):
        problems.append(f"{name}: no autograded test cell")
    return problems
