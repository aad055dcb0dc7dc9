"""The grading sandbox: every limit is shown to hold by a notebook that tries to break it.

Each run builds a tiny notebook here, executes it with ``course.sandbox.execute_notebook``
and reads what the cells printed (one JSON line per probe cell). Limits are set small so the
whole file runs in well under a minute.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from course import kernel as sandbox_kernel
from course.sandbox import ExecutionResult, Limits, SandboxUnavailable, execute_notebook, sandbox_problem

PROBLEM = sandbox_problem()
needs_sandbox = pytest.mark.skipif(PROBLEM is not None, reason=f"no sandbox here: {PROBLEM}")
REPO = Path(__file__).resolve().parents[2]


def _notebook(*cells: str | tuple[str, str]) -> str:
    """Code cells from sources; a ``(grade_id, source)`` pair becomes an nbgrader test cell."""
    made = [new_markdown_cell("probe notebook")]
    for cell in cells:
        if isinstance(cell, tuple):
            grade_id, source = cell
            meta = {"nbgrader": {"grade": True, "grade_id": grade_id, "locked": True, "points": 1,
                                 "schema_version": 3, "solution": False, "task": False}}
            made.append(new_code_cell(source, metadata=meta))
        else:
            made.append(new_code_cell(cell))
    nb = new_notebook(cells=made)
    nb.metadata["kernelspec"] = {"name": "some-kernel-that-does-not-exist", "display_name": "x", "language": "python"}
    return nbformat.writes(nb)


def _run(workdir: Path, *cells: str | tuple[str, str], limits: Limits, **kwargs) -> tuple[ExecutionResult, list]:
    workdir.mkdir(parents=True, exist_ok=True)
    result = execute_notebook(_notebook(*cells), str(workdir), limits, **kwargs)
    return result, nbformat.reads(result.notebook, as_version=4).cells[1:]


def _text(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")


def _report(cell) -> dict:
    """The JSON object a probe cell printed on its last stdout line."""
    lines = [ln for ln in _text(cell).splitlines() if ln.startswith("{")]
    assert lines, f"probe printed nothing: {cell.outputs}"
    return json.loads(lines[-1])


def _errors(cell) -> list[str]:
    return [o.ename for o in cell.outputs if o.output_type == "error"]


@pytest.fixture(scope="module")
def local_server():
    """A TCP server on loopback in the grader's own network namespace."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    stop = threading.Event()

    def serve():
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield server.getsockname()[1]
    stop.set()
    thread.join()
    server.close()


CONNECT = """import json, socket
def attempt(host, port):
    try:
        socket.create_connection((host, port), timeout=2).close()
        return "connected"
    except OSError as exc:
        return type(exc).__name__
print(json.dumps({{"external": attempt("1.1.1.1", 80), "local": attempt("127.0.0.1", {port})}}))"""

PROBE_LIMITS = Limits(memory_mb=1536, processes=32, file_size_mb=1, cell_timeout_s=60, wall_timeout_s=120, threads=1)


@pytest.fixture(scope="module")
def probe_run(tmp_path_factory, local_server):
    """One sandboxed kernel that tries, cell by cell, everything it must not be able to do."""
    repo = tmp_path_factory.mktemp("repo")
    (repo / "gradebook.db").write_text("hidden tests and grades")
    (repo / "source").mkdir()
    (repo / "source" / "week.ipynb").write_text("the instructor's version")
    workdir = repo / "submitted" / "alice" / "01-week"
    workdir.mkdir(parents=True)
    (workdir / "data.txt").write_text("input for the student")
    home = os.path.expanduser("~")
    cells = [
        CONNECT.format(port=local_server),
        f"""import json, os
repo = {str(repo)!r}
print(json.dumps({{"gradebook": os.path.exists(repo + "/gradebook.db"), "source": os.path.exists(repo + "/source"),
                  "listing": sorted(os.listdir(repo)), "real_repo": sorted(os.listdir({str(REPO)!r}))}}))""",
        f"""import json, os
print(json.dumps({{"home": sorted(os.listdir({home!r}))}}))""",
        """import json, os
data = open("data.txt").read()
open("written.txt", "w").write("from the kernel")
print(json.dumps({"data": data, "cwd": os.getcwd()}))""",
        """import json, os
print(json.dumps({"uid": os.getuid(), "NBGRADER_EXECUTION": os.environ.get("NBGRADER_EXECUTION"),
                  "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS"), "EXTRA": os.environ.get("EXTRA"),
                  "tmp_writable": os.access("/tmp", os.W_OK), "JPY_PARENT_PID": os.environ.get("JPY_PARENT_PID")}))""",
        """import json, os, errno
try:
    with open("big.bin", "wb") as fh:
        fh.write(b"x" * (3 * 1024 * 1024))
    outcome = "written"
except OSError as exc:
    outcome = errno.errorcode.get(exc.errno, str(exc.errno))
print(json.dumps({"fsize": outcome, "size": os.path.getsize("big.bin")}))""",
        """import json, os, time
forked, failure = 0, None
children = []
for _ in range(200):
    try:
        pid = os.fork()
    except OSError as exc:
        failure = type(exc).__name__
        break
    if pid == 0:
        time.sleep(1)
        os._exit(0)
    children.append(pid)
    forked += 1
for pid in children:
    os.waitpid(pid, 0)
print(json.dumps({"forked": forked, "failure": failure}))""",
        "bomb = bytearray(10 * 1536 * 1024 * 1024)\nprint('allocated')",
        """import json, torch, helpers
from torch import nn
net = nn.Sequential(nn.Conv2d(1, 8, 3), nn.ReLU(), nn.Flatten(), nn.Linear(8 * 26 * 26, 10))
loss = net(torch.randn(32, 1, 28, 28)).sum()
loss.backward()
print(json.dumps({"helpers": helpers.__file__, "threads": torch.get_num_threads(), "loss_finite": bool(torch.isfinite(loss))}))""",
    ]
    result, out = _run(workdir, *cells, limits=PROBE_LIMITS, extra_env={"EXTRA": "passed"})
    return result, out, workdir, repo


