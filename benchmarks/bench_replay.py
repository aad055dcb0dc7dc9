"""Time the quality gate's wrong-answer replay, now against an earlier version of it.

    .venv/bin/python benchmarks/bench_replay.py --ref 4265f0a 02-ml-basics 07-autoencoders-vae-pixelcnn

For each week, ``course.replay.replay_week`` runs the week's wrong answers in one kernel
(one math thread, the grading budget), first with the working tree's replay, then with
``course/replay.py`` as it was at ``--ref`` (loaded from git into a temporary module); with
``--rounds R`` the two alternate R times, the reference first in even rounds. It prints the
baseline (solution run) and replay seconds of every run, the number of wrong answers caught
by each version (they must agree), and the median ratio of replay times per week; the JSON
goes to benchmarks/results/replay.json. Without ``--ref`` it only times the working tree.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
os.environ.setdefault("OMP_NUM_THREADS", "1")  # as one worker of `make test` on two cores

from course import config as course_config  # noqa: E402
from course import replay as current  # noqa: E402
from course.notebooks import read_notebook, week_notebooks  # noqa: E402


def replay_at(ref: str, tmp: Path):
    """``course/replay.py`` as committed at ``ref``, imported as a module of the course package."""
    code = subprocess.run(["git", "show", f"{ref}:course/replay.py"], cwd=REPO, check=True, capture_output=True, text=True).stdout
    path = tmp / "replay_at_ref.py"
    path.write_text(code)
    spec = importlib.util.spec_from_file_location("course.replay_at_ref", path, submodule_search_locations=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "course"
    sys.modules[spec.name] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def run(module, cfg, week: str, tmp: Path) -> dict:
    wrong = current.load_wrong_answers(cfg.wrong_answers / f"{week}.py")
    workdir = Path(tempfile.mkdtemp(dir=tmp))
    shutil.rmtree(workdir)
    shutil.copytree(cfg.source / week, workdir)
    out = {"baseline_s": 0.0, "replay_s": 0.0, "caught": 0, "tried": 0}
    for path in week_notebooks(cfg.source / week):
        nb = read_notebook(path)
        report = module.replay_week(nb, workdir, cfg.config, wrong)
        out["baseline_s"] += report.baseline_seconds
        out["replay_s"] += report.replay_seconds
        out["caught"] += sum(r.caught for r in report.results)
        out["tried"] += len(report.results)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("weeks", nargs="*", help="weeks to time (default: all)")
    parser.add_argument("--ref", help="git revision whose course/replay.py is the reference")
    parser.add_argument("--rounds", type=int, default=1)
    args = parser.parse_args()
    cfg = course_config.load(REPO)
    weeks = args.weeks or cfg.weeks()
    results: dict[str, dict[str, list[dict]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-replay-") as tmp_name:
        tmp = Path(tmp_name)
        versions = {"working tree": current}
        if args.ref:
            versions[f"ref {args.ref}"] = replay_at(args.ref, tmp)
        for week in weeks:
            results[week] = {name: [] for name in versions}
            for round_ in range(args.rounds):
                order = list(versions) if round_ % 2 == 0 else list(reversed(versions))
                for name in order:
                    r = run(versions[name], cfg, week, tmp)
                    results[week][name].append(r)
                    print(f"{week:30s} {name:18s} round {round_ + 1}: baseline {r['baseline_s']:6.1f} s, "
                          f"replay {r['replay_s']:6.1f} s, caught {r['caught']}/{r['tried']}", flush=True)
    print()
    print(f"{'week':30s} " + " ".join(f"{name + ' replay s':>24s}" for name in versions) + ("   ratio" if args.ref else ""))
    for week, by in results.items():
        medians = {name: statistics.median(r["replay_s"] for r in runs) for name, runs in by.items()}
        line = f"{week:30s} " + " ".join(f"{m:24.1f}" for m in medians.values())
        if args.ref:
            ratios = [ref["replay_s"] / new["replay_s"] for new, ref in zip(*by.values())]
            caught = {name: {r["caught"] for r in runs} for name, runs in by.items()}
            line += f"   {statistics.median(ratios):5.1f}x" + ("" if len(set(map(frozenset, caught.values()))) == 1 else "   CAUGHT DIFFERS")
        print(line)
    totals = {name: sum(statistics.median(r["replay_s"] for r in by[name]) for by in results.values()) for name in versions}
    print(f"{'all weeks':30s} " + " ".join(f"{t:24.1f}" for t in totals.values()))
    out = REPO / "benchmarks" / "results" / "replay.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"ref": args.ref, "rounds": args.rounds, "results": results}, indent=1))


if __name__ == "__main__":
    main()
