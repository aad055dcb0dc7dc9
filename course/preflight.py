"""Pre-flight: check and repair one student's submission folder before any kernel starts.

nbgrader 0.9.6 trusts what it is given: one duplicated ``grade_id`` or an edited
``schema_version`` aborts a whole ``autograde`` batch, a tagged cell may be skipped, and a
``torch.py`` next to the notebook is imported instead of the real module. This step reads
the folder as plain data (no kernel, no import of anything the student wrote), repairs what
is safe to repair, and rejects the submission, with a reason a student understands, when
it is not. It never raises: a broken submission costs that submission, never the batch.

What the caller gets back:

* ``notebooks``: each expected notebook as repaired JSON text, ready for nbgrader's
  sanitize step (it passes ``nbformat.validate`` and nbgrader's metadata validator);
* ``kept_files``: the only extra files that may be copied next to the notebook; anything
  not listed there (``ignored_files``, files past the listing limit) must not be copied.
"""
from __future__ import annotations

import copy
import importlib.machinery
import importlib.util
import json
import keyword
import os
import re
import stat
import sys
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jsonschema
import nbformat
from nbformat import NotebookNode
from nbgrader import utils as nbutils
from nbgrader.nbgraderformat import MetadataValidator

__all__ = ["PreflightLimits", "PreflightResult", "preflight", "shadows_module"]


@dataclass(frozen=True)
class PreflightLimits:
    max_notebook_mb: float = 20  # file size of one .ipynb
    max_output_kb: int = 512  # outputs kept per cell (nbgrader's ClearOutput clears them anyway; this bounds our cost)
    max_attachment_kb: int = 256  # attachments kept per markdown/raw cell
    max_extra_files: int = 50  # extra files copied next to the notebook
    max_extra_mb: float = 50  # their total size
    max_listed_entries: int = 10_000  # folder entries looked at; a folder with more is not listed further


@dataclass
class PreflightResult:
    ok: bool  # False: this submission is rejected (not graded), with `reason`
    reason: str | None
    repairs: list[str]  # what was changed, one human-readable line each
    notebooks: dict[str, str]  # notebook name (no .ipynb) -> repaired notebook JSON text
    ignored_files: list[str]  # extra files (relative paths; a folder ends in "/") never copied to the grading folder
    kept_files: list[str]  # extra files safe to copy next to the notebook (relative paths)
    ignored_why: dict[str, str] = field(default_factory=dict)  # ignored path -> why, for the report


class _Reject(Exception):
    """This submission cannot be graded; the message is the reason shown to the student."""


NBGRADER_KEYS = ("grade", "solution", "locked", "points", "grade_id", "schema_version", "task")
# nbgrader writes this file when it collects a submission; it is bookkeeping, not student data.
TIMESTAMP = "timestamp.txt"
# Files the import system (or a .pth processor) would pick up from the working directory.
_IMPORT_SUFFIXES = tuple(sorted(set(importlib.machinery.all_suffixes()) | {".py", ".pyc", ".pyo", ".pyw", ".pyd", ".so", ".pth"}))
_HOOK_STEMS = {"sitecustomize", "usercustomize", "__init__", "__main__"}
# The course's own packages: always shadowable, even where a stray folder of the same name
# (tests/helpers/, say) makes find_spec answer with a namespace package.
COURSE_MODULES = frozenset({"helpers", "course"})
# Configuration that a library reads from the current directory at import time.
_CWD_CONFIG = {"matplotlibrc"}
_RENAME_DECORATIONS = (
    re.compile(r"^copy\s+of\s+", re.I),  # Google Drive / Colab: "Copy of name"
    re.compile(r"\s*\(\d+\)$"),  # browsers: "name (1)"
    re.compile(r"[-_ ]copy\d*$", re.I),  # Jupyter: "name-Copy1", macOS: "name copy"
)


