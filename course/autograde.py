"""Grade a week's submissions: pre-flight, sanitise, run sandboxed kernels in parallel, score.

nbgrader's ``autograde`` does, per notebook and one submission at a time: sanitise (clear
outputs, de-duplicate ids, restore the kernelspec and the locked/test cells from the
gradebook, check metadata), execute, then save the scores. This module keeps those
preprocessors and that order but splits the work:

* the coordinator (this process) is the only one that touches the gradebook: it sanitises
  each notebook before execution and saves the scores after it, so sqlite never sees two
  writers;
* the kernels run in workers behind ``concurrent.futures`` (``course.executor``), each one
  inside the sandbox of ``course.sandbox``;
* around them: pre-flight (``course.preflight``) before any kernel starts, the integrity
  review (``course.integrity``) after, and a ledger entry per graded submission
  (``course.submissions``) so that a rerun grades only what is missing or newer.
"""
from __future__ import annotations

import dataclasses
import logging
import shutil
import time
from concurrent.futures import Future, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import nbformat
from nbformat import NotebookNode
from nbgrader import utils as nbutils
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import (
    AssignLatePenalties, CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern, LimitOutput,
    OverwriteCells, OverwriteKernelspec, SaveAutoGrades,
)

from .config import CourseConfig
from .executor import make_executor, plan
from .integrity import restored_cells, review_answers
from .notebooks import read_notebook, week_notebooks
from .preflight import PreflightLimits, preflight
from .sandbox import Limits, SandboxUnavailable, execute_notebook, sandbox_problem
from .submissions import LEDGER_NAME, Outcome, append_journal, Submission, find_submissions, fingerprint, is_current, read_outcome, write_atomic

SANITIZE = (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata)
SCORE = (IgnorePattern, LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata)
NOT_RUN = "NotExecuted"


class GradingError(Exception):
    """The batch cannot start (no sandbox, week unknown, release missing)."""


@dataclass
class BatchSettings:
    workers: int | None = None        # kernels at once (default: every core)
    scheduler: str | None = None      # Dask scheduler address instead of local processes
    unsafe: bool = False              # run without the sandbox (never the default)
    force: bool = False               # regrade even what is current
    limits: Limits = field(default_factory=Limits)
    preflight_limits: PreflightLimits = field(default_factory=PreflightLimits)


@dataclass
class _Job:
    submission: Submission
    fingerprint: str
    workdirs: dict[str, Path]
    outcome: Outcome
    submitted: dict[str, NotebookNode]
    kept_files: list[str]
    results: dict[str, object] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)


def preflight_limits_from_config(cfg: CourseConfig) -> PreflightLimits:
    """``PreflightLimits`` defaults overridden by ``c.Course.preflight_limits``."""
    values = dict(cfg.course.preflight_limits)
    unknown = set(values) - {f.name for f in dataclasses.fields(PreflightLimits)}
    if unknown:
        raise GradingError(f"c.Course.preflight_limits: unknown setting(s) {sorted(unknown)}")
    return dataclasses.replace(PreflightLimits(), **values)


def limits_from_config(cfg: CourseConfig) -> Limits:
    """The sandbox limits: ``Limits`` defaults, ``c.Course.sandbox_limits``, and nbgrader's cell timeout."""
    values = dict(cfg.course.sandbox_limits)
    unknown = set(values) - {f.name for f in dataclasses.fields(Limits)}
    if unknown:
        raise GradingError(f"c.Course.sandbox_limits: unknown setting(s) {sorted(unknown)}")
    timeout = cfg.config.Execute.get("timeout")
    if timeout:
        values.setdefault("cell_timeout_s", int(timeout))
    return dataclasses.replace(Limits(), **values)


def _resources(cfg: CourseConfig, db_url: str, week: str, student: str, notebook: str) -> dict:
    return {"nbgrader": {"student": student, "assignment": week, "notebook": notebook, "db_url": db_url},
            "unique_key": notebook}


# nbgrader warns about every test cell whose hidden tests make it differ from the release
# ("checksum has changed"); the integrity review reports real edits, so keep only errors.
_NBGRADER_LOG = logging.getLogger("course.autograde.nbgrader")
_NBGRADER_LOG.setLevel(logging.ERROR)


