"""``course new``: start a week from a template that already passes ``course check``."""
from __future__ import annotations

import re
from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from .config import CourseConfig

__all__ = ["WEEK_PATTERN", "new_week", "week_template"]

WEEK_PATTERN = re.compile(r"^(\d\d)-[a-z0-9]+(?:-[a-z0-9]+)*$")


def _meta(**nbgrader) -> dict:
    return {"nbgrader": {"schema_version": 3, **nbgrader}}


def week_template(week: str, title: str) -> nbformat.NotebookNode:
    """A complete small week: prose, setup, one exercise with visible and hidden tests, a written question."""
    number = int(week[:2])
    cells = [
        new_markdown_cell(
            f"# Week {number:02d} — {title}\n\n"
            "**Learning goals.** After this notebook you can\n"
            "- state the goal of this week in one sentence (replace these bullets);\n"
            "- implement `mean_squared_error` and check it against PyTorch.\n\n"
            "**Grading.** Autograded exercises are checked by visible tests (below each exercise) and by hidden "
            "tests that run only when your submission is graded. Written answers are graded by a tutor. "
            "Points: 3 autograded + 1 written = 4.\n\n"
            "**Time.** About 30 minutes."
        ),
        new_code_cell(
            "import torch\n"
            "import torch.nn.functional as F\n\n"
            "from helpers import budget, describe_device, get_device, seed_everything\n"
            "from helpers.checks import assert_close, assert_tensor\n\n"
            "SEED = seed_everything(0)\n"
            "DEVICE = get_device()\n"
            "BUDGET = budget(full={\"epochs\": 20}, grading={\"epochs\": 2})\n"
            "print(f\"device: {describe_device(DEVICE)} | budget: {dict(BUDGET)}\")",
            metadata=_meta(grade=False, solution=False, locked=True, grade_id="setup"),
        ),
        new_markdown_cell(
            "## 1. Mean squared error\n\n"
            "For predictions $\\hat y \\in \\mathbb{R}^N$ and targets $y \\in \\mathbb{R}^N$,\n"
            "$$\\mathrm{MSE}(\\hat y, y) = \\frac{1}{N} \\sum_{i=1}^N (\\hat y_i - y_i)^2 .$$\n\n"
            "**Exercise (3 points).** Implement `mean_squared_error` without `torch.nn.functional`."
        ),
        new_code_cell(
            "def mean_squared_error(prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:\n"
            "    \"\"\"Mean of the squared differences.\n\n"
            "    Args:\n"
            "        prediction: float tensor of any shape.\n"
            "        target: float tensor of the same shape.\n"
            "    Returns:\n"
            "        A scalar float tensor (shape []).\n"
            "    \"\"\"\n"
            "    ### BEGIN SOLUTION\n"
            "    return ((prediction - target) ** 2).mean()\n"
            "    ### END SOLUTION",
            metadata=_meta(grade=False, solution=True, locked=False, grade_id="mean_squared_error"),
        ),
        new_code_cell(
            "prediction, target = torch.tensor([1.0, 2.0, 4.0]), torch.tensor([1.0, 0.0, 1.0])\n"
            "result = mean_squared_error(prediction, target)\n"
            "assert_tensor(result, \"mean_squared_error(...)\", shape=[])\n"
            "assert_close(result, torch.tensor(13.0 / 3), \"mean_squared_error(...)\",\n"
            "             hint=\"divide the sum of squares by the number of elements\")\n"
            "### BEGIN HIDDEN TESTS\n"
            "hidden_prediction, hidden_target = torch.randn(4, 5, dtype=torch.float64), torch.randn(4, 5, dtype=torch.float64)\n"
            "assert_close(mean_squared_error(hidden_prediction, hidden_target), F.mse_loss(hidden_prediction, hidden_target), \"MSE of a matrix\")\n"
            "### END HIDDEN TESTS",
            metadata=_meta(grade=True, solution=False, locked=True, points=3, grade_id="test_mean_squared_error"),
        ),
        new_markdown_cell(
            "**Question (1 point).** Why does the MSE punish one large error more than several small ones of the same total size?",
            metadata=_meta(grade=False, solution=False, locked=True, grade_id="question_mse"),
        ),
        new_markdown_cell(
            "Squaring grows faster than linearly: one error of 3 costs 9, three errors of 1 cost 3.",
            metadata=_meta(grade=True, solution=True, locked=False, points=1, grade_id="written_mse"),
        ),
        new_markdown_cell("## Summary\n\nWhat the week showed, and where to read more (book chapter, original paper)."),
    ]
    nb = new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nb.metadata["language_info"] = {"name": "python"}
    return nb


WRONG_TEMPLATE = '''"""Wrong answers for {week}: each must lose points on its exercise's tests (see AUTHORING.md)."""

WRONG_ANSWERS = {{
    "mean_squared_error": {{
        "sum instead of mean": (
            "def mean_squared_error(prediction, target):\\n"
            "    return ((prediction - target) ** 2).sum()\\n"
        ),
        "absolute instead of squared error": (
            "def mean_squared_error(prediction, target):\\n"
            "    return (prediction - target).abs().mean()\\n"
        ),
    }},
}}
'''


def new_week(cfg: CourseConfig, week: str, title: str) -> list[Path]:
    """Create ``source/<week>/<week>.ipynb`` and its wrong-answer fixture; return the new files."""
    if not WEEK_PATTERN.match(week):
        raise ValueError(f"week id {week!r} must look like '14-graph-networks': two digits, a dash, lower-case words joined by dashes")
    if week in cfg.weeks() or (cfg.source / week).exists():
        raise FileExistsError(f"source/{week} already exists")
    taken = [w for w in cfg.weeks() if w[:2] == week[:2]]
    if taken:
        raise FileExistsError(f"week number {week[:2]} is already used by {taken[0]}")
    fixture = cfg.wrong_answers / f"{week}.py"
    if fixture.exists():
        raise FileExistsError(f"{fixture} already exists")
    folder = cfg.source / week
    folder.mkdir(parents=True)
    notebook = folder / f"{week}.ipynb"
    nbformat.write(week_template(week, title or week[3:].replace("-", " ").capitalize()), str(notebook))
    fixture.parent.mkdir(parents=True, exist_ok=True)
    fixture.write_text(WRONG_TEMPLATE.format(week=week))
    return [notebook, fixture]
