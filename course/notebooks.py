"""Read notebooks and tell nbgrader's cell kinds apart, using nbgrader's own predicates."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nbformat
from nbformat import NotebookNode
from nbgrader import utils as nbutils

__all__ = ["NotebookError", "read_notebook", "week_notebooks", "GradeCell", "grade_cells", "tests_of", "answer_cells"]


class NotebookError(Exception):
    """A notebook that cannot be read or is not a notebook at all."""


def read_notebook(path: Path) -> NotebookNode:
    try:
        nb = nbformat.read(str(path), as_version=nbformat.NO_CONVERT)
    except Exception as exc:  # nbformat raises JSON, validation and OS errors of many kinds
        raise NotebookError(f"{path.name}: not a readable notebook ({type(exc).__name__}: {exc})") from exc
    if not isinstance(nb, dict) or "cells" not in nb:
        raise NotebookError(f"{path.name}: not a notebook (no 'cells')")
    return nb


def week_notebooks(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.ipynb") if p.is_file())


@dataclass(frozen=True)
class GradeCell:
    index: int
    grade_id: str
    kind: str  # "answer" (autograded solution), "test", "written" (manually graded), "locked", "task"
    points: float
    cell: NotebookNode


def _kind(cell: NotebookNode) -> str | None:
    if "nbgrader" not in cell.get("metadata", {}):
        return None
    if nbutils.is_grade(cell) and nbutils.is_solution(cell):
        return "written" if cell.cell_type == "markdown" else "answer-graded"
    if nbutils.is_grade(cell):
        return "test" if cell.cell_type == "code" else "task"
    if nbutils.is_solution(cell):
        return "answer"
    if nbutils.is_locked(cell):
        return "locked"
    return None


def grade_cells(nb: NotebookNode) -> list[GradeCell]:
    """Every cell with nbgrader metadata, in notebook order."""
    found = []
    for index, cell in enumerate(nb.cells):
        kind = _kind(cell)
        if kind is None:
            continue
        meta = cell.metadata["nbgrader"]
        found.append(GradeCell(index, str(meta.get("grade_id", "")), kind, float(meta.get("points", 0) or 0), cell))
    return found


def answer_cells(nb: NotebookNode) -> list[GradeCell]:
    """Autograded answer cells: code cells marked solution (their tests are separate cells)."""
    return [c for c in grade_cells(nb) if c.kind == "answer" and c.cell.cell_type == "code"]


def tests_of(nb: NotebookNode, answer_id: str) -> list[GradeCell]:
    """Test cells of one exercise: by convention their grade_id starts with ``test_<answer_id>``."""
    prefix = f"test_{answer_id}"
    return [c for c in grade_cells(nb) if c.kind == "test" and c.grade_id.startswith(prefix)]
