"""Bring submissions into ``submitted/<id>/<week>/``: from nbgrader's exchange or from LMS zips.

Both are nbgrader's own commands (``collect`` and ``zip_collect``), run with the course's
configuration; this module only prepares their inputs and reports what arrived. The file
naming of LMS downloads is set once in ``nbgrader_config.py``
(``c.FileNameCollectorPlugin.named_regexp``).
"""
from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from .config import CourseConfig
from .submissions import find_submissions


@dataclass
class IngestResult:
    ok: bool
    submissions: list[str]      # ids now in submitted/ for the week
    log: str                    # nbgrader's output (warnings name skipped files)


def _nbgrader(cfg: CourseConfig, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cfg.root,
                          capture_output=True, text=True, check=False)


def _result(cfg: CourseConfig, week: str, proc: subprocess.CompletedProcess) -> IngestResult:
    ids = [s.student for s in find_submissions(cfg.root / "submitted", week)]
    return IngestResult(proc.returncode == 0, ids, (proc.stdout + proc.stderr).strip())


def collect(cfg: CourseConfig, week: str) -> IngestResult:
    """``nbgrader collect --update``: newer submissions from the JupyterHub exchange replace older ones."""
    return _result(cfg, week, _nbgrader(cfg, "collect", week, "--update"))


def zip_collect(cfg: CourseConfig, week: str, archives: list[Path]) -> IngestResult:
    """Copy LMS downloads into ``downloaded/<week>/archive/`` and run ``nbgrader zip_collect``.

    Every archive is checked to be a readable zip first, so one bad download is named
    instead of stopping nbgrader half-way.
    """
    archive_dir = cfg.root / "downloaded" / week / "archive"
    archive_dir.mkdir(parents=True, exist_ok=True)
    bad = []
    for path in archives:
        if path.suffix == ".zip":
            try:
                with zipfile.ZipFile(path) as zf:
                    if zf.testzip() is not None:
                        raise zipfile.BadZipFile("a member fails its CRC check")
            except (OSError, zipfile.BadZipFile) as exc:
                bad.append(f"{path}: not a readable zip ({exc})")
                continue
        elif not path.is_file():
            bad.append(f"{path}: no such file")
            continue
        shutil.copy2(path, archive_dir / path.name)
    proc = _nbgrader(cfg, "zip_collect", week, "--force")
    result = _result(cfg, week, proc)
    if bad:
        result.ok = False
        result.log = "\n".join(bad + [result.log])
    return result