@needs_sandbox
def test_network_is_refused_inside(probe_run):
    result, cells, *_ = probe_run
    report = _report(cells[0])
    assert report["external"] != "connected"
    assert report["local"] != "connected"  # the grader's loopback is another namespace


@needs_sandbox
def test_repository_and_gradebook_are_invisible(probe_run):
    _, cells, workdir, repo = probe_run
    report = _report(cells[1])
    assert not report["gradebook"] and not report["source"]
    assert report["listing"] == ["submitted"]  # only the way down to the work folder
    # The real repository: only the editable packages and the environment show.
    assert "gradebook.db" not in report["real_repo"] and "source" not in report["real_repo"]
    assert "helpers" in report["real_repo"]


@needs_sandbox
def test_home_of_the_grader_is_invisible(probe_run):
    _, cells, *_ = probe_run
    home = Path(os.path.expanduser("~")).resolve()
    shown = set(_report(cells[2])["home"])
    # Only the first step towards a Python that lives under $HOME (pyenv, say) may show.
    needed = {Path(p).resolve().relative_to(home).parts[0] for p in (sys.base_prefix, sys.prefix)
              if Path(p).resolve().is_relative_to(home)}
    hidden = set(os.listdir(home)) - needed
    assert shown <= needed
    if not hidden:
        pytest.skip("the grader's home holds nothing but the Python install")


@needs_sandbox
def test_workdir_is_readable_and_writable(probe_run):
    _, cells, workdir, _ = probe_run
    report = _report(cells[3])
    assert report["data"] == "input for the student"
    assert report["cwd"] == str(workdir.resolve())
    written = workdir / "written.txt"
    assert written.read_text() == "from the kernel"
    # Files go back to the work folder's owner after the run (root grades as an unprivileged uid).
    assert written.stat().st_uid == workdir.stat().st_uid == os.geteuid()


@needs_sandbox
def test_environment_inside(probe_run):
    result, cells, *_ = probe_run
    report = _report(cells[4])
    assert report["NBGRADER_EXECUTION"] == "autograde"
    assert report["OMP_NUM_THREADS"] == "1"
    assert report["EXTRA"] == "passed"
    assert report["tmp_writable"]
    assert report["JPY_PARENT_PID"] is None
    assert report["uid"] != 0  # never root inside, also when the grader is root
    assert result.sandboxed


@needs_sandbox
def test_file_size_limit(probe_run):
    _, cells, workdir, _ = probe_run
    report = _report(cells[5])
    assert report["fsize"] == "EFBIG"
    assert report["size"] <= 1024 * 1024


@needs_sandbox
def test_process_limit(probe_run):
    _, cells, *_ = probe_run
    report = _report(cells[6])
    assert report["failure"] is not None
    assert report["forked"] < PROBE_LIMITS.processes


@needs_sandbox
def test_memory_bomb_is_contained_and_the_kernel_goes_on(probe_run):
    result, cells, *_ = probe_run
    assert _errors(cells[7]) == ["MemoryError"] and "allocated" not in _text(cells[7])
    assert result.events == ["cell 8: MemoryError (memory limit 1536 MB)"]
    # The kernel survived: the next cell (torch) ran.
    assert _report(cells[8])["loss_finite"]


