"""Feedback HTML for students without the hidden tests (nbgrader's ``generate_feedback`` shows them, #917).

An autograded notebook holds the hidden tests: nbgrader restores every test cell's full
source before it runs the submission, and the kernel's outputs may quote them (tracebacks
print the failing lines; a student's code can print ``In`` or inspect the calling cell).
``redact_hidden_tests`` removes them from a copy of the notebook; ``feedback_html`` renders
that copy with nbgrader's own feedback template and the scores from the gradebook, and
refuses to return HTML in which a hidden line can still be found.

A line search cannot catch hidden source that a student's code re-encodes (reversed,
base64, drawn into an image), nor hidden *values* it prints; that is why the outputs of
cells with hidden tests are withheld by default.
"""
from __future__ import annotations

import copy
import html as html_lib
import json
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import nbformat
from nbformat import NotebookNode
from nbgrader.api import MissingEntry
from nbgrader.preprocessors import ClearHiddenTests, GetGrades

from .leaks import MIN_SECRET_LENGTH
from .notebooks import grade_cells, read_notebook
from .results import open_gradebook

__all__ = [
    "HIDDEN_PLACEHOLDER",
    "REMOVED_LINES",
    "HiddenTestLeak",
    "HiddenLines",
    "hidden_lines",
    "redact_hidden_tests",
    "check_no_hidden_lines",
    "feedback_html",
    "feedback_path",
    "write_feedback",
]

HIDDEN_PLACEHOLDER = "# hidden tests (not shown)"
REMOVED_LINES = "[hidden test lines removed]"
HIDDEN_OUTPUT = "[output of a cell with hidden tests is not shown]\n"
# nbgrader's own delimiters, so a course that configures other ones changes them in one place.
BEGIN = ClearHiddenTests.begin_test_delimeter.default_value
END = ClearHiddenTests.end_test_delimeter.default_value

_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
# A traceback line: optional arrow, the line number, then the code ("----> 8 assert ...").
_GUTTER = re.compile(r"^\s*(?:-*>)?\s*\d+\s?")
# Files copied next to the feedback so that ``nbgrader release_feedback`` finds the submission.
RELEASE_FILES = ("timestamp.txt", "submission_secret.txt")


class HiddenTestLeak(RuntimeError):
    """Rendered feedback still shows a hidden-test line; nothing is written."""


def _split(source: str, begin: str, end: str) -> tuple[str, list[str], bool]:
    """(source with each hidden region replaced by the placeholder, hidden lines, found any).

    Follows nbgrader's ``ClearHiddenTests``: a line *containing* the delimiter opens or
    closes a region. An unclosed region hides everything to the end of the cell.
    """
    kept: list[str] = []
    hidden: list[str] = []
    inside = found = False
    for line in source.split("\n"):
        if begin in line and not inside:
            inside = found = True
            indent = line[: len(line) - len(line.lstrip())]
            kept.append(indent + HIDDEN_PLACEHOLDER)
            hidden.append(line)  # a delimiter in an output means the source is being quoted
        elif end in line and inside:
            inside = False
            hidden.append(line)
        elif inside:
            hidden.append(line)
        else:
            kept.append(line)
    return "\n".join(kept), hidden, found


def _variants(line: str) -> set[str]:
    """How a source line looks when printed inside a Python repr, as JSON or inside HTML."""
    out = {
        line,
        repr(line)[1:-1],
        repr(line + "'\"")[1:-4],  # inside a string that holds both quotes, ' is escaped
        json.dumps(line)[1:-1],
        json.dumps(line, ensure_ascii=False)[1:-1],
    }
    out |= {html_lib.escape(v, quote=q) for v in list(out) for q in (True, False)}
    return out