def preflight(submission_dir: Path, expected: dict[str, NotebookNode], limits: PreflightLimits = PreflightLimits()) -> PreflightResult:
    """Check one submission folder against the source notebooks of its assignment.

    ``expected`` maps each notebook name (without ``.ipynb``) to its source notebook, whose
    cells give the grade_ids, cell types and nbgrader metadata to restore.
    """
    try:
        return _Preflight(Path(submission_dir), expected, limits).run()
    except RecursionError:
        return PreflightResult(False, "a notebook of this submission is nested too deeply to be a notebook", [], {}, [], [])
    except Exception as exc:  # a bug here must cost one submission, never the batch
        return PreflightResult(False, f"pre-flight could not read this submission ({type(exc).__name__}: {exc})", [], {}, [], [])


@lru_cache(maxsize=4096)
def shadows_module(name: str) -> bool:
    """Whether a folder called ``name`` in the working directory could hide a real module.

    True for the standard library and for anything importable here (site-packages, the
    course's ``helpers``). Namespace packages don't count: any folder on ``sys.path``
    makes one, and they never hide a regular module.
    """
    if not name.isidentifier() or keyword.iskeyword(name):
        return False
    if name in sys.stdlib_module_names or name in sys.builtin_module_names or name in COURSE_MODULES:
        return True
    try:
        spec = importlib.util.find_spec(name)
    except Exception:  # a broken finder or a half-installed package: treat as importable
        return True
    return spec is not None and spec.origin not in (None, "namespace")


