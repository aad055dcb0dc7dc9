"""Generate the student version of weeks with nbgrader's ``generate_assignment``."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from nbgrader.api import Gradebook
from nbgrader.apps import NbGraderAPI
from nbgrader.coursedir import CourseDirectory

from .config import CourseConfig


@dataclass(frozen=True)
class ReleaseResult:
    week: str
    ok: bool
    notebooks: tuple[Path, ...]
    message: str = ""


def nbgrader_api(cfg: CourseConfig, root: Path | None = None, db_url: str | None = None) -> NbGraderAPI:
    """An ``NbGraderAPI`` over the course's configuration, optionally on another course root."""
    config = cfg.config.copy()
    if root is not None:
        config.CourseDirectory.root = str(root)
    if db_url is not None:
        config.CourseDirectory.db_url = db_url
    coursedir = CourseDirectory(config=config)
    api = NbGraderAPI(coursedir=coursedir, config=config)
    api.log.setLevel(logging.WARNING)
    return api


def register_due_dates(cfg: CourseConfig, db_url: str, weeks: list[str]) -> None:
    """Create each week's assignment in the gradebook with its due date from the config."""
    with Gradebook(db_url, course_id=cfg.config.CourseDirectory.course_id) as gb:
        for week in weeks:
            gb.update_or_create_assignment(week, duedate=cfg.due_date(week))


def release_week(cfg: CourseConfig, week: str, api: NbGraderAPI | None = None) -> ReleaseResult:
    """Regenerate ``release/<week>/`` from ``source/<week>/``; never raises for a bad week."""
    if week not in cfg.weeks():
        return ReleaseResult(week, False, (), f"no such week in {cfg.source}; weeks: {', '.join(cfg.weeks()) or 'none'}")
    api = api or nbgrader_api(cfg)
    register_due_dates(cfg, api.coursedir.db_url, [week])
    result = api.generate_assignment(week, force=True, create=True)
    notebooks = tuple(sorted((cfg.release / week).glob("*.ipynb")))
    if not result.get("success"):
        error = (result.get("error") or "").strip().splitlines()
        return ReleaseResult(week, False, notebooks, error[-1] if error else "generate_assignment failed")
    return ReleaseResult(week, True, notebooks)


def release_weeks(cfg: CourseConfig, weeks: list[str] | None = None) -> list[ReleaseResult]:
    api = nbgrader_api(cfg)
    return [release_week(cfg, week, api) for week in (weeks or cfg.weeks())]