@needs_sandbox
def test_helpers_and_torch_import_inside(probe_run):
    result, cells, *_ = probe_run
    report = _report(cells[8])
    assert report["helpers"] == str(REPO / "helpers" / "__init__.py")
    assert report["threads"] == 1


@needs_sandbox
def test_output_cap_and_cell_timeout_stop_runaway_cells(tmp_path):
    limits = Limits(output_kb=64, cell_timeout_s=3, wall_timeout_s=60)
    start = time.monotonic()
    result, cells = _run(tmp_path / "wd",
                         "while True:\n    print('x' * 1000)",
                         "while True:\n    pass",
                         ("test_after", "print('after')"),
                         limits=limits)
    assert time.monotonic() - start < 30
    printer, loop, after = cells
    assert any(e.startswith("output cap 64 KB reached in cell 1") for e in result.events), result.events
    kept = sum(len(json.dumps(o)) for c in cells for o in c.outputs if o.output_type == "stream")
    assert kept <= 64 * 1024 + 1024
    assert "KeyboardInterrupt" in _errors(printer)  # stopped by the cap, well before its timeout
    assert "cell 2: timed out after 3 s" in result.events
    assert "CellTimeoutError" in _errors(loop)
    assert _text(after) == "after\n" and _errors(after) == []


@needs_sandbox
def test_wall_clock_kills_a_kernel_that_ignores_interrupts(tmp_path):
    marker = uuid.uuid4().hex
    limits = Limits(cell_timeout_s=60, wall_timeout_s=6)
    start = time.monotonic()
    result, cells = _run(
        tmp_path / "wd",
        # A helper process in its own session that ignores SIGINT/SIGTERM as well.
        "import subprocess, sys\nsubprocess.Popen([sys.executable, '-c', 'import signal, time; "
        "signal.signal(signal.SIGINT, signal.SIG_IGN); signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)'], "
        "start_new_session=True)\nprint('spawned')",
        "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\nwhile True:\n    pass",
        ("test_never", "print('never')"),
        limits=limits, extra_env={"SANDBOX_TEST_MARKER": marker},
    )
    assert time.monotonic() - start < 6 + 15
    assert "wall-clock limit 6 s: kernel killed in cell 2" in result.events
    assert _text(cells[0]) == "spawned\n"
    assert "WallClockLimit" in _errors(cells[1])
    # The test cell never ran: it carries an error, so nbgrader cannot score it as passed.
    assert _errors(cells[2]) == ["NotExecuted"] and _text(cells[2]) == ""
    assert _processes_with(marker) == []


def _processes_with(marker: str) -> list[int]:
    needle = f"SANDBOX_TEST_MARKER={marker}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                if needle in Path(entry.path, "environ").read_bytes().split(b"\0"):
                    found.append(int(entry.name))
            except OSError:
                pass
    return found


@needs_sandbox
def test_interrupt_ignored_at_cell_timeout_kills_the_kernel(tmp_path):
    limits = Limits(cell_timeout_s=2, wall_timeout_s=60)
    result, cells = _run(tmp_path / "wd",
                         "import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
                         ("test_later", "print('later')"),
                         limits=limits)
    assert result.events[0] == "cell 1: timed out after 2 s"
    assert "cell 1: did not stop when interrupted after the timeout; kernel killed" in result.events
    assert _errors(cells[1]) == ["NotExecuted"]
    assert result.wall_s < 30


@needs_sandbox
def test_cpu_limit_kills_the_kernel_and_the_rest_is_marked(tmp_path):
    limits = Limits(cpu_seconds=3, cell_timeout_s=60, wall_timeout_s=60)
    result, cells = _run(tmp_path / "wd", "while True:\n    pass", ("test_after_death", "print('x')"), limits=limits)
    assert any(e.startswith("kernel died in cell 1 (exit -24, SIGXCPU") for e in result.events), result.events
    assert "KernelDied" in _errors(cells[0])
    assert _errors(cells[1]) == ["NotExecuted"]


