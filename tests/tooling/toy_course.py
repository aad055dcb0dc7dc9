"""A purpose-made one-exercise course for the tooling's tests, built fresh in a temporary folder.

The course copies the repository's own nbgrader_config.py (whose root is the folder it sits
in), so the tests exercise the real configuration.
"""
from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

REPO = Path(__file__).resolve().parents[2]
WEEK = "01-toy"


def _meta(**nbgrader) -> dict:
    return {"nbgrader": {"schema_version": 3, **nbgrader}}


SOLUTION = '''def scale(x, factor):
    """Return ``x * factor`` elementwise.

    Args:
        x: a float tensor of any shape.
        factor: a Python float.
    Returns:
        A tensor shaped like ``x``.
    """
    ### BEGIN SOLUTION
    result_tensor = x * factor
    return result_tensor
    ### END SOLUTION
'''

TEST = '''import torch
from helpers.checks import assert_close, assert_tensor
out = scale(torch.tensor([1.0, 2.0]), 3.0)
assert_tensor(out, "scale(x, 3.0)", dtype=torch.float32, shape=[2])
assert_close(out, torch.tensor([3.0, 6.0]), "scale(x, 3.0)")
### BEGIN HIDDEN TESTS
hidden_x = torch.arange(6.0).reshape(2, 3)
assert_close(scale(hidden_x, -0.5), hidden_x * -0.5, "scale of a matrix")
### END HIDDEN TESTS
'''

WRONG = {
    "scale": {
        "adds instead of multiplying": "def scale(x, factor):\n    return x + factor\n",
        "ignores the sign of the factor": "def scale(x, factor):\n    return x * abs(factor)\n",
    }
}


def make_notebook(test_source: str = TEST, solution: str = SOLUTION) -> nbformat.NotebookNode:
    nb = new_notebook(
        cells=[
            new_markdown_cell("# Toy week\nScale a tensor."),
            new_code_cell("import torch\nimport helpers", metadata=_meta(grade=False, solution=False, locked=True, grade_id="setup")),
            new_code_cell(solution, metadata=_meta(grade=False, solution=True, locked=False, grade_id="scale")),
            new_code_cell(test_source, metadata=_meta(grade=True, solution=False, locked=True, points=2, grade_id="test_scale")),
            new_markdown_cell("Why does scaling commute with addition?", metadata=_meta(grade=False, solution=False, locked=True, grade_id="question_linear")),
            new_markdown_cell("Because multiplication distributes over addition.", metadata=_meta(grade=True, solution=True, locked=False, points=1, grade_id="written_linear")),
        ]
    )
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def make_course(root: Path, nb: nbformat.NotebookNode | None = None, wrong: dict | None = None) -> Path:
    """Lay out a course at ``root`` with one week; return the root."""
    root.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "nbgrader_config.py", root / "nbgrader_config.py")
    week = root / "source" / WEEK
    week.mkdir(parents=True)
    nbformat.write(nb or make_notebook(), str(week / f"{WEEK}.ipynb"))
    fixtures = root / "tests" / "notebooks" / "wrong_answers"
    fixtures.mkdir(parents=True)
    (fixtures / f"{WEEK}.py").write_text("WRONG_ANSWERS = " + repr(WRONG if wrong is None else wrong) + "\n")
    return root


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")
