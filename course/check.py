"""``course check``: prove that a week is gradable, with nbgrader itself, in a throw-away course.

For one week, in a temporary course directory with its own gradebook:

==================  =====================================================================
check               passes when
==================  =====================================================================
clean               source and release notebooks have no outputs, tags, attachments or stray
                    control characters (LaTeX escapes from non-raw strings),
                    unique grade_ids, locked test cells with points that end in an assertion
release-in-sync     regenerating the release reproduces the committed ``release/<week>/``
no-leaks            no solution line, hidden test or model answer appears in the release
solution-full       the source notebook, autograded as a submission, earns every point
release-zero        the release, autograded unchanged, earns 0 on every test, no grader error
wrong-answers       every exercise has wrong answers, and each loses points on its tests
quiet-tests         no test cell writes to stderr when the answer is right
grading-time        autograding the solution takes at most ``Course.grading_time_limit``
student-time        (with ``--student-run``) the full-budget run fits ``student_time_limit``
==================  =====================================================================
"""
from __future__ import annotations

import filecmp
import os
import shutil
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from nbgrader.api import Gradebook, MissingEntry

from .config import CourseConfig
from .leaks import find_leaks, secret_lines
from .lint import lint_notebook
from .notebooks import NotebookError, grade_cells, read_notebook, week_notebooks
from .release import nbgrader_api, register_due_dates
from .replay import load_wrong_answers, replay_week

# nbgrader's gradebook triggers SQLAlchemy autoflush warnings that say nothing about the week.
warnings.filterwarnings("ignore", message=".*not in session.*")

__all__ = ["CheckResult", "WeekReport", "check_week", "format_report"]

CHECKS = ("clean", "release-in-sync", "no-leaks", "solution-full", "release-zero", "wrong-answers", "quiet-tests", "grading-time", "student-time")


@dataclass(frozen=True)
class CheckResult:
    check: str
    ok: bool
    detail: str = ""


@dataclass
class WeekReport:
    week: str
    results: list[CheckResult] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def add(self, check: str, problems: list[str], passed_detail: str = "") -> None:
        if problems:
            self.results.append(CheckResult(check, False, "; ".join(problems)))
        else:
            self.results.append(CheckResult(check, True, passed_detail))

    def failures(self) -> list[CheckResult]:
        return [r for r in self.results if not r.ok]


def _compare_trees(expected: Path, actual: Path) -> list[str]:
    """Differences between the regenerated release and the committed one."""
    if not actual.exists():
        return [f"release/{expected.name}/ is missing: run `course release {expected.name}`"]
    problems = []
    want = {p.relative_to(expected).as_posix() for p in expected.rglob("*") if p.is_file()}
    have = {p.relative_to(actual).as_posix() for p in actual.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts}
    for name in sorted(want - have):
        problems.append(f"{name} is missing from the committed release")
    for name in sorted(have - want):
        problems.append(f"{name} is in the committed release but not generated from source")
    for name in sorted(want & have):
        if not filecmp.cmp(expected / name, actual / name, shallow=False):
            problems.append(f"{name} differs from a fresh release")
    if problems:
        problems.append(f"run `course release {expected.name}` and commit")
    return problems


def _scores(db_url: str, week: str, student: str) -> dict[tuple[str, str], tuple[float | None, float]]:
    """(notebook, grade_id) -> (auto score or None, max score) from the throw-away gradebook."""
    found = {}
    with Gradebook(db_url) as gb:
        try:
            submission = gb.find_submission(week, student)
        except MissingEntry:
            return {}
        for notebook in submission.notebooks:
            for grade in notebook.grades:
                found[(notebook.name, grade.name)] = (grade.auto_score, grade.max_score)
    return found


