"""Feedback never shows a hidden test, yet keeps the visible tests, the scores and the message.

The unit tests feed ``redact_hidden_tests`` hand-made outputs in every form a hidden line can
take (ANSI tracebacks, reprs of ``In``, HTML); the end-to-end test autogrades a solved and a
wrong submission of the toy course with plain nbgrader and searches the pages for each
hidden line.
"""
import copy
import html
import json
import re

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from course.feedback import (
    HIDDEN_PLACEHOLDER,
    REMOVED_LINES,
    HiddenLines,
    HiddenTestLeak,
    check_no_hidden_lines,
    feedback_path,
    hidden_lines,
    redact_hidden_tests,
    write_feedback,
)
from toy_course import TEST, WEEK, make_course

HIDDEN = [ln for ln in TEST.split("### BEGIN HIDDEN TESTS\n")[1].split("### END HIDDEN TESTS")[0].splitlines() if ln.strip()]
VISIBLE = 'assert_close(out, torch.tensor([3.0, 6.0]), "scale(x, 3.0)")'
MESSAGE = "scale of a matrix differs from the expected value"


def meta(**nbgrader):
    return {"nbgrader": {"schema_version": 3, **nbgrader}}


def colour(line):
    """How IPython quotes a source line in a traceback: gutter and ANSI colours inside."""
    return "\x1b[32m----> \x1b[39m\x1b[32m8\x1b[39m " + line.replace("(", "(\x1b[32m", 1).replace(",", "\x1b[39m,", 1)


def graded_notebook():
    source = TEST.replace("### END HIDDEN TESTS", ")\n### END HIDDEN TESTS")  # with a short hidden line
    test = new_code_cell(source, metadata=meta(grade=True, solution=False, locked=True, points=2, grade_id="test_scale"))
    test.outputs = [
        new_output("stream", name="stdout", text="called with tensor([[0., 1., 2.]])\n"),
        new_output("error", ename="AssertionError", evalue=MESSAGE + ": expected -0.5", traceback=["\x1b[31m---\x1b[39m", colour(HIDDEN[1])]),
    ]
    answer = new_code_cell("def scale(x, factor):\n    return x * abs(factor)\n", metadata=meta(grade=False, solution=True, locked=False, grade_id="scale"))
    answer.outputs = [new_output("stream", name="stdout", text="epoch 1 loss 0.25\n)\n")]
    spy = new_code_cell("print(In)\nprint(json.dumps(In))\nIn")
    cells_repr = repr(["", test.source])
    spy.outputs = [
        new_output("stream", name="stdout", text="before\n" + cells_repr + "\nafter\n" + test.source + "\n"),
        new_output("stream", name="stdout", text=json.dumps(["", test.source]) + "\n"),
        new_output("execute_result", data={"text/plain": cells_repr, "text/html": "<pre>" + html.escape(HIDDEN[1]) + "</pre>"}, execution_count=4),
        new_output("error", ename="ValueError", evalue="look: " + HIDDEN[0], traceback=["frame 1", "\x1b[0;32m      7\x1b[0m " + colour(HIDDEN[0]) + "\n  ok line\n"]),
    ]
    nb = new_notebook(cells=[new_markdown_cell("# Toy"), answer, test, spy])
    nb.metadata["widgets"] = {"state": {"m": {"value": HIDDEN[0]}}}
    return nb


def strings(node):
    """Every string in a notebook (sources, outputs, metadata), unescaped, one per line."""
    if isinstance(node, dict):
        return "\n".join(strings(v) for v in node.values())
    if isinstance(node, list):
        return "\n".join(strings(v) for v in node)
    return node if isinstance(node, str) else ""


def shows_hidden(text):
    plain = re.sub(r"\x1b\[[0-9;]*m", "", text)
    return [ln for ln in HIDDEN if ln in plain or json.dumps(ln)[1:-1] in plain or html.escape(ln) in plain]


def test_redaction_removes_every_hidden_line_and_keeps_the_rest():
    nb = graded_notebook()
    before = copy.deepcopy(nb)
    assert shows_hidden(strings(nb)) == HIDDEN  # the input really leaks, in many places
    out = redact_hidden_tests(nb)
    assert nb == before  # the input is not mutated
    dumped = strings(out)
    assert shows_hidden(dumped) == []
    test, spy = out.cells[2], out.cells[3]
    assert HIDDEN_PLACEHOLDER in test.source and VISIBLE in test.source and "BEGIN HIDDEN" not in test.source
    # Test cell: the traceback is one line with the readable message; other output is withheld.
    error = [o for o in test.outputs if o.output_type == "error"][0]
    assert error.traceback == [f"AssertionError: {MESSAGE}: expected -0.5"] and error.evalue == f"{MESSAGE}: expected -0.5"
    assert "tensor([[0., 1., 2.]])" not in dumped  # the student printed the hidden inputs
    # Other cells: only the quoting lines go, the short hidden ")" only where a quote was found.
    stream = spy.outputs[0].text
    assert stream.startswith("before\n" + REMOVED_LINES + "\nafter\n")
    assert ")" not in stream.splitlines() and VISIBLE in stream.splitlines() and "BEGIN HIDDEN" not in stream
    assert out.cells[1].outputs[0].text == "epoch 1 loss 0.25\n)\n"
    assert spy.outputs[2].data == {"text/plain": REMOVED_LINES}
    frame = spy.outputs[3].traceback[1]
    assert REMOVED_LINES in frame and "ok line" in frame
    assert spy.outputs[3].evalue == REMOVED_LINES
    assert "widgets" not in out.metadata


