"""nbgrader configuration of the course. Every setting says why it differs from nbgrader's default.

nbgrader reads this file from the current directory; the course tooling (``course ...``)
reads it too, so no path, timeout or limit is written down in two places.
"""
import os
from datetime import datetime, timedelta
from pathlib import Path

c = get_config()  # noqa: F821  (provided by traitlets when it loads this file)

ROOT = Path(__file__).resolve().parent

# --- Course and directories -----------------------------------------------------------------
# The course id names the exchange folder on a JupyterHub; keep it stable across terms.
c.CourseDirectory.course_id = "deep-learning"
# The repository itself is the nbgrader course directory: source/, release/, submitted/,
# autograded/ and feedback/ live at its top level, whatever the current directory is.
c.CourseDirectory.root = str(ROOT)
# The gradebook: sqlite in the course root by default (git-ignored, it holds personal data).
# Any SQLAlchemy URL works, e.g. DL_GRADEBOOK_URL=postgresql://grader@db/deep_learning.
c.CourseDirectory.db_url = os.environ.get("DL_GRADEBOOK_URL", f"sqlite:///{ROOT / 'gradebook.db'}")
# Checkpoints and data written while a student runs a notebook are never part of a release
# or a submission that gets copied around.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "checkpoints", "data"]

# --- Assignments: one per week, due weekly through the winter term --------------------------
# Every folder source/NN-topic/ is an assignment. Week NN is due FIRST_DUE + (NN - 1) weeks;
# the tooling registers these due dates in the gradebook when it releases or grades a week.
FIRST_DUE = datetime(2026, 10, 27, 23, 59)  # Tuesday of the first lecture week + 1 week
WEEKS = sorted(p.name for p in (ROOT / "source").glob("[0-9][0-9]-*") if p.is_dir())
c.Course.due_dates = {week: (FIRST_DUE + timedelta(weeks=int(week[:2]) - 1)).isoformat() for week in WEEKS}

# --- Student version (generate_assignment) ---------------------------------------------------
# nbgrader's default stubs, written out so that the quality gate and the authoring guide can
# rely on them: a stub raises, so an unanswered exercise fails its tests loudly.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
# Releases are committed: they must carry no outputs from the instructor's run.
c.ClearOutput.enabled = True

# --- Execution (validate and autograde) ------------------------------------------------------
# nbgrader's 30 s default kills a training cell on a slow grading machine. Under grading every
# notebook uses the small budget (about a minute in all), so 180 s per cell only stops a cell
# that hangs or loops, with room for a machine 3x slower than the course's reference CPU.
c.Execute.timeout = 180
# Interrupt a cell that times out (and go on with the next) instead of failing the notebook.
c.Execute.interrupt_on_timeout = True
# nbclient skips cells tagged 'skip-execution' by default: a tagged test cell would then keep
# no output and score full points with a wrong answer. No real tag has this name, so nothing
# is ever skipped.
c.Execute.skip_cells_with_tag = "nbgrader-course-never-skip-any-cell"
# Any stderr output in a test cell scores 0, and PyTorch, NumPy and matplotlib print warnings to
# stderr. Drop stderr outputs that are warnings; real failures are 'error' outputs and stay.
c.IgnorePattern.enabled = True
c.IgnorePattern.pattern = r"(?:\w*Warning: |\[W\d* |\[W [A-Za-z]|UserWarning|DeprecationWarning|FutureWarning)"

# --- Grading ---------------------------------------------------------------------------------
# A student who deletes a test cell gets it back and graded, instead of a cell stuck at
# "needs manual grading".
c.OverwriteCells.add_missing_cells = True
# Bound what one submission can store in the gradebook and show to the tutor.
c.LimitOutput.max_lines = 200
c.LimitOutput.max_traceback = 40

# --- Quality gate (course check) -------------------------------------------------------------
# A week must autograde within this many seconds on the course's 2-core reference CPU ...
c.Course.grading_time_limit = 60
# ... and a student's full run (full budget) must finish within 10 minutes on the same CPU.
c.Course.student_time_limit = 600
# Wrong answers live with the tests, never in source/ (nbgrader copies source/<week>/ into the release).
c.Course.wrong_answers_dir = "tests/notebooks/wrong_answers"

# --- Autograding submissions (course autograde) ----------------------------------------------
# Kernels graded at once; 0 = one per CPU core (each kernel then gets cores/workers math threads).
c.Course.autograde_workers = 0
# Limits of the sandbox around every grading kernel (course.sandbox.Limits has the defaults and
# says why). A week needs ~1 minute and well under 2 GB under the grading budget; these stop
# what a broken or hostile submission does without cutting off a slow but honest one.
c.Course.sandbox_limits = {
    "wall_timeout_s": 600,   # one submission, all its cells: then its kernels are killed
}

# Pre-flight caps on what a submission may bring (course.preflight.PreflightLimits has the
# defaults: 20 MB per notebook, 50 extra files / 50 MB); a submission over them is repaired or rejected.
c.Course.preflight_limits = {}

# --- Groups and the exam rule (course report) ------------------------------------------------
# groups.csv (group,student,name,email) holds student ids: personal data, git-ignored.
c.Course.groups_file = "groups.csv"
# A homework passes at score / max_score >= pass_fraction (a dict week -> fraction overrides it) ...
c.Course.pass_fraction = 0.5
# ... and a student may take the exam with all homeworks but this many passed.
c.Course.allowed_failures = 1

# Ingest from an LMS download (`course zip-collect`): files inside the archives are named
# <group id>_<anything>_<notebook>.ipynb, e.g. "g07_12345_assignsubmission_file_01-math-review.ipynb"
# (Moodle's "download all submissions" with the group id as the submitter's first name field).
c.ZipCollectApp.collector_plugin = "nbgrader.plugins.FileNameCollectorPlugin"
c.FileNameCollectorPlugin.named_regexp = r"(?:.*/)?(?P<student_id>[A-Za-z0-9-]+)_(?:[^/]*_)?(?P<file_id>[^/_]+\.ipynb)$"