def _autograde(api, week: str, student: str, notebooks: list[Path], target: Path) -> tuple[float, str | None]:
    folder = target / "submitted" / student / week
    folder.mkdir(parents=True, exist_ok=True)
    for path in notebooks:
        shutil.copy2(path, folder / path.name)
    start = time.perf_counter()
    result = api.autograde(week, student, force=True, create=True)
    seconds = time.perf_counter() - start
    if not result.get("success"):
        error = (result.get("error") or result.get("log") or "").strip().splitlines()
        return seconds, (error[-1] if error else "autograde failed")
    return seconds, None


def _student_run(notebooks: list[Path], workdir: Path, timeout: float) -> tuple[float, list[str]]:
    """Execute the solution with the students' full budget; return seconds and errors."""
    from nbclient import NotebookClient

    problems, start = [], time.perf_counter()
    saved = os.environ.pop("NBGRADER_EXECUTION", None)
    try:
        for path in notebooks:
            nb = read_notebook(path)
            client = NotebookClient(nb, timeout=int(timeout), kernel_name="python3", allow_errors=True, resources={"metadata": {"path": str(workdir)}})
            client.execute()
            for index, cell in enumerate(nb.cells):
                errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                if errors:
                    problems.append(f"{path.name} cell {index} raised {errors[0].get('ename')}: {errors[0].get('evalue', '')[:80]}")
    finally:
        if saved is not None:
            os.environ["NBGRADER_EXECUTION"] = saved
    return time.perf_counter() - start, problems


def check_week(cfg: CourseConfig, week: str, student_run: bool = False) -> WeekReport:
    """Run every check on one week; never raises for a defect of the week itself."""
    report = WeekReport(week)
    start = time.perf_counter()
    try:
        _check_week(cfg, week, student_run, report)
    except Exception as exc:  # a defect in one week must not stop the others
        report.results.append(CheckResult("internal", False, f"{type(exc).__name__}: {exc}"))
    report.seconds = time.perf_counter() - start
    return report