def test_keeping_test_cell_output_still_scrubs_quoted_lines():
    nb = graded_notebook()
    nb.cells[2].outputs.insert(0, new_output("stream", name="stdout", text="x\n" + HIDDEN[1] + "\n"))
    out = redact_hidden_tests(nb, keep_hidden_cell_output=True)
    texts = [o.text for o in out.cells[2].outputs if o.output_type == "stream"]
    assert texts == ["x\n" + REMOVED_LINES + "\n", "called with tensor([[0., 1., 2.]])\n"]


def test_hidden_lines_from_the_gradebook_copy_count_too():
    nb = new_notebook(cells=[new_code_cell("x = 1", outputs=[new_output("stream", name="stdout", text=HIDDEN[0] + "\n")])])
    assert not hidden_lines(nb)
    out = redact_hidden_tests(nb, extra_sources=[TEST])
    assert out.cells[0].outputs[0].text == REMOVED_LINES + "\n"


def test_hidden_lines_are_found_in_escaped_forms():
    line = 'check(f(\'a\'), "tab\there", "caf\u00e9")'
    single = "check(g('only single\tquotes'))"
    secrets = HiddenLines.of([line, single])
    for shown in (line, repr(line), repr([line, "\""]), json.dumps(line), json.dumps([line], ensure_ascii=False), html.escape(line)):
        assert secrets.found_in("x" + shown + "y") == line or secrets.found_in(shown), shown
    cell = single + '\nprint("x")'  # print(In): the cell's repr escapes the single quotes
    assert secrets.found_in(repr(cell)) and secrets.found_in(repr(single))
    assert secrets.found_in("check(f('a'))") is None


def test_the_final_check_sees_through_syntax_highlighting():
    secrets = hidden_lines(graded_notebook())
    page = '<span class="n">hidden_x</span> <span class="o">=</span> <span class="n">torch</span><span class="o">.</span>arange(6.0).reshape(2, 3)'
    with pytest.raises(HiddenTestLeak, match="hidden_x"):
        check_no_hidden_lines(page, secrets)
    check_no_hidden_lines("<p>" + VISIBLE + "</p>", secrets)


# --- end to end with nbgrader -------------------------------------------------------------------------

WRONG = (
    "def scale(x, factor):\n"
    "    print('called with', x, factor)\n"
    "    print(get_ipython().user_ns['In'][-1])\n"
    "    return x * abs(factor)\n"
)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """The toy course with two submissions autograded by plain nbgrader: solved and wrong."""
    from course import config as course_config
    from course.release import nbgrader_api, release_weeks

    root = make_course(tmp_path_factory.mktemp("fb") / "course")
    cfg = course_config.load(root)
    assert all(r.ok for r in release_weeks(cfg))
    api = nbgrader_api(cfg)
    release = cfg.release / WEEK / f"{WEEK}.ipynb"
    for student, answer in (("g01", "def scale(x, factor):\n    return x * factor\n"), ("g02", WRONG)):
        folder = root / "submitted" / student / WEEK
        folder.mkdir(parents=True)
        nb = nbformat.read(str(release), as_version=4)
        nb.cells[2].source = answer
        if student == "g02":
            nb.cells.append(new_code_cell("print(In)"))  # a cell the student added after the tests
        nbformat.write(nb, str(folder / release.name))
        (folder / "timestamp.txt").write_text("2026-10-20 12:00:00.000000 UTC")
        result = api.autograde(WEEK, student, force=True, create=True)
        assert result.get("success"), result.get("error")
    return cfg


def page_text(page):
    return html.unescape(re.sub(r"<[^>]*>", "", page))


def test_feedback_pages_show_scores_and_messages_but_no_hidden_test(graded):
    root = graded.root
    db_url = graded.config.CourseDirectory.db_url
    course_id = graded.config.CourseDirectory.course_id
    autograded = root / "autograded" / "g02" / WEEK / f"{WEEK}.ipynb"
    raw = autograded.read_text()
    assert len(shows_hidden(raw)) == len(HIDDEN)  # nbgrader's output holds them, outputs included
    assert raw.count(HIDDEN[0]) > 2  # in the test cell source and in what the student printed

    pages = {}
    for student in ("g01", "g02"):
        path = write_feedback(root / "autograded" / student / WEEK / f"{WEEK}.ipynb", root / "feedback",
                              db_url=db_url, course_id=course_id, assignment=WEEK, student=student)
        assert path == feedback_path(root / "feedback", student, WEEK, WEEK) == root / "feedback" / student / WEEK / f"{WEEK}.html"
        assert (path.parent / "timestamp.txt").read_text().startswith("2026-10-20")
        assert path.stat().st_mode & 0o777 == 0o644  # release_feedback copies it to students
        pages[student] = path.read_text()
    assert autograded.read_text() == raw  # the autograded notebook is left as it was
    with pytest.raises(ValueError, match="no graded 01-toy/01-toy of g99"):
        write_feedback(autograded, root / "feedback", db_url=db_url, course_id=course_id, assignment=WEEK, student="g99")
    assert not (root / "feedback" / "g99").exists()

    for student, page in pages.items():
        for text in (page, html.unescape(page), page_text(page)):
            assert shows_hidden(text) == [], student
            assert "BEGIN HIDDEN" not in text
        text = page_text(page)
        assert VISIBLE in text and HIDDEN_PLACEHOLDER in text
    solved, wrong = page_text(pages["g01"]), page_text(pages["g02"])
    assert "(Score: 2.0 / 3.0)" in solved and "Score: 2.0 / 2.0" in solved  # 2 autograded + 1 written pending
    assert "(Score: 0.0 / 3.0)" in wrong and "Score: 0.0 / 2.0" in wrong
    assert f"AssertionError: {MESSAGE}" in wrong
    assert "called with tensor" not in wrong  # the hidden inputs the wrong answer printed
    assert REMOVED_LINES in wrong  # the print(In) cell the student added
    assert "Traceback (most recent call last)" not in wrong
