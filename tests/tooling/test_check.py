"""The quality gate passes a good week and names what is wrong with a bad one.

Each variant of the toy week breaks exactly one rule; the check must fail that rule (and
say why) while a correct week passes every rule.
"""
import json

import nbformat
import pytest

from course import config as course_config
from course.check import check_week, format_report
from course.release import release_weeks
from toy_course import TEST, WEEK, make_course, make_notebook


def results(report):
    return {r.check: r for r in report.results}


def build(tmp_path, **kwargs):
    nb = make_notebook(**{k: v for k, v in kwargs.items() if k in ("test_source", "solution")})
    root = make_course(tmp_path / "course", nb, kwargs.get("wrong"))
    cfg = course_config.load(root)
    assert all(r.ok for r in release_weeks(cfg))
    return cfg


def test_correct_week_passes_every_check(toy_course):
    report = check_week(toy_course, WEEK)
    by = results(report)
    assert report.ok, format_report([report])
    assert set(by) == {"clean", "release-in-sync", "no-leaks", "solution-full", "grading-time", "release-zero", "wrong-answers", "quiet-tests"}
    assert by["solution-full"].detail == "2/2 points"
    assert by["release-zero"].detail == "0/2 points"
    assert by["wrong-answers"].detail.startswith("2/2 caught")


def test_weak_test_lets_a_wrong_answer_through(tmp_path):
    # Only the visible check with a positive factor: the abs(factor) mistake survives it.
    weak = TEST.split("### BEGIN HIDDEN TESTS")[0] + "### BEGIN HIDDEN TESTS\n### END HIDDEN TESTS\n"
    report = check_week(build(tmp_path, test_source=weak), WEEK)
    by = results(report)
    assert not by["wrong-answers"].ok
    assert "ignores the sign of the factor" in by["wrong-answers"].detail
    assert "adds instead" not in by["wrong-answers"].detail  # that one is caught
    assert by["solution-full"].ok and by["release-zero"].ok


def test_missing_fixture_and_unknown_exercise_are_reported(tmp_path):
    report = check_week(build(tmp_path, wrong={"no_such_exercise": {"x": "pass"}}), WEEK)
    detail = results(report)["wrong-answers"].detail
    assert "'no_such_exercise' is not an answer cell" in detail
    assert "exercise 'scale' has no wrong-answer fixture" in detail


def test_bare_value_and_stderr_in_a_test_cell_fail(tmp_path):
    noisy = TEST + "import sys\nprint('debug', file=sys.stderr)\nout.sum().item() > 0\n"
    by = results(check_week(build(tmp_path, test_source=noisy), WEEK))
    assert not by["clean"].ok and "ends in a bare value" in by["clean"].detail
    assert not by["quiet-tests"].ok and "test_scale" in by["quiet-tests"].detail


def test_solution_that_fails_its_own_tests_is_not_full_marks(tmp_path):
    broken = make_notebook().cells[2].source.replace("x * factor", "x * factor + 1e-3")
    by = results(check_week(build(tmp_path, solution=broken), WEEK))
    assert not by["solution-full"].ok and "test_scale scored 0" in by["solution-full"].detail


def test_release_that_gives_points_away_fails(tmp_path):
    # A test cell that calls nothing of the student's: the stub cannot make it fail.
    free = "import torch\nassert torch.tensor(1.0) == 1.0\n"
    by = results(check_week(build(tmp_path, test_source=free), WEEK))
    assert not by["release-zero"].ok and "gives 2 points to the unanswered release" in by["release-zero"].detail


def test_stale_and_leaking_release_fail(toy_course):
    path = toy_course.release / WEEK / f"{WEEK}.ipynb"
    nb = nbformat.read(str(path), as_version=4)
    nb.cells[2].source += "\n    result_tensor = x * factor\n"
    nbformat.write(nb, str(path))
    by = results(check_week(toy_course, WEEK))
    assert not by["release-in-sync"].ok and "differs from a fresh release" in by["release-in-sync"].detail
    assert not by["no-leaks"].ok and "result_tensor = x * factor" in by["no-leaks"].detail


def test_unreadable_notebook_is_reported_not_raised(toy_course):
    (toy_course.source / WEEK / f"{WEEK}.ipynb").write_text("{not json")
    report = check_week(toy_course, WEEK)
    assert not report.ok
    assert "not a readable notebook" in results(report)["clean"].detail


