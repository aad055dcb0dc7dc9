"""Clean-notebook rules and the leak scanner, without kernels."""
import nbformat
import pytest

from course.leaks import find_leaks, secret_lines
from course.lint import last_statement_problem, lint_notebook
from toy_course import make_notebook


@pytest.mark.parametrize(
    "source, bad",
    [
        ("assert f(1) == 2", False),
        ("check(x)", False),
        ("raise AssertionError('x')", False),
        ("x = f(1)\nx == 2", True),
        ("f(1) == 2", True),
        ("score = 1", True),
        ("for v in (1, 2):\n    assert f(v) > 0", False),
        ("with ctx():\n    check(f(1))", False),
        ("for v in (1, 2):\n    total = v", True),
        ("", True),
        ("def f(:", True),
    ],
)
def test_last_statement(source, bad):
    assert (last_statement_problem(source) is not None) is bad


def test_clean_notebook_has_no_problems():
    assert lint_notebook(make_notebook(), "toy") == []


def test_each_rule_is_enforced():
    nb = make_notebook()
    nb.cells[1].outputs = [nbformat.v4.new_output("stream", text="hi")]
    nb.cells[2].metadata["tags"] = ["skip-execution"]
    nb.cells[3].metadata["nbgrader"]["locked"] = False
    nb.cells[3].metadata["nbgrader"]["points"] = 0
    nb.cells[5].metadata["nbgrader"]["grade_id"] = "test_scale"  # duplicate id
    nb.cells[2].source = "def scale(x, factor):\n    return x * factor\n"  # no solution block
    nb.cells[0].source += "\nwith probability $\varepsilon$"  # not a raw string: a vertical tab
    problems = "\n".join(lint_notebook(nb, "toy"))
    for expected in ("has outputs", "skip-execution", "not locked", "0 points", "'test_scale' appears 2 times", "no '### BEGIN SOLUTION' block",
                     "cell 0: contains the control character '\\x0b'"):
        assert expected in problems, expected


def test_secret_lines_exclude_public_duplicates():
    nb = make_notebook()
    secrets = secret_lines(nb)
    assert "result_tensor = x * factor" in secrets
    assert "hidden_x = torch.arange(6.0).reshape(2, 3)" in secrets
    assert "Because multiplication distributes over addition." in secrets
    assert "import torch" not in secrets  # too short and public


def test_find_leaks_in_notebooks_and_text(tmp_path):
    nb = make_notebook()
    secrets = secret_lines(nb)
    clean = make_notebook()
    clean.cells[2].source = "def scale(x, factor):\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
    clean.cells[3].source = clean.cells[3].source.split("### BEGIN HIDDEN TESTS")[0]
    clean.cells[5].source = "YOUR ANSWER HERE"
    nbformat.write(clean, str(tmp_path / "ok.ipynb"))
    assert find_leaks(tmp_path, secrets) == []
    (tmp_path / "notes.md").write_text("tip:\n    result_tensor = x * factor\n")
    (tmp_path / "blob.bin").write_bytes(b"\xff\xfe\x00")
    problems = find_leaks(tmp_path, secrets)
    assert len(problems) == 1 and problems[0].startswith("notes.md")
    nbformat.write(nb, str(tmp_path / "ok.ipynb"))
    assert any(p.startswith("ok.ipynb") and "marker" in p for p in find_leaks(tmp_path, secrets))