@dataclass
class HiddenLines:
    """The hidden-test lines of a notebook, ready to be searched for in outputs.

    ``distinctive`` lines (at least ``MIN_SECRET_LENGTH`` characters, found nowhere outside
    a hidden region) are searched for anywhere, in every escaped form; ``short`` ones only
    as whole lines, and only in an output that already showed a distinctive one, so that a
    hidden ``)`` never blanks unrelated output.
    """

    distinctive: set[str] = field(default_factory=set)
    short: set[str] = field(default_factory=set)
    patterns: set[str] = field(default_factory=set)

    @classmethod
    def of(cls, hidden: Iterable[str], public: Iterable[str] = ()) -> "HiddenLines":
        public_set = {ln.strip() for ln in public}
        lines = {ln.strip() for ln in hidden} - public_set - {""}
        distinctive = {ln for ln in lines if len(ln) >= MIN_SECRET_LENGTH}
        patterns = set().union(*(_variants(ln) for ln in distinctive)) if distinctive else set()
        return cls(distinctive, lines - distinctive, patterns)

    def __bool__(self) -> bool:
        return bool(self.distinctive or self.short)

    def found_in(self, text: str) -> str | None:
        """The first distinctive hidden line that ``text`` shows, in any escaped form."""
        plain = _ANSI.sub("", text)
        for pattern in self.patterns:
            if pattern in plain:
                return pattern
        return None

    def scrub(self, text: str) -> tuple[str, bool]:
        """``text`` without the lines that show hidden tests; True when something was removed."""
        lines = text.splitlines(keepends=True)
        plain = [_ANSI.sub("", ln) for ln in lines]
        drop = [self.found_in(p) is not None for p in plain]
        if not any(drop):
            return text, False
        # This output quotes hidden tests: drop its short hidden lines too (whole lines only).
        for i, p in enumerate(plain):
            bare = _GUTTER.sub("", p, count=1).strip()
            if p.strip() in self.short or bare in self.short:
                drop[i] = True
        out: list[str] = []
        for i, line in enumerate(lines):
            if not drop[i]:
                out.append(line)
            elif i == 0 or not drop[i - 1]:
                out.append(REMOVED_LINES + ("\n" if line.endswith("\n") else ""))
        return "".join(out), True


def hidden_lines(nb: NotebookNode, extra_sources: Iterable[str] = (), *, begin: str = BEGIN, end: str = END) -> HiddenLines:
    """Hidden-test lines of the notebook's test cells and of ``extra_sources`` (e.g. the
    gradebook's copy of the instructor's cells), minus lines that are public anyway."""
    hidden: list[str] = []
    public: list[str] = []
    tests = {c.index for c in grade_cells(nb) if c.kind == "test"}
    for index, cell in enumerate(nb.cells):
        kept, secret, _ = _split(cell.get("source", ""), begin, end)
        if index in tests:  # a region in a student's own cell hides nothing of the instructor's
            hidden += secret
        public += kept.splitlines()
    for source in extra_sources:
        _, secret, _ = _split(source or "", begin, end)
        hidden += secret
    return HiddenLines.of(hidden, public)


def _text(value) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def _scrub_output(output: NotebookNode, secrets: HiddenLines) -> NotebookNode:
    """One output of any cell with hidden-test lines removed (a copy)."""
    out = copy.deepcopy(output)
    kind = out.get("output_type")
    if kind == "stream":
        out["text"] = secrets.scrub(_text(out.get("text", "")))[0]
    elif kind in ("display_data", "execute_result"):
        data = out.get("data", {})
        for mime in list(data):
            value = data[mime]
            if mime == "text/plain":
                data[mime] = secrets.scrub(_text(value))[0]
            elif mime.startswith("image/") and mime != "image/svg+xml":
                continue  # base64 pixels: no text to search
            else:
                text = json.dumps(value) if isinstance(value, (dict, list)) and mime.endswith("json") else _text(value)
                if secrets.found_in(text):
                    del data[mime]  # rich formats cannot lose single lines safely: drop the format
        if not data:
            data["text/plain"] = REMOVED_LINES
        out["data"] = data
    elif kind == "error":
        out["evalue"] = secrets.scrub(str(out.get("evalue", "")))[0]
        out["traceback"] = [secrets.scrub(frame)[0] for frame in out.get("traceback", [])]
    return out


