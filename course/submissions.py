"""Find a week's submissions and remember which of them are graded (the batch ledger).

A submission is nbgrader's ``submitted/<student>/<week>/`` folder. Its *fingerprint* is a
hash of every file in it (names and bytes, ``timestamp.txt`` included), so a resubmission
or any change to the folder makes it "newer" than its last grading. The ledger entry of a
graded submission is a small JSON file written inside its ``autograded/<student>/<week>/``
folder, as the very last step of grading it: a rerun after a crash regrades exactly the
submissions without an entry (or with an entry for an older fingerprint).
"""
from __future__ import annotations

import hashlib
import json
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

LEDGER_NAME = ".course-grading.json"
SKIP_NAMES = {".ipynb_checkpoints", "__pycache__"}


@dataclass(frozen=True)
class Submission:
    student: str          # nbgrader's student id; for group homework the group id
    week: str
    folder: Path          # submitted/<student>/<week>

    @property
    def key(self) -> str:
        return f"{self.student}/{self.week}"


@dataclass
class Outcome:
    """What grading one submission produced; also the ledger entry written for it."""

    student: str
    week: str
    status: str                           # graded | rejected | failed
    fingerprint: str = ""
    score: float | None = None
    max_score: float | None = None
    flags: list[str] = field(default_factory=list)      # integrity findings: manual review needed
    repairs: list[str] = field(default_factory=list)    # what pre-flight repaired or ignored
    restored: list[str] = field(default_factory=list)   # test cells nbgrader restored
    events: list[str] = field(default_factory=list)     # timeouts, kernel deaths, caps
    reason: str = ""                                    # why rejected / failed
    sandboxed: bool = True
    seconds: float = 0.0                                # from pre-flight to the swap into autograded/, queueing included
    kernel_seconds: float = 0.0                         # inside the sandbox: kernel start, cells, shutdown

    @property
    def needs_review(self) -> bool:
        return bool(self.flags) or self.status != "graded"

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> "Outcome":
        data = json.loads(text)
        known = {f for f in cls.__dataclass_fields__}
        return cls(**{k: v for k, v in data.items() if k in known})


def find_submissions(submitted_dir: Path, week: str, students: list[str] | None = None) -> list[Submission]:
    """Every ``submitted/<student>/<week>/`` folder, sorted by student; ``students`` filters."""
    if not submitted_dir.is_dir():
        return []
    found = []
    for student_dir in sorted(p for p in submitted_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        if students is not None and student_dir.name not in students:
            continue
        folder = student_dir / week
        if folder.is_dir():
            found.append(Submission(student_dir.name, week, folder))
    return found


def fingerprint(folder: Path) -> str:
    """A hash of the folder's regular files (relative names and contents); symlinks count by name only."""
    digest = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part in SKIP_NAMES for part in rel.parts) or rel.name == LEDGER_NAME:
            continue
        if path.is_symlink():
            digest.update(b"L" + str(rel).encode() + b"\0")
        elif path.is_file():
            digest.update(b"F" + str(rel).encode() + b"\0")
            with path.open("rb") as handle:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(chunk)
    return digest.hexdigest()


def ledger_path(autograded_dir: Path, submission: Submission) -> Path:
    return autograded_dir / submission.student / submission.week / LEDGER_NAME


def read_outcome(autograded_dir: Path, submission: Submission) -> Outcome | None:
    path = ledger_path(autograded_dir, submission)
    try:
        return Outcome.from_json(path.read_text())
    except (OSError, ValueError, TypeError):
        return None  # missing or half-written: not graded


def is_current(autograded_dir: Path, submission: Submission, current_fingerprint: str) -> bool:
    outcome = read_outcome(autograded_dir, submission)
    return outcome is not None and outcome.fingerprint == current_fingerprint


def journal_path(autograded_dir: Path, week: str) -> Path:
    return autograded_dir / f".course-grading-{week}.jsonl"


def append_journal(autograded_dir: Path, outcome: Outcome) -> None:
    """One line per finished grading, for the audit trail (and to prove nothing is graded twice)."""
    line = json.dumps({"at": time.strftime("%Y-%m-%dT%H:%M:%S%z"), "student": outcome.student, "status": outcome.status,
                       "score": outcome.score, "max_score": outcome.max_score, "fingerprint": outcome.fingerprint,
                       "flags": len(outcome.flags)})
    path = journal_path(autograded_dir, outcome.week)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` so that readers see the old file or the new one, never half of it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
