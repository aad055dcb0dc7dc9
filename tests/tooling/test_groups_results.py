"""groups.csv is read strictly, a group's grade reaches each member, and the exam rule is applied.

The reports are pure functions of hand-made GradeRows; one test reads a real (small) sqlite
gradebook made with nbgrader's own API, and proves the read leaves the file untouched.
"""
import csv
import hashlib

import pytest

from course.groups import Groups, GroupsError, Student, load_groups, solo_groups
from course.results import (
    GradeRow,
    UnknownSubmittersError,
    eligibility,
    group_grades,
    read_grades,
    student_grades,
    write_csv,
)

HEADER = "group,student,name,email\n"


def write(tmp_path, text, name="groups.csv"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def problems(path, **kwargs):
    with pytest.raises(GroupsError) as info:
        load_groups(path, **kwargs)
    assert str(path) in str(info.value)
    return info.value.problems


# --- groups ---------------------------------------------------------------------------------


def test_groups_file_is_read_with_names_bom_blank_lines_and_comments(tmp_path):
    path = tmp_path / "groups.csv"
    text = "\ufeffGroup, Student ,name,email\n# a comment\ng01,s1,Ada Lovelace,ada@uni.example\n\ng01,s2,\"Babbage, Charles\",\ng02,s3\n"
    path.write_bytes(text.encode("utf-8"))
    groups = load_groups(path)
    assert list(groups.members) == ["g01", "g02"]
    assert groups.members["g01"] == (Student("s1", "Ada Lovelace", "ada@uni.example"), Student("s2", "Babbage, Charles", ""))
    assert groups.group_of("s2") == "g01" and groups.group_of("s3") == "g02" and groups.group_of("nobody") is None
    assert [s.id for s in groups.students()] == ["s1", "s2", "s3"]
    assert "g02" in groups and "s1" not in groups


def test_missing_file_and_missing_header_or_columns(tmp_path):
    assert "no such file" in problems(tmp_path / "absent.csv")[0]
    assert not (tmp_path / "absent.csv").exists()
    (only,) = problems(write(tmp_path, "g01,s1\ng01,s2\n"))
    assert only.startswith("line 1:") and "header" in only and "'g01,s1'" in only
    (only,) = problems(write(tmp_path, "group,name\ng01,Ada\n"))
    assert "line 1:" in only and "group,student" in only
    assert "empty file" in problems(write(tmp_path, "\n\n"))[0]


def test_every_problem_is_reported_with_its_line_number(tmp_path):
    path = write(
        tmp_path,
        HEADER
        + "g01,s1\n"  # 2
        + ",s2\n"  # 3 empty group
        + "g02,\n"  # 4 empty student
        + "g02,s3\n"  # 5
        + "g03,s1\n"  # 6 s1 again, other group
        + "g02,s3\n"  # 7 duplicate row
        + "g04,a b\n"  # 8 whitespace in id
        + "".join(f"g05,t{i}\n" for i in range(4)),  # 9-12: four students
    )
    found = problems(path)
    assert "line 3: empty group id" in found
    assert "line 4: empty student id" in found
    assert "line 6: student s1 is in group g03 and in group g01 (line 2)" in found
    assert "line 7: duplicate row (student s3 in group g02 already on line 5)" in found
    assert any(p.startswith("line 8: student id 'a b'") for p in found)
    assert "line 12: group g05 has 4 students (lines 9, 10, 11, 12); at most 3 allowed" in found
    assert len(found) == 6


def test_size_limits_are_parameters(tmp_path):
    path = write(tmp_path, HEADER + "g01,s1\ng02,s2\ng02,s3\n")
    assert load_groups(path, max_size=2).members["g02"] == (Student("s2"), Student("s3"))
    assert problems(path, min_size=2) == ["line 2: group g01 has 1 student(s); at least 2 required"]
    assert "at most 1 allowed" in problems(path, max_size=1)[0]


def test_non_utf8_file_names_the_line(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_bytes(HEADER.encode() + b"g01,s1,Ada\ng01,s2,Ren\xe9\n")
    (only,) = problems(path)
    assert only.startswith("line 3: not UTF-8") and "0xe9" in only


def test_solo_groups_and_group_invariant():
    groups = solo_groups(["b", "a", "a"])
    assert groups.members == {"a": (Student("a"),), "b": (Student("b"),)}
    assert groups.group_of("a") == "a"
    with pytest.raises(ValueError, match="student x is in groups g1 and g2"):
        Groups({"g1": (Student("x"),), "g2": (Student("x"),)})


# --- grades per group and per student ---------------------------------------------------------

GROUPS = Groups({"g01": (Student("s1", "Ada"), Student("s2")), "g02": (Student("s3"),), "g03": (Student("s4"), Student("s5"))})


def row(week, who, score, max_score=10.0, manual=False, flags=()):
    return GradeRow(week, who, score, max_score, manual, tuple(flags))


def test_group_and_student_grades_give_each_member_the_group_grade():
    rows = [row("01", "g01", 7.5), row("01", "g02", 4, manual=True), row("02", "g01", 9, flags=["late (-1)"])]
    by_group = {(r["group"], r["assignment"]): r for r in group_grades(rows, GROUPS)}
    assert len(by_group) == 6  # 3 groups x 2 weeks
    assert by_group[("g01", "01")] == {"assignment": "01", "group": "g01", "members": "s1 s2", "score": 7.5, "max_score": 10.0, "status": "graded", "flags": ()}
    assert by_group[("g02", "01")]["status"] == "pending"
    assert by_group[("g03", "02")]["score"] == 0.0 and by_group[("g03", "02")]["status"] == "missing"
    assert by_group[("g03", "02")]["max_score"] == 10.0  # known from the other groups

    students = student_grades(rows, GROUPS)
    assert [(r["student"], r["assignment"]) for r in students][:4] == [("s1", "01"), ("s1", "02"), ("s2", "01"), ("s2", "02")]
    by = {(r["student"], r["assignment"]): r for r in students}
    assert by[("s1", "01")]["score"] == by[("s2", "01")]["score"] == 7.5
    assert by[("s1", "01")]["name"] == "Ada" and by[("s2", "02")]["flags"] == ("late (-1)",)
    assert by[("s4", "01")]["score"] == 0.0 and by[("s4", "01")]["status"] == "missing"
    assert by[("s3", "02")]["status"] == "missing" and by[("s3", "01")]["status"] == "pending"


def test_unknown_submitters_are_an_error_or_warning_rows():
    rows = [row("01", "g01", 5), row("01", "s3", 6), row("01", "zz", 1)]
    with pytest.raises(UnknownSubmittersError) as info:
        student_grades(rows, GROUPS)
    assert info.value.ids == ["s3", "zz"]
    assert "s3 (it is a member of group g02; the group must submit under g02)" in str(info.value)
    for report in (group_grades, eligibility):
        with pytest.raises(UnknownSubmittersError):
            report(rows, GROUPS, assignments=["01"])
    warned = student_grades(rows, GROUPS, allow_unknown=True)
    tail = [r for r in warned if r["status"] == "unknown group"]
    assert [(r["group"], r["score"], r["student"]) for r in tail] == [("s3", 6, ""), ("zz", 1, "")]
    assert "not in groups.csv" in tail[0]["flags"]
    assert len(warned) == 5 + 2


def test_two_grades_for_one_submission_are_rejected():
    with pytest.raises(ValueError, match="two grades for g01 on 01"):
        group_grades([row("01", "g01", 1), row("01", "g01", 2)], GROUPS)


# --- exam eligibility ---------------------------------------------------------------------------


def verdicts(report):
    return {r["student"]: r for r in report if r["student"]}


def test_eligibility_counts_passed_failed_missing_pending():
    weeks = ["01", "02", "03"]
    rows = [
        row("01", "g01", 5.0), row("02", "g01", 4.99), row("03", "g01", 10),  # exactly half passes; 4.99 fails
        row("01", "g02", 9), row("02", "g02", 9, manual=True),  # one pass, one pending, one missing
        row("01", "g03", 1), row("02", "g03", 9, flags=["flagged"]),  # flagged for review: pending, but cannot reach 2
    ]
    report = verdicts(eligibility(rows, GROUPS, weeks))
    s1 = report["s1"]
    assert (s1["passed"], s1["failed"], s1["missing"], s1["pending"], s1["needed"], s1["eligible"]) == (2, 1, 0, 0, 2, "yes")
    assert (s1["01"], s1["02"], s1["03"]) == ("passed", "failed", "passed")
    assert report["s2"]["eligible"] == "yes"  # same group, same outcome
    s3 = report["s3"]
    assert (s3["passed"], s3["pending"], s3["missing"], s3["eligible"]) == (1, 1, 1, "pending")
    s4 = report["s4"]
    assert (s4["passed"], s4["failed"], s4["pending"], s4["missing"], s4["eligible"]) == (0, 1, 1, 1, "no")
    assert list(eligibility(rows, GROUPS, weeks)[0])[:10] == ["student", "name", "email", "group", "passed", "failed", "missing", "pending", "needed", "eligible"]


def test_eligibility_rule_parameters():
    weeks = ["01", "02"]
    rows = [row("01", "g01", 6), row("02", "g01", 6)]
    assert verdicts(eligibility(rows, GROUPS, weeks, allowed_failures=0))["s1"]["eligible"] == "yes"
    strict = verdicts(eligibility(rows, GROUPS, weeks, pass_fraction={"01": 0.5, "02": 0.7}, allowed_failures=0))["s1"]
    assert (strict["01"], strict["02"], strict["eligible"]) == ("passed", "failed", "no")
    assert verdicts(eligibility(rows, GROUPS, weeks, pass_fraction={"02": 0.7, "default": 0.6}))["s1"]["01"] == "passed"
    with pytest.raises(ValueError, match="no pass fraction for 02"):
        eligibility(rows, GROUPS, weeks, pass_fraction={"01": 0.5})
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        eligibility(rows, GROUPS, weeks, pass_fraction=50)
    # Rows of weeks that do not count (a practice week) are ignored.
    assert verdicts(eligibility(rows + [row("99", "g01", 0)], GROUPS, weeks))["s1"]["failed"] == 0


# --- CSV ----------------------------------------------------------------------------------------


def test_write_csv_is_stable_and_atomic(tmp_path):
    rows = student_grades([row("01", "g01", 7.25, flags=["late (-1)", "flagged"])], GROUPS)
    path = write_csv(rows, tmp_path / "out" / "students.csv")
    with path.open(newline="") as fh:
        read = list(csv.reader(fh))
    assert read[0] == ["student", "name", "email", "group", "assignment", "score", "max_score", "status", "flags"]
    assert read[1] == ["s1", "Ada", "", "g01", "01", "7.25", "10", "graded", "late (-1); flagged"]
    assert len(read) == 1 + 5
    assert path.stat().st_mode & 0o777 == 0o640

    class Boom:
        def __str__(self):
            raise RuntimeError("disk full")

    before = path.read_bytes()
    with pytest.raises(RuntimeError):
        write_csv([{"student": "x"}, {"student": Boom()}], path)
    assert path.read_bytes() == before  # the old file is intact
    assert sorted(p.name for p in path.parent.iterdir()) == ["students.csv"]  # no temp file left


# --- reading a real gradebook ---------------------------------------------------------------------


def test_read_grades_from_an_nbgrader_gradebook(tmp_path):
    from nbgrader.api import Gradebook

    url = f"sqlite:///{tmp_path / 'gradebook.db'}"
    with Gradebook(url, course_id="dl") as gb:
        for week in ("01-a", "02-b"):
            gb.add_assignment(week, course_id="dl")
            gb.add_notebook("nb", week)
            gb.add_grade_cell("test_x", "nb", week, max_score=2, cell_type="code")
            gb.add_grade_cell("written", "nb", week, max_score=1, cell_type="markdown")
        for sid in ("g01", "g02", "g03"):
            gb.add_student(sid)

        def grade(week, sid, test, written=None, penalty=0.0, flagged=False):
            sub = gb.add_submission(week, sid)
            t = gb.find_grade("test_x", "nb", week, sid)
            t.auto_score, t.needs_manual_grade = test, False
            g = gb.find_grade("written", "nb", week, sid)
            g.manual_score, g.needs_manual_grade = written, written is None
            nb = gb.find_submission_notebook("nb", week, sid)
            nb.late_submission_penalty, nb.flagged = penalty, flagged
            gb.db.commit()
            return sub

        grade("01-a", "g01", 2, written=1)
        grade("01-a", "g02", 1)
        grade("01-a", "g03", 2, written=0.5, penalty=3.0, flagged=True)
        grade("02-b", "g01", 0, written=1)

    db = tmp_path / "gradebook.db"
    digest = hashlib.sha256(db.read_bytes()).hexdigest()
    rows = read_grades(url, "dl")
    assert rows == [
        GradeRow("01-a", "g01", 3.0, 3.0, False, ()),
        GradeRow("01-a", "g02", 1.0, 3.0, True, ()),
        GradeRow("01-a", "g03", 0.0, 3.0, False, ("late (-3)", "flagged")),  # 2.5 - 3 floors at 0
        GradeRow("02-b", "g01", 1.0, 3.0, False, ()),
    ]
    assert [r.assignment for r in read_grades(url, "dl", ["02-b"])] == ["02-b"]
    with pytest.raises(ValueError, match="03-c not in the gradebook; it has: 01-a, 02-b"):
        read_grades(url, "dl", ["03-c"])
    with pytest.raises(ValueError, match="holds no course 'other'"):
        read_grades(url, "other")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == digest  # read-only, even the wrong course
    with pytest.raises(FileNotFoundError):
        read_grades(f"sqlite:///{tmp_path / 'none.db'}", "dl")
    assert not (tmp_path / "none.db").exists()

    groups = Groups({"g01": (Student("s1"), Student("s2")), "g02": (Student("s3"),), "g03": (Student("s4"),)})
    report = verdicts(eligibility(rows, groups, ["01-a", "02-b"], allowed_failures=1))
    assert [report[s]["eligible"] for s in ("s1", "s3", "s4")] == ["yes", "pending", "pending"]


def test_write_csv_defuses_spreadsheet_formulas(tmp_path):
    import csv as _csv

    from course.results import write_csv

    path = write_csv([{"name": "=HYPERLINK(\"http://evil\")", "score": -1.5, "note": "-x", "plain": "Ada"}], tmp_path / "g.csv")
    row = next(_csv.DictReader(path.open()))
    assert row["name"].startswith("'=")
    assert row["note"] == "'-x"
    assert row["score"] == "-1.5"      # numbers stay numbers
    assert row["plain"] == "Ada"
