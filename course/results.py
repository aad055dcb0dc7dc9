"""Grades per group and per student, and the exam-eligibility report, from nbgrader's gradebook.

Reading the gradebook (``read_grades``) is kept apart from the reports: the reports are pure
functions of plain ``GradeRow`` values, so the course rule can be tested without a database,
and the gradebook is only ever opened read-only (the autograder is its single writer).
"""
from __future__ import annotations

import csv
import math
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Collection, Iterable, Mapping, Sequence
from urllib.parse import quote

from sqlalchemy.engine import make_url

from .groups import Groups

__all__ = [
    "GradeRow",
    "UnknownSubmittersError",
    "read_only_url",
    "open_gradebook",
    "read_grades",
    "group_grades",
    "student_grades",
    "week_status",
    "eligibility",
    "write_csv",
    "GROUP_COLUMNS",
    "STUDENT_COLUMNS",
    "ELIGIBILITY_COLUMNS",
]

GROUP_COLUMNS = ("assignment", "group", "members", "score", "max_score", "status", "flags")
STUDENT_COLUMNS = ("student", "name", "email", "group", "assignment", "score", "max_score", "status", "flags")
# Followed by one column per assignment holding that week's status.
ELIGIBILITY_COLUMNS = ("student", "name", "email", "group", "passed", "failed", "missing", "pending", "needed", "eligible")

UNKNOWN = "unknown group"
# Scores are sums of floats: compare with a little slack so 0.5 * 3 == 1.5 passes at 1.5.
_EPS = 1e-9


@dataclass(frozen=True)
class GradeRow:
    """One submission's grade: ``submitter`` is the nbgrader student id, i.e. the group id."""

    assignment: str
    submitter: str
    score: float
    max_score: float
    needs_manual_grade: bool
    flags: tuple[str, ...] = ()


class UnknownSubmittersError(ValueError):
    """Submissions whose id is no group in groups.csv: their grade would reach nobody."""

    def __init__(self, groups: Groups, ids: Iterable[str]):
        self.ids = sorted(set(ids))
        lines = groups.describe_unknown(self.ids)
        super().__init__(
            f"{len(lines)} submission id(s) are not groups in groups.csv: {', '.join(lines)}; "
            "add them to groups.csv or pass allow_unknown=True to report them as warnings"
        )


# --- reading the gradebook ------------------------------------------------------------------


