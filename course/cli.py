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
    # One process per week: each has its own kernel and throw-away gradebook.
    with ProcessPoolExecutor(max_workers=min(args.jobs, len(weeks))) as pool:
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
    return parser


def _tools_on_path() -> None:
    """nbgrader runs ``alembic`` and kernels by name: find them beside this interpreter."""
    bindir = str(Path(sys.executable).parent)
    if bindir not in os.environ.get("PATH", "").split(os.pathsep):
        os.environ["PATH"] = bindir + os.pathsep + os.environ.get("PATH", "")


def main(argv: list[str] | None = None) -> int:
    _tools_on_path()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except FileNotFoundError as exc:
        print(f"course: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