# --------------------------------------------------------------------------------------------
class _Preflight:
    def __init__(self, root: Path, expected: dict[str, NotebookNode], limits: PreflightLimits):
        self.root = root
        self.expected = expected
        self.limits = limits
        self.repairs: list[str] = []
        self.ignored: dict[str, str] = {}  # relative path -> why

    def run(self) -> PreflightResult:
        try:
            if self.root.is_symlink() or not self.root.is_dir():
                raise _Reject(f"the submission folder {self.root.name} is missing or not a folder")
            top_notebooks, files = self._list_folder()
            matched = self._match_notebooks(top_notebooks)
            notebooks = {name: self._repair(name, path) for name, path in matched.items()}
        except _Reject as exc:
            return self._result(False, str(exc), {}, [])
        claimed = {path.name for path in matched.values()}
        for rel in sorted(top_notebooks):
            if rel not in claimed:
                self.ignored[rel] = "a notebook that is not part of this assignment"
        self._check_timestamp()
        return self._result(True, None, notebooks, self._keep(files))

    def _result(self, ok: bool, reason: str | None, notebooks: dict[str, str], kept: list[str]) -> PreflightResult:
        ignored = sorted(self.ignored)
        return PreflightResult(ok, reason, self.repairs, notebooks, ignored, kept, {rel: self.ignored[rel] for rel in ignored})

    # -- the folder ---------------------------------------------------------------------------
    def _list_folder(self) -> tuple[dict[str, Path], list[tuple[str, int]]]:
        """Top-level notebooks by file name, and candidate extra files with their sizes.

        Nothing is followed: links are ignored (they may point at the gradebook or another
        student's folder), so every path listed lies inside the submission folder.
        """
        notebooks: dict[str, Path] = {}
        files: list[tuple[str, int]] = []
        pending: list[tuple[Path, str]] = [(self.root, "")]
        seen = 0
        while pending:
            folder, prefix = pending.pop()
            try:
                with os.scandir(folder) as it:
                    entries = sorted(it, key=lambda e: e.name)
            except OSError:
                self.ignored[prefix or "./"] = "an unreadable folder"
                continue
            for entry in entries:
                seen += 1
                if seen > self.limits.max_listed_entries:
                    self.repairs.append(f"the folder holds more than {self.limits.max_listed_entries} entries; the rest was not looked at (and is not copied)")
                    return notebooks, files
                rel = prefix + _printable(entry.name)
                why = self._why_ignore(entry, rel, top=not prefix)
                if why:
                    self.ignored[rel + ("/" if _is_dir(entry) else "")] = why
                elif _is_dir(entry):
                    pending.append((Path(entry.path), rel + "/"))
                elif not prefix and entry.name.lower().endswith(".ipynb"):
                    notebooks[entry.name] = Path(entry.path)
                elif not (not prefix and entry.name == TIMESTAMP):
                    files.append((rel, _size(entry)))
        return notebooks, files

    def _why_ignore(self, entry: os.DirEntry, rel: str, top: bool) -> str | None:
        name = entry.name
        if _printable(name) != name:
            return "a file name with unusual characters"
        if entry.is_symlink():
            return "a symbolic link (it may point outside the submission)"
        if name.startswith("."):
            return "a hidden file or folder (e.g. .ipynb_checkpoints)"
        if _is_dir(entry):
            if name == "__pycache__":
                return "compiled Python"
            if _is_package(entry.path):
                return "a Python package (it would be imported instead of the course's modules)"
            if top and shadows_module(name):
                return f"a folder named like the module {name!r} (it would shadow it)"
            return None
        if not entry.is_file(follow_symlinks=False):
            return "not a regular file"
        stem = name.split(".", 1)[0]
        if name.lower().endswith(_IMPORT_SUFFIXES) or stem in _HOOK_STEMS:
            if top and shadows_module(stem):
                return f"Python code named like the module {stem!r} (it would be imported instead)"
            return "Python code or an import hook (only the notebook is graded)"
        if name in _CWD_CONFIG:
            return "a configuration file that a library would read"
        return None

    def _keep(self, files: list[tuple[str, int]]) -> list[str]:
        """Extra files to copy, in name order, up to the count and size caps."""
        kept, total = [], 0
        max_bytes = self.limits.max_extra_mb * 1024 * 1024
        over = []
        for rel, size in sorted(files):
            if len(kept) >= self.limits.max_extra_files or total + size > max_bytes:
                over.append(rel)
                self.ignored[rel] = f"over the cap of {self.limits.max_extra_files} extra files / {self.limits.max_extra_mb:g} MB"
                continue
            kept.append(rel)
            total += size
        if over:
            self.repairs.append(f"copied only the first {len(kept)} extra files ({total / 1e6:.1f} MB); {len(over)} more are over the cap and not copied")
        return kept

    def _check_timestamp(self) -> None:
        path = self.root / TIMESTAMP
        try:
            if not path.is_file() or path.is_symlink():
                return
            text = path.read_bytes()[:200].decode("utf-8", "replace").strip()
            if nbutils.parse_utc(text) is None:
                raise ValueError(text)
        except Exception:
            self.repairs.append(f"{TIMESTAMP} is unreadable; the submission counts as on time")

    # -- which file is which notebook -----------------------------------------------------------
    def _match_notebooks(self, found: dict[str, Path]) -> dict[str, Path]:
        matched: dict[str, Path] = {}
        free = dict(found)
        missing = []
        for name in sorted(self.expected):
            exact = self.root / f"{name}.ipynb"
            if os.path.lexists(exact) and f"{name}.ipynb" not in found:
                raise _Reject(f"{name}.ipynb is not a regular file (a link or a folder?); submit the notebook itself")
            if f"{name}.ipynb" in free:
                matched[name] = free.pop(f"{name}.ipynb")
            else:
                missing.append(name)
        for name in missing:
            candidates = self._renamed(name, free)
            if len(candidates) > 1:
                raise _Reject(f"{name}.ipynb is missing and several notebooks could be it ({', '.join(sorted(candidates))}); submit exactly one {name}.ipynb")
            if not candidates:
                raise _Reject(f"{name}.ipynb is missing from the submission")
            file_name = candidates[0]
            matched[name] = free.pop(file_name)
            self.repairs.append(f"graded {file_name!r} as {name}.ipynb (renamed)")
        return matched

    def _renamed(self, name: str, free: dict[str, Path]) -> list[str]:
        """Candidates for a missing notebook: by name first, then by its grade_ids."""
        want = _plain(name)
        for test in (lambda stem: _undecorated(stem) == want, lambda stem: want in _plain(stem)):
            hits = [f for f in free if test(f[: -len(".ipynb")])]
            if hits:
                return hits
        ids = _grade_ids(self.expected[name])
        if not ids:
            return []
        hits = []
        for file_name, path in free.items():
            try:
                other = _grade_ids(_load_json(path, self.limits))
            except Exception:
                continue
            if len(ids & other) * 2 >= len(ids):
                hits.append(file_name)
        return hits

    # -- one notebook -----------------------------------------------------------------------
    def _repair(self, name: str, path: Path) -> str:
        raw = _load_json(path, self.limits, name)
        nb = _Repairer(name, raw, self.expected[name], self.limits)
        text = nb.run()
        self.repairs.extend(nb.repairs)
        return text