def read_only_url(db_url: str) -> str:
    """The same database opened read-only where the driver allows it (sqlite files).

    nbgrader's ``Gradebook`` creates a missing database file and a missing course row; a
    report must never do either, so a missing file is an error and writes fail loudly.
    """
    url = make_url(db_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:" or url.database.startswith("file:"):
        return db_url
    path = Path(url.database).resolve()
    if not path.is_file():
        raise FileNotFoundError(f"no gradebook at {path}; autograde some submissions first (or check db_url)")
    return f"{url.drivername}:///file:{quote(str(path))}?mode=ro&uri=true"


def open_gradebook(db_url: str, course_id: str):
    """nbgrader's ``Gradebook`` on a read-only connection, with a clear error for a wrong course."""
    from nbgrader.api import Gradebook
    from sqlalchemy import create_engine, inspect, text

    url = read_only_url(db_url)
    # Look first: Gradebook() would try to add an unknown course (and log a traceback).
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            if not {"course", "assignment", "submitted_assignment"} <= set(inspect(conn).get_table_names()):
                raise ValueError(f"{db_url} is not an nbgrader gradebook (no course/assignment tables)")
            courses = [row[0] for row in conn.execute(text("SELECT id FROM course"))]
    finally:
        engine.dispose()
    if course_id not in courses:
        raise ValueError(f"the gradebook {db_url} holds no course {course_id!r} (it has: {', '.join(courses) or 'none'}); check CourseDirectory.course_id")
    return Gradebook(url, course_id=course_id)


def read_grades(db_url: str, course_id: str, assignments: Sequence[str] | None = None) -> list[GradeRow]:
    """Every submission of the course's assignments (all, or those named) as plain rows.

    ``score`` is after the late penalty, floored at 0 as nbgrader's own CSV export does;
    ``flags`` says ``late`` (with the penalty) and ``flagged`` (a grader flagged a notebook).
    """
    rows: list[GradeRow] = []
    with open_gradebook(db_url, course_id) as gb:
        # Assignment names are unique in a gradebook, so no filter by course is needed (and
        # one would silently drop weeks created under nbgrader's default course id).
        known = list(gb.assignments)
        names = [a.name for a in known]
        if assignments is not None:
            missing = [a for a in assignments if a not in names]
            if missing:
                raise ValueError(f"assignment(s) {', '.join(missing)} not in the gradebook; it has: {', '.join(names) or 'none'}")
            known = [a for a in known if a.name in set(assignments)]
        for assignment in known:
            for sub in sorted(assignment.submissions, key=lambda s: s.student.id):
                penalty = float(sub.late_submission_penalty or 0.0)
                raw = float(sub.score or 0.0)
                flags = []
                if penalty > 0:
                    flags.append(f"late (-{penalty:g})")
                if any(nb.flagged for nb in sub.notebooks):
                    flags.append("flagged")
                rows.append(
                    GradeRow(
                        assignment=assignment.name,
                        submitter=sub.student.id,
                        score=max(0.0, raw - penalty),
                        max_score=float(sub.max_score or 0.0),
                        needs_manual_grade=bool(sub.needs_manual_grade),
                        flags=tuple(flags),
                    )
                )
    return rows


# --- reports ----------------------------------------------------------------------------------


def _index(rows: Iterable[GradeRow], groups: Groups, assignments: Sequence[str] | None, allow_unknown: bool):
    """(assignments, {(assignment, group): row}, [rows of unknown submitters], {assignment: max})."""
    rows = list(rows)
    weeks = list(assignments) if assignments is not None else sorted({r.assignment for r in rows})
    if len(set(weeks)) != len(weeks):
        raise ValueError(f"assignments listed twice: {sorted({w for w in weeks if weeks.count(w) > 1})}")
    selected = [r for r in rows if r.assignment in set(weeks)]
    by: dict[tuple[str, str], GradeRow] = {}
    for r in selected:
        key = (r.assignment, r.submitter)
        if key in by:
            raise ValueError(f"two grades for {r.submitter} on {r.assignment}")
        by[key] = r
    unknown = [r for r in selected if r.submitter not in groups]
    if unknown and not allow_unknown:
        raise UnknownSubmittersError(groups, (r.submitter for r in unknown))
    maxima = {r.assignment: r.max_score for r in selected}
    return weeks, by, unknown, maxima


def _status(row: GradeRow | None) -> str:
    if row is None:
        return "missing"
    return "pending" if row.needs_manual_grade else "graded"


def group_grades(rows: Iterable[GradeRow], groups: Groups, *, assignments: Sequence[str] | None = None, allow_unknown: bool = False) -> list[dict]:
    """One row per (group, assignment); a group that did not submit scores 0, status ``missing``.

    Submitters that are not groups raise ``UnknownSubmittersError`` unless ``allow_unknown``,
    which reports them as rows with status ``unknown group`` at the end.
    """
    weeks, by, unknown, maxima = _index(rows, groups, assignments, allow_unknown)
    out = []
    for group in sorted(groups.members):
        members = " ".join(s.id for s in groups.members[group])
        for week in weeks:
            row = by.get((week, group))
            out.append(
                {
                    "assignment": week,
                    "group": group,
                    "members": members,
                    "score": row.score if row else 0.0,
                    "max_score": row.max_score if row else maxima.get(week),
                    "status": _status(row),
                    "flags": row.flags if row else (),
                }
            )
    for r in sorted(unknown, key=lambda r: (r.submitter, r.assignment)):
        out.append({"assignment": r.assignment, "group": r.submitter, "members": "", "score": r.score, "max_score": r.max_score, "status": UNKNOWN, "flags": (*r.flags, "not in groups.csv")})
    return out


def student_grades(rows: Iterable[GradeRow], groups: Groups, *, assignments: Sequence[str] | None = None, allow_unknown: bool = False) -> list[dict]:
    """One row per (student, assignment): the group's grade counts for every member."""
    weeks, by, unknown, maxima = _index(rows, groups, assignments, allow_unknown)
    out = []
    for student in sorted(groups.students(), key=lambda s: s.id):
        group = groups.group_of(student.id)
        for week in weeks:
            row = by.get((week, group))
            out.append(
                {
                    "student": student.id,
                    "name": student.name,
                    "email": student.email,
                    "group": group,
                    "assignment": week,
                    "score": row.score if row else 0.0,
                    "max_score": row.max_score if row else maxima.get(week),
                    "status": _status(row),
                    "flags": row.flags if row else (),
                }
            )
    for r in sorted(unknown, key=lambda r: (r.submitter, r.assignment)):
        out.append({"student": "", "name": "", "email": "", "group": r.submitter, "assignment": r.assignment, "score": r.score, "max_score": r.max_score, "status": UNKNOWN, "flags": (*r.flags, "not in groups.csv")})
    return out


def _fractions(pass_fraction: float | Mapping[str, float], weeks: Sequence[str]) -> dict[str, float]:
    """The pass threshold of each week; a mapping may give a ``"default"`` for unlisted weeks."""
    if isinstance(pass_fraction, Mapping):
        default = pass_fraction.get("default")
        lacking = [w for w in weeks if w not in pass_fraction and default is None]
        if lacking:
            raise ValueError(f"no pass fraction for {', '.join(lacking)}; list them or give a 'default'")
        fractions = {w: float(pass_fraction.get(w, default)) for w in weeks}  # type: ignore[arg-type]
    else:
        fractions = {w: float(pass_fraction) for w in weeks}
    bad = {w: f for w, f in fractions.items() if not (0.0 <= f <= 1.0) or math.isnan(f)}
    if bad:
        raise ValueError(f"pass fractions must lie in [0, 1]: {bad}")
    return fractions


def week_status(row: GradeRow | None, fraction: float, pending_flags: Collection[str] = ("flagged",)) -> str:
    """``passed``, ``failed``, ``missing`` or ``pending`` (manual grading or review still open)."""
    if row is None:
        return "missing"
    if row.needs_manual_grade or any(f in pending_flags for f in row.flags):
        return "pending"
    return "passed" if row.score >= fraction * row.max_score - _EPS else "failed"


def eligibility(
    rows: Iterable[GradeRow],
    groups: Groups,
    assignments: Sequence[str],
    *,
    pass_fraction: float | Mapping[str, float] = 0.5,
    allowed_failures: int = 1,
    allow_unknown: bool = False,
    pending_flags: Collection[str] = ("flagged",),
) -> list[dict]:
    """Who may take the exam: passed at least ``N - allowed_failures`` of the N homeworks.

    A homework passes when ``score >= pass_fraction * max_score``. Missing homeworks count
    against the student like failed ones. ``eligible`` is ``yes`` once enough weeks passed,
    ``no`` once even passing every pending week could not reach the bar, else ``pending``.
    """
    if not assignments:
        raise ValueError("eligibility needs the list of homework assignments that count")
    if allowed_failures < 0:
        raise ValueError(f"allowed_failures must be >= 0, got {allowed_failures}")
    weeks, by, unknown, _ = _index(rows, groups, assignments, allow_unknown)
    fractions = _fractions(pass_fraction, weeks)
    needed = max(0, len(weeks) - allowed_failures)
    out = []
    for student in sorted(groups.students(), key=lambda s: s.id):
        group = groups.group_of(student.id)
        per_week = {w: week_status(by.get((w, group)), fractions[w], pending_flags) for w in weeks}
        counts = {k: sum(1 for s in per_week.values() if s == k) for k in ("passed", "failed", "missing", "pending")}
        if counts["passed"] >= needed:
            verdict = "yes"
        elif counts["passed"] + counts["pending"] >= needed:
            verdict = "pending"
        else:
            verdict = "no"
        out.append({"student": student.id, "name": student.name, "email": student.email, "group": group, **counts, "needed": needed, "eligible": verdict, **per_week})
    for submitter in sorted({r.submitter for r in unknown}):
        per_week = {w: (UNKNOWN if (w, submitter) in by else "") for w in weeks}
        out.append({"student": "", "name": "", "email": "", "group": submitter, "passed": "", "failed": "", "missing": "", "pending": "", "needed": needed, "eligible": UNKNOWN, **per_week})
    return out


# --- CSV ----------------------------------------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return "0" if text in ("-0", "") else text
    if isinstance(value, (tuple, list)):
        text = "; ".join(str(v) for v in value)
    else:
        text = str(value)
    # A name like "=HYPERLINK(...)" from groups.csv would run as a formula in a spreadsheet.
    return "'" + text if text[:1] in ("=", "+", "@", "\t", "\r") or (text[:1] == "-" and not _is_number(text)) else text


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_csv(rows: list[dict], path: Path, columns: Sequence[str] | None = None) -> Path:
    """Write rows atomically (a reader never sees half a file); columns in first-seen order."""
    path = Path(path)
    if columns is None:
        columns = list(dict.fromkeys(key for row in rows for key in row))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
            writer = csv.DictWriter(fh, fieldnames=list(columns), restval="")
            writer.writeheader()
            for row in rows:
                writer.writerow({k: _cell(v) for k, v in row.items()})
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o640)  # personal data: the course group may read it, others not
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
