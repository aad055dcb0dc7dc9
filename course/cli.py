"""``course``: one command line for instructors and tutors, a thin layer over the library."""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import config as course_config


def _weeks_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("weeks", nargs="*", help="assignment ids such as 01-math-review (default: every week in source/)")


def _selected_weeks(cfg: course_config.CourseConfig, requested: list[str], verb: str) -> list[str] | int:
    """The weeks to work on, or an exit code when there are none or some are unknown."""
    unknown = [w for w in requested if w not in cfg.weeks()]
    if unknown:
        print(f"unknown week(s): {', '.join(unknown)}; weeks in source/: {', '.join(cfg.weeks()) or 'none'}", file=sys.stderr)
        return 2
    weeks = requested or cfg.weeks()
    if not weeks:
        print(f"no weeks in {cfg.source}: nothing to {verb}")
        return 0
    return weeks


def cmd_release(args: argparse.Namespace) -> int:
    from .release import release_weeks

    cfg = course_config.load(args.root)
    weeks = _selected_weeks(cfg, args.weeks, "release")
    if isinstance(weeks, int):
        return weeks
    failed = 0
    for result in release_weeks(cfg, weeks):
        if result.ok:
            names = ", ".join(p.relative_to(cfg.root).as_posix() for p in result.notebooks)
            print(f"release {result.week}: ok ({names})")
        else:
            failed += 1
            print(f"release {result.week}: FAILED: {result.message}")
    return 1 if failed else 0


def _check_one(root: Path, week: str, student_run: bool):
    from .check import check_week

    return check_week(course_config.load(root), week, student_run=student_run)