def test_replay_runner_restores_the_original_cell_after_a_wrong_one(tmp_path):
    """nbclient writes executed cells back into its notebook; the replay must not rerun the wrong code."""
    from course.replay import _Runner

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('right answer')")])
    config = course_config.load(make_course(tmp_path / "c")).config
    with _Runner(nb, tmp_path, config) as runner:
        wrong = runner.run(0, "print('wrong answer')")
        again = runner.run(0)
    assert "wrong answer" in wrong.outputs[0]["text"]
    assert "right answer" in again.outputs[0]["text"]
    assert nb.cells[0].source == "print('right answer')"


def test_replay_leaves_later_exercises_a_correct_state_and_reruns_a_section_once_per_wrong_answer(tmp_path):
    """Exercise 2's test reads a value that exercise 1's section computes from exercise 1's answer.

    A "wrong" answer for exercise 2 that is in fact correct must keep its points: it would lose
    them if exercise 1's wrong answers leaked into the state that exercise 2 starts from. The
    section's cells up to its last test run once for the solution, once per wrong answer and
    once to restore; a wrong answer that its first test catches skips the training cell before
    the second test; an experiment after the last test runs only for the solution and the restore.
    """
    from nbformat.v4 import new_code_cell, new_notebook

    from course.replay import replay_week

    def meta(**nbgrader):
        return {"nbgrader": {"schema_version": 3, **nbgrader}}

    nb = new_notebook(cells=[
        new_code_cell("def double(v):\n    ### BEGIN SOLUTION\n    return 2 * v\n    ### END SOLUTION\n", metadata=meta(grade=False, solution=True, locked=False, grade_id="double")),
        new_code_cell("open('section_runs.txt', 'a').write('x')\ny = double(2)\n", metadata=meta(grade=False, solution=False, locked=True, grade_id="use_double")),
        new_code_cell("assert double(3) == 6\n", metadata=meta(grade=True, solution=False, locked=True, points=1, grade_id="test_double")),
        new_code_cell("open('training_runs.txt', 'a').write('x')\nz = double(10)\n"),
        new_code_cell("assert z == 20\n", metadata=meta(grade=True, solution=False, locked=True, points=1, grade_id="test_double_training")),
        new_code_cell("open('experiment_runs.txt', 'a').write('x')\n"),
        new_code_cell("def inc(v):\n    ### BEGIN SOLUTION\n    return v + 1\n    ### END SOLUTION\n", metadata=meta(grade=False, solution=True, locked=False, grade_id="inc")),
        new_code_cell("assert inc(y) == 5\n", metadata=meta(grade=True, solution=False, locked=True, points=1, grade_id="test_inc")),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    wrong = {
        "double": {
            "triples": "def double(v):\n    return 3 * v\n",
            "right for small v only": "def double(v):\n    return 2 * v if v < 5 else v\n",
            "squares": "def double(v):\n    return v * v + 2\n",
        },
        "inc": {"correct after all": "def inc(v):\n    return 1 + v\n", "decrements": "def inc(v):\n    return v - 1\n"},
    }
    config = course_config.load(make_course(tmp_path / "c")).config
    report = replay_week(nb, tmp_path, config, wrong)
    caught = {(r.answer_id, r.label): r.caught for r in report.results}
    assert caught == {
        ("double", "triples"): True,
        ("double", "right for small v only"): True,
        ("double", "squares"): True,
        ("inc", "correct after all"): False,
        ("inc", "decrements"): True,
    }
    scores = {(r.answer_id, r.label): r.scores for r in report.results}
    assert scores[("double", "right for small v only")] == {"test_double": (1.0, 1.0), "test_double_training": (0.0, 1.0)}
    assert scores[("double", "triples")] == {"test_double": (0.0, 1.0)}  # stopped at the first test that took points
    assert (tmp_path / "section_runs.txt").read_text() == "x" * 5  # solution + 3 wrong + restore
    assert (tmp_path / "training_runs.txt").read_text() == "x" * 3  # solution + the one wrong answer its first test misses + restore
    assert (tmp_path / "experiment_runs.txt").read_text() == "x" * 2  # after the last test: solution + restore
