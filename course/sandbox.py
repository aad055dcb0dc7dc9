"""Execute one submitted notebook the way ``nbgrader autograde`` does, but inside a sandbox.

``execute_notebook`` is the unit of work of the grading pool: a top-level function from plain
data to plain data, so a ``ProcessPoolExecutor`` or a Dask cluster can run it anywhere. It
uses nbgrader's own ``Execute`` preprocessor (same timeouts, interrupts and error outputs) and
adds what nbgrader lacks:

* the kernel runs in a bubblewrap sandbox under resource limits (``course.kernel``);
* outputs are capped while the notebook runs, so an endless ``print`` cannot fill the grader;
* a wall clock per submission kills the kernel's whole process tree, even one that ignores
  interrupts, and the partly executed notebook comes back;
* nothing the notebook does makes it raise: kernel deaths, timeouts and caps become events.

A cell that never ran gets an ``error`` output saying why. Without it a test cell that the
kernel never reached (it died, or the wall clock ran out) would have no output, and nbgrader
scores a test cell without an error output as passed.
"""
from __future__ import annotations

import asyncio
import functools
import json
import os
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Sequence

import nbformat
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute

from .kernel import UNPRIVILEGED_UID, KernelPlan, SandboxedKernelManager, probe_sandbox

__all__ = ["Limits", "ExecutionResult", "SandboxUnavailable", "sandbox_problem", "execute_notebook"]

NEVER_SKIP_TAG = "nbgrader-course-never-skip-any-cell"
ERROR_TEXT_LIMIT = 4000  # characters kept of an error's value and of each traceback line
ERROR_LINES_LIMIT = 200


@dataclass(frozen=True)
class Limits:
    """What one grading kernel may use.

    ``memory_mb`` caps the kernel's private writable memory (``RLIMIT_DATA``: heap, arrays,
    tensors, thread stacks). Measured in this sandbox: ipykernel + ``import torch`` (a CUDA
    build) + a small CNN's forward and backward on a 64x1x28x28 batch use about 0.8 GB of it,
    so 3 GB leaves room for a week's data set and model with a 3x margin. Shared libraries do
    not count against it; ``address_space_mb`` more of address space (``RLIMIT_AS`` =
    memory_mb + address_space_mb) covers them (torch maps ~3.2 GB of libraries) and still
    bounds shared mappings, which ``RLIMIT_DATA`` does not see.
    """

    memory_mb: int = 3072
    cpu_seconds: int = 900        # RLIMIT_CPU of the kernel: SIGXCPU, then SIGKILL 5 s later
    processes: int = 64           # RLIMIT_NPROC, counted per kernel (threads count too)
    file_size_mb: int = 64        # RLIMIT_FSIZE: largest file the kernel can write
    output_kb: int = 2048         # outputs kept from one notebook; beyond it the cell is interrupted
    cell_timeout_s: int = 180     # nbgrader's Execute.timeout: interrupt, CellTimeoutError, go on
    wall_timeout_s: int = 600     # one submission; then the kernel's process tree is killed
    threads: int = 1              # OMP/MKL/OpenBLAS/torch threads inside the kernel
    address_space_mb: int = 4096  # address space on top of memory_mb, for mapped libraries
    tmp_mb: int = 256             # the sandbox's private /tmp (a tmpfs, so it is memory too)

    def __post_init__(self) -> None:
        bad = [name for name, value in vars(self).items() if not isinstance(value, int) or value <= 0]
        if bad:
            raise ValueError(f"Limits must be positive integers: {', '.join(bad)}")


@dataclass
class ExecutionResult:
    notebook: str                 # executed notebook as JSON text (nbformat v4)
    events: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    sandboxed: bool = True


class SandboxUnavailable(RuntimeError):
    """No sandbox on this machine and the caller did not ask for an unsafe run."""

    def __init__(self, reason: str):
        super().__init__(f"cannot sandbox grading kernels: {reason} (pass unsafe=True / --unsafe to run unsandboxed)")
        self.reason = reason


@functools.lru_cache(maxsize=8)
def _cached_problem(path: str, euid: int) -> str | None:
    return probe_sandbox()


def sandbox_problem() -> str | None:
    """None when kernels can be sandboxed here; else a one-line reason.

    The answer is remembered per ``PATH`` and user, since the probe starts a sandbox.
    """
    return _cached_problem(os.environ.get("PATH", ""), os.geteuid() if hasattr(os, "geteuid") else -1)


