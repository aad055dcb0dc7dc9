"""Submissions arrive from an LMS download: nbgrader's zip_collect with the course's file naming."""
from __future__ import annotations

import zipfile

import nbformat

from course.ingest import zip_collect
from toy_course import WEEK


def test_zip_collect_files_each_group_under_its_id(toy_course, tmp_path):
    cfg = toy_course
    release = (cfg.release / WEEK / f"{WEEK}.ipynb").read_text()
    archive = tmp_path / "moodle-download.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        # Moodle's "download all submissions": <submitter>_<participant id>_assignsubmission_file_<file>
        zf.writestr(f"g01_4711_assignsubmission_file_{WEEK}.ipynb", release)
        zf.writestr(f"g02_4712_assignsubmission_file_/{WEEK}.ipynb".replace("_/", "_"), release)
        zf.writestr("README.txt", "not a submission")
    result = zip_collect(cfg, WEEK, [archive])
    assert result.ok, result.log
    assert result.submissions == ["g01", "g02"]
    got = nbformat.read(str(cfg.root / "submitted" / "g01" / WEEK / f"{WEEK}.ipynb"), as_version=4)
    assert got.cells[0].source.startswith("# Toy week")


def test_a_corrupt_archive_is_named_and_the_rest_still_collected(toy_course, tmp_path):
    cfg = toy_course
    good = tmp_path / "good.zip"
    with zipfile.ZipFile(good, "w") as zf:
        zf.writestr(f"g03_1_assignsubmission_file_{WEEK}.ipynb", (cfg.release / WEEK / f"{WEEK}.ipynb").read_text())
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    result = zip_collect(cfg, WEEK, [bad, good])
    assert not result.ok
    assert "bad.zip: not a readable zip" in result.log
    assert result.submissions == ["g03"]
