"""The pip pins, the conda environment and the installed packages agree."""
import re
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pytest
import yaml

from course import config as course_config

REPO = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[=<>!~\[ ;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def pip_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            assert "==" in line, f"requirements.txt: {line!r} is not pinned with =="
            name, ver = line.split("==")
            pins[_name(name)] = ver.strip()
    return pins


def conda_pins() -> dict[str, str]:
    env = yaml.safe_load((REPO / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        entries = dep["pip"] if isinstance(dep, dict) else [dep]
        for entry in entries:
            if entry.startswith("-e"):
                continue
            name, _, ver = re.split(r"(==|=)", entry, maxsplit=1) if "=" in entry else (entry, "", "")
            pins[_name(name)] = ver
    return pins


def test_every_package_is_named_in_both_files():
    pip, conda = pip_pins(), conda_pins()
    conda_only = set(conda) - set(pip) - {"python", "pip"}
    assert not conda_only, f"in environment.yml but not requirements.txt: {sorted(conda_only)}"
    pip_only = set(pip) - set(conda)
    assert not pip_only, f"in requirements.txt but not environment.yml: {sorted(pip_only)}"


def test_versions_agree_and_torch_is_the_cached_release():
    pip, conda = pip_pins(), conda_pins()
    differ = {n: (pip[n], conda[n]) for n in pip if conda.get(n) != pip[n]}
    assert not differ, f"versions differ (requirements.txt, environment.yml): {differ}"
    assert pip["torch"] == "2.14.1" and pip["torchvision"] == "0.29.1"
    assert pip["nbgrader"] == "0.9.6" and pip["jupyterlab"].startswith("4.")


@pytest.mark.parametrize("name", sorted(pip_pins()))
def test_installed_versions_match_the_pins(name):
    try:
        installed = version(name)
    except PackageNotFoundError:
        pytest.fail(f"{name} is pinned but not installed; run `make setup`")
    assert installed.split("+")[0] == pip_pins()[name], f"{name} {installed} installed, {pip_pins()[name]} pinned"


def test_nbgrader_config_safety_settings():
    cfg = course_config.load(REPO).config
    assert cfg.Execute.timeout >= 60 and cfg.Execute.interrupt_on_timeout is True
    assert cfg.Execute.skip_cells_with_tag not in ("skip-execution", "")
    assert cfg.OverwriteCells.add_missing_cells is True
    assert cfg.IgnorePattern.enabled is True
    assert cfg.ClearSolutions.code_stub["python"].endswith("raise NotImplementedError()")
    assert Path(cfg.CourseDirectory.root) == REPO
    assert cfg.CourseDirectory.db_url.startswith("sqlite:///")


@pytest.mark.parametrize(
    "stderr, dropped",
    [
        ("/x/y.py:3: UserWarning: something\n  warnings.warn(...)\n", True),
        ("/lib/python3.11/site-packages/a.py:9: DeprecationWarning: old\n", True),
        ("[W NNPACK.cpp:64] Could not initialize NNPACK! Reason: Unsupported hardware.\n", True),
        ("debug output from a student\n", False),
        ("Traceback (most recent call last):\nValueError: bad\n", False),
    ],
)
def test_ignore_pattern_drops_warnings_only(stderr, dropped):
    from nbformat.v4 import new_code_cell, new_output
    from nbgrader.preprocessors import IgnorePattern

    cfg = course_config.load(REPO).config
    cell = new_code_cell("pass")
    cell.outputs = [new_output("stream", name="stderr", text=stderr)]
    cell, _ = IgnorePattern(config=cfg).preprocess_cell(cell, {}, 0)
    assert (cell.outputs == []) is dropped


def test_due_dates_are_weekly_for_every_week(tmp_path):
    import shutil
    from datetime import datetime, timedelta

    shutil.copy2(REPO / "nbgrader_config.py", tmp_path / "nbgrader_config.py")
    for week in ("01-a", "02-b", "05-e"):
        (tmp_path / "source" / week).mkdir(parents=True)
    cfg = course_config.load(tmp_path)
    d1, d2, d5 = (cfg.due_date(w) for w in ("01-a", "02-b", "05-e"))
    assert d2 - d1 == timedelta(weeks=1) and d5 - d1 == timedelta(weeks=4)
    assert isinstance(d1, datetime)
