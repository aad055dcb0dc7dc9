"""Find solution code, hidden tests and model answers where students can read them."""
from __future__ import annotations

import re
from pathlib import Path

from nbformat import NotebookNode

from .notebooks import NotebookError, grade_cells, read_notebook

__all__ = ["MARKERS", "secret_lines", "public_lines", "secret_runs", "find_leaks", "find_copied_runs"]

MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_REGION = re.compile(r"^\s*#+\s*BEGIN (SOLUTION|HIDDEN TESTS)\s*$(.*?)^\s*#+\s*END \1\s*$", re.M | re.S)
# Lines shorter than this are too generic to call a leak (``return x``, ``pass``).
MIN_SECRET_LENGTH = 12


def _split_regions(source: str) -> tuple[list[str], list[str]]:
    secret = [line for match in _REGION.finditer(source) for line in match.group(2).splitlines()]
    public = _REGION.sub("", source).splitlines()
    return secret, public


def secret_lines(nb: NotebookNode) -> set[str]:
    """Distinctive lines that only the instructor's version has.

    A line counts when it lies inside a solution or hidden-test block (or in a written
    answer's model text), is at least ``MIN_SECRET_LENGTH`` characters long stripped, and
    appears nowhere else in the notebook (so ``import torch`` in both places is no leak).
    """
    secret: set[str] = set()
    public: set[str] = set()
    written = {c.index for c in grade_cells(nb) if c.kind in ("written", "task")}
    for index, cell in enumerate(nb.cells):
        if index in written:
            secret.update(cell.source.splitlines())
            continue
        s, p = _split_regions(cell.source)
        secret.update(s)
        public.update(p)
    normal = lambda lines: {ln.strip() for ln in lines if len(ln.strip()) >= MIN_SECRET_LENGTH}  # noqa: E731
    return normal(secret) - normal(public)


def _file_lines(path: Path) -> list[str] | None:
    if path.suffix == ".ipynb":
        try:
            nb = read_notebook(path)
        except NotebookError:
            return None
        return [line for cell in nb.cells for line in cell.source.splitlines()]
    try:
        return path.read_text(encoding="utf-8").splitlines()
    except (UnicodeDecodeError, OSError):
        return None  # binary files (images, archives) hold no code


def find_leaks(folder: Path, secrets: set[str]) -> list[str]:
    """Problems, one per file that shows a marker or a secret line."""
    problems = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        lines = _file_lines(path)
        if lines is None:
            continue
        rel = path.relative_to(folder).as_posix()
        markers = sorted({m for m in MARKERS for line in lines if m in line})
        if markers:
            problems.append(f"{rel}: contains the marker(s) {markers}")
        leaked = sorted(secrets & {line.strip() for line in lines})
        if leaked:
            problems.append(f"{rel}: shows {len(leaked)} line(s) of solution or hidden test, e.g. {leaked[0][:60]!r}")
    return problems


def public_lines(nb: NotebookNode) -> set[str]:
    """Stripped lines students see in this notebook (outside solution and hidden-test blocks)."""
    written = {c.index for c in grade_cells(nb) if c.kind in ("written", "task")}
    public: set[str] = set()
    for index, cell in enumerate(nb.cells):
        if index not in written:
            public.update(line.strip() for line in _split_regions(cell.source)[1])
    return public


RUN = 3  # consecutive lines of one solution block that make a copy, not a coincidence


def secret_runs(nb: NotebookNode, run: int = RUN) -> set[tuple[str, ...]]:
    """Every ``run`` consecutive non-blank lines of each solution / hidden-test block (stripped)."""
    runs: set[tuple[str, ...]] = set()
    for cell in nb.cells:
        for match in _REGION.finditer(cell.source):
            lines = [ln.strip() for ln in match.group(2).splitlines() if ln.strip() and not ln.strip().startswith("#")]
            if 2 <= len(lines) < run:
                runs.add(tuple(lines))  # a short solution copied whole is a copy too
            runs.update(tuple(lines[i:i + run]) for i in range(len(lines) - run + 1))
    return runs


def find_copied_runs(folder: Path, runs: set[tuple[str, ...]], public: set[str], run: int = RUN) -> list[str]:
    """Files outside the release (helpers, docs) that repeat ``run`` consecutive lines of a solution.

    A single line such as ``loss.backward()`` is in many solutions and in any training loop;
    a copied solution shows up as a run of its lines. Lines students already see somewhere in
    the course are no secret and never count.
    """
    problems = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        lines = _file_lines(path)
        if lines is None:
            continue
        rel = path.relative_to(folder).as_posix()
        markers = sorted({m for m in MARKERS for line in lines if m in line})
        if markers:
            problems.append(f"{rel}: contains the marker(s) {markers}")
        code = [ln.strip() for ln in lines if ln.strip() and not ln.strip().startswith("#")]
        hits = [code[i:i + n] for n in range(2, run + 1) for i in range(len(code) - n + 1)
                if tuple(code[i:i + n]) in runs and not all(ln in public for ln in code[i:i + n])]
        if hits:
            problems.append(f"{rel}: repeats {len(hits)} run(s) of solution lines, e.g. {hits[0][0][:60]!r}")
    return problems