def _is_dir(entry: os.DirEntry) -> bool:
    try:
        return entry.is_dir(follow_symlinks=False)
    except OSError:
        return False


def _size(entry: os.DirEntry) -> int:
    try:
        return entry.stat(follow_symlinks=False).st_size
    except OSError:
        return 0


def _is_package(path: str) -> bool:
    try:
        return any(n.split(".", 1)[0] == "__init__" for n in os.listdir(path))
    except OSError:
        return True


def _printable(name: str) -> str:
    """The name itself when it is plain UTF-8 without control characters, else an escaped form."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "backslashreplace").decode("ascii", "replace")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in name):
        return name.encode("unicode_escape").decode("ascii")
    return name


def _plain(text: str) -> str:
    return re.sub(r"[\s_\-]+", "-", text.strip().lower())


def _undecorated(stem: str) -> str:
    previous = None
    while previous != stem:
        previous = stem
        for pattern in _RENAME_DECORATIONS:
            stem = pattern.sub("", stem).strip()
    return _plain(stem)


def _grade_ids(nb: object) -> set[str]:
    ids = set()
    cells = nb.get("cells") if isinstance(nb, dict) else None
    for cell in cells if isinstance(cells, list) else []:
        meta = cell.get("metadata") if isinstance(cell, dict) else None
        grader = meta.get("nbgrader") if isinstance(meta, dict) else None
        if isinstance(grader, dict) and isinstance(grader.get("grade_id"), str):
            ids.add(grader["grade_id"])
    return ids


def _load_json(path: Path, limits: PreflightLimits, name: str | None = None) -> dict:
    """The notebook file as a JSON object, within the size cap, or a rejection."""
    label = f"{name}.ipynb" if name else path.name
    max_bytes = int(limits.max_notebook_mb * 1024 * 1024)
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            raise _Reject(f"{label} is not a regular file")
        if info.st_size > max_bytes:
            raise _Reject(_too_big(label, info.st_size, limits))
        with open(path, "rb") as fh:  # read at most one byte past the cap: the file may grow meanwhile
            data = fh.read(max_bytes + 1)
    except OSError as exc:
        raise _Reject(f"{label} could not be read ({exc.strerror or exc})") from None
    if len(data) > max_bytes:
        raise _Reject(_too_big(label, len(data), limits))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _Reject(f"{label} is not a notebook (not UTF-8 text); submit the .ipynb file Jupyter saved") from None
    try:
        value = json.loads(text)
    except RecursionError:
        raise _Reject(f"{label} is not a notebook (JSON nested too deeply)") from None
    except ValueError as exc:
        raise _Reject(f"{label} is not valid JSON ({exc}); the file is damaged or was not saved by Jupyter") from None
    if not isinstance(value, dict) or not ("cells" in value or "worksheets" in value):
        raise _Reject(f"{label} is JSON but not a notebook (no cells)")
    return value


def _too_big(label: str, size: int, limits: PreflightLimits) -> str:
    return f"{label} is {size / 1024 / 1024:.1f} MB, over the {limits.max_notebook_mb:g} MB limit; clear its outputs (Kernel > Restart & Clear Output) and submit again"


# --------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _nbgrader_schema() -> jsonschema.protocols.Validator:
    return jsonschema.Draft4Validator(MetadataValidator().schema)


class _Repairer:
    """One notebook: rebuild it from the parts that are well-formed, then restore nbgrader's view."""

    def __init__(self, name: str, raw: dict, source: NotebookNode, limits: PreflightLimits):
        self.name = name
        self.raw = raw
        self.source = source
        self.limits = limits
        self.repairs: list[str] = []
        # grade_id -> (rank among the source's nbgrader cells, cell type, nbgrader metadata)
        self.known: dict[str, tuple[int, str, dict]] = {}
        for cell in source.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader")
            if isinstance(meta, dict) and isinstance(meta.get("grade_id"), str) and meta["grade_id"] not in self.known:
                self.known[meta["grade_id"]] = (len(self.known), cell.get("cell_type"), dict(meta))

    def note(self, text: str) -> None:
        self.repairs.append(f"{self.name}: {text}")

    def run(self) -> str:
        nb = self._upgrade(self.raw)
        cells = nb.get("cells")
        if not isinstance(cells, list):
            raise _Reject(f"{self.name}.ipynb is not a notebook ('cells' is not a list)")
        rebuilt = self._rebuild_cells(cells)
        self._strip_tags(rebuilt)
        rebuilt = self._resolve_grade_ids(rebuilt)
        self._cap_outputs(rebuilt)
        metadata = nb.get("metadata")
        if not isinstance(metadata, dict):
            metadata = {}
            self.note("replaced malformed notebook metadata")
        for position, (_, cell) in enumerate(rebuilt):
            cell["id"] = f"cell-{position}"  # unique, valid, and stable across reruns
        out = nbformat.from_dict({"nbformat": 4, "nbformat_minor": 5, "metadata": metadata, "cells": [c for _, c in rebuilt]})
        out = self._validate(out)
        return nbformat.v4.writes(out)  # validated above; nbformat.writes would validate again

    def _upgrade(self, nb: dict) -> dict:
        major = nb.get("nbformat")
        if major == 4 and type(major) is int:
            return nb
        if major == 3 and type(major) is int:
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    upgraded = nbformat.convert(nbformat.from_dict(nb), 4)
                if not isinstance(upgraded.get("cells"), list):
                    raise ValueError("no cells after the upgrade")
            except Exception as exc:
                raise _Reject(f"{self.name}.ipynb is an nbformat 3 notebook that could not be upgraded ({type(exc).__name__}); save it with a current Jupyter") from None
            self.note("upgraded from nbformat 3 to nbformat 4")
            return upgraded
        shown = major if isinstance(major, (int, float, str)) and len(str(major)) < 20 else "unknown"
        raise _Reject(f"{self.name}.ipynb has an unsupported notebook format (nbformat {shown}); only nbformat 4 is graded")

    # -- structure --------------------------------------------------------------------------
    def _rebuild_cells(self, cells: list) -> list[tuple[int, dict]]:
        """(original index, clean cell) for every cell that has a type and a text source."""
        out, dropped, reset = [], [], []
        for index, cell in enumerate(cells):
            if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
                dropped.append(index)
                continue
            source = cell.get("source", "")
            if isinstance(source, list) and all(isinstance(s, str) for s in source):
                source = "".join(source)
            if not isinstance(source, str):
                dropped.append(index)
                continue
            metadata = cell.get("metadata", {})
            if not isinstance(metadata, dict):
                metadata = {}
                reset.append(index)
            clean = {"cell_type": cell["cell_type"], "metadata": dict(metadata), "source": source}
            if cell["cell_type"] == "code":
                outputs = cell.get("outputs")
                clean["outputs"] = outputs if isinstance(outputs, list) else []
                clean["execution_count"] = None
            elif isinstance(cell.get("attachments"), dict):
                clean["attachments"] = cell["attachments"]
            out.append((index, clean))
        if dropped:
            self.note(f"dropped {len(dropped)} malformed cell(s) ({_cells(dropped)})")
        if reset:
            self.note(f"reset malformed metadata of {len(reset)} cell(s) ({_cells(reset)})")
        return out

    def _strip_tags(self, cells: list[tuple[int, dict]]) -> None:
        tagged = [index for index, cell in cells if cell["metadata"].pop("tags", None)]
        if tagged:
            self.note(f"stripped tags from {len(tagged)} cell(s) ({_cells(tagged)})")

    # -- nbgrader metadata ------------------------------------------------------------------
    def _resolve_grade_ids(self, cells: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
        by_id: dict[str, list[int]] = {}
        for position, (index, cell) in enumerate(cells):
            meta = cell["metadata"].get("nbgrader")
            if "nbgrader" not in cell["metadata"]:
                continue
            grade_id = meta.get("grade_id") if isinstance(meta, dict) else None
            if isinstance(grade_id, str) and grade_id in self.known:
                by_id.setdefault(grade_id, []).append(position)
                continue
            del cell["metadata"]["nbgrader"]
            why = f"unknown grade_id {grade_id[:40]!r}" if isinstance(grade_id, str) else "no grade_id"
            self.note(f"dropped nbgrader metadata of cell {index} ({why})")
        drop: set[int] = set()
        for grade_id, positions in by_id.items():
            if len(positions) > 1:
                keep = self._best_copy(grade_id, positions, cells, by_id)
                drop |= self._drop_copies(grade_id, keep, positions, cells)
            else:
                keep = positions[0]
            self._restore(grade_id, *cells[keep])
        return [pair for position, pair in enumerate(cells) if position not in drop]

    def _best_copy(self, grade_id: str, positions: list[int], cells: list[tuple[int, dict]], by_id: dict[str, list[int]]) -> int:
        """The copy of the right cell type that sits in the source's order of grade cells."""
        rank, cell_type, _ = self.known[grade_id]
        others = [(self.known[g][0], p) for g, ps in by_id.items() if g != grade_id for p in ps]

        def score(position: int) -> tuple:
            in_order = sum((r < rank) == (p < position) for r, p in others)
            return (cells[position][1]["cell_type"] == cell_type, in_order, -position)

        return max(positions, key=score)

    def _drop_copies(self, grade_id: str, keep: int, positions: list[int], cells: list[tuple[int, dict]]) -> set[int]:
        """Locked copies (tests, instructions) go; extra answer copies stay as ordinary cells.

        A student who pasted an answer cell may have written the real answer in the copy,
        so its code still runs; only its claim to be the graded cell is removed.
        """
        meta = self.known[grade_id][2]
        is_answer = bool(meta.get("solution")) and not meta.get("locked")
        dropped = set()
        for position in positions:
            if position == keep:
                continue
            index, cell = cells[position]
            if is_answer:
                del cell["metadata"]["nbgrader"]
                self.note(f"kept the duplicated copy of answer cell {grade_id!r} (cell {index}) as an ordinary cell")
            else:
                dropped.add(position)
                self.note(f"removed duplicated copy of cell {grade_id!r} (cell {index})")
        return dropped

    def _restore(self, grade_id: str, index: int, cell: dict) -> None:
        _, cell_type, source_meta = self.known[grade_id]
        if cell_type in ("code", "markdown", "raw") and cell["cell_type"] != cell_type:
            self.note(f"restored the cell type of {grade_id!r} ({cell['cell_type']} -> {cell_type})")
            _set_type(cell, cell_type)
        meta = cell["metadata"]["nbgrader"]
        changed = [k for k in NBGRADER_KEYS if _normal(k, meta.get(k)) != _normal(k, source_meta.get(k))]
        if not changed and _nbgrader_schema().is_valid(meta):
            return
        restored = {k: v for k, v in copy.deepcopy(source_meta).items() if k in _nbgrader_schema().schema["properties"] and k != "checksum"}
        if cell_type in ("code", "markdown", "raw"):
            restored["cell_type"] = cell_type
        cell["metadata"]["nbgrader"] = restored
        self.note(f"restored nbgrader metadata of {grade_id!r} ({', '.join(changed) or 'malformed keys'})")

    # -- size caps -------------------------------------------------------------------------
    def _cap_outputs(self, cells: list[tuple[int, dict]]) -> None:
        cleared, trimmed = [], []
        out_cap = self.limits.max_output_kb * 1024
        att_cap = self.limits.max_attachment_kb * 1024
        for index, cell in cells:
            if cell.get("outputs") and _json_size(cell["outputs"]) > out_cap:
                cell["outputs"] = []
                cleared.append(index)
            attachments = cell.get("attachments")
            if attachments:
                sizes = {key: _json_size(value) for key, value in attachments.items()}
                if sum(sizes.values()) > att_cap:
                    kept = {}
                    total = 0
                    for key in sorted(attachments, key=lambda k: sizes[k]):
                        if total + sizes[key] <= att_cap:
                            kept[key] = attachments[key]
                            total += sizes[key]
                    cell["attachments"] = kept
                    trimmed.append(index)
        if cleared:
            self.note(f"cleared outputs over {self.limits.max_output_kb} KB in {len(cleared)} cell(s) ({_cells(cleared)})")
        if trimmed:
            self.note(f"removed attachments over {self.limits.max_attachment_kb} KB in {len(trimmed)} cell(s) ({_cells(trimmed)})")

    # -- final check -----------------------------------------------------------------------
    def _validate(self, nb: NotebookNode) -> NotebookNode:
        """Make the notebook pass nbformat's schema and nbgrader's metadata validator."""
        if _schema_errors(nb) is None and _nbgrader_ok(nb):
            return nb
        if not _valid_node(nb.metadata, "notebook_metadata"):
            source_meta = self.source.get("metadata", {})
            nb.metadata = nbformat.from_dict({k: copy.deepcopy(source_meta[k]) for k in ("kernelspec", "language_info") if k in source_meta})
            self.note("replaced malformed notebook metadata with the source's")
        kept, fixed, dropped = [], [], []
        for position, cell in enumerate(nb.cells):
            ref = f"{cell.cell_type}_cell"
            if _valid_node(cell, ref):
                kept.append(cell)
                continue
            fixed.append(position)
            cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k == "nbgrader"})
            cell.pop("attachments", None)
            if cell.cell_type == "code":
                cell.outputs = []
            if _valid_node(cell, ref):
                kept.append(cell)
            else:
                dropped.append(position)
        nb.cells = kept
        if fixed:
            self.note(f"removed malformed outputs, attachments or metadata from {len(fixed)} cell(s)")
        if dropped:
            self.note(f"dropped {len(dropped)} cell(s) that could not be repaired")
        problem = _schema_errors(nb)
        if problem is not None:
            raise _Reject(f"{self.name}.ipynb could not be repaired into a valid notebook ({problem})")
        if not _nbgrader_ok(nb):
            raise _Reject(f"{self.name}.ipynb has nbgrader metadata that could not be repaired")
        return nb


