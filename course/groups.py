"""Who is in which homework group: read ``groups.csv`` and map submissions to students.

Groups of 2-3 students submit once under the group id, so the nbgrader "student" of a
submission is a group. The tutor keeps the mapping in ``groups.csv`` next to
``nbgrader_config.py``::

    group,student,name,email
    g01,s1234567,Ada Lovelace,ada@uni.example
    g01,s7654321,Charles Babbage,charles@uni.example

Mistakes in that file decide who gets which grade, so every problem is reported with its
line number, all at once, instead of being guessed around.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

__all__ = ["Student", "Groups", "GroupsError", "load_groups", "solo_groups", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS"]

REQUIRED_COLUMNS = ("group", "student")
OPTIONAL_COLUMNS = ("name", "email")
# An id becomes a folder name (submitted/<id>/...): no separators, whitespace or leading dot.
_BAD_ID = re.compile(r"[\s/\\]|^\.")


@dataclass(frozen=True)
class Student:
    id: str
    name: str = ""
    email: str = ""


class GroupsError(ValueError):
    """A groups file that cannot be trusted; ``problems`` holds one line per defect."""

    def __init__(self, path: Path | str, problems: list[str]):
        self.path = Path(path)
        self.problems = list(problems)
        super().__init__(f"{path}: " + ("\n  ".join(["", *self.problems]) if len(self.problems) > 1 else self.problems[0]))


@dataclass(frozen=True)
class Groups:
    """Group id -> members, in file order."""

    members: dict[str, tuple[Student, ...]]

    def __post_init__(self) -> None:
        seen: dict[str, str] = {}
        for group, students in self.members.items():
            for s in students:
                if s.id in seen and seen[s.id] != group:
                    raise ValueError(f"student {s.id} is in groups {seen[s.id]} and {group}")
                seen[s.id] = group
        object.__setattr__(self, "_group_of", seen)

    def group_of(self, student_id: str) -> str | None:
        """The group a student belongs to, or None for a student not in any group."""
        return self._group_of.get(student_id)  # type: ignore[attr-defined]

    def students(self) -> list[Student]:
        """Every student once, in file order."""
        return [s for students in self.members.values() for s in students]

    def __contains__(self, group_id: object) -> bool:
        return group_id in self.members

    def unknown(self, submitters: Iterable[str]) -> list[str]:
        """Submission ids that are not a group, sorted, for one error that lists them all."""
        return sorted({s for s in submitters if s not in self.members})

    def describe_unknown(self, submitters: Iterable[str]) -> list[str]:
        """One readable line per unknown submission id (says when it is a member's own id)."""
        lines = []
        for sid in self.unknown(submitters):
            group = self.group_of(sid)
            hint = f" (it is a member of group {group}; the group must submit under {group})" if group else ""
            lines.append(f"{sid}{hint}")
        return lines


def solo_groups(ids: Iterable[str]) -> Groups:
    """Groups for a course without ``groups.csv``: every submission id is its own student."""
    return Groups({sid: (Student(sid),) for sid in sorted(set(ids))})


def _decode(path: Path) -> str:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise GroupsError(path, ["no such file; create it with the header 'group,student,name,email'"]) from None
    except OSError as exc:
        raise GroupsError(path, [f"cannot read it ({exc.strerror or exc})"]) from None
    try:
        return data.decode("utf-8-sig")  # a BOM from spreadsheet programs is fine
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise GroupsError(path, [f"line {line}: not UTF-8 (byte {data[exc.start]:#04x}); save the file as UTF-8 CSV"]) from None


def _header(row: list[str]) -> dict[str, int] | None:
    names = [cell.strip().lower() for cell in row]
    if not all(col in names for col in REQUIRED_COLUMNS):
        return None
    return {col: names.index(col) for col in (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS) if col in names}


def load_groups(path: Path, *, min_size: int = 1, max_size: int = 3) -> Groups:
    """Read and validate a groups file; raise ``GroupsError`` listing every problem."""
    path = Path(path)
    reader = csv.reader(io.StringIO(_decode(path), newline=""))
    problems: list[str] = []
    columns: dict[str, int] | None = None
    rows: dict[str, list[tuple[int, Student]]] = {}
    where: dict[str, tuple[str, int]] = {}  # student id -> (group, line)
    for row in reader:
        line = reader.line_num
        if not any(cell.strip() for cell in row) or row[0].lstrip().startswith("#"):
            continue  # blank lines and comments
        if columns is None:
            columns = _header(row)
            if columns is None:
                found = ",".join(cell.strip() for cell in row)
                problems.append(f"line {line}: the first row must be a header naming the columns group,student (optional: name,email); found {found!r}")
                break
            continue
        cell = lambda col: row[columns[col]].strip() if col in columns and columns[col] < len(row) else ""  # noqa: E731
        group, sid = cell("group"), cell("student")
        if not group or not sid:
            problems.append(f"line {line}: empty {'group' if not group else 'student'} id")
            continue
        bad = [f"{kind} id {value!r}" for kind, value in (("group", group), ("student", sid)) if _BAD_ID.search(value)]
        if bad:
            problems.append(f"line {line}: {' and '.join(bad)} may not contain whitespace, '/' or '\\' or start with '.'")
            continue
        if sid in where:
            first_group, first_line = where[sid]
            if first_group == group:
                problems.append(f"line {line}: duplicate row (student {sid} in group {group} already on line {first_line})")
            else:
                problems.append(f"line {line}: student {sid} is in group {group} and in group {first_group} (line {first_line})")
            continue
        where[sid] = (group, line)
        rows.setdefault(group, []).append((line, Student(sid, cell("name"), cell("email"))))
    if columns is None and not problems:
        problems.append("line 1: empty file; it needs the header 'group,student,name,email'")
    for group, members in rows.items():
        lines = ", ".join(str(line) for line, _ in members)
        if len(members) > max_size:
            problems.append(f"line {members[-1][0]}: group {group} has {len(members)} students (lines {lines}); at most {max_size} allowed")
        elif len(members) < min_size:
            problems.append(f"line {members[0][0]}: group {group} has {len(members)} student(s); at least {min_size} required")
    if problems:
        raise GroupsError(path, problems)
    return Groups({group: tuple(s for _, s in members) for group, members in rows.items()})