def _cell_name(nb: NotebookNode, index: int | None) -> str:
    if index is None:
        return "kernel start"
    grade_id = nb.cells[index].get("metadata", {}).get("nbgrader", {}).get("grade_id")
    return f"cell {index} ({grade_id})" if grade_id else f"cell {index}"


def _error(ename: str, evalue: str) -> NotebookNode:
    return nbformat.v4.new_output("error", ename=ename, evalue=evalue, traceback=[f"\x1b[0;31m{ename}\x1b[0m: {evalue}"])


def _signal_hint(status: int | None, limits: Limits) -> str:
    if status is None:
        return "exit status unknown"
    hints = {
        -9: "SIGKILL: memory, process or CPU limit?",
        -24: f"SIGXCPU: CPU-time limit {limits.cpu_seconds} s",
        -25: f"SIGXFSZ: file-size limit {limits.file_size_mb} MB",
        -11: "SIGSEGV: crashed",
        -6: "SIGABRT: aborted",
    }
    return f"exit {status}" + (f", {hints[status]}" if status in hints else "")


def _truncate_error(content: dict[str, Any]) -> None:
    """Keep error outputs whatever the cap (they decide grades) but bound their size."""
    content["ename"] = str(content.get("ename", ""))[:200]
    content["evalue"] = str(content.get("evalue", ""))[:ERROR_TEXT_LIMIT]
    traceback = [str(line)[:ERROR_TEXT_LIMIT] for line in content.get("traceback", [])]
    if len(traceback) > ERROR_LINES_LIMIT:
        half = ERROR_LINES_LIMIT // 2
        traceback = traceback[:half] + ["... (traceback shortened by the grader) ..."] + traceback[-half:]
    content["traceback"] = traceback


