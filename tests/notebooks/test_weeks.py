"""Every week in source/ passes the quality gate (`course check`), one test per week.

pytest-xdist spreads the weeks over both cores; each week runs in its own throw-away
course with its own kernel, so the weeks are independent.
"""
import os
from pathlib import Path

import pytest

from course import config as course_config
from course.check import check_week, format_report

ROOT = Path(__file__).resolve().parents[2]
REPORTS = ROOT / ".check-reports"  # printed at the end of the run by tests/conftest.py

CFG = course_config.load(ROOT)
WEEKS = CFG.weeks()


@pytest.mark.skipif(not WEEKS, reason="no weeks in source/ yet")
@pytest.mark.parametrize("week", WEEKS or ["none"])
def test_week_passes_the_quality_gate(week, monkeypatch):
    # Under pytest-xdist every core runs a week: one math thread per kernel, or two kernels
    # with a thread per core each fight over the cores and the 60 s grading budget.
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    monkeypatch.setenv("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // workers)))
    report = check_week(CFG, week)
    text = format_report([report])
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / f"{week}.txt").write_text(text + "\n")
    assert report.ok, "\n" + text