def _summary_error(output: NotebookNode, secrets: HiddenLines) -> NotebookNode:
    """An error output of a test cell: the traceback (which quotes the test) becomes one line."""
    out = copy.deepcopy(output)
    evalue = secrets.scrub(str(out.get("evalue", "")))[0]
    out["evalue"] = evalue
    ename = out.get("ename", "Error")
    out["traceback"] = [f"{ename}: {evalue}" if evalue else ename]
    return out


def redact_hidden_tests(
    nb: NotebookNode,
    *,
    extra_sources: Iterable[str] = (),
    keep_hidden_cell_output: bool = False,
    begin: str = BEGIN,
    end: str = END,
) -> NotebookNode:
    """A copy of ``nb`` that shows no hidden test; ``nb`` itself is left as it was.

    * test cells: each hidden region becomes ``# hidden tests (not shown)``; an error's
      traceback becomes the one line ``ename: evalue`` (the evalue is the readable message).
    * test cells with a hidden region: their other outputs are dropped unless
      ``keep_hidden_cell_output``, because the student's code ran under the hidden tests and
      may have printed their inputs (values no line search can recognise).
    * every output of every cell: lines that quote hidden-test source are removed.
    * notebook metadata: the saved widget state (free-form, rendered into the page) is dropped.
    """
    out = copy.deepcopy(nb)
    secrets = hidden_lines(out, extra_sources, begin=begin, end=end)
    tests = {c.index for c in grade_cells(out) if c.kind == "test"}
    for index, cell in enumerate(out.cells):
        # Every cell, not only test cells: a test cell whose metadata the submission broke
        # still loses its hidden region.
        cell.source, _, had_hidden = _split(cell.get("source", ""), begin, end)
        if cell.get("cell_type") != "code":
            continue
        outputs = []
        for output in cell.get("outputs", []):
            if index in tests and output.get("output_type") == "error":
                outputs.append(_summary_error(output, secrets))
            elif had_hidden and not keep_hidden_cell_output:
                if not any(o.get("text") == HIDDEN_OUTPUT for o in outputs):
                    outputs.append(nbformat.v4.new_output("stream", name="stdout", text=HIDDEN_OUTPUT))
            else:
                outputs.append(_scrub_output(output, secrets))
        cell.outputs = outputs
    out.metadata.pop("widgets", None)
    return out


# --- rendering ----------------------------------------------------------------------------------


class _ReadGrades(GetGrades):
    """nbgrader's ``GetGrades`` on a gradebook we opened read-only with the right course id
    (its own ``preprocess`` opens the database with nbgrader's default course id and may
    write a course row)."""

    def __init__(self, gradebook, **kwargs):
        super().__init__(**kwargs)
        self._gb = gradebook

    def preprocess(self, nb, resources):
        info = resources["nbgrader"]
        self.notebook_id, self.assignment_id, self.student_id = info["notebook"], info["assignment"], info["student"]
        self.gradebook = self._gb
        nb, resources = super(GetGrades, self).preprocess(nb, resources)
        notebook = self._gb.find_submission_notebook(self.notebook_id, self.assignment_id, self.student_id)
        penalty = notebook.late_submission_penalty or 0
        info.update(score=notebook.score - penalty, max_score=notebook.max_score, late_penalty=penalty)
        return nb, resources

    def preprocess_cell(self, cell, resources, index):
        try:
            return super().preprocess_cell(cell, resources, index)
        except MissingEntry:
            # nbgrader metadata the gradebook does not know (added by the student): show the
            # cell as a plain cell rather than fail the whole page.
            cell.metadata.pop("nbgrader", None)
            return cell, resources


def _exporter():
    """nbconvert's HTMLExporter set up as nbgrader's ``GenerateFeedback`` sets it up."""
    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from traitlets.config import Config

    base = Path(nbgrader.__file__).parent / "server_extensions" / "formgrader"
    c = Config()
    c.HTMLExporter.template_name = "feedback"
    c.HTMLExporter.extra_template_basedirs = [str(base / "templates")]
    c.HTMLExporter.extra_template_paths = [str(base / "static" / "node_modules" / "bootstrap" / "dist" / "css")]
    # Student-made HTML/JS outputs are shown as text, not run, when a tutor opens the page.
    c.HTMLExporter.sanitize_html = True
    c.HTMLExporter.preprocessors = ["nbconvert.preprocessors.CSSHTMLHeaderPreprocessor"]
    return HTMLExporter(config=c)


