"""The tutor's path in a real browser: nbgrader's formgrader after `course autograde`.

A small course (the tooling tests' toy week: one exercise, one hidden test, one written
answer) is released, gets one correct demo submission, and is graded with the course's own
`course autograde`. The tutor opens the formgrader, goes Manual Grading -> week -> notebook ->
submission, gives the written answer points and a comment, and both land in the gradebook.
(Week 01 itself takes over a minute to autograde on 2 cores; the toy week keeps this test fast.)
"""
from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from nbgrader.api import Gradebook
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from labui import PAGE_LOAD_S, REPO, wait

sys.path.insert(0, str(REPO / "tests" / "tooling"))
from toy_course import WEEK, make_course  # noqa: E402

WRITTEN = "written_linear"   # the toy week's manually graded written answer (1 point)
STUDENT = "demo-correct"
COMMENT = "Right idea; also name the distributive law explicitly."


def _link(d, text: str):
    """A visible link with exactly this text (formgrader tables are filled in by JavaScript)."""
    return wait(d, PAGE_LOAD_S, lambda _: [a for a in d.find_elements(By.TAG_NAME, "a") if a.is_displayed() and a.text.strip() == text],
                f"a link '{text}'")[0]


def test_tutor_grades_a_written_answer_in_the_formgrader(tmp_path, serve_lab, browser, monkeypatch):
    from course import config as course_config
    from course.demo import make_demo_submissions
    from course.release import release_weeks
    from course.sandbox import sandbox_problem

    monkeypatch.delenv("DL_GRADEBOOK_URL", raising=False)  # the toy course's own sqlite gradebook, in tmp_path
    started = time.monotonic()
    root = make_course(tmp_path / "course")
    cfg = course_config.load(root)
    assert all(r.ok for r in release_weeks(cfg)), "course release failed on the toy week"
    assert make_demo_submissions(cfg, WEEK, root / "submitted", cases=("correct",)) == [STUDENT]
    env = {k: v for k, v in os.environ.items() if k not in ("NBGRADER_EXECUTION", "MPLBACKEND")}
    cmd = [str(Path(sys.executable).parent / "course"), "--root", str(root), "autograde", WEEK]
    if sandbox_problem() is not None:
        cmd.append("--unsafe")  # no sandbox on this machine: the submission is our own demo
    graded = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=600)
    assert graded.returncode == 0 and STUDENT in graded.stdout, f"course autograde failed:\n{graded.stdout}\n{graded.stderr}"
    db_url = f"sqlite:///{root / 'gradebook.db'}"
    with Gradebook(db_url) as gb:
        grade = gb.find_grade(WRITTEN, WEEK, WEEK, STUDENT)
        assert grade.needs_manual_grade and grade.manual_score is None
        auto_score = gb.find_submission_notebook(WEEK, WEEK, STUDENT).score

    print(f"  course released, submitted and autograded: {time.monotonic() - started:.1f} s")
    server = serve_lab(root)
    steps, d = browser, browser.driver

    with steps.step("formgrader"):
        d.get(server.url("formgrader"))
        wait(d, PAGE_LOAD_S, lambda _: WEEK in d.find_element(By.ID, "main-table").text, f"the assignment {WEEK} in Manage Assignments")

    with steps.step("manual-grading"):
        wait(d, PAGE_LOAD_S, lambda _: [a for a in d.find_elements(By.CSS_SELECTOR, "a[href$='/formgrader/gradebook']") if a.is_displayed()],
             "the Manual Grading (gradebook) link")[0].click()
        _link(d, WEEK)

    with steps.step("week-notebooks"):
        _link(d, WEEK).click()
        # the week's notebook has the week's name too: the link into its submissions
        wait(d, PAGE_LOAD_S, lambda _: [a for a in d.find_elements(By.CSS_SELECTOR, f"#main-table a[href$='/gradebook/{WEEK}/{WEEK}']")
                                        if a.is_displayed()], "the notebook link on the week's page")

    with steps.step("notebook-submissions"):
        d.find_element(By.CSS_SELECTOR, f"#main-table a[href$='/gradebook/{WEEK}/{WEEK}']").click()
        row = wait(d, PAGE_LOAD_S, lambda _: [r for r in d.find_elements(By.CSS_SELECTOR, "#main-table tr") if "Submission #1" in r.text],
                   "the graded submission in the notebook's list")[0]
        assert len(d.find_elements(By.CSS_SELECTOR, "#main-table tr")) == 1, "one submission was graded, one is listed"
        assert f"{auto_score:g}" in row.text, f"the autograded score {auto_score:g} is not shown: {row.text!r}"
        assert row.find_elements(By.CSS_SELECTOR, ".needs-manual-grade *"), f"the submission is not marked as needing manual grading: {row.text!r}"

    with steps.step("grade-written-answer"):
        _link(d, "Submission #1").click()
        # The fields are in the page at once; formgrader's scripts bind them to the gradebook a little later
        # (then the score field is marked as needing a manual grade and the comment box gets its placeholder).
        score = wait(d, PAGE_LOAD_S, lambda _: [e for e in d.find_elements(By.ID, WRITTEN)
                                                if e.is_displayed() and "needs_manual_grade" in e.get_attribute("class")],
                     f"the score field of {WRITTEN}, marked as needing a manual grade")[0]
        wait(d, PAGE_LOAD_S, lambda _: d.find_element(By.ID, f"{WRITTEN}-comment").get_attribute("placeholder"),
             "the comment box to be ready")
        d.execute_script("arguments[0].scrollIntoView({block: 'center'});", score)
        score.clear()
        score.send_keys("1", Keys.TAB)  # leaving the field saves it (formgrader's change handler)
        comment = d.find_element(By.ID, f"{WRITTEN}-comment")
        comment.click()
        comment.send_keys(COMMENT, Keys.TAB)
        wait(d, 60, lambda _: _manual(db_url) == (1.0, COMMENT), "the score and the comment to be saved in the gradebook")

    with steps.step("reload-shows-grade"):
        d.refresh()
        score = wait(d, PAGE_LOAD_S, lambda _: [e for e in d.find_elements(By.ID, WRITTEN) if e.get_attribute("value") == "1"],
                     "the saved score after a reload")[0]
        assert d.find_element(By.ID, f"{WRITTEN}-comment").get_attribute("value") == COMMENT
        d.execute_script("arguments[0].scrollIntoView({block: 'center'});", score)

    with Gradebook(db_url) as gb:
        grade = gb.find_grade(WRITTEN, WEEK, WEEK, STUDENT)
        assert grade.manual_score == 1 and not grade.needs_manual_grade
        assert gb.find_comment(WRITTEN, WEEK, WEEK, STUDENT).manual_comment == COMMENT
        assert gb.find_submission_notebook(WEEK, WEEK, STUDENT).score == auto_score + 1


def _manual(db_url: str):
    with Gradebook(db_url) as gb:
        grade = gb.find_grade(WRITTEN, WEEK, WEEK, STUDENT)
        comment = gb.find_comment(WRITTEN, WEEK, WEEK, STUDENT)
        return grade.manual_score, comment.manual_comment
