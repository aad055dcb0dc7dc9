"""The tutor pipeline end to end on the toy course: a batch full of bad submissions, resume, Dask."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from nbgrader.api import Gradebook

from course import config as course_config
from course.autograde import Autograder, BatchSettings, GradingError, _mark_unexecuted_tests
from course.demo import CASES, make_demo_submissions
from course.executor import plan
from course.sandbox import Limits, sandbox_problem
from course.submissions import Outcome, find_submissions, fingerprint, journal_path
from course.summary import format_summary
from toy_course import WEEK

SANDBOX = sandbox_problem()
needs_sandbox = pytest.mark.skipif(SANDBOX is not None, reason=f"no sandbox: {SANDBOX}")
# Cells get 20 s (importing torch on a loaded 2-core machine takes several); the endless loop costs that much.
FAST = Limits(cell_timeout_s=20, wall_timeout_s=120)


def _settings(**kw) -> BatchSettings:
    return BatchSettings(limits=kw.pop("limits", FAST), **kw)


def _journal(cfg) -> list[dict]:
    path = journal_path(cfg.root / "autograded", WEEK)
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


# --- small pieces ------------------------------------------------------------------------------

def test_plan_uses_every_core_and_splits_threads():
    assert plan(None, jobs=10, cores=8) == plan(8, jobs=10, cores=8)
    assert plan(None, jobs=10, cores=8).threads == 1
    assert plan(2, jobs=10, cores=8).threads == 4          # 2 kernels x 4 threads = 8 cores
    assert plan(None, jobs=3, cores=8).workers == 3        # never more workers than jobs
    assert plan(None, jobs=3, cores=8).threads == 2
    with pytest.raises(ValueError):
        plan(0, jobs=3, cores=8)


def test_fingerprint_changes_with_content_and_names(tmp_path):
    (tmp_path / "a.ipynb").write_text("{}")
    first = fingerprint(tmp_path)
    assert fingerprint(tmp_path) == first
    (tmp_path / "timestamp.txt").write_text("2026-11-01 10:00:00")
    second = fingerprint(tmp_path)
    assert second != first
    (tmp_path / "timestamp.txt").write_text("2026-11-01 10:00:01")
    assert fingerprint(tmp_path) != second


def test_unexecuted_test_cells_score_zero_not_full():
    from nbgrader.utils import determine_grade

    meta = {"nbgrader": {"grade": True, "solution": False, "locked": True, "points": 2, "grade_id": "test_x", "schema_version": 3}}
    ran = nbformat.v4.new_code_cell("assert True", metadata=meta, execution_count=3)
    never = nbformat.v4.new_code_cell("assert f(1) == 2", metadata=meta)
    nb = nbformat.v4.new_notebook(cells=[ran, never])
    assert determine_grade(never)[0] == 2        # nbgrader alone would give full marks
    assert _mark_unexecuted_tests(nb) == 1
    assert determine_grade(nb.cells[1])[0] == 0
    assert determine_grade(nb.cells[0])[0] == 2


def test_summary_lists_every_submission_with_flags():
    outcomes = [Outcome("g1", WEEK, "graded", score=2, max_score=3),
                Outcome("g2", WEEK, "rejected", reason="not JSON"),
                Outcome("g3", WEEK, "graded", score=2, max_score=3, flags=["scale: redefines-helper: assert_close"])]
    text = format_summary(outcomes)
    assert "g1" in text and "2/3" in text
    assert "not JSON" in text
    assert "REVIEW" in text and "assert_close" in text
    assert "3 submission(s): 2 graded, 1 rejected or failed, 2 need a person's review" in text


def test_unknown_week_is_a_clear_error(toy_course):
    with pytest.raises(GradingError, match="unknown week"):
        Autograder(toy_course, "99-nothing")


# --- the whole batch -----------------------------------------------------------------------------

@needs_sandbox
def test_batch_with_bad_submissions(toy_course):
    cfg = toy_course
    ids = make_demo_submissions(cfg, WEEK, cfg.root / "submitted")
    assert len(ids) == len(CASES)
    outcomes = {o.student: o for o in Autograder(cfg, WEEK, _settings(workers=2)).run()}
    assert set(outcomes) == set(ids)

    correct = outcomes["demo-correct"]
    assert correct.status == "graded" and correct.score == 2 and correct.max_score == 3 and not correct.flags
    assert 0 < correct.kernel_seconds <= correct.seconds   # time in the sandbox is part of the whole
    assert outcomes["demo-broken-json"].kernel_seconds == 0  # rejected before any kernel
    assert outcomes["demo-blank"].score == 0
    assert outcomes["demo-partly-wrong"].score == 0
    assert outcomes["demo-broken-json"].status == "rejected" and "JSON" in outcomes["demo-broken-json"].reason
    loop = outcomes["demo-endless-loop"]
    assert loop.status == "graded" and loop.score == 0 and any("timed out" in e for e in loop.events)
    edited = outcomes["demo-edited-test"]
    assert edited.score == 2 and any("test_scale" in r for r in edited.restored)
    copied = outcomes["demo-copied-test"]
    assert copied.status == "graded" and copied.score == 2 and any("test_scale" in r for r in copied.repairs)
    tampering = outcomes["demo-tampering"]
    assert tampering.flags and tampering.needs_review

    db_url = cfg.config.CourseDirectory.db_url
    with Gradebook(db_url, course_id=cfg.config.CourseDirectory.course_id) as gb:
        assert gb.find_submission(WEEK, "demo-correct").score == 2
        held = gb.find_submission(WEEK, "demo-tampering")
        assert any(g.needs_manual_grade for nb in held.notebooks for g in nb.grades if g.cell_type == "code")
        with pytest.raises(Exception):
            gb.find_submission(WEEK, "demo-broken-json")      # rejected: never reached the gradebook
    graded_nb = cfg.root / "autograded" / "demo-correct" / WEEK / f"{WEEK}.ipynb"
    assert graded_nb.is_file() and (graded_nb.parent / "timestamp.txt").is_file()

    # a rerun grades nothing; a resubmission only itself
    again = Autograder(cfg, WEEK, _settings(workers=2))
    todo, current = again.pending()
    assert todo == [] and len(current) == len(ids)
    folder = cfg.root / "submitted" / "demo-blank" / WEEK
    (folder / "timestamp.txt").write_text("2026-10-20 09:00:00.000000 UTC\n")
    todo, _ = again.pending()
    assert [s.student for s, _ in todo] == ["demo-blank"]
    again.run()
    counts = {}
    for line in _journal(cfg):
        counts[line["student"]] = counts.get(line["student"], 0) + 1
    assert counts == {i: (2 if i == "demo-blank" else 1) for i in ids}


@needs_sandbox
def test_kill_the_coordinator_and_resume(toy_course):
    """SIGKILL the batch once some grades are in; the rerun grades every submission exactly once."""
    cfg = toy_course
    make_demo_submissions(cfg, WEEK, cfg.root / "submitted", cases=("correct",) * 1)
    src = cfg.root / "submitted" / "demo-correct"
    for i in range(5):  # six correct submissions under different ids
        target = cfg.root / "submitted" / f"g{i}"
        subprocess.run(["cp", "-r", str(src), str(target)], check=True)
    ids = sorted(s.student for s in find_submissions(cfg.root / "submitted", WEEK))
    cmd = [sys.executable, "-m", "course", "--root", str(cfg.root), "autograde", WEEK, "-j", "1", "--cell-timeout", "20"]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while time.time() < deadline and len(_journal(cfg)) < 2:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    before = {line["student"] for line in _journal(cfg)}
    assert 2 <= len(before) < len(ids), "the kill should land mid-batch"
    rerun = subprocess.run(cmd, capture_output=True, text=True)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    counts = {}
    for line in _journal(cfg):
        counts[line["student"]] = counts.get(line["student"], 0) + 1
    assert counts == {i: 1 for i in ids}
    assert f"{len(before)} submission(s) already graded" in rerun.stdout
    with Gradebook(cfg.config.CourseDirectory.db_url, course_id=cfg.config.CourseDirectory.course_id) as gb:
        assert all(gb.find_submission(WEEK, i).score == 2 for i in ids)


@needs_sandbox
def test_dask_local_cluster_runs_the_same_batch(toy_course):
    distributed = pytest.importorskip("distributed")
    cfg = toy_course
    make_demo_submissions(cfg, WEEK, cfg.root / "submitted", cases=("correct", "blank"))
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, host="127.0.0.1", dashboard_address=None,
                                  processes=True) as cluster:
        outcomes = Autograder(cfg, WEEK, _settings(scheduler=cluster.scheduler_address)).run()
    scores = {o.student: o.score for o in outcomes}
    assert scores == {"demo-blank": 0, "demo-correct": 2}


def test_refuses_without_sandbox_unless_unsafe(toy_course, monkeypatch):
    import course.autograde as autograde

    monkeypatch.setattr(autograde, "sandbox_problem", lambda: "bwrap not found")
    cfg = toy_course
    make_demo_submissions(cfg, WEEK, cfg.root / "submitted", cases=("correct",))
    with pytest.raises(GradingError, match="--unsafe"):
        Autograder(cfg, WEEK, _settings()).run()
    outcomes = Autograder(cfg, WEEK, _settings(unsafe=True, workers=1)).run()
    assert outcomes[0].score == 2 and not outcomes[0].sandboxed
    assert "UNSAFE" in format_summary(outcomes)
