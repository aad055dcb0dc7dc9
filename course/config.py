"""Read the course's configuration from ``nbgrader_config.py``.

nbgrader keeps its own settings there; the tooling's settings live beside them under
``c.Course``. Both are read through traitlets, exactly as nbgrader reads them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from traitlets import Dict, Float, Int, Unicode, Union
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader

CONFIG_NAME = "nbgrader_config.py"


class Course(Configurable):
    """Settings nbgrader has no place for."""

    due_dates = Dict(help="assignment id -> ISO due date, registered in the gradebook").tag(config=True)
    grading_time_limit = Float(60.0, help="seconds one week may take under autograding (grading budget)").tag(config=True)
    student_time_limit = Float(600.0, help="seconds one week may take for a student (full budget)").tag(config=True)
    wrong_answers_dir = Unicode(
        "tests/notebooks/wrong_answers",
        help="folder (relative to the course root) of <week>.py files defining WRONG_ANSWERS",
    ).tag(config=True)
    # --- the tutor's side: autograding, groups, the exam rule ---
    sandbox_limits = Dict(
        help="overrides of course.sandbox.Limits for every kernel that grades a submission "
             "(memory_mb, cpu_seconds, processes, file_size_mb, output_kb, wall_timeout_s); "
             "the per-cell timeout is nbgrader's Execute.timeout",
    ).tag(config=True)
    preflight_limits = Dict(
        help="overrides of course.preflight.PreflightLimits (max_notebook_mb, max_output_kb, max_attachment_kb, "
             "max_extra_files, max_extra_mb) for the checks every submission passes before a kernel starts",
    ).tag(config=True)
    autograde_workers = Int(0, help="kernels graded at once; 0 = one per CPU core").tag(config=True)
    groups_file = Unicode(
        "groups.csv", help="CSV (group,student[,name,email]) next to nbgrader_config.py; personal data, never committed",
    ).tag(config=True)
    pass_fraction = Union(
        [Float(), Dict()], default_value=0.5,
        help="a homework passes at score/max >= this; a float, or a dict week -> float ('default' for the rest)",
    ).tag(config=True)
    allowed_failures = Int(1, help="exam rule: a student may take the exam with N - allowed_failures homeworks passed").tag(config=True)


@dataclass(frozen=True)
class CourseConfig:
    root: Path
    config: Config
    course: Course

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def release(self) -> Path:
        return self.root / "release"

    @property
    def wrong_answers(self) -> Path:
        return self.root / self.course.wrong_answers_dir

    def weeks(self) -> list[str]:
        """Assignment ids: the ``NN-topic`` folders of ``source/``, in order."""
        return sorted(p.name for p in self.source.glob("[0-9][0-9]-*") if p.is_dir())

    def due_date(self, week: str) -> datetime | None:
        value = self.course.due_dates.get(week)
        return datetime.fromisoformat(value) if value else None


def find_root(start: Path | None = None) -> Path:
    """The nearest folder at or above ``start`` holding ``nbgrader_config.py``."""
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / CONFIG_NAME).is_file():
            return folder
    raise FileNotFoundError(f"no {CONFIG_NAME} in {here} or any folder above it; run this inside the course repository")


def load(root: Path | None = None) -> CourseConfig:
    root = Path(root).resolve() if root is not None else find_root()
    loader = PyFileConfigLoader(CONFIG_NAME, path=str(root))
    config = loader.load_config()
    return CourseConfig(root=root, config=config, course=Course(config=config))