class _SandboxedExecute(Execute):
    """nbgrader's ``Execute`` with a sandboxed kernel, an output cap and fatal-event bookkeeping."""

    def __init__(self, plan: KernelPlan, limits: Limits, events: list[str]) -> None:
        super().__init__(
            timeout=limits.cell_timeout_s,
            interrupt_on_timeout=True,
            allow_errors=True,
            raise_on_iopub_timeout=True,
            # How long a cell may go on after its interrupt (and outputs may trail its reply).
            iopub_timeout=min(5, limits.cell_timeout_s),
            startup_timeout=min(120, limits.wall_timeout_s),
            skip_cells_with_tag=NEVER_SKIP_TAG,
            shutdown_kernel="immediate",
            extra_arguments=["--HistoryManager.hist_file=:memory:"],
            kernel_manager_class=SandboxedKernelManager,
        )
        self.plan = plan
        self.limits = limits
        self.events = events
        self.sandbox_km: SandboxedKernelManager | None = None
        self.completed: set[int] = set()
        self.stop_reason: str | None = None  # why later cells did not run
        self.wall_expired = False
        self._current: int | None = None
        self._timed_out = False
        self._held = 0          # bytes of output kept so far
        self._cell_held = 0     # ... of which in the current cell (a clear_output frees them)
        self._cap_hit = False
        self._cap_noted: set[int] = set()
        self._tasks: list[asyncio.Future[Any]] = []

    # -- kernel ---------------------------------------------------------------------------
    def create_kernel_manager(self) -> SandboxedKernelManager:
        self.km = self.sandbox_km = SandboxedKernelManager(plan=self.plan, config=self.config, log=self.log)
        if self.wall_expired:
            raise RuntimeError("wall-clock limit reached before the kernel started")
        return self.km

    def kill(self) -> None:
        if self.sandbox_km is not None:
            self.sandbox_km.kill_tree()

    def expire(self) -> None:
        """The wall clock ran out (called from the watchdog thread)."""
        self.wall_expired = True
        self.kill()

    # -- cells ----------------------------------------------------------------------------
    def preprocess_cell(self, cell: NotebookNode, resources: Any, index: int) -> tuple[NotebookNode, Any]:
        if self.stop_reason is not None or cell.cell_type != "code" or not cell.source.strip():
            return cell, resources
        if self.wall_expired:
            self._stop(index, f"wall-clock limit {self.limits.wall_timeout_s} s reached before {_cell_name(self.nb, index)}",
                       "WallClockLimit")
            return cell, resources
        self._current, self._timed_out, self._cell_held = index, False, 0
        name = _cell_name(self.nb, index)
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
            self.completed.add(index)
            self._note_limit(cell, index)
        except DeadKernelError:
            if self.wall_expired:
                self._stop(index, f"wall-clock limit {self.limits.wall_timeout_s} s: kernel killed in {name}", "WallClockLimit")
            else:
                status = self.sandbox_km.exit_status() if self.sandbox_km else None
                self._stop(index, f"kernel died in {name} ({_signal_hint(status, self.limits)})", "KernelDied")
        except CellTimeoutError:
            if self._timed_out:
                self._stop(index, f"{name}: did not stop when interrupted after the timeout; kernel killed", "CellTimeoutError")
            else:  # the reply came but its outputs did not: keep going with what arrived
                self.events.append(f"{name}: outputs still arriving {self.iopub_timeout} s after the cell finished; some may be missing")
                self.completed.add(index)
        except Exception as exc:  # nbclient met something it cannot handle; the kernel is no use now
            self._stop(index, f"{name}: execution failed ({type(exc).__name__}: {exc}); kernel killed", "ExecutionFailed")
        return cell, resources

    def _stop(self, index: int, event: str, ename: str) -> None:
        self.events.append(event)
        self.stop_reason = event
        self.kill()
        self.nb.cells[index].setdefault("outputs", []).append(_error(ename, event))
        self.completed.add(index)

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> None | dict[str, Any]:
        self._timed_out = True
        name = _cell_name(self.nb, self._current if cell is not None else None)
        self.events.append(f"{name}: timed out after {timeout} s")
        return await super()._async_handle_timeout(timeout, cell)

    # -- output cap -----------------------------------------------------------------------
    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None, cell_index: int) -> NotebookNode | None:
        if self.clear_before_next_output:  # nbclient is about to drop this cell's outputs
            self._held -= self._cell_held
            self._cell_held = 0
        if msg["msg_type"] == "error":
            _truncate_error(msg["content"])
            return super().output(outs, msg, display_id, cell_index)
        size = len(json.dumps(msg["content"], default=str))
        if self._held + size > self.limits.output_kb * 1024:
            self._over_cap(outs, cell_index)
            return None
        self._held += size
        self._cell_held += size
        return super().output(outs, msg, display_id, cell_index)

    def handle_comm_msg(self, outs: list[NotebookNode], msg: dict[str, Any], cell_index: int) -> None:
        # Widget state is kept too, so it counts against the same cap.
        size = len(json.dumps(msg["content"], default=str))
        if self._held + size > self.limits.output_kb * 1024:
            self._over_cap(outs, cell_index)
            return
        self._held += size
        super().handle_comm_msg(outs, msg, cell_index)

    def _note_limit(self, cell: NotebookNode, index: int) -> None:
        """An uncaught error that a limit caused becomes an event, so the tutor sees why."""
        for error in (o for o in cell.outputs if o.output_type == "error"):
            ename, evalue = str(error.get("ename", "")), str(error.get("evalue", ""))
            traceback = "".join(map(str, error.get("traceback", [])))
            if ename == "MemoryError" or "can't allocate memory" in evalue or "failed to map segment" in evalue:
                what = f"memory limit {self.limits.memory_mb} MB"
            elif "File too large" in evalue:
                what = f"file-size limit {self.limits.file_size_mb} MB"
            elif "can't start new thread" in evalue or (ename == "BlockingIOError" and "fork" in traceback):
                what = f"process limit {self.limits.processes}"
            else:
                continue
            self.events.append(f"{_cell_name(self.nb, index)}: {ename} ({what})")
            return

    def clear_output(self, outs: list[NotebookNode], msg: dict[str, Any], cell_index: int) -> None:
        if not msg["content"].get("wait"):
            self._held -= self._cell_held
            self._cell_held = 0
        super().clear_output(outs, msg, cell_index)

    def _over_cap(self, outs: list[NotebookNode], cell_index: int) -> None:
        if not self._cap_hit:
            self._cap_hit = True
            self.events.append(f"output cap {self.limits.output_kb} KB reached in {_cell_name(self.nb, cell_index)}: "
                               "cell interrupted, further output dropped")
            assert self.km is not None
            self._tasks.append(asyncio.ensure_future(self.km.interrupt_kernel()))
        if cell_index not in self._cap_noted:
            self._cap_noted.add(cell_index)
            outs.append(nbformat.v4.new_output(
                "stream", name="stderr", text=f"[grader: output cap of {self.limits.output_kb} KB reached; further output dropped]\n"))


