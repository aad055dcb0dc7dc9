"""Demo submissions for one week: every case the tutor pipeline must handle, made from the week itself.

``course demo`` runs the whole tutor cycle on them. Each demo "student" is a group id
(``demo-…``) with two made-up members in ``grades/demo-groups.csv``, so the group-aware
reports have something to join. The cases:

==================  ====================================================================
correct             every answer filled in with the instructor's solution
blank               the unchanged release (must score 0 and crash nothing)
partly-wrong        the solution, with the first wrong answers of the week's fixture
broken-json         the notebook file cut in half (rejected by pre-flight)
endless-loop        a correct notebook whose first answer loops forever (the cell times out)
edited-test         a test cell replaced by ``pass`` (nbgrader restores it; reported)
copied-test         a test cell pasted twice (same grade_id; pre-flight drops the copy)
tampering           an answer that redefines a test helper (flagged for manual review)
==================  ====================================================================
"""
from __future__ import annotations

import copy
import csv
import shutil
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from .config import CourseConfig
from .notebooks import answer_cells, grade_cells, read_notebook, week_notebooks
from .replay import load_wrong_answers

CASES = ("correct", "blank", "partly-wrong", "broken-json", "endless-loop", "edited-test", "copied-test", "tampering")
PREFIX = "demo-"


def _strip_markers(source: str) -> str:
    """The solution as a student would write it: without nbgrader's markers."""
    keep = [line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION")]
    return "\n".join(keep)


def _by_id(nb: NotebookNode) -> dict[str, NotebookNode]:
    return {c.grade_id: c.cell for c in grade_cells(nb)}


def solved(release: NotebookNode, source: NotebookNode) -> NotebookNode:
    """The release with every answer cell (code and written) replaced by the source's solution."""
    nb = copy.deepcopy(release)
    solutions = _by_id(source)
    for gc in grade_cells(nb):
        if gc.kind in ("answer", "written", "answer-graded") and gc.grade_id in solutions:
            gc.cell.source = _strip_markers(solutions[gc.grade_id].source)
    return nb


def _first_test(nb: NotebookNode) -> NotebookNode:
    return next(gc.cell for gc in grade_cells(nb) if gc.kind == "test")


def make_case(case: str, release: NotebookNode, source: NotebookNode, wrong: dict[str, dict[str, str]]) -> NotebookNode | bytes:
    nb = solved(release, source)
    answers = answer_cells(nb)
    if case == "correct":
        return nb
    if case == "blank":
        return copy.deepcopy(release)
    if case == "partly-wrong":
        by_id = {c.grade_id: c.cell for c in answers}
        replaced = 0
        for answer_id, variants in wrong.items():
            if answer_id in by_id and variants and replaced < 2:
                by_id[answer_id].source = next(iter(variants.values()))
                replaced += 1
        return nb
    if case == "broken-json":
        text = nbformat.writes(nb).encode()
        return text[: len(text) // 2]
    if case == "endless-loop":
        answers[0].cell.source = "while True:\n    pass  # forgot to update the loop variable\n\n" + answers[0].cell.source
        return nb
    if case == "edited-test":
        _first_test(nb).source = "pass  # the student 'fixed' the failing test"
        return nb
    if case == "copied-test":
        test = _first_test(nb)
        pasted = copy.deepcopy(test)
        pasted["id"] = uuid.uuid4().hex[:8]  # Jupyter gives a pasted cell a new id, but keeps its metadata
        nb.cells.insert(nb.cells.index(test) + 1, pasted)
        return nb
    if case == "tampering":
        answers[-1].cell.source += ("\n\nimport helpers.checks\n"
                                    "helpers.checks.assert_close = lambda *args, **kwargs: None  # every check passes\n")
        return nb
    raise ValueError(f"unknown demo case {case!r}; cases: {', '.join(CASES)}")


def make_demo_submissions(cfg: CourseConfig, week: str, submitted_dir: Path, cases: tuple[str, ...] = CASES) -> list[str]:
    """Write ``submitted/demo-<case>/<week>/`` for each case; return the demo group ids."""
    release_dir, source_dir = cfg.release / week, cfg.source / week
    wrong = load_wrong_answers(cfg.wrong_answers / f"{week}.py")
    stamp = (cfg.due_date(week) or datetime.now(timezone.utc)) - timedelta(hours=2)
    ids = []
    for case in cases:
        student = PREFIX + case
        folder = submitted_dir / student / week
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for release_path in week_notebooks(release_dir):
            made = make_case(case, read_notebook(release_path), read_notebook(source_dir / release_path.name), wrong)
            target = folder / release_path.name
            if isinstance(made, bytes):
                target.write_bytes(made)
            else:
                nbformat.write(made, str(target))
        (folder / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z").strip() + "\n")
        ids.append(student)
    return ids


def write_demo_groups(path: Path, group_ids: list[str]) -> Path:
    """Two made-up members per demo group (ids ``s9<group><member>``), as a course's groups.csv."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["group", "student", "name", "email"])
        for g, group in enumerate(group_ids, start=1):
            for m in (1, 2):
                sid = f"s9{g:03d}{m}"
                writer.writerow([group, sid, f"Demo Student {g}.{m}", f"{sid}@students.example"])
    return path
