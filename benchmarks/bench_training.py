#!/usr/bin/env python
"""Benchmark of ``helpers.DeviceLoader`` and ``helpers.fit`` against their honest limits.

One model and one dataset: an MLP 64 -> 256 -> 256 -> 10 (ReLU) on the train split of
scikit-learn's digits (``helpers.data.load_digits(flatten=True)``), batch size 64, Adam
(lr 1e-3). Everything is measured in this one process and run: every repeat runs every
variant once, round-robin, after an unrecorded warm-up round. A group's variants run back
to back (so a ratio compares timings taken a fraction of a second apart) and the order of
the groups and of the variants within each group rotates from repeat to repeat (so neither
drift nor position favours a variant). Reported: the median seconds per epoch over the
repeats, its ratio to the group's reference, and the median of the per-repeat (paired)
ratios with their quartiles; the targets are judged on the paired ratio, which cancels
drift of the machine between repeats.

Groups:

* ``loader+step``: one real epoch, i.e. iteration plus a training step per batch, for
  (a) batches sliced in advance into a Python list (the limit; reference, not shuffled),
  (b) ``helpers.DeviceLoader(shuffle=True)``, (c) ``DataLoader(TensorDataset(x, y),
  batch_size=64, shuffle=True)``.
* ``loader-only``: the same three loaders iterated without a training step, to isolate
  loader overhead.
* ``loop``: ``helpers.fit(model, loader, epochs=E, progress=True)`` (its tqdm bar goes to
  ``os.devnull``: real writes, but no terminal) against a minimal hand-written loop over a
  ``DeviceLoader`` built the same way (reference): zero_grad, forward, cross_entropy,
  backward, step, and the epoch's mean training loss. All start from the same weights
  (one ``state_dict``), the same optimizer settings and the same shuffling seed, so they
  compute the same losses; the script checks that they do. ``fit(progress=False)`` is
  timed too, for information: the difference to ``progress=True`` is the bar's cost.

On a shared machine other processes distort timings badly (two OpenMP threads on two
cores slow down many times over when a third process wants a core), so a timing during
which other processes took more than 10 % of the CPUs is rerun once they leave the CPUs
alone (``--retries``), within ``--max-wait`` seconds in all. The share of the CPUs others took during each recorded timing is printed and
written to the JSON file; when some repeats were contended anyway, a second table gives
the medians over the quiet repeats only.

Usage::

    .venv/bin/python benchmarks/bench_training.py [--repeats N] [--epochs E]
        [--device cpu|cuda|auto] [--threads T] [--json PATH] [--retries R] [--max-wait S]

``--device auto`` (the default) measures the CPU and, when ``torch.cuda.is_available()``,
CUDA as well, reported separately.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import importlib.util
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
import tqdm  # noqa: E402
import torch.nn.functional as F  # noqa: E402
from torch import nn  # noqa: E402
from torch.utils.data import DataLoader, TensorDataset  # noqa: E402

import helpers  # noqa: E402
from helpers.data import load_digits  # noqa: E402

BATCH_SIZE = 64
LR = 1e-3
SEED = 0
TOLERANCE = 0.05  # the targets: within 5 % of the reference


# --- machine description -------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def source_revision() -> str:
    """The git commit the measured ``helpers`` come from, marked when they differ from it."""
    package = Path(helpers.__file__).resolve().parent
    try:
        run = lambda *cmd: subprocess.run(cmd, cwd=package, capture_output=True, text=True, timeout=10, check=True).stdout.strip()  # noqa: E731
        commit = run("git", "rev-parse", "--short", "HEAD")
        dirty = run("git", "status", "--porcelain", "--", str(package))
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return commit + (" + uncommitted changes to helpers/" if dirty else "")


def machine_info(threads: int) -> dict:
    info = {
        "cpu_model": cpu_model(),
        "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "threads_requested": threads,
        "python": platform.python_version(),
        "tqdm_version": tqdm.__version__,
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "MKL_NUM_THREADS": os.environ.get("MKL_NUM_THREADS"),
        "cuda_available": torch.cuda.is_available(),
        "helpers": str(Path(helpers.__file__).resolve().parent),
        "helpers_revision": source_revision(),
    }
    if torch.cuda.is_available():
        info["cuda_device"] = torch.cuda.get_device_name(0)
    return info


# --- model, data, steps --------------------------------------------------------------------


def make_model() -> nn.Module:
    return nn.Sequential(nn.Linear(64, 256), nn.ReLU(), nn.Linear(256, 256), nn.ReLU(), nn.Linear(256, 10))


def fresh(initial_state: dict, device: torch.device) -> tuple[nn.Module, torch.optim.Optimizer]:
    """A model with the shared initial weights and a new optimizer with the fixed settings."""
    model = make_model()
    model.load_state_dict(initial_state)
    model.to(device).train()
    return model, torch.optim.Adam(model.parameters(), lr=LR)


def sync(device: torch.device) -> None:
    if device.type == "cuda":
        torch.cuda.synchronize(device)


@dataclass
class Variant:
    group: str
    name: str
    label: str
    setup: Callable[[], object]  # untimed; returns the state that run() needs
    run: Callable[[object, int], object]  # timed; runs that many epochs
    reference: bool = False
    factor: int = 1  # epochs actually run per requested epoch (loader-only timings run more)
    times: list[float] = field(default_factory=list)  # seconds per epoch, one per repeat
    foreign: list[float | None] = field(default_factory=list)  # CPU share others (processes, hypervisor) took meanwhile
    last_result: object = None


def load_baseline(revision: str):
    """``helpers`` as of a git revision, imported as the package ``helpers_baseline``."""
    folder = tempfile.TemporaryDirectory(prefix="helpers-baseline-")
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", revision, "helpers"], capture_output=True, check=True).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(folder.name, filter="data")
    package = Path(folder.name) / "helpers"
    spec = importlib.util.spec_from_file_location("helpers_baseline", package / "__init__.py", submodule_search_locations=[str(package)])
    module = importlib.util.module_from_spec(spec)
    sys.modules["helpers_baseline"] = module
    spec.loader.exec_module(module)
    module._folder = folder  # removed when the process ends
    return module


def build_variants(
    device: torch.device, x: torch.Tensor, y: torch.Tensor, initial_state: dict, iter_factor: int,
    baseline=None, baseline_name: str = "",
) -> list[Variant]:
    x_dev, y_dev = x.to(device), y.to(device)
    on_cuda = device.type == "cuda"

    def presliced() -> list[tuple[torch.Tensor, torch.Tensor]]:
        return [(x_dev[i : i + BATCH_SIZE], y_dev[i : i + BATCH_SIZE]) for i in range(0, len(x_dev), BATCH_SIZE)]

    def device_loader(seed: int = SEED) -> helpers.DeviceLoader:
        generator = torch.Generator().manual_seed(seed)
        return helpers.DeviceLoader((x_dev, y_dev), batch_size=BATCH_SIZE, shuffle=True, device=device, generator=generator)

    def baseline_loader(seed: int = SEED):
        generator = torch.Generator().manual_seed(seed)
        return baseline.DeviceLoader((x_dev, y_dev), batch_size=BATCH_SIZE, shuffle=True, device=device, generator=generator)

    def torch_loader() -> DataLoader:
        # The tensors stay on the CPU (as they would with a DataLoader); on CUDA each batch is copied.
        return DataLoader(TensorDataset(x, y), batch_size=BATCH_SIZE, shuffle=True)

    # -- loader + one training step per batch
    def step_setup(make_batches):
        def setup():
            model, opt = fresh(initial_state, device)
            return model, opt, make_batches()
        return setup

    def step_run(state, epochs):
        model, opt, batches = state
        for _ in range(epochs):
            for xb, yb in batches:
                if on_cuda and xb.device != device:
                    xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
        sync(device)

    # -- loader alone
    def iter_run(state, epochs):
        for _ in range(epochs * iter_factor):
            for xb, yb in state:
                if on_cuda and xb.device != device:
                    xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
        sync(device)

    # -- training loops
    def fit_setup():
        model, opt = fresh(initial_state, device)
        return model, opt, device_loader()

    def fit_run(state, epochs):
        model, opt, loader = state
        with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
            return helpers.fit(model, loader, epochs=epochs, optimizer=opt, device=device, progress=True)

    def fit_baseline_run(state, epochs):
        model, opt, loader = state
        with open(os.devnull, "w") as devnull, contextlib.redirect_stderr(devnull):
            return baseline.fit(model, loader, epochs=epochs, optimizer=opt, device=device, progress=True)

    def fit_quiet_run(state, epochs):
        model, opt, loader = state
        return helpers.fit(model, loader, epochs=epochs, optimizer=opt, device=device, progress=False)

    def hand_run(state, epochs):
        """The honest minimal loop: what a careful student writes, no more, no less."""
        model, opt, loader = state
        losses = []
        for _ in range(epochs):
            model.train()
            total = torch.zeros((), device=device)
            seen = 0
            for xb, yb in loader:
                opt.zero_grad(set_to_none=True)
                loss = F.cross_entropy(model(xb), yb)
                loss.backward()
                opt.step()
                total.add_(loss.detach(), alpha=len(yb))  # summed on the device: no per-batch sync
                seen += len(yb)
            losses.append((total / seen).item())
        return losses

    variants = [
        Variant("loader+step", "presliced", "(a) pre-sliced list (limit)", step_setup(presliced), step_run, reference=True),
        Variant("loader+step", "device_loader", "(b) helpers.DeviceLoader(shuffle)", step_setup(device_loader), step_run),
        Variant("loader+step", "dataloader", "(c) DataLoader(TensorDataset)", step_setup(torch_loader), step_run),
        Variant("loader-only", "presliced", "(a) pre-sliced list", presliced, iter_run, reference=True, factor=iter_factor),
        Variant("loader-only", "device_loader", "(b) helpers.DeviceLoader", device_loader, iter_run, factor=iter_factor),
        Variant("loader-only", "dataloader", "(c) DataLoader(TensorDataset)", torch_loader, iter_run, factor=iter_factor),
        Variant("loop", "hand", "hand-written loop (DeviceLoader)", fit_setup, hand_run, reference=True),
        Variant("loop", "fit", "helpers.fit(progress=True)", fit_setup, fit_run),
        Variant("loop", "fit_no_progress", "helpers.fit(progress=False) (info)", fit_setup, fit_quiet_run),
    ]
    if baseline is not None:  # the same measurements for helpers at another revision, for information
        variants[3:3] = [Variant("loader+step", "device_loader_baseline", f"(b) DeviceLoader @ {baseline_name} (info)",
                                 step_setup(baseline_loader), step_run)]
        variants.append(Variant("loop", "fit_baseline", f"fit(progress=True) @ {baseline_name} (info)", fit_setup, fit_baseline_run))
    return variants


# --- measurement ---------------------------------------------------------------------------


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
QUIET = 0.10  # a timing is "contended" when others took more than this share of the CPUs meanwhile
PROBE_S = 0.1  # window over which the machine is checked for other work (about 20 ticks of 2 CPUs)


def cpu_counters() -> tuple[float, float, float, float] | None:
    """(machine busy CPU-seconds, hypervisor-stolen seconds, this process's CPU seconds, wall clock)."""
    try:
        values = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    own = os.times()
    return (user + nice + system + irq + softirq) / _TICK, steal / _TICK, own.user + own.system, time.perf_counter()


def foreign_share(before, after) -> float | None:
    """Share of all CPUs used by other processes or stolen by the hypervisor between two ``cpu_counters()``."""
    if before is None or after is None or after[3] <= before[3]:
        return None
    capacity = (after[3] - before[3]) * (os.cpu_count() or 1)
    other = max(0.0, (after[0] - before[0]) - (after[2] - before[2]))
    return (other + (after[1] - before[1])) / capacity


@dataclass
class Gate:
    """Keeps other work on a shared machine out of the timings, within a time budget.

    A timing during which other processes (or the hypervisor) took more than ``QUIET`` of
    the CPUs is discarded and, once the CPUs have been free of other work for ``PROBE_S``,
    run again, up to ``retries`` times; after such a timing the next one waits the same way.
    Waiting and reruns stop once ``max_wait`` seconds have been spent on them. Every
    discarded timing and every second waited is reported.
    """

    retries: int = 2
    max_wait: float = 300.0
    spent: float = 0.0
    waited: float = 0.0
    discarded: list = field(default_factory=list)
    busy: bool = False  # the last timing was contended
    mark: tuple | None = None  # counters at the end of the last timing or wait

    def wait_for_idle(self) -> None:
        """Return once other work has left the CPUs alone for ``PROBE_S`` (or the budget is spent)."""
        entered = time.perf_counter()
        since = cpu_counters()
        while since is not None and self.spent + time.perf_counter() - entered < self.max_wait:
            time.sleep(PROBE_S)
            now = cpu_counters()
            share = foreign_share(since, now)
            since = now
            if share is None or share <= QUIET:
                break
        waited = time.perf_counter() - entered
        self.spent += waited
        self.waited += waited
        self.mark = since


def time_once(variant: Variant, epochs: int, device: torch.device, gate: Gate | None) -> tuple[float, float | None]:
    """Seconds per epoch, and the share of the CPUs that other processes (or the hypervisor) took meanwhile."""
    attempt = 0
    while True:
        state = variant.setup()
        sync(device)
        gc.collect()  # cheap after gc.freeze()
        if gate is not None and gate.busy:
            gate.wait_for_idle()
        before = cpu_counters()
        start = time.perf_counter()
        variant.last_result = variant.run(state, epochs)
        elapsed = time.perf_counter() - start
        after = cpu_counters()
        # The counters tick every 10 ms: judge a short timing together with the moments before it.
        window = gate.mark if gate is not None and gate.mark is not None and elapsed < PROBE_S else before
        share = foreign_share(window, after)
        seconds = elapsed / (epochs * variant.factor)
        if gate is None:
            return seconds, share
        gate.mark = after
        gate.busy = share is not None and share > QUIET
        if not gate.busy or attempt >= gate.retries or gate.spent >= gate.max_wait:
            return seconds, share
        gate.discarded.append({"group": variant.group, "variant": variant.name, "seconds_per_epoch": seconds, "foreign_share": share})
        gate.spent += elapsed
        attempt += 1


def measure(variants: list[Variant], repeats: int, epochs: int, warmup: int, device: torch.device, gate: Gate | None) -> None:
    """Warm up, then time every variant once per repeat.

    A group's variants run back to back, so the ratios within a group compare timings taken
    a fraction of a second apart; the order of the groups, and of the variants within each
    group, rotates from repeat to repeat, so no variant always goes first.
    """
    for _ in range(warmup):
        for v in variants:
            time_once(v, epochs, device, None)
    groups: dict[str, list[Variant]] = {}
    for v in variants:
        groups.setdefault(v.group, []).append(v)
    names = list(groups)
    for r in range(repeats):
        for name in names[r % len(names):] + names[: r % len(names)]:
            members = groups[name]
            k = r % len(members)
            for v in members[k:] + members[:k]:
                seconds, share = time_once(v, epochs, device, gate)
                v.times.append(seconds)
                v.foreign.append(share)


def quiet_repeats(variants: list[Variant]) -> list[int]:
    """Indices of the repeats in which no timing shared the machine noticeably (clock ticks are 10 ms)."""
    repeats = len(variants[0].times)
    return [r for r in range(repeats) if all((v.foreign[r] or 0) <= QUIET for v in variants)]


def median_ci(values: list[float], resamples: int = 2000, level: float = 0.95) -> tuple[float, float]:
    """Bootstrap confidence interval of the median (fixed seed, so a rerun on the same data agrees)."""
    rng = random.Random(0)
    medians = sorted(statistics.median(rng.choices(values, k=len(values))) for _ in range(resamples))
    tail = int((1 - level) / 2 * resamples)
    return medians[tail], medians[resamples - 1 - tail]


def summarise(variants: list[Variant], keep: list[int] | None = None) -> dict:
    """Medians and ratios per group, over all repeats or over the repeats in ``keep``."""
    pick = (lambda xs: list(xs)) if keep is None else (lambda xs: [xs[i] for i in keep])
    out: dict[str, dict] = {}
    for group in dict.fromkeys(v.group for v in variants):
        members = [v for v in variants if v.group == group]
        ref = next(v for v in members if v.reference)
        ref_times = pick(ref.times)
        ref_median = statistics.median(ref_times)
        rows = {}
        for v in members:
            times = pick(v.times)
            paired = [t / r for t, r in zip(times, ref_times)]
            quartiles = statistics.quantiles(paired, n=4) if len(paired) > 1 else paired * 3
            rows[v.name] = {
                "label": v.label,
                "reference": v.reference,
                "seconds_per_epoch": times,
                "foreign_cpu_share": pick(v.foreign),
                "median_s": statistics.median(times),
                "min_s": min(times),
                "ratio_of_medians": statistics.median(times) / ref_median,
                "paired_ratios": paired,
                "paired_ratio_median": statistics.median(paired),
                "paired_ratio_median_ci95": list(median_ci(paired)),
                "paired_ratio_q1": quartiles[0],
                "paired_ratio_q3": quartiles[2],
                "paired_ratio_min": min(paired),
                "paired_ratio_max": max(paired),
            }
        out[group] = rows
    return out


def targets(summary: dict) -> list[tuple[str, float, tuple[float, float], float, bool]]:
    """(target, paired-ratio median, its 95 % interval, ratio of medians, met?) for the issue's targets.

    The verdict uses the median of the per-repeat ratios: each ratio compares two timings
    taken a fraction of a second apart, so drift of the machine between repeats cancels out.
    """

    def ratio(group: str, num: str, den: str) -> tuple[float, tuple[float, float], float]:
        a, b = summary[group][num]["seconds_per_epoch"], summary[group][den]["seconds_per_epoch"]
        paired = [x / y for x, y in zip(a, b)]
        return statistics.median(paired), median_ci(paired), statistics.median(a) / statistics.median(b)

    fit = ratio("loop", "fit", "hand")
    dl = ratio("loader+step", "device_loader", "presliced")
    torch_dl = ratio("loader+step", "dataloader", "device_loader")
    return [
        ("fit(progress=True) / hand-written loop <= 1.05", *fit, fit[0] <= 1 + TOLERANCE),
        ("DeviceLoader / pre-sliced list <= 1.05 (with step)", *dl, dl[0] <= 1 + TOLERANCE),
        ("DataLoader(TensorDataset) / DeviceLoader > 1 (with step)", *torch_dl, torch_dl[0] > 1),
    ]


def print_table(title: str, summary: dict, iter_factor: int) -> None:
    print(f"\n== {title} ==")
    header = f"{'group':<12} {'variant':<38} {'median':>11} {'ratio':>7} {'paired ratio [q1..q3]':>26}"
    print(header)
    print("-" * len(header))
    for group, rows in summary.items():
        for row in rows.values():
            unit = 1e3 if group != "loader-only" else 1e6
            suffix = "ms" if unit == 1e3 else "us"
            median = row["median_s"] * unit
            ratio = "ref" if row["reference"] else f"{row['ratio_of_medians']:.3f}"
            paired = "" if row["reference"] else (
                f"{row['paired_ratio_median']:.3f} [{row['paired_ratio_q1']:.3f}..{row['paired_ratio_q3']:.3f}]"
            )
            print(f"{group:<12} {row['label']:<38} {median:>8.3f} {suffix:>2} {ratio:>7} {paired:>26}")
    if iter_factor != 1:
        print(f"(loader-only: each timing iterates {iter_factor} epochs per training epoch; the medians are per single epoch)")
    print("\ntargets (judged on the median paired ratio; 95 % bootstrap interval in brackets):")
    for text, paired, (low, high), of_medians, ok in targets(summary):
        print(f"  [{'met' if ok else 'MISSED'}] {text}: {paired:.3f} [{low:.3f}..{high:.3f}] (ratio of medians {of_medians:.3f})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=60, help="recorded rounds over all variants (default 60)")
    parser.add_argument("--epochs", type=int, default=5, help="epochs per timing (default 5)")
    parser.add_argument("--iter-factor", type=int, default=5,
                        help="loader-only timings iterate this many times more epochs, since they are short (default 5)")
    parser.add_argument("--warmup", type=int, default=1, help="unrecorded warm-up rounds (default 1)")
    parser.add_argument("--retries", type=int, default=2,
                        help="rerun a timing this often when other processes took >10%% of the CPUs during it; "
                             "-1 also disables waiting for an idle machine (default 2)")
    parser.add_argument("--max-wait", type=float, default=300.0,
                        help="seconds in all to spend waiting for an idle machine and rerunning timings (default 300)")
    parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:N, or auto = cpu and, if available, cuda (default)")
    default_threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=default_threads,
                        help=f"torch.set_num_threads (default: the CPUs available, here {default_threads})")
    parser.add_argument("--baseline", metavar="REV",
                        help="also time DeviceLoader and fit() of helpers/ at this git revision, in the same run (information)")
    parser.add_argument("--json", metavar="PATH", help="write raw per-repeat timings and medians to PATH")
    args = parser.parse_args(argv)
    if args.repeats < 1 or args.epochs < 1 or args.iter_factor < 1 or args.warmup < 0 or args.threads < 1:
        parser.error("--repeats, --epochs, --iter-factor and --threads must be >= 1, --warmup >= 0")

    torch.set_num_threads(args.threads)
    with contextlib.suppress(RuntimeError):  # only possible before any inter-op work has started
        torch.set_num_interop_threads(args.threads)
    if args.device == "auto":
        devices = [torch.device("cpu")] + ([torch.device("cuda")] if torch.cuda.is_available() else [])
    else:
        try:
            devices = [helpers.get_device(args.device)]
        except ValueError as exc:
            parser.error(str(exc))

    info = machine_info(args.threads)
    print(f"torch {info['torch_version']}, python {info['python']}, tqdm {info['tqdm_version']}")
    print(f"CPU: {info['cpu_model']} ({info['cpus_available']} CPUs available)")
    print(f"torch threads: {info['torch_threads']} (interop {info['torch_interop_threads']})")
    print(f"OPENBLAS_CORETYPE={info['OPENBLAS_CORETYPE'] or '(unset)'}  OMP_NUM_THREADS={info['OMP_NUM_THREADS'] or '(unset)'}")
    print(f"CUDA available: {info['cuda_available']}" + (f" ({info['cuda_device']})" if info["cuda_available"] else ""))
    print(f"helpers: {info['helpers']} (git {info['helpers_revision']})")
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")

    baseline = load_baseline(args.baseline) if args.baseline else None
    if baseline is not None:
        print(f"baseline: helpers/ at git {args.baseline} (rows marked @ {args.baseline})")
    splits = load_digits(flatten=True)
    x, y = splits.train.tensors
    print(f"data: digits train {tuple(x.shape)}, batch {BATCH_SIZE} ({-(-len(x) // BATCH_SIZE)} batches/epoch); "
          f"model MLP 64-256-256-10 ReLU; Adam lr {LR}", flush=True)
    torch.manual_seed(SEED)
    initial_state = {k: v.clone() for k, v in make_model().state_dict().items()}

    gc.collect()
    gc.freeze()  # what exists now (torch, the data) is never collected again, so gc.collect() stays cheap
    report = {"machine": info, "args": vars(args), "argv": sys.argv, "results": {}}
    all_met = True
    for device in devices:
        variants = build_variants(device, x, y, initial_state, args.iter_factor, baseline, args.baseline)
        start = time.perf_counter()
        gate = Gate(retries=args.retries, max_wait=args.max_wait) if args.retries >= 0 else None
        measure(variants, args.repeats, args.epochs, args.warmup, device, gate)
        wall = time.perf_counter() - start
        summary = summarise(variants)
        print_table(f"device {device}: {args.repeats} repeats x {args.epochs} epochs, median per epoch", summary, args.iter_factor)
        versus_baseline = {}
        if baseline is not None:
            print(f"\nthis working tree vs helpers/ at {args.baseline} (median paired ratio, 95 % bootstrap interval; < 1 is faster):")
            for group, name in (("loop", "fit"), ("loader+step", "device_loader")):
                now, then = summary[group][name]["seconds_per_epoch"], summary[group][name + "_baseline"]["seconds_per_epoch"]
                paired = [a / b for a, b in zip(now, then)]
                low, high = median_ci(paired)
                versus_baseline[name] = {"paired_ratio_median": statistics.median(paired), "paired_ratio_median_ci95": [low, high]}
                print(f"  {summary[group][name]['label']:<38} {statistics.median(paired):.3f} [{low:.3f}..{high:.3f}]")
        loads = [share or 0.0 for v in variants for share in v.foreign]
        quiet = quiet_repeats(variants)
        print(f"\nmachine sharing during the {len(loads)} recorded timings (other processes + hypervisor steal, share of "
              f"{os.cpu_count()} CPUs): median {statistics.median(loads):.1%}, max {max(loads):.1%}; "
              f"{len(quiet)} of {args.repeats} repeats quiet (every timing <= {QUIET:.0%})")
        if gate is not None:
            print(f"waited {gate.waited:.1f} s for other work to finish; {len(gate.discarded)} contended timings discarded and rerun")
        quiet_summary = None
        if len(quiet) < args.repeats and len(quiet) >= 3:
            quiet_summary = summarise(variants, quiet)
            left_out = sorted(set(range(args.repeats)) - set(quiet))
            print_table(f"device {device}: the {len(quiet)} quiet repeats only (left out: repeats {left_out})", quiet_summary, args.iter_factor)
        elif len(quiet) < 3:
            print("WARNING: the machine was busy with other work during most repeats; rerun when it is idle.")
        hand = next(v for v in variants if v.name == "hand").last_result
        fits = {v.label: v.last_result["train_loss"] for v in variants if v.group == "loop" and not v.reference}
        same = all(losses == hand for losses in fits.values())
        close = same or all(
            abs(a - b) <= 1e-5 * max(1.0, abs(a)) for losses in fits.values() for a, b in zip(hand, losses)
        )
        print(f"\nsame computation: final train loss of the hand-written loop {hand[-1]:.6f}; "
              + ", ".join(f"{label} {losses[-1]:.6f}" for label, losses in fits.items())
              + f" ({'identical' if same else 'close' if close else 'DIFFERENT'} over {len(hand)} epochs)")
        print(f"measured in {wall:.1f} s")
        met = targets(summary)
        all_met &= all(row[-1] for row in met)
        report["results"][str(device)] = {
            "groups": summary,
            "quiet_repeats": quiet,
            "waited_seconds": gate.waited if gate is not None else None,
            "discarded_timings": gate.discarded if gate is not None else None,
            "groups_quiet_repeats_only": quiet_summary,
            "targets": [
                {"target": t, "paired_ratio_median": p, "paired_ratio_median_ci95": list(ci), "ratio_of_medians": m, "met": ok}
                for t, p, ci, m, ok in met
            ],
            "versus_baseline": versus_baseline or None,
            "losses_identical": same,
            "wall_seconds": wall,
        }
    print(f"\nall targets met: {'yes' if all_met else 'no'}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(report, indent=2))
        print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