def _run(preprocessors, cfg: CourseConfig, nb: NotebookNode, resources: dict) -> NotebookNode:
    for cls in preprocessors:
        nb, resources = cls(config=cfg.config, log=_NBGRADER_LOG)(nb, resources)
    return nb


def _ensure_gradebook(cfg: CourseConfig, db_url: str, week: str, names: list[str]) -> None:
    """The gradebook must know the week's cells (nbgrader stores them on release)."""
    course_id = cfg.config.CourseDirectory.course_id
    with Gradebook(db_url, course_id=course_id) as gb:
        try:
            for name in names:
                gb.find_notebook(name, week)
            return
        except MissingEntry:
            pass
    from .release import nbgrader_api, release_week

    result = release_week(cfg, week, nbgrader_api(cfg, db_url=db_url))
    if not result.ok:
        raise GradingError(f"{week}: the gradebook has no release of this week and making one failed: {result.message}")


def _mark_unexecuted_tests(nb: NotebookNode) -> int:
    """Give every test cell that never ran an error, so nbgrader scores it 0, not full marks.

    nbgrader gives a test cell without an error output full points; after a kernel death or
    the wall-clock limit the cells that never ran have no outputs at all.
    """
    count = 0
    for cell in nb.cells:
        if cell.cell_type == "code" and nbutils.is_grade(cell) and not nbutils.is_solution(cell):
            if cell.get("execution_count") is None and not cell.get("outputs"):
                cell.outputs = [nbformat.v4.new_output(
                    "error", ename=NOT_RUN, evalue="this test never ran (the kernel died or ran out of time before it)",
                    traceback=[f"{NOT_RUN}: this test never ran (the kernel died or ran out of time before it)"])]
                count += 1
    return count