def test_unsafe_runs_without_the_sandbox_in_a_process_pool(tmp_path, local_server):
    # The coordinator submits execute_notebook to a concurrent.futures executor: plain data in and out.
    workdir = tmp_path / "wd"
    workdir.mkdir()
    source = _notebook(CONNECT.format(port=local_server), "import os\nprint(os.environ['NBGRADER_EXECUTION'])")
    with ProcessPoolExecutor(max_workers=1) as pool:
        result = pool.submit(execute_notebook, source, str(workdir), Limits(cell_timeout_s=30, wall_timeout_s=60),
                             unsafe=True).result(timeout=120)
    cells = nbformat.reads(result.notebook, as_version=4).cells[1:]
    assert result.events[0] == "UNSAFE: not sandboxed"
    assert result.sandboxed is False
    assert _report(cells[0])["local"] == "connected"  # so the refusal inside is the sandbox's doing
    assert _text(cells[1]) == "autograde\n"


def test_missing_bwrap_is_reported_and_refused(tmp_path, monkeypatch):
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    reason = sandbox_problem()
    assert reason is not None and "bwrap" in reason
    with pytest.raises(SandboxUnavailable, match="bwrap"):
        execute_notebook(_notebook("print(1)"), str(tmp_path), Limits())


def test_garbage_is_an_event_not_an_exception(tmp_path):
    result = execute_notebook("{not json", str(tmp_path), Limits(), unsafe=True)
    assert result.notebook == "{not json"
    assert result.events[0] == "UNSAFE: not sandboxed"
    assert result.events[1].startswith("not a notebook")


def test_only_editable_packages_are_bound(tmp_path):
    project = tmp_path / "project"
    for package in ("helpers", "course"):
        (project / package).mkdir(parents=True)
        (project / package / "__init__.py").write_text("")
    (project / "gradebook.db").write_text("")
    site_dir = tmp_path / "site-packages"
    site_dir.mkdir()
    finder = "__editable___proj_1_0_finder"
    (site_dir / f"{finder}.py").write_text(
        f"MAPPING: dict[str, str] = {{'helpers': '{project}/helpers', 'course': '{project}/course'}}\n")
    (site_dir / "__editable__.proj-1.0.pth").write_text(f"import {finder}; {finder}.install()")
    legacy = tmp_path / "legacy"
    (legacy / "pkg").mkdir(parents=True)
    (legacy / "pkg" / "__init__.py").write_text("")
    (legacy / "secret.db").write_text("")
    (site_dir / "legacy.pth").write_text(f"{legacy}\n")
    found = sandbox_kernel.editable_package_dirs([str(site_dir)])
    assert sorted(found) == sorted([f"{project}/helpers", f"{project}/course", f"{legacy}/pkg"])


@pytest.mark.skipif(os.geteuid() != 0 or not os.path.exists("/usr/bin/python3") or PROBLEM is not None,
                    reason="needs root (to act as a normal user), a system python3 and bwrap")
def test_unprivileged_grader_gets_the_same_limits(monkeypatch):
    """A tutor without root: bwrap makes the user namespace itself, and the process cap is per kernel."""
    workdir = Path(tempfile.mkdtemp(prefix="sbx-test-", dir="/tmp"))  # pytest's tmp_path is root-only
    os.chown(workdir, sandbox_kernel.UNPRIVILEGED_UID, sandbox_kernel.UNPRIVILEGED_UID)
    try:
        _run_as_unprivileged(workdir, monkeypatch)
    finally:
        shutil.rmtree(workdir)


def _run_as_unprivileged(workdir: Path, monkeypatch) -> None:
    monkeypatch.setattr(sandbox_kernel, "_python_paths", lambda: [])
    monkeypatch.setattr(sandbox_kernel, "editable_package_dirs", lambda: [])
    plan = sandbox_kernel.KernelPlan(workdir=str(workdir), private_dir=str(workdir), sandboxed=True, memory_mb=256,
                                     address_space_mb=1024, cpu_seconds=10, processes=8, file_size_mb=1, tmp_mb=8,
                                     threads=1)
    probe = ("import os, socket, time\nn = 0\ntry:\n    for _ in range(50):\n        if os.fork() == 0:\n"
             "            time.sleep(2); os._exit(0)\n        n += 1\nexcept OSError:\n    pass\n"
             "try:\n    socket.create_connection(('1.1.1.1', 80), timeout=2); net = 'connected'\n"
             "except OSError:\n    net = 'refused'\nprint(n, net, os.getcwd())")
    argv = sandbox_kernel.sandbox_argv(plan, ["/usr/bin/python3", "-c", probe])
    uid = str(sandbox_kernel.UNPRIVILEGED_UID)
    done = subprocess.run([shutil.which("setpriv"), "--reuid", uid, "--regid", uid, "--clear-groups", "--", *argv],
                          capture_output=True, text=True, timeout=60, cwd="/")
    assert done.returncode == 0, done.stderr
    forked, net, cwd = done.stdout.split()
    assert int(forked) < 8 and net == "refused" and cwd == str(workdir)
