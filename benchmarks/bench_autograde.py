"""Grade N submissions of a real week: the course pipeline against plain sequential nbgrader.

    .venv/bin/python benchmarks/bench_autograde.py --week 01-math-review -n 16

Both runs grade the same submissions (a mix of correct, partly wrong and blank notebooks
made by ``course.demo``), each in a fresh copy of the course with its own gradebook, one
after the other on the same machine:

* ``nbgrader``: ``nbgrader autograde <week>`` (one submission at a time, no sandbox);
* ``pipeline -j K``: ``course autograde <week> -j K`` (pre-flight, sandbox, K kernels at once,
  cores/K math threads each).

With ``--rounds R`` the two runs alternate R times (nbgrader first in odd rounds, the
pipeline first in even ones), each in a fresh copy, so drift of the machine falls on both.
It prints and writes (benchmarks/results/autograde-<week>.json) the wall time of every run,
the median per variant, the median of the per-round ratios, the median seconds per
submission inside the pipeline, and the peak resident memory of each run's whole process
tree (sampled every 0.1 s with psutil).

The fixed cost per submission is timed on its own (``--overhead K``, median of K): pre-flight
of one submission, and a kernel that starts, runs ``pass`` and stops, in the sandbox and
without it (the same code path with ``unsafe=True``).
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
# nbgrader's gradebook calls the `alembic` script by name: the venv's bin must be on PATH.
os.environ["PATH"] = str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")
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


def overhead(base: Path, week: str, repeats: int) -> dict:
    """Median seconds of pre-flight and of a one-cell kernel, sandboxed and not."""
    import nbformat
    from course.preflight import preflight
    from course.sandbox import execute_notebook, sandbox_problem

    expected = {p.name: nbformat.read(p, as_version=4) for p in sorted((base / "release" / week).glob("*.ipynb"))}
    submission = base / "submitted" / "s000" / week
    tiny = nbformat.writes(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("pass")]))
    timings: dict[str, list[float]] = {"preflight": [], "kernel_sandboxed": [], "kernel_unsandboxed": []}
    with tempfile.TemporaryDirectory(prefix="bench-overhead-") as work:
        for _ in range(repeats):
            start = time.perf_counter()
            result = preflight(submission, expected)
            timings["preflight"].append(time.perf_counter() - start)
            assert result.ok, result.reason
            for name, unsafe in (("kernel_sandboxed", False), ("kernel_unsandboxed", True)):
                if not unsafe and sandbox_problem():
                    continue
                start = time.perf_counter()
                execute_notebook(tiny, work, unsafe=unsafe)
                timings[name].append(time.perf_counter() - start)
    medians = {name: statistics.median(v) for name, v in timings.items() if v}
    for name, value in medians.items():
        print(f"overhead {name:20s} median {value:6.3f} s  (n={len(timings[name])})", flush=True)
    return {"medians_s": medians, "all_s": timings}


def run_nbgrader(base: Path, tmp: Path, week: str, tag: str) -> dict:
    course = tmp / f"nbgrader-{tag}"
    shutil.copytree(base, course)
    load = os.getloadavg()[0]
    seconds, peak, _ = timed([sys.executable, "-m", "nbgrader", "autograde", week], course)
    shutil.rmtree(course)
    print(f"[{tag}] nbgrader autograde (sequential): {seconds:7.1f} s  peak {peak / 2**20:7.0f} MB", flush=True)
    return {"seconds": seconds, "peak_rss_mb": peak / 2**20, "load_1min_before": load}


def run_pipeline(base: Path, tmp: Path, week: str, jobs: int, tag: str) -> dict:
    course = tmp / f"pipeline-{jobs}-{tag}"
    shutil.copytree(base, course)
    load = os.getloadavg()[0]
    seconds, peak, _ = timed([sys.executable, "-m", "course", "autograde", week, "-j", str(jobs)], course)
    ledgers = [json.loads(p.read_text()) for p in (course / "autograded").glob(f"*/{week}/.course-grading.json")]
    per = [x["kernel_seconds"] for x in ledgers]
    shutil.rmtree(course)
    print(f"[{tag}] course autograde -j {jobs}:          {seconds:7.1f} s  peak {peak / 2**20:7.0f} MB  "
          f"median {statistics.median(per):.1f} s in the sandbox per submission ({len(per)} graded)", flush=True)
    return {"seconds": seconds, "peak_rss_mb": peak / 2**20,
            "median_submission_s": statistics.median(per) if per else None, "graded": len(per),
            "load_1min_before": load}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--week", default="01-math-review")
    parser.add_argument("-n", type=int, default=16, help="submissions (default 16)")
    parser.add_argument("--jobs", "-j", type=int, nargs="+", default=[os.cpu_count() or 1], help="pipeline worker counts to run")
    parser.add_argument("--skip-nbgrader", action="store_true", help="only time the pipeline")
    parser.add_argument("--rounds", type=int, default=1, help="alternating rounds (default 1)")
    parser.add_argument("--overhead", type=int, default=7, metavar="K", help="repeats of the fixed-cost timings (0: skip)")
    args = parser.parse_args()
    results = {"week": args.week, "n": args.n, "cpus": os.cpu_count(), "rounds": [], "load_before": os.getloadavg()}
    with tempfile.TemporaryDirectory(prefix="bench-autograde-") as tmp_name:
        tmp = Path(tmp_name)
        base = make_course(tmp / "base", args.week, args.n)
        if args.overhead:
            results["overhead"] = overhead(base, args.week, args.overhead)
        for r in range(args.rounds):
            runs: dict[str, dict] = {}
            order = ["nbgrader", *args.jobs] if r % 2 == 0 else [*args.jobs, "nbgrader"]
            for what in order:
                if what == "nbgrader":
                    if not args.skip_nbgrader:
                        runs["nbgrader"] = run_nbgrader(base, tmp, args.week, f"round {r + 1}")
                else:
                    runs[f"pipeline-j{what}"] = run_pipeline(base, tmp, args.week, what, f"round {r + 1}")
            if "nbgrader" in runs:
                for name, run in runs.items():
                    if name != "nbgrader":
                        run["speedup_vs_nbgrader"] = runs["nbgrader"]["seconds"] / run["seconds"]
            results["rounds"].append(runs)
    summary: dict[str, dict] = {}
    for name in results["rounds"][0]:
        rows = [rnd[name] for rnd in results["rounds"]]
        summary[name] = {"median_seconds": statistics.median(x["seconds"] for x in rows),
                         "max_peak_rss_mb": max(x["peak_rss_mb"] for x in rows)}
        if "speedup_vs_nbgrader" in rows[0]:
            summary[name]["median_speedup"] = statistics.median(x["speedup_vs_nbgrader"] for x in rows)
        if "median_submission_s" in rows[0]:
            summary[name]["median_submission_s"] = statistics.median(x["median_submission_s"] for x in rows)
        print(f"{name:14s} median {summary[name]['median_seconds']:7.1f} s  peak {summary[name]['max_peak_rss_mb']:6.0f} MB"
              + (f"  {summary[name]['median_speedup']:.2f}x faster than sequential nbgrader (median of per-round ratios)"
                 if "median_speedup" in summary[name] else ""))
    results["summary"] = summary
    results["load_after"] = os.getloadavg()
    out = REPO / "benchmarks" / "results" / f"autograde-{args.week}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"wrote {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
