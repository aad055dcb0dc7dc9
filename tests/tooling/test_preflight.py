"""Pre-flight: one test per rule, a fuzz pass, and nbgrader's own sanitize step on the result.

Bad submissions are built from the toy course's release notebook (generated once for the
module) so that they look exactly like what a student downloads and breaks.
"""
from __future__ import annotations

import copy
import json
import os
import random

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_output
from nbgrader.nbgraderformat import MetadataValidator
from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteCells, OverwriteKernelspec

from course import config as course_config
from course.preflight import PreflightLimits, preflight, shadows_module
from course.release import release_weeks
from toy_course import WEEK, make_course

SETUP, ANSWER, TEST, QUESTION, WRITTEN = 1, 2, 3, 4, 5  # cell indices in the toy notebook


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    root = make_course(tmp_path_factory.mktemp("preflight") / "course")
    cfg = course_config.load(root)
    assert all(r.ok for r in release_weeks(cfg))
    source = nbformat.read(str(root / "source" / WEEK / f"{WEEK}.ipynb"), as_version=4)
    release = nbformat.read(str(root / "release" / WEEK / f"{WEEK}.ipynb"), as_version=4)
    return cfg, source, release


@pytest.fixture
def release(course):
    return copy.deepcopy(course[2])


@pytest.fixture
def expected(course):
    return {WEEK: course[1]}


def submit(tmp_path, content, name: str = f"{WEEK}.ipynb"):
    """A submission folder holding one notebook (a NotebookNode, a dict, text or bytes)."""
    folder = tmp_path / "submitted" / "student" / WEEK
    folder.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        (folder / name).write_bytes(content)
    elif isinstance(content, str):
        (folder / name).write_text(content)
    else:
        (folder / name).write_text(json.dumps(content))
    return folder


def graded(result) -> nbformat.NotebookNode:
    assert result.ok, result.reason
    nb = nbformat.reads(result.notebooks[WEEK], as_version=4)
    nbformat.validate(nb)
    MetadataValidator().validate_nb(nb)  # what nbgrader's CheckCellMetadata runs
    return nb


def ids(nb) -> list:
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in nb.cells]


# -- the clean case ----------------------------------------------------------------------------
def test_untouched_release_passes_unchanged(tmp_path, release, expected):
    result = preflight(submit(tmp_path, release), expected)
    nb = graded(result)
    assert result.repairs == [] and result.ignored_files == [] and result.kept_files == []
    assert [(c.cell_type, c.source, c.metadata) for c in nb.cells] == [(c.cell_type, c.source, c.metadata) for c in release.cells]


