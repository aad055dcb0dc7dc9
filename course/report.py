"""After grading: feedback pages for the students, grade and exam-eligibility CSVs for the course.

The gradebook holds the scores; the batch ledger (``course.submissions``) adds what the
gradebook cannot say: which submissions were rejected before grading and which were flagged
for a person's review. Both are joined here, then handed to ``course.results``.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path

from .config import CourseConfig
from .feedback import write_feedback
from .groups import Groups, load_groups, solo_groups
from .results import GradeRow, eligibility, group_grades, read_grades, student_grades, write_csv
from .submissions import LEDGER_NAME, Outcome

PENDING_FLAGS = ("flagged", "rejected", "failed")


def ledger_outcomes(autograded_dir: Path, week: str) -> dict[str, Outcome]:
    """submission id -> its last grading outcome, for one week."""
    found = {}
    for path in sorted(autograded_dir.glob(f"*/{week}/{LEDGER_NAME}")):
        try:
            outcome = Outcome.from_json(path.read_text())
        except (OSError, ValueError, TypeError):
            continue
        found[outcome.student] = outcome
    return found


def _flags(outcome: Outcome | None) -> tuple[str, ...]:
    if outcome is None:
        return ()
    if outcome.status in ("rejected", "failed"):
        return (outcome.status,)
    return ("flagged",) if outcome.flags else ()


def joined_rows(cfg: CourseConfig, weeks: list[str]) -> list[GradeRow]:
    """Gradebook rows with ledger flags; rejected submissions (never in the gradebook) as 0 + 'rejected'."""
    db_url = cfg.config.CourseDirectory.db_url
    rows = read_grades(db_url, cfg.config.CourseDirectory.course_id, weeks)
    autograded = cfg.root / "autograded"
    joined = []
    seen = set()
    maxima = {}
    for row in rows:
        maxima.setdefault(row.assignment, row.max_score)
    outcomes = {week: ledger_outcomes(autograded, week) for week in weeks}
    for row in rows:
        outcome = outcomes.get(row.assignment, {}).get(row.submitter)
        if outcome is not None and outcome.status != "graded":
            continue  # the gradebook's row is from an older submission; the ledger is newer
        seen.add((row.assignment, row.submitter))
        joined.append(dataclasses.replace(row, flags=tuple(row.flags) + _flags(outcome)))
    for week, by_id in outcomes.items():
        for student, outcome in by_id.items():
            if (week, student) not in seen and outcome.status != "graded":
                joined.append(GradeRow(week, student, 0.0, float(maxima.get(week, 0.0)), True, _flags(outcome)))
    return joined


def course_groups(cfg: CourseConfig, rows: list[GradeRow], groups_file: Path | None = None) -> tuple[Groups, str]:
    """The course's groups (groups.csv), or one-person groups of the submitters when there is none."""
    path = groups_file or cfg.root / cfg.course.groups_file
    if path.is_file():
        return load_groups(path), f"groups from {path}"
    return solo_groups(sorted({r.submitter for r in rows})), f"no {path.name}: every submission counts as a one-person group"


def write_reports(cfg: CourseConfig, out_dir: Path, weeks: list[str] | None = None,
                  groups_file: Path | None = None, allow_unknown: bool = False) -> tuple[dict[str, Path], str]:
    """grades-per-group.csv, grades-per-student.csv and exam-eligibility.csv in ``out_dir``."""
    weeks = weeks or cfg.weeks()
    rows = joined_rows(cfg, weeks)
    groups, note = course_groups(cfg, rows, groups_file)
    written = {
        "per group": write_csv(group_grades(rows, groups, assignments=weeks, allow_unknown=allow_unknown),
                               out_dir / "grades-per-group.csv"),
        "per student": write_csv(student_grades(rows, groups, assignments=weeks, allow_unknown=allow_unknown),
                                 out_dir / "grades-per-student.csv"),
        "exam eligibility": write_csv(eligibility(rows, groups, weeks, pass_fraction=cfg.course.pass_fraction,
                                                  allowed_failures=cfg.course.allowed_failures,
                                                  allow_unknown=allow_unknown, pending_flags=PENDING_FLAGS),
                                      out_dir / "exam-eligibility.csv"),
    }
    return written, note


def write_week_feedback(cfg: CourseConfig, week: str, students: list[str] | None = None) -> list[Path]:
    """One redacted HTML page per graded notebook: feedback/<id>/<week>/<notebook>.html."""
    db_url = cfg.config.CourseDirectory.db_url
    course_id = cfg.config.CourseDirectory.course_id
    pages = []
    for student, outcome in ledger_outcomes(cfg.root / "autograded", week).items():
        if outcome.status != "graded" or (students and student not in students):
            continue
        for nb_path in sorted((cfg.root / "autograded" / student / week).glob("*.ipynb")):
            pages.append(write_feedback(nb_path, cfg.root / "feedback", db_url=db_url, course_id=course_id,
                                        assignment=week, student=student, notebook_name=nb_path.stem))
    return pages
