"""Read the course's configuration from ``nbgrader_config.py``.

nbgrader keeps its own settings there; the tooling's settings live beside them under
``c.Course``. Both are read through traitlets, exactly as nbgrader reads them.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from traitlets import Dict, Float, Unicode
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
