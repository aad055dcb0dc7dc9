"""`course weeks`: the table of weeks, and README.md's copy of it."""
from __future__ import annotations

import nbformat
import pytest
from toy_course import REPO, WEEK, make_course, make_notebook

from course import config as course_config
from course.cli import main
from course.weeks import BEGIN, END, markdown_table, readme_table, replace_readme_table, week_rows


def test_rows_count_test_and_written_points_and_take_the_first_heading(tmp_path):
    nb = make_notebook()
    nb.cells.insert(0, nbformat.v4.new_markdown_cell("Some preface without a heading.\n\n## Week 01 — Toy scaling\ntext"))
    cfg = course_config.load(make_course(tmp_path / "c", nb))
    (row,) = week_rows(cfg)
    assert (row.week, row.topic, row.autograded, row.written) == (WEEK, "Week 01 — Toy scaling", 2, 1)
    assert row.due == cfg.due_date(WEEK) and row.due is not None
    assert f"| `{WEEK}` | Week 01 — Toy scaling | 2 / 1 | {row.due:%a %d %b %Y} |" in markdown_table([row])


def test_update_readme_replaces_only_the_marked_table(tmp_path, capsys):
    root = make_course(tmp_path / "c")
    readme = root / "README.md"
    readme.write_text(f"intro\n{BEGIN}\n| stale |\n{END}\noutro\n")
    assert main(["--root", str(root), "weeks", "--update-readme"]) == 0
    text = readme.read_text()
    assert text.startswith("intro\n") and text.endswith("\noutro\n") and "stale" not in text
    assert readme_table(text) == markdown_table(week_rows(course_config.load(root)))
    capsys.readouterr()
    assert main(["--root", str(root), "weeks", "--update-readme"]) == 0
    assert "current" in capsys.readouterr().out


def test_update_readme_without_markers_is_a_clear_error(tmp_path, capsys):
    root = make_course(tmp_path / "c")
    (root / "README.md").write_text("no table here\n")
    assert main(["--root", str(root), "weeks", "--update-readme"]) == 2
    assert "markers" in capsys.readouterr().err
    with pytest.raises(ValueError):
        replace_readme_table("nothing", "| t |")


def test_readme_lists_exactly_the_weeks_in_source():
    table = readme_table((REPO / "README.md").read_text(encoding="utf-8"))
    assert table is not None, "README.md lost its weeks-table markers"
    expected = markdown_table(week_rows(course_config.load(REPO)))
    assert table == expected, "README's table of weeks is stale: run `course weeks --update-readme`"