def cmd_check(args: argparse.Namespace) -> int:
    import time
    from concurrent.futures import ProcessPoolExecutor

    from .check import format_report

    cfg = course_config.load(args.root)
    weeks = _selected_weeks(cfg, args.weeks, "check")
    if isinstance(weeks, int):
        return weeks
    if args.jobs < 1:
        print("--jobs must be at least 1", file=sys.stderr)
        return 2
    start = time.perf_counter()
    workers = min(args.jobs, len(weeks))
    if workers > 1 and "OMP_NUM_THREADS" not in os.environ:
        # the kernels inherit it: one thread per core in all, so parallel weeks keep their speed
        os.environ["OMP_NUM_THREADS"] = str(max(1, (os.cpu_count() or 1) // workers))
    # One process per week: each has its own kernel and throw-away gradebook.
    with ProcessPoolExecutor(max_workers=workers) as pool:
        reports = list(pool.map(_check_one, [cfg.root] * len(weeks), weeks, [args.student_run] * len(weeks)))
    print(format_report(reports))
    failed = [r.week for r in reports if not r.ok]
    print(f"checked {len(weeks)} week(s) in {time.perf_counter() - start:.1f} s: "
          + ("all passed" if not failed else f"FAILED: {', '.join(failed)}"))
    return 1 if failed else 0


def cmd_bundle(args: argparse.Namespace) -> int:
    from .bundle import BundleError, make_bundle

    cfg = course_config.load(args.root)
    out = args.out if args.out is not None else cfg.root / "bundle" / "deep-learning-student"
    try:
        folder, archive = make_bundle(cfg, out, make_zip=not args.no_zip)
    except BundleError as exc:
        print(f"bundle: {exc}", file=sys.stderr)
        return 1
    files = sum(1 for p in folder.rglob("*") if p.is_file())
    print(f"bundle: {folder} ({files} files, {len(cfg.weeks())} week(s))" + (f" and {archive}" if archive else ""))
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    from .new import new_week

    cfg = course_config.load(args.root)
    try:
        created = new_week(cfg, args.week, args.title)
    except (ValueError, FileExistsError) as exc:
        print(f"new: {exc}", file=sys.stderr)
        return 2
    for path in created:
        print(f"created {path.relative_to(cfg.root)}")
    print(f"next: edit the notebook, then `course release {args.week}` and `course check {args.week}` (see AUTHORING.md)")
    return 0


def cmd_weeks(args: argparse.Namespace) -> int:
    from .weeks import markdown_table, readme_table, replace_readme_table, week_rows

    cfg = course_config.load(args.root)
    table = markdown_table(week_rows(cfg))
    if not args.update_readme:
        print(table)
        return 0
    readme = cfg.root / "README.md"
    text = readme.read_text(encoding="utf-8")
    try:
        new = replace_readme_table(text, table)
    except ValueError as exc:
        print(f"weeks: {exc}", file=sys.stderr)
        return 2
    if new != text:
        readme.write_text(new, encoding="utf-8")
        print(f"updated the table of weeks in {readme}")
    else:
        print("README's table of weeks is current")
    return 0


def _grading_settings(cfg: course_config.CourseConfig, args: argparse.Namespace):
    import dataclasses

    from .autograde import BatchSettings, limits_from_config, preflight_limits_from_config

    limits = limits_from_config(cfg)
    if args.cell_timeout is not None:
        limits = dataclasses.replace(limits, cell_timeout_s=args.cell_timeout)
    workers = args.jobs if args.jobs is not None else (cfg.course.autograde_workers or None)
    return BatchSettings(workers=workers, scheduler=args.scheduler, unsafe=args.unsafe, force=args.force, limits=limits,
                         preflight_limits=preflight_limits_from_config(cfg))


def run_autograde(cfg: course_config.CourseConfig, week: str, args: argparse.Namespace):
    """Grade one week with a progress bar; return the outcomes (also used by ``course demo``)."""
    from tqdm.auto import tqdm

    from .autograde import Autograder

    settings = _grading_settings(cfg, args)
    grader = Autograder(cfg, week, settings, students=args.students or None)
    todo, current = grader.pending()
    if current:
        print(f"{week}: {len(current)} submission(s) already graded and unchanged (use --force to regrade)")
    bar = tqdm(total=len(todo), desc=f"autograde {week}", unit="submission", disable=not todo)

    def progress(outcome, done, total):
        bar.update(1)
        bar.set_postfix_str(f"{outcome.student}: {outcome.status}", refresh=False)

    grader.on_outcome = progress
    try:
        return grader.run()
    finally:
        bar.close()


def cmd_autograde(args: argparse.Namespace) -> int:
    from .autograde import GradingError
    from .summary import format_summary

    cfg = course_config.load(args.root)
    weeks = _selected_weeks(cfg, [args.week], "autograde")
    if isinstance(weeks, int):
        return weeks
    if args.jobs is not None and args.jobs < 1:
        print("--jobs must be at least 1", file=sys.stderr)
        return 2
    try:
        outcomes = run_autograde(cfg, args.week, args)
    except GradingError as exc:
        print(f"autograde: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("autograde: interrupted; every finished grade is kept, rerun to grade the rest", file=sys.stderr)
        return 130
    print(format_summary(outcomes))
    return 1 if any(o.status == "failed" for o in outcomes) else 0


def cmd_collect(args: argparse.Namespace) -> int:
    from .ingest import collect, zip_collect

    cfg = course_config.load(args.root)
    weeks = _selected_weeks(cfg, [args.week], "collect")
    if isinstance(weeks, int):
        return weeks
    result = zip_collect(cfg, args.week, args.zips) if args.zips else collect(cfg, args.week)
    if not result.ok:
        print(result.log, file=sys.stderr)
    print(f"{args.week}: {len(result.submissions)} submission(s) in submitted/: {', '.join(result.submissions) or 'none'}")
    return 0 if result.ok else 1


def cmd_feedback(args: argparse.Namespace) -> int:
    from .report import write_week_feedback

    cfg = course_config.load(args.root)
    weeks = _selected_weeks(cfg, [args.week], "make feedback for")
    if isinstance(weeks, int):
        return weeks
    pages = write_week_feedback(cfg, args.week, args.students or None)
    print(f"feedback {args.week}: {len(pages)} page(s) in {cfg.root / 'feedback'} (hidden tests redacted)")
    return 0


def _print_reports(written: dict, note: str) -> None:
    print(note)
    for what, path in written.items():
        print(f"grades {what}: {path}")


def cmd_report(args: argparse.Namespace) -> int:
    from .groups import GroupsError
    from .report import write_reports
    from .results import UnknownSubmittersError

    cfg = course_config.load(args.root)
    weeks = _selected_weeks(cfg, args.weeks, "report")
    if isinstance(weeks, int):
        return weeks
    try:
        written, note = write_reports(cfg, args.out or cfg.root / "grades", weeks, args.groups, args.allow_unknown)
    except (GroupsError, UnknownSubmittersError) as exc:
        print(f"report: {exc}", file=sys.stderr)
        return 2
    _print_reports(written, note)
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """The tutor's whole cycle on demo submissions of one week (the README's main job)."""
    from .autograde import GradingError
    from .demo import make_demo_submissions, write_demo_groups
    from .release import release_weeks
    from .report import write_reports, write_week_feedback
    from .summary import format_summary

    cfg = course_config.load(args.root)
    week = args.week or (cfg.weeks()[0] if cfg.weeks() else None)
    if week is None or week not in cfg.weeks():
        print(f"demo: unknown week {week!r}; weeks in source/: {', '.join(cfg.weeks()) or 'none'}", file=sys.stderr)
        return 2
    release = release_weeks(cfg, [week])[0]
    print(f"1. release {week}: {'ok' if release.ok else 'FAILED: ' + release.message}")
    if not release.ok:
        return 1
    ids = make_demo_submissions(cfg, week, cfg.root / "submitted")
    groups = write_demo_groups(cfg.root / "grades" / "demo-groups.csv", ids)
    print(f"2. {len(ids)} demo submissions in submitted/: {', '.join(ids)}")
    print(f"   their groups (two made-up students each): {groups.relative_to(cfg.root)}")
    args.students, args.force = ids, True
    if args.cell_timeout is None:
        # a week must grade within grading_time_limit in all, so no honest cell needs longer
        args.cell_timeout = int(cfg.course.grading_time_limit)
    try:
        outcomes = run_autograde(cfg, week, args)
    except GradingError as exc:
        print(f"demo: {exc}", file=sys.stderr)
        return 2
    print(f"3. autograde {week}:")
    print(format_summary(outcomes))
    pages = write_week_feedback(cfg, week, ids)
    print(f"4. feedback: {len(pages)} page(s) under feedback/<id>/{week}/ (hidden tests redacted)")
    written, note = write_reports(cfg, cfg.root / "grades" / "demo", [week], groups, allow_unknown=True)
    print("5. reports:")
    _print_reports(written, "   " + note)
    return 0


def _grading_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--jobs", "-j", type=int, default=None, help="kernels at once (default: c.Course.autograde_workers, 0 = every core)")
    parser.add_argument("--scheduler", default=None, metavar="ADDRESS", help="run the kernels on this Dask scheduler (e.g. tcp://10.0.0.5:8786); needs a shared file system")
    parser.add_argument("--force", action="store_true", help="regrade submissions that are already graded and unchanged")
    parser.add_argument("--unsafe", action="store_true", help="grade without the sandbox where none is available (reported as UNSAFE)")
    parser.add_argument("--cell-timeout", type=int, default=None, metavar="S", help="seconds per cell (default: nbgrader's Execute.timeout)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="Course tooling built on nbgrader: release weeks, check them, grade them.")
    parser.add_argument("--root", type=Path, default=None, help="course repository (default: the folder holding nbgrader_config.py above the current one)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    release = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader generate_assignment",
                             description="Regenerate release/<week>/ from source/<week>/ for the given weeks, or all of them.")
    _weeks_argument(release)
    release.set_defaults(func=cmd_release)

    check = sub.add_parser("check", help="prove weeks are gradable (full marks, zero for the release, wrong answers caught, no leaks, ...)",
                           description="Grade each week's solution, release and wrong answers with nbgrader in a throw-away course; "
                                       "print one line per week and check; exit 1 when any check fails.")
    _weeks_argument(check)
    check.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1, help="weeks checked in parallel (default: CPU count)")
    check.add_argument("--student-run", action="store_true", help="also time each week with the students' full budget")
    check.set_defaults(func=cmd_check)

    bundle = sub.add_parser("bundle", help="make the student folder and zip (release, helpers, environment, README)",
                            description="Write the student bundle and scan it for leaked solutions; nothing else goes in.")
    bundle.add_argument("--out", type=Path, default=None, help="folder to write (default: bundle/deep-learning-student)")
    bundle.add_argument("--no-zip", action="store_true", help="write only the folder, not the zip")
    bundle.set_defaults(func=cmd_bundle)

    new = sub.add_parser("new", help="start a week from a template that passes `course check`",
                         description="Create source/<week>/<week>.ipynb and its wrong-answer fixture from the template.")
    new.add_argument("week", help="assignment id, e.g. 14-graph-networks")
    new.add_argument("--title", default="", help="the notebook's title (default: from the id)")
    new.set_defaults(func=cmd_new)

    autograde = sub.add_parser("autograde", help="grade a week's submissions: pre-flight, sandboxed parallel kernels, integrity review",
                               description="Grade submitted/<id>/<week>/ for every id (or those given): reject or repair bad files before any "
                                           "kernel starts, run each notebook in a sandbox, save scores in the gradebook (one writer), flag "
                                           "tampering for review. Rerunning grades only what is missing or newer.")
    autograde.add_argument("week", help="assignment id, e.g. 01-math-review")
    autograde.add_argument("students", nargs="*", help="submission ids (default: all)")
    _grading_arguments(autograde)
    autograde.set_defaults(func=cmd_autograde)

    collect = sub.add_parser("collect", help="bring submissions into submitted/ (JupyterHub exchange, or LMS zip downloads)",
                             description="Without --zips: nbgrader collect --update from the exchange. With --zips: nbgrader zip_collect on "
                                         "the given archives, named as c.FileNameCollectorPlugin.named_regexp says.")
    collect.add_argument("week", help="assignment id")
    collect.add_argument("--zips", nargs="+", type=Path, default=None, metavar="ZIP", help="LMS download archives (or single notebooks)")
    collect.set_defaults(func=cmd_collect)

    feedback = sub.add_parser("feedback", help="HTML feedback per graded submission, hidden tests redacted",
                              description="Write feedback/<id>/<week>/<notebook>.html for every graded submission (or those given). "
                                          "Unlike nbgrader's generate_feedback, hidden tests and their tracebacks never reach the page.")
    feedback.add_argument("week", help="assignment id")
    feedback.add_argument("students", nargs="*", help="submission ids (default: all graded)")
    feedback.set_defaults(func=cmd_feedback)

    report = sub.add_parser("report", help="grade CSVs per group and per student, and the exam-eligibility report",
                            description="Join the gradebook with groups.csv (c.Course.groups_file) and the batch ledger; write "
                                        "grades-per-group.csv, grades-per-student.csv and exam-eligibility.csv "
                                        "(c.Course.pass_fraction, c.Course.allowed_failures).")
    _weeks_argument(report)
    report.add_argument("--groups", type=Path, default=None, help="groups CSV (default: c.Course.groups_file)")
    report.add_argument("--out", type=Path, default=None, help="folder for the CSVs (default: grades/)")
    report.add_argument("--allow-unknown", action="store_true", help="list submissions of ids missing from groups.csv instead of stopping")
    report.set_defaults(func=cmd_report)

    weeks = sub.add_parser("weeks", help="the table of weeks (topic, points, due date) from source/",
                           description="Print the markdown table of weeks, or write it into README.md between its markers.")
    weeks.add_argument("--update-readme", action="store_true", help="replace the table in README.md")
    weeks.set_defaults(func=cmd_weeks)

    demo = sub.add_parser("demo", help="the tutor's whole cycle on demo submissions of one week",
                          description="Release the week, write demo submissions (correct, blank, partly wrong, broken JSON, endless "
                                      "loop, edited test, copied test, tampering), autograde them, write feedback and the CSVs.")
    demo.add_argument("week", nargs="?", default=None, help="assignment id (default: the first week)")
    _grading_arguments(demo)
    demo.set_defaults(func=cmd_demo)
    return parser


def _tools_on_path() -> None:
    """nbgrader runs ``alembic`` and kernels by name: find them beside this interpreter."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def main(argv: list[str] | None = None) -> int:
    import warnings

    _tools_on_path()
    # nbgrader's gradebook API trips SQLAlchemy's autoflush warnings on every read; they are noise here.
    warnings.filterwarnings("ignore", message=".*not in session.*")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except FileNotFoundError as exc:
        print(f"course: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