def _mark_not_executed(nb: NotebookNode, completed: set[int], reason: str) -> None:
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and cell.source.strip() and index not in completed:
            cell.outputs = [_error("NotExecuted", f"this cell did not run: {reason}")]
            cell.execution_count = None


def _chown_tree(root: str, uid: int, gid: int) -> None:
    os.lchown(root, uid, gid)
    for folder, dirs, files in os.walk(root):
        for name in dirs + files:
            try:
                os.lchown(os.path.join(folder, name), uid, gid)
            except OSError:
                pass


def _dump(nb: NotebookNode) -> str:
    try:
        return nbformat.writes(nb, version=4)
    except Exception:  # outputs nbformat dislikes still belong in the record
        return json.dumps(nb, indent=1, default=str)


def execute_notebook(notebook_json: str, workdir: str, limits: Limits = Limits(), *,
                     unsafe: bool = False, extra_env: dict[str, str] | None = None,
                     readonly_paths: Sequence[str] = ()) -> ExecutionResult:
    """Run every code cell of a notebook in a fresh sandboxed kernel whose cwd is ``workdir``.

    ``workdir`` (the submission's folder, or a copy of it) is the only place the kernel can
    write besides its private ``/tmp``; ``readonly_paths`` (data sets, say) are visible
    read-only. Raises only for misuse: ``SandboxUnavailable`` when there is no sandbox and
    ``unsafe`` is False, ``ValueError`` for a missing ``workdir``.
    """
    start = time.monotonic()
    events: list[str] = []
    if not os.path.isdir(workdir):
        raise ValueError(f"workdir {workdir!r} is not a folder")
    if unsafe:
        events.append("UNSAFE: not sandboxed")
    else:
        problem = sandbox_problem()
        if problem is not None:
            raise SandboxUnavailable(problem)
    for path in readonly_paths:
        if not os.path.exists(path):
            raise ValueError(f"readonly path {path!r} does not exist")
    try:
        nb = nbformat.reads(notebook_json, as_version=4)
        if not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells")
    except Exception as exc:
        events.append(f"not a notebook, nothing executed ({type(exc).__name__}: {str(exc)[:200]})")
        return ExecutionResult(notebook_json, events, time.monotonic() - start, not unsafe)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None

    workdir = os.path.realpath(workdir)
    drop = UNPRIVILEGED_UID if (not unsafe and os.geteuid() == 0) else None
    owner = os.stat(workdir)
    with tempfile.TemporaryDirectory(prefix="sbx-") as private:
        plan = KernelPlan(
            workdir=workdir, private_dir=private, sandboxed=not unsafe, memory_mb=limits.memory_mb,
            address_space_mb=limits.address_space_mb, cpu_seconds=limits.cpu_seconds, processes=limits.processes,
            file_size_mb=limits.file_size_mb, tmp_mb=limits.tmp_mb, threads=limits.threads,
            extra_env=dict(extra_env or {}), readonly_paths=tuple(os.path.realpath(p) for p in readonly_paths),
            drop_to_uid=drop, run_id=uuid.uuid4().hex,
        )
        if unsafe:
            os.makedirs(os.path.join(private, "home"))
        if drop is not None:
            os.chown(private, drop, drop)
            _chown_tree(workdir, drop, drop)
        executor = _SandboxedExecute(plan, limits, events)
        watchdog = threading.Timer(max(0.0, limits.wall_timeout_s - (time.monotonic() - start)), executor.expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            executor.preprocess(nb, {"metadata": {"path": workdir}})
        except Exception as exc:  # the kernel did not start, or nbgrader gave up on it
            name = type(exc).__name__
            if executor.wall_expired:
                reason = f"wall-clock limit {limits.wall_timeout_s} s: kernel killed"
            else:
                log = executor.sandbox_km.log_tail() if executor.sandbox_km else ""
                reason = f"kernel failed ({name}: {str(exc)[:200]})" + (f"; kernel log: {log[-300:]}" if log else "")
            events.append(reason)
            executor.stop_reason = executor.stop_reason or reason
        finally:
            watchdog.cancel()
            executor.kill()
            if drop is not None:
                _chown_tree(workdir, owner.st_uid, owner.st_gid)
        if executor.stop_reason is not None:
            _mark_not_executed(nb, executor.completed, executor.stop_reason)
    return ExecutionResult(_dump(nb), events, time.monotonic() - start, not unsafe)