def _set_type(cell: dict, cell_type: str) -> None:
    cell["cell_type"] = cell_type
    if cell_type == "code":
        cell.pop("attachments", None)
        cell["outputs"], cell["execution_count"] = [], None
    else:
        cell.pop("outputs", None)
        cell.pop("execution_count", None)


def _normal(key: str, value: object) -> tuple:
    """nbgrader's defaults, so a missing ``task`` equals ``False`` and ``2`` equals ``2.0``."""
    if key in ("grade", "solution", "locked", "task") and value is None:
        value = False
    if key == "points" and type(value) in (int, float):
        return ("number", float(value))
    if value is None or type(value) in (bool, int, float, str):
        return (type(value).__name__, value)
    return ("other",)  # never equal to anything a source notebook holds


def _json_size(value: object) -> int:
    try:
        return len(json.dumps(value))
    except (TypeError, ValueError, RecursionError):
        return sys.maxsize


def _cells(indices: list[int]) -> str:
    shown = ", ".join(str(i) for i in indices[:8])
    return ("cell " if len(indices) == 1 else "cells ") + shown + (f" and {len(indices) - 8} more" if len(indices) > 8 else "")


def _schema_errors(nb: NotebookNode, ref: str | None = None) -> str | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            nbformat.validate(nb, ref=ref, version=4, version_minor=5)
    except nbformat.ValidationError as exc:
        return str(exc.message)[:200]
    except Exception as exc:  # jsonschema on hostile input
        return f"{type(exc).__name__}"
    return None


def _valid_node(node: object, ref: str) -> bool:
    return _schema_errors(node, ref=ref) is None  # type: ignore[arg-type]


def _nbgrader_ok(nb: NotebookNode) -> bool:
    """What nbgrader's CheckCellMetadata checks, with the schema compiled once.

    nbgrader's own validator re-checks its JSON schema for every cell (half a second per
    notebook); its remaining rules hold by construction, since every nbgrader metadata left
    here equals the source's on the keys those rules read.
    """
    seen = set()
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader")
        if meta is None:
            continue
        if not isinstance(meta, dict) or meta.get("schema_version") != 3 or not _nbgrader_schema().is_valid(meta):
            return False
        if meta.get("grade") or meta.get("solution") or meta.get("locked"):
            if not meta.get("grade_id") or meta["grade_id"] in seen:
                return False
            seen.add(meta["grade_id"])
    return True
