"""Shared by every test folder; loaded by the pytest-xdist controller as well as its workers."""
import os
import sys
from pathlib import Path

# Per-week quality-gate reports, written by tests/notebooks/test_weeks.py (on any worker) and
# printed by the controller at the end of the run.
REPO_ROOT = Path(__file__).resolve().parents[1]
CHECK_REPORTS = REPO_ROOT / ".check-reports"

# nbgrader runs `alembic` and kernels by name: put this interpreter's tools first on PATH.
_bindir = str(Path(sys.executable).parent)
if _bindir not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bindir + os.pathsep + os.environ.get("PATH", "")


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controller, not an xdist worker
        CHECK_REPORTS.mkdir(exist_ok=True)
        for old in CHECK_REPORTS.glob("*.txt"):
            old.unlink()


def pytest_terminal_summary(terminalreporter):
    files = sorted(CHECK_REPORTS.glob("*.txt")) if CHECK_REPORTS.exists() else []
    if files:
        terminalreporter.section("course check: one line per week and check")
        for path in files:
            terminalreporter.write(path.read_text())
    shots = REPO_ROOT / ".browser-artifacts"
    if shots.is_dir() and any(shots.iterdir()):
        terminalreporter.section("browser tests")
        terminalreporter.write_line(f"screenshots of every step: {shots}/<test>/NN-step.png")