# -- files that are not notebooks ----------------------------------------------------------------
@pytest.mark.parametrize(
    "content, words",
    [
        (b'{"cells": [', "not valid JSON"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
        (b"", "not valid JSON"),
        ("[1, 2, 3]", "not a notebook"),
        ('{"hello": "world"}', "not a notebook"),
        ("[" * 100_000 + "]" * 100_000, ""),
    ],
)
def test_not_a_notebook_is_rejected(tmp_path, expected, content, words):
    result = preflight(submit(tmp_path, content), expected)
    assert not result.ok and words in result.reason
    assert result.notebooks == {} and result.kept_files == []


@pytest.mark.parametrize("version", [5, 2, "4", None, 4.0, True])
def test_unsupported_nbformat_is_rejected(tmp_path, release, expected, version):
    raw = json.loads(nbformat.writes(release))
    raw["nbformat"] = version
    result = preflight(submit(tmp_path, raw), expected)
    assert not result.ok and "unsupported notebook format" in result.reason


def test_nbformat_3_is_upgraded(tmp_path, release, expected):
    v3 = nbformat.convert(copy.deepcopy(release), 3)
    result = preflight(submit(tmp_path, nbformat.writes(v3, version=3)), expected)
    nb = graded(result)
    assert any("upgraded from nbformat 3" in r for r in result.repairs)
    assert ids(nb) == ids(release)
    assert nb.cells[TEST].source == release.cells[TEST].source


def test_nbformat_3_that_cannot_be_upgraded_is_rejected(tmp_path, expected):
    broken = {"nbformat": 3, "nbformat_minor": 0, "worksheets": [{"cells": [{"cell_type": "code", "input": "1"}]}]}  # no metadata
    result = preflight(submit(tmp_path, broken), expected)
    assert not result.ok and "could not be upgraded" in result.reason


def test_too_big_is_rejected_before_parsing(tmp_path, release, expected):
    folder = submit(tmp_path, release)
    size = (folder / f"{WEEK}.ipynb").stat().st_size
    result = preflight(folder, expected, PreflightLimits(max_notebook_mb=(size - 1) / 1024 / 1024))
    assert not result.ok and "over the" in result.reason and "MB" in result.reason
    assert preflight(folder, expected, PreflightLimits(max_notebook_mb=(size + 0.5) / 1024 / 1024)).ok


# -- which notebook is which -------------------------------------------------------------------
def test_missing_notebook_is_rejected(tmp_path, expected):
    folder = tmp_path / "empty"
    folder.mkdir()
    result = preflight(folder, expected)
    assert not result.ok and f"{WEEK}.ipynb is missing" in result.reason
    assert not preflight(tmp_path / "no-such-folder", expected).ok


@pytest.mark.parametrize("name", [f"{WEEK} (1).ipynb", f"Copy of {WEEK}.ipynb", f"{WEEK}-Copy1.ipynb", "01-Toy.ipynb", f"{WEEK}_final.ipynb", "my homework.ipynb"])
def test_renamed_notebook_is_accepted(tmp_path, release, expected, name):
    result = preflight(submit(tmp_path, release, name), expected)
    nb = graded(result)
    assert ids(nb) == ids(release)
    assert any(name in r and "renamed" in r for r in result.repairs)
    assert result.ignored_files == []


def test_ambiguous_rename_is_rejected(tmp_path, release, expected):
    submit(tmp_path, release, f"{WEEK} (1).ipynb")
    result = preflight(submit(tmp_path, release, f"{WEEK} (2).ipynb"), expected)
    assert not result.ok and "several notebooks" in result.reason


def test_exact_name_wins_and_other_notebooks_are_not_copied(tmp_path, release, expected):
    submit(tmp_path, release, f"{WEEK} (1).ipynb")
    result = preflight(submit(tmp_path, release), expected)
    assert result.ok and result.repairs == []
    assert result.ignored_files == [f"{WEEK} (1).ipynb"] and result.kept_files == []


def test_unrelated_notebook_is_not_taken_for_the_missing_one(tmp_path, expected):
    other = nbformat.v4.new_notebook(cells=[new_code_cell("print(1)")])
    result = preflight(submit(tmp_path, other, "scratch.ipynb"), expected)
    assert not result.ok and "missing" in result.reason


# -- grade_ids and nbgrader metadata ---------------------------------------------------------------
def test_duplicated_test_cell_keeps_the_copy_in_place(tmp_path, release, expected):
    original = release.cells[TEST].source
    pasted = copy.deepcopy(release.cells[TEST])
    pasted.source = "pass  # my own version of the tests"
    release.cells.insert(ANSWER, pasted)  # pasted above the answer: out of order
    with pytest.raises(Exception):
        MetadataValidator().validate_nb(release)  # nbgrader would stop the whole batch here
    result = preflight(submit(tmp_path, release), expected)
    nb = graded(result)
    assert ids(nb).count("test_scale") == 1 and len(nb.cells) == len(release.cells) - 1
    assert nb.cells[TEST].source == original
    assert "pass  # my own" not in result.notebooks[WEEK]
    assert result.repairs == [f"{WEEK}: removed duplicated copy of cell 'test_scale' (cell {ANSWER})"]


def test_duplicated_test_cell_of_the_wrong_type_is_dropped(tmp_path, release, expected):
    pasted = copy.deepcopy(release.cells[TEST])
    pasted.cell_type = "markdown"
    del pasted["outputs"], pasted["execution_count"]
    release.cells.insert(TEST, pasted)  # right place, wrong type: the code copy after it wins
    nb = graded(preflight(submit(tmp_path, release), expected))
    assert [c.cell_type for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == "test_scale"] == ["code"]


def test_duplicated_answer_cell_keeps_the_student_code(tmp_path, release, expected):
    second = copy.deepcopy(release.cells[ANSWER])
    second.source = "def scale(x, factor):\n    return x * factor\n"
    release.cells.insert(ANSWER + 1, second)
    result = preflight(submit(tmp_path, release), expected)
    nb = graded(result)
    assert ids(nb).count("scale") == 1 and nb.cells[ANSWER].metadata.nbgrader.grade_id == "scale"
    assert nb.cells[ANSWER + 1].source == second.source and "nbgrader" not in nb.cells[ANSWER + 1].metadata
    assert any("kept the duplicated copy of answer cell 'scale'" in r for r in result.repairs)


@pytest.mark.parametrize(
    "edit, key",
    [
        ({"points": 100}, "points"),
        ({"locked": False}, "locked"),
        ({"grade": False}, "grade"),
        ({"solution": True}, "solution"),
        ({"schema_version": 4}, "schema_version"),
        ({"points": "2"}, "points"),
        ({"checksum": "short"}, "malformed keys"),
        ({"sneaky": 1}, "malformed keys"),
    ],
)
def test_edited_nbgrader_metadata_is_restored(tmp_path, release, expected, edit, key):
    release.cells[TEST].metadata.nbgrader.update(edit)
    result = preflight(submit(tmp_path, release), expected)
    nb = graded(result)
    meta = nb.cells[TEST].metadata.nbgrader
    source_meta = expected[WEEK].cells[TEST].metadata.nbgrader
    assert {k: meta.get(k) for k in source_meta} == dict(source_meta)
    assert result.repairs == [f"{WEEK}: restored nbgrader metadata of 'test_scale' ({key})"]


def test_unknown_grade_id_loses_its_metadata_but_keeps_its_code(tmp_path, release, expected):
    release.cells.append(new_code_cell("x = 1", metadata={"nbgrader": {"grade": True, "grade_id": "test_mine", "points": 50, "locked": True, "solution": False, "schema_version": 3}}))
    release.cells.append(new_code_cell("y = 2", metadata={"nbgrader": "not a dict"}))
    result = preflight(submit(tmp_path, release), expected)
    nb = graded(result)
    assert [c.source for c in nb.cells[-2:]] == ["x = 1", "y = 2"]
    assert all("nbgrader" not in c.metadata for c in nb.cells[-2:])
    assert any("unknown grade_id 'test_mine'" in r for r in result.repairs)


def test_changed_cell_type_is_restored(tmp_path, release, expected):
    cell = release.cells[TEST]
    cell.cell_type = "markdown"
    del cell["outputs"], cell["execution_count"]
    nb = graded(preflight(submit(tmp_path, release), expected))
    assert nb.cells[TEST].cell_type == "code" and nb.cells[TEST].outputs == []


def test_tags_are_stripped(tmp_path, release, expected):
    release.cells[TEST].metadata["tags"] = ["skip-execution", "raises-exception"]
    release.cells[ANSWER].metadata["tags"] = ["mine"]
    result = preflight(submit(tmp_path, release), expected)
    nb = graded(result)
    assert all("tags" not in c.metadata for c in nb.cells)
    assert result.repairs == [f"{WEEK}: stripped tags from 2 cell(s) (cells {ANSWER}, {TEST})"]


# -- outputs and attachments -------------------------------------------------------------------
def test_outputs_over_the_cap_are_cleared_and_small_ones_kept(tmp_path, release, expected):
    release.cells[ANSWER].outputs = [new_output("stream", name="stdout", text="x" * 5000)]
    release.cells[TEST].outputs = [new_output("stream", name="stdout", text="ok")]
    result = preflight(submit(tmp_path, release), expected, PreflightLimits(max_output_kb=4))
    nb = graded(result)
    assert nb.cells[ANSWER].outputs == [] and nb.cells[TEST].outputs[0].text == "ok"
    assert result.repairs == [f"{WEEK}: cleared outputs over 4 KB in 1 cell(s) (cell {ANSWER})"]


def test_attachments_over_the_cap_are_removed(tmp_path, release, expected):
    big = {"image/png": "A" * 6000}
    small = {"image/png": "iVBORw0KGgo="}
    release.cells[WRITTEN].attachments = {"big.png": big, "small.png": small}
    result = preflight(submit(tmp_path, release), expected, PreflightLimits(max_attachment_kb=4))
    nb = graded(result)
    assert nb.cells[WRITTEN].attachments == {"small.png": small}
    assert any("removed attachments over 4 KB" in r for r in result.repairs)


# -- extra files -------------------------------------------------------------------------------
def test_extra_files_that_could_shadow_modules_are_ignored(tmp_path, release, expected):
    folder = submit(tmp_path, release)
    shadowing = ["helpers.py", "torch.py", "numpy.py", "sitecustomize.py", "usercustomize.pyc", "evil.pth", "__init__.py", "mine.py",
                 "fast.cpython-311-x86_64-linux-gnu.so", "matplotlibrc", ".hidden", "data/loader.py"]
    for rel in shadowing + ["results.csv", "plot.png", "data/train.npy", "notes/readme.txt"]:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_text("x")
    for package in ("torch", "nbgrader", "mypkg", "__pycache__", ".ipynb_checkpoints"):
        (folder / package).mkdir()
        (folder / package / ("__init__.py" if package == "mypkg" else "stuff.txt")).write_text("x")
    (folder / "timestamp.txt").write_text("2026-10-27 12:00:00.000000 UTC")
    result = preflight(folder, expected)
    assert result.ok
    assert sorted(result.kept_files) == ["data/train.npy", "notes/readme.txt", "plot.png", "results.csv"]
    dirs = ["torch/", "nbgrader/", "mypkg/", "__pycache__/", ".ipynb_checkpoints/"]
    assert sorted(result.ignored_files) == sorted(shadowing + dirs)
    assert "shadow" in result.ignored_why["torch/"] and "'helpers'" in result.ignored_why["helpers.py"]
    assert result.repairs == []


def test_shadows_module_knows_stdlib_site_packages_and_the_course():
    assert all(shadows_module(n) for n in ("json", "torch", "numpy", "helpers", "nbgrader", "random"))
    assert not any(shadows_module(n) for n in ("results", "images", "my-data", "class", "data_2026"))


def test_links_and_special_files_are_ignored(tmp_path, release, expected):
    folder = submit(tmp_path, release)
    secret = tmp_path / "gradebook.db"
    secret.write_text("hidden tests")
    (folder / "db.sqlite").symlink_to(secret)
    (folder / "up").symlink_to(tmp_path, target_is_directory=True)
    os.mkfifo(folder / "pipe")  # reading it would block forever
    (folder / "mine.csv").write_text("1,2")
    result = preflight(folder, expected)
    assert result.ok and result.kept_files == ["mine.csv"]
    assert sorted(result.ignored_files) == ["db.sqlite", "pipe", "up"]


def test_linked_notebook_is_rejected(tmp_path, release, expected):
    real = tmp_path / "elsewhere.ipynb"
    real.write_text(nbformat.writes(release))
    folder = tmp_path / "sub"
    folder.mkdir()
    (folder / f"{WEEK}.ipynb").symlink_to(real)
    result = preflight(folder, expected)
    assert not result.ok and "not a regular file" in result.reason


def test_extra_files_beyond_the_caps_are_not_copied(tmp_path, release, expected):
    folder = submit(tmp_path, release)
    for i in range(6):
        (folder / f"f{i}.csv").write_text("x" * 100)
    result = preflight(folder, expected, PreflightLimits(max_extra_files=4))
    assert result.kept_files == [f"f{i}.csv" for i in range(4)] and result.ignored_files == ["f4.csv", "f5.csv"]
    result = preflight(folder, expected, PreflightLimits(max_extra_mb=250 / 1024 / 1024))
    assert result.kept_files == ["f0.csv", "f1.csv"] and any("over the cap" in r for r in result.repairs)
    result = preflight(folder, expected, PreflightLimits(max_listed_entries=3))
    assert result.ok and len(result.kept_files) == 2 and any("was not looked at" in r for r in result.repairs)


def test_unreadable_timestamp_is_reported(tmp_path, release, expected):
    folder = submit(tmp_path, release)
    (folder / "timestamp.txt").write_text("yesterday-ish")
    result = preflight(folder, expected)
    assert result.ok and result.repairs == ["timestamp.txt is unreadable; the submission counts as on time"]
    assert "timestamp.txt" not in result.kept_files + result.ignored_files


# -- bad notebooks never crash it --------------------------------------------------------------
def test_truncated_json_never_crashes(tmp_path, release, expected):
    text = nbformat.writes(release)
    folder = submit(tmp_path, "")
    for cut in range(0, len(text), max(1, len(text) // 150)):
        (folder / f"{WEEK}.ipynb").write_text(text[:cut])
        result = preflight(folder, expected)
        assert not result.ok and result.reason and "could not read" not in result.reason


def test_malformed_cells_and_metadata_are_repaired(tmp_path, release, expected):
    raw = json.loads(nbformat.writes(release))
    raw["cells"] += [5, "text", None, [], {"cell_type": "bogus", "source": ""}, {"cell_type": "code", "source": 7}]
    raw["cells"][0]["metadata"] = "not a dict"
    raw["cells"][ANSWER]["source"] = ["def scale(x, factor):\n", "    return x * factor\n"]
    raw["cells"][ANSWER]["outputs"] = [{"output_type": "nonsense"}, 3]
    raw["cells"][ANSWER]["metadata"]["collapsed"] = "maybe"
    raw["cells"][ANSWER]["id"] = "bad id with spaces"
    raw["cells"][WRITTEN]["attachments"] = {"x.png": "not a bundle"}
    raw["metadata"]["kernelspec"] = 42
    raw["cells"][QUESTION]["source"] = "Q" * 3_000_000  # a huge string
    result = preflight(submit(tmp_path, raw), expected)
    nb = graded(result)
    assert ids(nb) == ids(release)
    assert nb.cells[ANSWER].source == "def scale(x, factor):\n    return x * factor\n"
    assert nb.metadata.kernelspec == expected[WEEK].metadata.kernelspec
    assert any("dropped 6 malformed cell(s)" in r for r in result.repairs)


def test_random_mutations_never_crash(tmp_path, release, expected):
    """Replace random parts of the notebook with values of the wrong type, many times."""
    rng = random.Random(10)
    junk = [None, 0, -1, 1.5, True, "", "x" * 1000, [], {}, [None], {"a": [1]}, {"cell_type": "code"}, "4"]
    base = json.loads(nbformat.writes(release))
    folder = submit(tmp_path, "")
    outcomes = {True: 0, False: 0}
    for _ in range(100):
        raw = copy.deepcopy(base)
        for _ in range(rng.randint(1, 4)):
            node, path = raw, []
            while isinstance(node, (dict, list)) and node and (not path or rng.random() < 0.75):
                key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
                path.append((node, key))
                node = node[key]
            if path:
                parent, key = path[-1]
                parent[key] = copy.deepcopy(rng.choice(junk))
        (folder / f"{WEEK}.ipynb").write_text(json.dumps(raw))
        result = preflight(folder, expected)
        assert result.reason is None if result.ok else "could not read" not in result.reason
        if result.ok:
            graded(result)
        outcomes[result.ok] += 1
    assert outcomes[True] > 30  # most damage is repairable


# -- what nbgrader does with the result ---------------------------------------------------------
def test_nbgrader_sanitize_accepts_the_repaired_notebook(tmp_path, course, release, expected):
    cfg = course[0]
    pasted = copy.deepcopy(release.cells[TEST])
    release.cells.insert(TEST + 1, pasted)
    release.cells[ANSWER].metadata.nbgrader["schema_version"] = 5
    release.cells[TEST].source = "print('all tests pass')"
    release.cells[SETUP].metadata["tags"] = ["skip-execution"]
    resources = {"nbgrader": {"notebook": WEEK, "assignment": WEEK, "db_url": cfg.config.CourseDirectory.db_url}}

    def sanitize(nb):
        for step in (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata):
            nb, _ = step(config=cfg.config).preprocess(nb, copy.deepcopy(resources))
        return nb

    with pytest.raises(Exception):
        sanitize(copy.deepcopy(release))
    result = preflight(submit(tmp_path, release), expected)
    nb = sanitize(nbformat.reads(result.notebooks[WEEK], as_version=4))
    assert "assert_close" in nb.cells[TEST].source and "BEGIN HIDDEN TESTS" in nb.cells[TEST].source  # OverwriteCells put the test back
    assert ids(nb).count("test_scale") == 1