def _check_week(cfg: CourseConfig, week: str, student_run: bool, report: WeekReport) -> None:
    source = cfg.source / week
    sources = week_notebooks(source)
    if not sources:
        report.add("clean", [f"source/{week}/ holds no notebook"])
        return
    try:
        source_nbs = {p.name: read_notebook(p) for p in sources}
    except NotebookError as exc:
        report.add("clean", [str(exc)])
        return

    committed = cfg.release / week
    problems = []
    for name, nb in source_nbs.items():
        problems += lint_notebook(nb, f"source/{week}/{name}")
    for path in week_notebooks(committed):
        try:
            problems += lint_notebook(read_notebook(path), f"release/{week}/{path.name}", release=True)
        except NotebookError as exc:
            problems.append(str(exc))
    report.add("clean", problems, f"{len(source_nbs)} notebook(s)")

    with tempfile.TemporaryDirectory(prefix=f"course-check-{week}-") as tmp_name:
        tmp = Path(tmp_name)
        shutil.copytree(source, tmp / "source" / week, ignore=shutil.ignore_patterns(*cfg.config.CourseDirectory.get("ignore", [])))
        db_url = f"sqlite:///{tmp / 'gradebook.db'}"
        api = nbgrader_api(cfg, root=tmp, db_url=db_url)
        register_due_dates(cfg, db_url, [week])
        generated = api.generate_assignment(week, force=True, create=True)
        if not generated.get("success"):
            error = (generated.get("error") or "").strip().splitlines()
            report.add("release-in-sync", [f"nbgrader generate_assignment failed: {error[-1] if error else '?'}"])
            return
        fresh = tmp / "release" / week
        report.add("release-in-sync", _compare_trees(fresh, committed))

        secrets = set().union(*(secret_lines(nb) for nb in source_nbs.values()))
        leaks = [f"fresh release: {p}" for p in find_leaks(fresh, secrets)]
        if committed.exists():
            leaks += [f"release/{week}: {p}" for p in find_leaks(committed, secrets)]
        report.add("no-leaks", leaks, f"{len(secrets)} secret line(s) looked for")

        tests = {(name, c.grade_id): c.points for name, nb in source_nbs.items() for c in grade_cells(nb) if c.kind == "test"}
        total = sum(tests.values())

        seconds, error = _autograde(api, week, "solution", sources, tmp)
        scores = _scores(db_url, week, "solution")
        problems = [f"autograde failed: {error}"] if error else []
        for (name, gid), points in tests.items():
            got = scores.get((Path(name).stem, gid), (None, points))[0]
            if got is None or got < points:
                problems.append(f"{name}:{gid} scored {got if got is not None else 'nothing'} of {points:g}")
        earned = sum((scores.get((Path(n).stem, g), (0, 0))[0] or 0) for n, g in tests)
        report.add("solution-full", problems, f"{earned:g}/{total:g} points")
        limit = cfg.course.grading_time_limit
        report.add("grading-time", [f"autograding took {seconds:.1f} s, limit {limit:g} s"] if seconds > limit else [], f"{seconds:.1f} s (limit {limit:g} s)")

        _, error = _autograde(api, week, "release", week_notebooks(fresh), tmp)
        scores = _scores(db_url, week, "release")
        problems = [f"autograde crashed on the release: {error}"] if error else []
        for (name, gid), points in tests.items():
            got = scores.get((Path(name).stem, gid), (None, points))[0]
            if got is None:
                problems.append(f"{name}:{gid} was not graded")
            elif got > 0:
                problems.append(f"{name}:{gid} gives {got:g} points to the unanswered release")
        report.add("release-zero", problems, f"0/{total:g} points")

        fixture = cfg.wrong_answers / f"{week}.py"
        wrong = load_wrong_answers(fixture)
        workdir = tmp / "replay"
        shutil.copytree(source, workdir)
        problems, stderr_cells, caught, tried, replay_s = [], [], 0, 0, 0.0
        if not wrong:
            problems.append(f"no wrong answers in {fixture.relative_to(cfg.root)}")
        known = {c.grade_id for nb in source_nbs.values() for c in grade_cells(nb) if c.kind == "answer"}
        problems += [f"{fixture.name}: {k!r} is not an answer cell of this week" for k in sorted(set(wrong) - known)]
        for name, nb in source_nbs.items():
            own = {k: v for k, v in wrong.items() if k in {c.grade_id for c in grade_cells(nb)}}
            replay = replay_week(nb, workdir, cfg.config, own)
            problems += [p for p in replay.problems if "not an answer cell" not in p]
            stderr_cells += [f"{name}:{gid}" for gid in replay.stderr_in_tests]
            replay_s += replay.baseline_seconds + replay.replay_seconds
            for r in replay.results:
                tried += 1
                caught += r.caught
                if not r.caught:
                    detail = ", ".join(f"{g} {s:g}/{m:g}" for g, s, m in ((g, *sm) for g, sm in r.scores.items()))
                    problems.append(f"wrong answer {r.answer_id}/{r.label!r} keeps full points ({detail or r.note})")
        report.add("wrong-answers", problems, f"{caught}/{tried} caught in {replay_s:.1f} s")
        report.add("quiet-tests", [f"{c} writes to stderr on the correct answer" for c in stderr_cells])

        if student_run:
            limit = cfg.course.student_time_limit
            seconds, errors = _student_run(sources, tmp / "replay", limit)
            problems = errors + ([f"the full-budget run took {seconds:.0f} s, limit {limit:g} s"] if seconds > limit else [])
            report.add("student-time", problems, f"{seconds:.1f} s (limit {limit:g} s)")


def format_report(reports: list[WeekReport]) -> str:
    """One line per week and check: ``week  check  PASS|FAIL  detail``."""
    lines = []
    for rep in reports:
        for r in rep.results:
            lines.append(f"{rep.week:<24} {r.check:<16} {'PASS' if r.ok else 'FAIL'}  {r.detail}")
        lines.append(f"{rep.week:<24} {'total':<16} {'PASS' if rep.ok else 'FAIL'}  checked in {rep.seconds:.1f} s")
    return "\n".join(lines)