def _page_text(page: str) -> str:
    """The page as a reader (or a search) sees it: tags removed, entities decoded."""
    return html_lib.unescape(re.sub(r"<[^>]*>", "", page))


def check_no_hidden_lines(page: str, secrets: HiddenLines) -> None:
    """Raise ``HiddenTestLeak`` when the page shows a distinctive hidden line anywhere."""
    for text in (page, html_lib.unescape(page), _page_text(page)):
        found = secrets.found_in(text)
        if found:
            raise HiddenTestLeak(f"the feedback would show the hidden-test line {found[:60]!r}; not written")


def feedback_html(
    autograded_nb: NotebookNode,
    *,
    db_url: str,
    course_id: str,
    assignment: str,
    student: str,
    notebook_name: str,
    keep_hidden_cell_output: bool = False,
) -> str:
    """The student's feedback page: nbgrader's feedback template over the redacted notebook,
    with each graded cell's score, the total and any late penalty read from the gradebook.

    The instructor's cells as the gradebook stored them at release also feed the hidden-line
    search, so a test cell whose source the submission mangled is still recognised.
    """
    with open_gradebook(db_url, course_id) as gb:
        try:
            gb.find_submission_notebook(notebook_name, assignment, student)
        except MissingEntry:
            raise ValueError(f"the gradebook has no graded {assignment}/{notebook_name} of {student}; autograde it first") from None
        sources = [cell.source for cell in gb.find_notebook(notebook_name, assignment).source_cells]
        redacted = redact_hidden_tests(autograded_nb, extra_sources=sources, keep_hidden_cell_output=keep_hidden_cell_output)
        resources = {
            "unique_key": notebook_name,
            "nbgrader": {"notebook": notebook_name, "assignment": assignment, "student": student, "db_url": db_url},
        }
        redacted, resources = _ReadGrades(gb).preprocess(redacted, resources)
    page, _ = _exporter().from_notebook_node(redacted, resources)
    check_no_hidden_lines(page, hidden_lines(autograded_nb, sources))
    return page


def feedback_path(feedback_root: Path, student: str, assignment: str, notebook_name: str) -> Path:
    """``feedback/<student>/<assignment>/<notebook>.html``, nbgrader's layout, so that
    ``nbgrader release_feedback`` can hand the files out."""
    return Path(feedback_root) / student / assignment / f"{notebook_name}.html"


def _atomic_write(path: Path, text: str, mode: int = 0o644) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)  # students read it through the exchange
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_feedback(
    autograded: Path | NotebookNode,
    feedback_root: Path,
    *,
    db_url: str,
    course_id: str,
    assignment: str,
    student: str,
    notebook_name: str | None = None,
    keep_hidden_cell_output: bool = False,
) -> Path:
    """Render and atomically write one notebook's feedback; return its path.

    Given the autograded notebook's path, the name defaults to its stem and the submission's
    ``timestamp.txt`` and ``submission_secret.txt`` are copied beside the page, as nbgrader's
    ``generate_feedback`` does (``release_feedback`` needs them). No other file of the
    submission is copied: it could be anything the student put there.
    """
    source_dir = None
    if isinstance(autograded, (str, Path)):
        path = Path(autograded)
        source_dir, nb = path.parent, read_notebook(path)
        notebook_name = notebook_name or path.stem
    else:
        nb = autograded
    if not notebook_name:
        raise ValueError("notebook_name is required when a notebook (not a path) is given")
    page = feedback_html(
        nb, db_url=db_url, course_id=course_id, assignment=assignment, student=student,
        notebook_name=notebook_name, keep_hidden_cell_output=keep_hidden_cell_output,
    )
    target = feedback_path(feedback_root, student, assignment, notebook_name)
    _atomic_write(target, page)
    if source_dir is not None:
        for name in RELEASE_FILES:
            if (source_dir / name).is_file():
                shutil.copyfile(source_dir / name, target.parent / name)
    return target