class Autograder:
    """One week's batch. ``run()`` returns one ``Outcome`` per submission, in student order."""

    def __init__(self, cfg: CourseConfig, week: str, settings: BatchSettings | None = None,
                 students: list[str] | None = None, on_outcome: Callable[[Outcome, int, int], None] | None = None):
        if week not in cfg.weeks():
            raise GradingError(f"unknown week {week!r}; weeks in source/: {', '.join(cfg.weeks()) or 'none'}")
        self.cfg, self.week, self.students = cfg, week, students
        self.settings = settings or BatchSettings()
        self.on_outcome = on_outcome or (lambda outcome, done, total: None)
        self.db_url = cfg.config.CourseDirectory.db_url
        self.course_id = cfg.config.CourseDirectory.course_id
        root = cfg.root
        self.submitted_dir = root / cfg.config.CourseDirectory.get("submitted_directory", "submitted")
        self.autograded_dir = root / cfg.config.CourseDirectory.get("autograded_directory", "autograded")
        self.work_dir = root / ".grading" / week
        self.source_dir = cfg.source / week
        self.sources = {p.stem: read_notebook(p) for p in week_notebooks(self.source_dir)}
        if not self.sources:
            raise GradingError(f"{week}: no notebooks in {self.source_dir}")

    # -- planning --------------------------------------------------------------------------
    def pending(self) -> tuple[list[tuple[Submission, str]], list[Outcome]]:
        """(submissions to grade with their fingerprints, outcomes of those already current)."""
        todo, current = [], []
        for sub in find_submissions(self.submitted_dir, self.week, self.students):
            fp = fingerprint(sub.folder)
            if not self.settings.force and is_current(self.autograded_dir, sub, fp):
                outcome = read_outcome(self.autograded_dir, sub)
                if outcome is not None and outcome.status != "failed":
                    current.append(outcome)
                    continue
            todo.append((sub, fp))
        return todo, current

    # -- the batch -------------------------------------------------------------------------
    def run(self) -> list[Outcome]:
        problem = sandbox_problem()
        if problem and not self.settings.unsafe:
            raise GradingError(f"no sandbox here ({problem}); refusing to run student code unsandboxed. "
                               "Pass --unsafe to grade without it (the report will say so).")
        _ensure_gradebook(self.cfg, self.db_url, self.week, list(self.sources))
        todo, outcomes = self.pending()
        total = len(todo)
        shutil.rmtree(self.work_dir, ignore_errors=True)  # leftovers of a killed batch
        sizing = plan(self.settings.workers if not self.settings.scheduler else (self.settings.workers or total or 1), total)
        limits = dataclasses.replace(self.settings.limits, threads=sizing.threads)
        done = 0
        try:
            with make_executor(sizing.workers, self.settings.scheduler) as pool:
                futures: dict[Future, tuple[_Job, str]] = {}
                for sub, fp in todo:
                    job = self._prepare(sub, fp)
                    if isinstance(job, Outcome):
                        self._record(job, sub)
                        outcomes.append(job)
                        done += 1
                        self.on_outcome(job, done, total)
                        continue
                    for name, nb in job.submitted.items():
                        future = pool.submit(execute_notebook, nbformat.writes(nb), str(job.workdirs[name]), limits,
                                             unsafe=self.settings.unsafe)
                        futures[future] = (job, name)
                for future in as_completed(futures):
                    job, name = futures[future]
                    try:
                        job.results[name] = future.result()
                    except SandboxUnavailable as exc:
                        raise GradingError(str(exc)) from exc
                    except Exception as exc:  # a worker crash is this submission's failure, not the batch's
                        job.results[name] = exc
                    if len(job.results) == len(job.submitted):
                        outcome = self._finish(job)
                        outcomes.append(outcome)
                        done += 1
                        self.on_outcome(outcome, done, total)
        finally:
            shutil.rmtree(self.work_dir, ignore_errors=True)
        return sorted(outcomes, key=lambda o: o.student)

    # -- one submission, before its kernels ------------------------------------------------
    def _prepare(self, sub: Submission, fp: str) -> _Job | Outcome:
        outcome = Outcome(sub.student, self.week, "graded", fingerprint=fp, sandboxed=not self.settings.unsafe)
        start = time.perf_counter()
        check = preflight(sub.folder, self.sources, self.settings.preflight_limits)
        why = getattr(check, "ignored_why", {}) or {}
        outcome.repairs = list(check.repairs) + [
            f"ignored file {name}" + (f" ({why[name]})" if name in why else "") for name in check.ignored_files]
        if not check.ok:
            outcome.status, outcome.reason = "rejected", check.reason or "rejected by pre-flight"
            outcome.seconds = time.perf_counter() - start
            return outcome
        try:
            submitted = {name: nbformat.reads(text, as_version=4) for name, text in check.notebooks.items()}
            for name, nb in submitted.items():
                outcome.restored += restored_cells(nb, self.sources[name])
                outcome.flags += [f"{f.cell}: {f.rule}: {f.detail}" for f in review_answers(nb, source=self.sources[name])]
            self._open_submission(sub)
            sanitized = {}
            workdirs = {}
            for name, nb in submitted.items():
                resources = _resources(self.cfg, self.db_url, self.week, sub.student, name)
                sanitized[name] = _run(SANITIZE, self.cfg, nb, resources)
                workdirs[name] = self._make_workdir(sub, name, check.kept_files)
        except Exception as exc:  # nbgrader's validation errors and anything else: this submission only
            outcome.status, outcome.reason = "failed", f"could not prepare: {type(exc).__name__}: {exc}"
            outcome.seconds = time.perf_counter() - start
            return outcome
        return _Job(sub, fp, workdirs, outcome, sanitized, list(check.kept_files), started=start)

    def _open_submission(self, sub: Submission) -> None:
        timestamp = self._timestamp(sub)
        with Gradebook(self.db_url, course_id=self.course_id) as gb:
            gb.update_or_create_student(sub.student)
            if timestamp is not None:
                gb.update_or_create_submission(self.week, sub.student, timestamp=timestamp)
            else:
                gb.update_or_create_submission(self.week, sub.student)

    @staticmethod
    def _timestamp(sub: Submission):
        path = sub.folder / "timestamp.txt"
        if not path.is_file():
            return None
        try:
            return nbutils.parse_utc(path.read_text().strip())
        except Exception:
            return None  # an unreadable timestamp is treated as on time, and reported by pre-flight

    def _make_workdir(self, sub: Submission, name: str, kept_files: list[str]) -> Path:
        """A private copy of what the kernel may see: the student's safe files, then the course's."""
        workdir = self.work_dir / f"{sub.student}--{name}"
        shutil.rmtree(workdir, ignore_errors=True)
        workdir.mkdir(parents=True)
        self._copy_files(sub.folder, kept_files, workdir)
        self._copy_source_files(workdir)
        return workdir

    @staticmethod
    def _copy_files(src: Path, names: list[str], dest: Path) -> None:
        for rel in names:
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src / rel, target, follow_symlinks=False)

    def _copy_source_files(self, dest: Path) -> None:
        """Non-notebook files of ``source/<week>/`` overwrite the student's, as nbgrader does."""
        for path in self.source_dir.rglob("*"):
            rel = path.relative_to(self.source_dir)
            if path.is_file() and path.suffix != ".ipynb" and not any(p.startswith(".") or p == "__pycache__" for p in rel.parts):
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, dest / rel)

    # -- one submission, after its kernels -------------------------------------------------
    def _finish(self, job: _Job) -> Outcome:
        sub, outcome = job.submission, job.outcome
        staging = self.autograded_dir / sub.student / f".{self.week}.staging"
        try:
            shutil.rmtree(staging, ignore_errors=True)
            staging.mkdir(parents=True)
            for name in sorted(job.submitted):
                result = job.results[name]
                if isinstance(result, Exception):
                    raise RuntimeError(f"{name}: the worker failed: {type(result).__name__}: {result}")
                outcome.events += list(result.events)
                outcome.kernel_seconds += result.wall_s
                outcome.sandboxed = outcome.sandboxed and result.sandboxed
                nb = nbformat.reads(result.notebook, as_version=4)
                if _mark_unexecuted_tests(nb):
                    outcome.events.append(f"{name}: tests that never ran were scored 0")
                resources = _resources(self.cfg, self.db_url, self.week, sub.student, name)
                nb = _run(SCORE, self.cfg, nb, resources)
                (staging / f"{name}.ipynb").write_text(nbformat.writes(nb), encoding="utf-8")
            self._copy_files(sub.folder, job.kept_files, staging)
            self._copy_source_files(staging)
            if (sub.folder / "timestamp.txt").is_file():
                shutil.copy2(sub.folder / "timestamp.txt", staging / "timestamp.txt")
            if outcome.flags:
                self._hold_for_review(sub, outcome.flags)
            outcome.score, outcome.max_score = self._score(sub)
        except Exception as exc:
            outcome.status, outcome.reason = "failed", f"{type(exc).__name__}: {exc}"
            shutil.rmtree(staging, ignore_errors=True)
            outcome.seconds = time.perf_counter() - job.started
            self._record(outcome, sub)
            return outcome
        outcome.seconds = time.perf_counter() - job.started
        write_atomic(staging / LEDGER_NAME, outcome.to_json())
        self._swap_in(staging, self.autograded_dir / sub.student / self.week)
        append_journal(self.autograded_dir, outcome)
        return outcome

    def _hold_for_review(self, sub: Submission, flags: list[str]) -> None:
        """Flagged submissions wait for a person: every autograded test needs a manual look."""
        with Gradebook(self.db_url, course_id=self.course_id) as gb:
            submission = gb.find_submission(self.week, sub.student)
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.cell_type == "code":
                        grade.needs_manual_grade = True
                for comment in notebook.comments:
                    comment.auto_comment = "Integrity review needed: " + "; ".join(flags)[:2000]
            gb.db.commit()

    def _score(self, sub: Submission) -> tuple[float, float]:
        with Gradebook(self.db_url, course_id=self.course_id) as gb:
            submission = gb.find_submission(self.week, sub.student)
            return float(submission.score - submission.late_submission_penalty), float(submission.max_score)

    def _record(self, outcome: Outcome, sub: Submission) -> None:
        """A rejected or failed submission leaves only its ledger entry (and no stale notebook)."""
        target = self.autograded_dir / sub.student / self.week
        for path in target.glob("*.ipynb") if target.is_dir() else ():
            path.unlink()
        write_atomic(target / LEDGER_NAME, outcome.to_json())
        append_journal(self.autograded_dir, outcome)

    @staticmethod
    def _swap_in(staging: Path, target: Path) -> None:
        """Replace the old result by the new one with two renames (never half of each)."""
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        if target.exists():
            target.rename(old)
        staging.rename(target)
        shutil.rmtree(old, ignore_errors=True)


def autograde_week(cfg: CourseConfig, week: str, settings: BatchSettings | None = None,
                   students: list[str] | None = None, on_outcome=None) -> list[Outcome]:
    return Autograder(cfg, week, settings, students, on_outcome).run()
