"""Grade N submissions of a real week: the course pipeline against plain sequential nbgrader.

    .venv/bin/python benchmarks/bench_autograde.py --week 01-math-review -n 16

Both runs grade the same submissions (a mix of correct, partly wrong and blank notebooks
made by ``course.demo``), each in a fresh copy of the course with its own gradebook, one
after the other on the same machine:

* ``nbgrader``: ``nbgrader autograde <week>`` (one submission at a time, no sandbox);
* ``pipeline -j K``: ``course autograde <week> -j K`` (pre-flight, sandbox, K kernels at once,
  cores/K math threads each).

It prints and writes (benchmarks/results/autograde-<week>.json) the wall time of each run,
their ratio, the median seconds per submission inside the pipeline, and the peak resident
memory of each run's whole process tree (sampled every 0.1 s with psutil).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from course import config as course_config  # noqa: E402
from course.demo import make_demo_submissions  # noqa: E402
from course.release import release_weeks  # noqa: E402

MIX = ("correct", "partly-wrong", "blank", "correct")


def make_course(dest: Path, week: str, n: int) -> Path:
    dest.mkdir(parents=True)
    shutil.copy2(REPO / "nbgrader_config.py", dest)
    shutil.copytree(REPO / "source" / week, dest / "source" / week)
    wrong = REPO / "tests" / "notebooks" / "wrong_answers" / f"{week}.py"
    (dest / "tests" / "notebooks" / "wrong_answers").mkdir(parents=True)
    if wrong.exists():
        shutil.copy2(wrong, dest / "tests" / "notebooks" / "wrong_answers")
    cfg = course_config.load(dest)
    assert all(r.ok for r in release_weeks(cfg, [week]))
    staging = dest / ".demo"
    made = make_demo_submissions(cfg, week, staging, cases=MIX)
    for i in range(n):
        case = made[i % len(made)]
        shutil.copytree(staging / case / week, dest / "submitted" / f"s{i:03d}" / week)
    shutil.rmtree(staging)
    return dest


class PeakMemory:
    """Peak summed RSS of a process and all its descendants, sampled in a thread."""

    def __init__(self, pid: int, every: float = 0.1):
        self.pid, self.every, self.peak = pid, every, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        try:
            root = psutil.Process(self.pid)
        except psutil.NoSuchProcess:
            return
        while not self._stop.is_set():
            total = 0
            try:
                for proc in [root, *root.children(recursive=True)]:
                    try:
                        total += proc.memory_info().rss
                    except psutil.Error:
                        pass
            except psutil.Error:
                break
            self.peak = max(self.peak, total)
            time.sleep(self.every)

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


def timed(cmd: list[str], cwd: Path) -> tuple[float, int, str]:
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ["PATH"])
    start = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    meter = PeakMemory(proc.pid)
    out, _ = proc.communicate()
    seconds = time.perf_counter() - start
    peak = meter.stop()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{out[-3000:]}")
    return seconds, peak, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--week", default="01-math-review")
    parser.add_argument("-n", type=int, default=16, help="submissions (default 16)")
    parser.add_argument("--jobs", "-j", type=int, nargs="+", default=[os.cpu_count() or 1], help="pipeline worker counts to run")
    parser.add_argument("--skip-nbgrader", action="store_true", help="only time the pipeline")
    args = parser.parse_args()
    results = {"week": args.week, "n": args.n, "cpus": os.cpu_count(), "runs": {}}
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp:
        base = make_course(Path(tmp) / "base", args.week, args.n)
        if not args.skip_nbgrader:
            course = Path(tmp) / "nbgrader"
            shutil.copytree(base, course)
            seconds, peak, _ = timed([sys.executable, "-m", "nbgrader", "autograde", args.week], course)
            results["runs"]["nbgrader"] = {"seconds": seconds, "peak_rss_mb": peak / 2**20}
            print(f"nbgrader autograde (sequential): {seconds:7.1f} s  peak {peak / 2**20:7.0f} MB", flush=True)
        for jobs in args.jobs:
            course = Path(tmp) / f"pipeline-{jobs}"
            shutil.copytree(base, course)
            seconds, peak, out = timed([sys.executable, "-m", "course", "autograde", args.week, "-j", str(jobs)], course)
            per = []
            for ledger in (course / "autograded").glob(f"*/{args.week}/.course-grading.json"):
                per.append(json.loads(ledger.read_text())["seconds"])
            results["runs"][f"pipeline-j{jobs}"] = {"seconds": seconds, "peak_rss_mb": peak / 2**20,
                                                   "median_submission_s": statistics.median(per) if per else None,
                                                   "graded": len(per)}
            print(f"course autograde -j {jobs}:          {seconds:7.1f} s  peak {peak / 2**20:7.0f} MB  "
                  f"median {statistics.median(per):.1f} s per submission ({len(per)} graded)", flush=True)
    if "nbgrader" in results["runs"]:
        for name, run in results["runs"].items():
            if name != "nbgrader":
                run["speedup_vs_nbgrader"] = results["runs"]["nbgrader"]["seconds"] / run["seconds"]
                print(f"{name}: {run['speedup_vs_nbgrader']:.2f}x faster than sequential nbgrader")
    out = REPO / "benchmarks" / "results" / f"autograde-{args.week}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
