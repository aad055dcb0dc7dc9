"""``course``: one command line for instructors and tutors, a thin layer over the library."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import config as course_config


def _weeks_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("weeks", nargs="*", help="assignment ids such as 01-math-review (default: every week in source/)")


def cmd_release(args: argparse.Namespace) -> int:
    from .release import release_weeks

    cfg = course_config.load(args.root)
    unknown = [w for w in args.weeks if w not in cfg.weeks()]
    if unknown:
        print(f"unknown week(s): {', '.join(unknown)}; weeks in source/: {', '.join(cfg.weeks()) or 'none'}", file=sys.stderr)
        return 2
    if not cfg.weeks():
        print(f"no weeks in {cfg.source}: nothing to release")
        return 0
    failed = 0
    for result in release_weeks(cfg, args.weeks or None):
        if result.ok:
            names = ", ".join(p.relative_to(cfg.root).as_posix() for p in result.notebooks)
            print(f"release {result.week}: ok ({names})")
        else:
            failed += 1
            print(f"release {result.week}: FAILED: {result.message}")
    return 1 if failed else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="course", description="Course tooling built on nbgrader: release weeks, check them, grade them.")
    parser.add_argument("--root", type=Path, default=None, help="course repository (default: the folder holding nbgrader_config.py above the current one)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    release = sub.add_parser("release", help="regenerate release/ from source/ with nbgrader generate_assignment",
                             description="Regenerate release/<week>/ from source/<week>/ for the given weeks, or all of them.")
    _weeks_argument(release)
    release.set_defaults(func=cmd_release)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except FileNotFoundError as exc:
        print(f"course: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
