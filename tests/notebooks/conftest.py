"""Print every week's quality-gate report at the end of the run (also under pytest-xdist)."""
import os
import sys
from pathlib import Path

REPORTS = Path(__file__).resolve().parents[2] / ".check-reports"

_bindir = str(Path(sys.executable).parent)
if _bindir not in os.environ.get("PATH", "").split(os.pathsep):
    os.environ["PATH"] = _bindir + os.pathsep + os.environ.get("PATH", "")


def pytest_sessionstart(session):
    if not hasattr(session.config, "workerinput"):  # the controller, not an xdist worker
        REPORTS.mkdir(exist_ok=True)
        for old in REPORTS.glob("*.txt"):
            old.unlink()


def pytest_terminal_summary(terminalreporter):
    files = sorted(REPORTS.glob("*.txt")) if REPORTS.exists() else []
    if files:
        terminalreporter.section("course check: one line per week and check")
        for path in files:
            terminalreporter.write(path.read_text())
