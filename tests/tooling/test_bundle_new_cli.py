"""The student bundle, the week template and the command line."""
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

from course import config as course_config
from course.bundle import BundleError, make_bundle
from course.check import check_week, format_report
from course.cli import main
from course.new import new_week
from course.release import release_weeks
from toy_course import REPO, WEEK


def with_student_files(cfg):
    shutil.copytree(REPO / "helpers", cfg.root / "helpers", ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("environment.yml", "requirements.txt"):
        shutil.copy2(REPO / name, cfg.root / name)
    return cfg


def test_bundle_holds_exactly_the_student_files(toy_course, tmp_path):
    cfg = with_student_files(toy_course)
    folder, archive = make_bundle(cfg, tmp_path / "out" / "student")
    top = sorted(p.name for p in folder.iterdir())
    assert top == ["README.md", "environment.yml", "helpers", "nbgrader_config.py", "pyproject.toml", "release", "requirements.txt"]
    student_config = (folder / "nbgrader_config.py").read_text()
    assert f"c.Execute.timeout = {int(cfg.config.Execute.timeout)}" in student_config
    assert repr(cfg.config.IgnorePattern.pattern) in student_config and "db_url" not in student_config
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    assert f"release/{WEEK}/{WEEK}.ipynb" in files and "helpers/training.py" in files
    assert not any("__pycache__" in f or f.startswith(("source", "tests", "course")) for f in files)
    with zipfile.ZipFile(archive) as zf:
        assert {n.split("/", 1)[1] for n in zf.namelist()} == files
    assert 'include = ["helpers*"]' in (folder / "pyproject.toml").read_text()


def test_bundle_refuses_to_leak(toy_course, tmp_path):
    cfg = with_student_files(toy_course)
    (cfg.root / "helpers" / "cheat.py").write_text(
        "def scale(x, factor):\n    result_tensor = x * factor\n    return result_tensor\n")
    with pytest.raises(BundleError, match="cheat.py: repeats 1 run"):
        make_bundle(cfg, tmp_path / "student")
    assert not (tmp_path / "student").exists()


def test_bundle_ignores_generic_lines_but_not_a_release_leak(toy_course, tmp_path):
    cfg = with_student_files(toy_course)
    # one line of the solution in helpers (a coincidence, e.g. a training loop) is no leak ...
    (cfg.root / "helpers" / "loop.py").write_text("y = 1\nresult_tensor = x * factor\nprint(y)\n")
    folder, _ = make_bundle(cfg, tmp_path / "student", make_zip=False)
    assert (folder / "helpers" / "loop.py").is_file()
    # ... but the same single line in the week's own release is
    release = cfg.release / WEEK / f"{WEEK}.ipynb"
    nb = nbformat.read(str(release), as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("result_tensor = x * factor"))
    nbformat.write(nb, str(release))
    with pytest.raises(BundleError, match=f"release/{WEEK}/{WEEK}.ipynb: shows 1 line"):
        make_bundle(cfg, tmp_path / "student2")


def test_bundle_needs_a_release(toy_course, tmp_path):
    shutil.rmtree(toy_course.release / WEEK)
    with pytest.raises(BundleError, match="run `course release` first"):
        make_bundle(with_student_files(toy_course), tmp_path / "student")


def test_new_week_from_template_passes_the_gate(toy_course):
    created = new_week(toy_course, "02-linear-models", "Linear models")
    assert [p.name for p in created] == ["02-linear-models.ipynb", "02-linear-models.py"]
    cfg = course_config.load(toy_course.root)  # due dates are read from source/ again
    assert "02-linear-models" in cfg.course.due_dates
    assert all(r.ok for r in release_weeks(cfg, ["02-linear-models"]))
    report = check_week(cfg, "02-linear-models")
    assert report.ok, format_report([report])


@pytest.mark.parametrize("week, error", [("2-x", ValueError), ("02-Upper", ValueError), ("01-again", FileExistsError), (WEEK, FileExistsError)])
def test_new_week_rejects_bad_or_taken_ids(toy_course, week, error):
    with pytest.raises(error):
        new_week(toy_course, week, "")
    assert course_config.load(toy_course.root).weeks() == [WEEK]


def test_cli_help_for_every_command():
    for args in ([], ["release"], ["check"], ["bundle"], ["new"]):
        done = subprocess.run([sys.executable, "-m", "course", *args, "--help"], capture_output=True, text=True)
        assert done.returncode == 0 and "usage: course" in done.stdout


def test_cli_exit_codes(toy_course, capsys):
    root = ["--root", str(toy_course.root)]
    assert main(root + ["release"]) == 0
    assert f"release {WEEK}: ok" in capsys.readouterr().out
    assert main(root + ["check", "99-nothing"]) == 2
    assert "unknown week" in capsys.readouterr().err
    nb_path = toy_course.source / WEEK / f"{WEEK}.ipynb"
    nb = nbformat.read(str(nb_path), as_version=4)
    nb.cells[1].execution_count = 3
    nbformat.write(nb, str(nb_path))
    assert main(root + ["check", WEEK, "-j", "1"]) == 1
    out = capsys.readouterr().out
    assert f"{WEEK:<24} clean            FAIL" in out and "FAILED: 01-toy" in out
