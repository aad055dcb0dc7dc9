"""``course bundle``: the folder (and zip) students get, and nothing else.

Contents: ``release/``, ``helpers/``, ``environment.yml``, ``requirements.txt``, a
``pyproject.toml`` that installs only ``helpers``, and a student README. The bundle is
scanned for solution lines, hidden tests and model answers before it is kept.
"""
from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

from .config import CourseConfig
from .leaks import find_copied_runs, find_leaks, public_lines, secret_lines, secret_runs
from .notebooks import read_notebook, week_notebooks

__all__ = ["BundleError", "make_bundle", "STUDENT_FILES"]

STUDENT_FILES = ("environment.yml", "requirements.txt")
_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "checkpoints", "data")

STUDENT_PYPROJECT = """[build-system]
requires = ["setuptools>=61"]
build-backend = "setuptools.build_meta"

[project]
name = "deep-learning-helpers"
version = "{version}"
description = "Helpers for the Deep Learning course notebooks: devices, data, training loop, plots, checks"
requires-python = ">=3.10"
dependencies = ["torch>=2.1", "numpy>=1.24", "matplotlib>=3.7", "tqdm>=4.60"]

[tool.setuptools.packages.find]
include = ["helpers*"]
"""

STUDENT_NBGRADER_CONFIG = """# Read by nbgrader's Validate button: it runs your notebook with the grader's settings.
c = get_config()  # noqa: F821
c.Execute.timeout = {timeout}
c.Execute.interrupt_on_timeout = True
c.Execute.skip_cells_with_tag = {skip!r}
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = {pattern!r}
"""


def student_nbgrader_config(cfg: CourseConfig) -> str:
    """The grading-relevant settings of the course's nbgrader_config.py, for Validate (one source of truth)."""
    execute, ignore = cfg.config.Execute, cfg.config.IgnorePattern
    return STUDENT_NBGRADER_CONFIG.format(
        timeout=int(execute.get("timeout", 180)), skip=execute.get("skip_cells_with_tag", "skip-execution"),
        pattern=ignore.get("pattern", r"\[.*\]"))


STUDENT_README = """# Deep Learning — homework notebooks

One folder per week in `release/`. Work in groups of 2–3; each group submits one notebook per week.

## Set up once

With conda (recommended):

    conda env create -f environment.yml
    conda activate deep-learning

With plain pip (Python 3.11):

    python3 -m venv .venv && . .venv/bin/activate
    pip install -r requirements.txt -e .

Both install PyTorch, JupyterLab with nbgrader's validate button, and the course's `helpers`
package. A GPU is used automatically when PyTorch finds one (CUDA or Apple MPS); set
`DL_DEVICE=cpu` to force the CPU. Nothing is downloaded while you work: every dataset ships
with the installed packages.

## Each week

1. `jupyter lab`, then open `release/<week>/<week>.ipynb`.
2. Run the setup cell first. Fill in every cell that says `# YOUR CODE HERE` (delete the
   `raise NotImplementedError()` line) or `YOUR ANSWER HERE`.
3. Run the test cell under each exercise. A failing test prints what it expected, what your
   code returned, and often the likely mistake. Passing the visible tests is necessary, not
   sufficient: hidden tests check more cases when your notebook is graded.
4. Before you submit: *Kernel → Restart Kernel and Run All Cells*, then press **Validate**
   in the notebook toolbar (or run `nbgrader validate release/<week>/<week>.ipynb`).
5. Submit the `.ipynb` file as your course instructs (JupyterHub *Assignments* tab or the
   learning platform). Do not rename it, do not copy cells, and do not delete or edit test
   cells — the grader restores them.

## Good to know

- Grading runs your notebook on a CPU with a small training budget; the notebook chooses it
  for you (`helpers.budget`). Results you see with the full budget will be better.
- Trained models are saved under `checkpoints/` and reloaded instead of retrained; delete
  that folder to train again. The grader never uses your checkpoints.
- Optional full datasets (MNIST, FashionMNIST, CIFAR-10) are read from `DL_DATA_DIR`
  (default `./data`); see `helpers.data.torchvision_dataset`.
- JupyterLab also shows nbgrader's staff tools (Formgrader, Course List, the Create
  Assignment sidebar). You do not need them; to hide them in this environment run

      jupyter labextension disable @jupyter/nbgrader:formgrader @jupyter/nbgrader:course-list @jupyter/nbgrader:create-assignment

  and reload the page. Validate keeps working.
"""


class BundleError(Exception):
    """The bundle could not be made, or would leak."""


def make_bundle(cfg: CourseConfig, out: Path, make_zip: bool = True) -> tuple[Path, Path | None]:
    """Write the student folder at ``out`` (replacing it) and ``out.zip``; return both paths."""
    from . import __version__

    out = Path(out).resolve()
    if out == cfg.root or cfg.root in out.parents and out.parts[len(cfg.root.parts)] in ("source", "release", "helpers", "course", "tests"):
        raise BundleError(f"refusing to write the bundle into {out}: choose a new folder such as bundle/")
    missing = [w for w in cfg.weeks() if not week_notebooks(cfg.release / w)]
    if missing:
        raise BundleError(f"no release for week(s) {', '.join(missing)}: run `course release` first")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for week in cfg.weeks():
        shutil.copytree(cfg.release / week, out / "release" / week, ignore=_IGNORE)
    shutil.copytree(cfg.root / "helpers", out / "helpers", ignore=_IGNORE)
    for name in STUDENT_FILES:
        shutil.copy2(cfg.root / name, out / name)
    (out / "pyproject.toml").write_text(STUDENT_PYPROJECT.format(version=__version__))
    (out / "README.md").write_text(STUDENT_README)
    (out / "nbgrader_config.py").write_text(student_nbgrader_config(cfg))

    # Each release against its own week's secrets (as `course check` does): a line that is
    # secret in one week may be public in another. Everything else (helpers, docs) is checked
    # for copied runs of solution lines, which generic lines like `loss.backward()` never make.
    leaks: list[str] = []
    runs: set[tuple[str, ...]] = set()
    public: set[str] = set()
    for week in cfg.weeks():
        secrets: set[str] = set()
        for path in week_notebooks(cfg.source / week):
            nb = read_notebook(path)
            secrets |= secret_lines(nb)
            runs |= secret_runs(nb)
            public |= public_lines(nb)
        leaks += [f"release/{week}/{problem}" for problem in find_leaks(out / "release" / week, secrets)]
    staging = out.parent / f".{out.name}.others"
    shutil.rmtree(staging, ignore_errors=True)
    (out / "release").rename(staging)  # check the rest of the bundle without the releases
    try:
        leaks += find_copied_runs(out, runs, public)
    finally:
        staging.rename(out / "release")
    if leaks:
        shutil.rmtree(out)
        raise BundleError("the bundle would leak solutions, so it was not written: " + "; ".join(leaks))

    archive = None
    if make_zip:
        archive = out.with_suffix(".zip")
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(out.rglob("*")):
                if path.is_file():
                    zf.write(path, Path(out.name) / path.relative_to(out))
    return out, archive
