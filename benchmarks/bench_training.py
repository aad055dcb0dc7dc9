#!/usr/bin/env python
"""Benchmark of ``helpers.DeviceLoader`` and ``helpers.fit`` against their honest limits.

One model and one dataset: an MLP 64 -> 256 -> 256 -> 10 (ReLU) on the train split of
scikit-learn's digits (``helpers.data.load_digits(flatten=True)``), batch size 64, Adam
(lr 1e-3). Everything is measured in this one process and run: every repeat runs every
variant once, round-robin (the starting variant rotates from repeat to repeat, so neither
drift nor position favours a variant), after an unrecorded warm-up round. Reported: the
median seconds per epoch over the repeats, its ratio to the group's reference, and the
median of the per-repeat (paired) ratios with their range.

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
  backward, step, and the epoch's mean training loss. Both start from the same weights
  (one ``state_dict``), the same optimizer settings and the same shuffling seed, so they
  compute the same losses; the script checks that they do.

Usage::

    .venv/bin/python benchmarks/bench_training.py [--repeats N] [--epochs E]
        [--device cpu|cuda|auto] [--threads T] [--json PATH]

``--device auto`` (the default) measures the CPU and, when ``torch.cuda.is_available()``,
CUDA as well, reported separately.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
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


def machine_info(threads: int) -> dict:
    info = {
        "cpu_model": cpu_model(),
        "cpus_available": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "torch_interop_threads": torch.get_num_interop_threads(),
        "threads_requested": threads,
        "python": platform.python_version(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"),
        "MKL_NUM_THREADS": os.environ.get("MKL_NUM_THREADS"),
        "cuda_available": torch.cuda.is_available(),
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
    other_load: list[float | None] = field(default_factory=list)  # CPU share other processes used meanwhile
    stolen: list[float | None] = field(default_factory=list)  # CPU share the hypervisor stole meanwhile
    last_result: object = None


def build_variants(device: torch.device, x: torch.Tensor, y: torch.Tensor, initial_state: dict, iter_factor: int) -> list[Variant]:
    x_dev, y_dev = x.to(device), y.to(device)
    on_cuda = device.type == "cuda"

    def presliced() -> list[tuple[torch.Tensor, torch.Tensor]]:
        return [(x_dev[i : i + BATCH_SIZE], y_dev[i : i + BATCH_SIZE]) for i in range(0, len(x_dev), BATCH_SIZE)]

    def device_loader(seed: int = SEED) -> helpers.DeviceLoader:
        generator = torch.Generator().manual_seed(seed)
        return helpers.DeviceLoader((x_dev, y_dev), batch_size=BATCH_SIZE, shuffle=True, device=device, generator=generator)

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

    return [
        Variant("loader+step", "presliced", "(a) pre-sliced list (limit)", step_setup(presliced), step_run, reference=True),
        Variant("loader+step", "device_loader", "(b) helpers.DeviceLoader(shuffle)", step_setup(device_loader), step_run),
        Variant("loader+step", "dataloader", "(c) DataLoader(TensorDataset)", step_setup(torch_loader), step_run),
        Variant("loader-only", "presliced", f"(a) pre-sliced list", presliced, iter_run, reference=True, factor=iter_factor),
        Variant("loader-only", "device_loader", f"(b) helpers.DeviceLoader", device_loader, iter_run, factor=iter_factor),
        Variant("loader-only", "dataloader", f"(c) DataLoader(TensorDataset)", torch_loader, iter_run, factor=iter_factor),
        Variant("loop", "hand", "hand-written loop (DeviceLoader)", fit_setup, hand_run, reference=True),
        Variant("loop", "fit", "helpers.fit(progress=True)", fit_setup, fit_run),
    ]


# --- measurement ---------------------------------------------------------------------------


_TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
QUIET = 0.10  # a timing is "contended" when other processes used more than this share of the CPUs


def cpu_counters() -> tuple[float, float, float] | None:
    """(CPU seconds the whole machine was busy, seconds stolen by the hypervisor, this process's CPU seconds)."""
    try:
        values = [int(f) for f in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    except (OSError, ValueError):
        return None
    user, nice, system, _idle, _iowait, irq, softirq, steal = (values + [0] * 8)[:8]
    own = os.times()
    return (user + nice + system + irq + softirq) / _TICK, steal / _TICK, own.user + own.system


def time_once(variant: Variant, epochs: int, device: torch.device) -> tuple[float, float | None, float | None]:
    """Seconds per epoch, and the share of the CPUs that other processes and the hypervisor took meanwhile."""
    state = variant.setup()
    sync(device)
    gc.collect()
    before = cpu_counters()
    start = time.perf_counter()
    variant.last_result = variant.run(state, epochs)
    elapsed = time.perf_counter() - start
    after = cpu_counters()
    other = stolen = None
    if before is not None and after is not None:
        capacity = elapsed * (os.cpu_count() or 1)
        other = max(0.0, (after[0] - before[0]) - (after[2] - before[2])) / capacity
        stolen = (after[1] - before[1]) / capacity
    return elapsed / (epochs * variant.factor), other, stolen


def measure(variants: list[Variant], repeats: int, epochs: int, warmup: int, device: torch.device) -> None:
    for _ in range(warmup):
        for v in variants:
            time_once(v, epochs, device)
    for r in range(repeats):
        shift = r % len(variants)
        for v in variants[shift:] + variants[:shift]:  # round-robin, rotated each repeat
            seconds, other, stolen = time_once(v, epochs, device)
            v.times.append(seconds)
            v.other_load.append(other)
            v.stolen.append(stolen)


def quiet_repeats(variants: list[Variant]) -> list[int]:
    """Indices of the repeats in which no timing shared the machine noticeably (clock ticks are 10 ms)."""
    repeats = len(variants[0].times)
    return [r for r in range(repeats) if all((v.other_load[r] or 0) + (v.stolen[r] or 0) <= QUIET for v in variants)]


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
            rows[v.name] = {
                "label": v.label,
                "reference": v.reference,
                "seconds_per_epoch": times,
                "other_processes_cpu_share": pick(v.other_load),
                "stolen_cpu_share": pick(v.stolen),
                "median_s": statistics.median(times),
                "min_s": min(times),
                "ratio_of_medians": statistics.median(times) / ref_median,
                "paired_ratios": paired,
                "paired_ratio_median": statistics.median(paired),
                "paired_ratio_min": min(paired),
                "paired_ratio_max": max(paired),
            }
        out[group] = rows
    return out


def targets(summary: dict) -> list[tuple[str, float, bool]]:
    ls, lp = summary["loader+step"], summary["loop"]
    dl = ls["device_loader"]["ratio_of_medians"]
    vs_dataloader = ls["dataloader"]["median_s"] / ls["device_loader"]["median_s"]
    fit = lp["fit"]["ratio_of_medians"]
    return [
        ("fit(progress=True) / hand-written loop <= 1.05", fit, fit <= 1 + TOLERANCE),
        ("DeviceLoader / pre-sliced list <= 1.05 (with step)", dl, dl <= 1 + TOLERANCE),
        ("DataLoader(TensorDataset) / DeviceLoader > 1 (with step)", vs_dataloader, vs_dataloader > 1),
    ]


def print_table(title: str, summary: dict, iter_factor: int) -> None:
    print(f"\n== {title} ==")
    header = f"{'group':<12} {'variant':<38} {'median':>11} {'ratio':>7} {'paired ratio [min..max]':>26}"
    print(header)
    print("-" * len(header))
    for group, rows in summary.items():
        for row in rows.values():
            unit = 1e3 if group != "loader-only" else 1e6
            suffix = "ms" if unit == 1e3 else "us"
            median = row["median_s"] * unit
            ratio = "ref" if row["reference"] else f"{row['ratio_of_medians']:.3f}"
            paired = "" if row["reference"] else (
                f"{row['paired_ratio_median']:.3f} [{row['paired_ratio_min']:.3f}..{row['paired_ratio_max']:.3f}]"
            )
            print(f"{group:<12} {row['label']:<38} {median:>8.3f} {suffix:>2} {ratio:>7} {paired:>26}")
    if iter_factor != 1:
        print(f"(loader-only: each timing iterates {iter_factor} epochs per training epoch; the medians are per single epoch)")
    print("\ntargets:")
    for text, value, ok in targets(summary):
        print(f"  [{'met' if ok else 'MISSED'}] {text}: {value:.3f}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15, help="recorded rounds over all variants (default 15)")
    parser.add_argument("--epochs", type=int, default=20, help="epochs per timing (default 20)")
    parser.add_argument("--iter-factor", type=int, default=10,
                        help="loader-only timings iterate this many times more epochs, since they are short (default 10)")
    parser.add_argument("--warmup", type=int, default=1, help="unrecorded warm-up rounds (default 1)")
    parser.add_argument("--device", default="auto", help="cpu, cuda, cuda:N, or auto = cpu and, if available, cuda (default)")
    default_threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    parser.add_argument("--threads", type=int, default=default_threads,
                        help=f"torch.set_num_threads (default: the CPUs available, here {default_threads})")
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
        devices = [helpers.get_device(args.device)]

    info = machine_info(args.threads)
    print(f"torch {info['torch_version']}, python {info['python']}")
    print(f"CPU: {info['cpu_model']} ({info['cpus_available']} CPUs available)")
    print(f"torch threads: {info['torch_threads']} (interop {info['torch_interop_threads']})")
    print(f"OPENBLAS_CORETYPE={info['OPENBLAS_CORETYPE'] or '(unset)'}  OMP_NUM_THREADS={info['OMP_NUM_THREADS'] or '(unset)'}")
    print(f"CUDA available: {info['cuda_available']}" + (f" ({info['cuda_device']})" if info["cuda_available"] else ""))
    print(f"command: {' '.join([Path(sys.executable).name, *sys.argv])}")

    splits = load_digits(flatten=True)
    x, y = splits.train.tensors
    print(f"data: digits train {tuple(x.shape)}, batch {BATCH_SIZE} ({-(-len(x) // BATCH_SIZE)} batches/epoch); "
          f"model MLP 64-256-256-10 ReLU; Adam lr {LR}", flush=True)
    torch.manual_seed(SEED)
    initial_state = {k: v.clone() for k, v in make_model().state_dict().items()}

    report = {"machine": info, "args": vars(args), "argv": sys.argv, "results": {}}
    all_met = True
    for device in devices:
        variants = build_variants(device, x, y, initial_state, args.iter_factor)
        start = time.perf_counter()
        measure(variants, args.repeats, args.epochs, args.warmup, device)
        wall = time.perf_counter() - start
        summary = summarise(variants)
        print_table(f"device {device}: {args.repeats} repeats x {args.epochs} epochs, median per epoch", summary, args.iter_factor)
        loads = [(o or 0) + (st or 0) for v in variants for o, st in zip(v.other_load, v.stolen)]
        quiet = quiet_repeats(variants)
        print(f"\nmachine sharing during the {len(loads)} timings (other processes + hypervisor steal, share of "
              f"{os.cpu_count()} CPUs): median {statistics.median(loads):.1%}, max {max(loads):.1%}; "
              f"{len(quiet)} of {args.repeats} repeats quiet (every timing <= {QUIET:.0%})")
        quiet_summary = None
        if len(quiet) < args.repeats and len(quiet) >= 3:
            quiet_summary = summarise(variants, quiet)
            print_table(f"device {device}: the {len(quiet)} quiet repeats only {quiet}", quiet_summary, args.iter_factor)
        elif len(quiet) < 3:
            print("WARNING: the machine was busy with other work during most repeats; rerun when it is idle.")
        hand = next(v for v in variants if v.name == "hand").last_result
        fitted = next(v for v in variants if v.name == "fit").last_result["train_loss"]
        same = hand == fitted
        close = same or all(abs(a - b) <= 1e-5 * max(1.0, abs(a)) for a, b in zip(hand, fitted))
        print(f"\nsame computation: final train loss hand {hand[-1]:.6f} vs fit {fitted[-1]:.6f} "
              f"({'identical' if same else 'close' if close else 'DIFFERENT'} over {len(hand)} epochs)")
        print(f"measured in {wall:.1f} s")
        met = targets(summary)
        all_met &= all(ok for _, _, ok in met)
        report["results"][str(device)] = {
            "groups": summary,
            "quiet_repeats": quiet,
            "groups_quiet_repeats_only": quiet_summary,
            "targets": [{"target": t, "value": v, "met": ok} for t, v, ok in met],
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
