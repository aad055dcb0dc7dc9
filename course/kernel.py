"""Launch one IPython kernel inside a bubblewrap sandbox, under resource limits.

The kernel talks to the grader over zmq's ``ipc`` transport: TCP cannot cross into a
sandbox that has its own (empty) network namespace, but unix sockets in a folder bound into
both sides can. That folder (``KernelPlan.private_dir``) also holds the connection file and
the kernel's log; nothing else of the grader's file system is writable inside.

Two ways in, depending on who grades:

* a normal user: ``bwrap --unshare-all`` (user namespace included) -> ``prlimit`` -> python.
* root (containers, CI): Linux does not enforce ``RLIMIT_NPROC`` for real uid 0, so a fork
  bomb would run free. A privileged ``bwrap`` builds the mounts (it can read a Python that
  lives under ``/root``), ``setpriv`` drops to an unprivileged uid, and a second, unprivileged
  ``bwrap`` gives the kernel its own user namespace, so the process count is kept per kernel
  rather than shared by every kernel running as that uid.

In both, ``--disable-userns`` stops the student's code from making user namespaces of its
own (the usual first step of a kernel exploit), and ``--die-with-parent`` plus the pid
namespace mean that killing the outermost process ends the whole tree.
"""
from __future__ import annotations

import ast
import os
import shutil
import signal
import site
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

__all__ = [
    "KernelPlan",
    "SandboxedKernelManager",
    "UNPRIVILEGED_UID",
    "editable_package_dirs",
    "probe_sandbox",
    "sandbox_argv",
    "kernel_env",
    "kill_process_tree",
]

UNPRIVILEGED_UID = 65534  # "nobody": owns nothing, so the kernel can touch only what we chown to it
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
SANDBOX_TMP = "/tmp"
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS",
               "VECLIB_MAXIMUM_THREADS", "TORCH_NUM_THREADS")
RUN_ID_VAR = "COURSE_SANDBOX_RUN"
MB = 1024 * 1024


@dataclass(frozen=True)
class KernelPlan:
    """Everything needed to launch one kernel: plain data, decided before the launch."""

    workdir: str
    private_dir: str
    sandboxed: bool
    memory_mb: int
    address_space_mb: int
    cpu_seconds: int
    processes: int
    file_size_mb: int
    tmp_mb: int
    threads: int
    extra_env: dict[str, str] = field(default_factory=dict)
    readonly_paths: tuple[str, ...] = ()
    drop_to_uid: int | None = None  # set when the grader is root: the uid the kernel runs as
    run_id: str = ""  # put into the kernel's environment; finds its processes after the tree is gone

    @property
    def log_path(self) -> str:
        return os.path.join(self.private_dir, "kernel.log")


# --- what the kernel may see -----------------------------------------------------------------

def _finder_mapping(finder: Path) -> dict[str, str]:
    """The ``MAPPING`` of a setuptools editable finder (package name -> source dir), read, not imported."""
    try:
        tree = ast.parse(finder.read_text(encoding="utf-8"))
    except (OSError, SyntaxError, UnicodeDecodeError):
        return {}
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) else []
        if any(isinstance(t, ast.Name) and t.id == "MAPPING" for t in targets) and node.value is not None:
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return {}
            return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}
    return {}


def _importable_children(folder: Path) -> list[str]:
    """Packages and modules directly in a folder: what a path-style ``.pth`` line makes importable."""
    found = []
    for child in sorted(folder.iterdir()):
        if child.is_dir() and (child / "__init__.py").exists() and child.name not in ("tests", "test"):
            found.append(str(child))
        elif child.suffix == ".py" and child.name not in ("setup.py", "conftest.py"):
            found.append(str(child))
    return found


def editable_package_dirs(site_dirs: list[str] | None = None) -> list[str]:
    """Source folders of editable installs in the environment's site-packages.

    Only the packages themselves are returned, never the project folder around them: for
    ``pip install -e .`` of this repository that is ``helpers/`` and ``course/``, while the
    repository root (with ``source/`` and ``gradebook.db``) stays outside the sandbox. The
    kernel's ``sys.path`` comes from these ``.pth`` files (its environment is clean), so the
    grader's own ``sys.path`` (pytest's, say) does not matter.
    """
    dirs: list[str] = []
    for site_dir in map(Path, site_dirs if site_dirs is not None else site.getsitepackages()):
        if not site_dir.is_dir():
            continue
        for pth in sorted(site_dir.glob("*.pth")):
            try:
                lines = pth.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue
            for line in (ln.strip() for ln in lines):
                if not line or line.startswith("#"):
                    continue
                if line.startswith(("import ", "import\t")):
                    for word in line.replace(";", " ").split():
                        if word.startswith("__editable__") and (site_dir / f"{word}.py").is_file():
                            dirs.extend(_finder_mapping(site_dir / f"{word}.py").values())
                    continue
                folder = (site_dir / line).resolve()
                if folder.is_dir() and not folder.is_relative_to(site_dir):
                    dirs.extend(_importable_children(folder))
    return [d for d in dict.fromkeys(dirs) if os.path.exists(d)]


def _python_paths() -> list[str]:
    """The interpreter's own trees: base install, the venv, and wherever the executable links to."""
    paths = [sys.base_prefix, sys.prefix, os.path.dirname(os.path.realpath(sys.executable))]
    return [p for p in dict.fromkeys(paths) if p and os.path.exists(p)]


def _covered(path: str, roots: list[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip("/") + "/") for r in roots)


def _mount_args(plan: KernelPlan) -> list[str]:
    args: list[str] = []
    system = []
    for top in SYSTEM_DIRS:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
            system.append(top)
    args += ["--proc", "/proc", "--dev", "/dev"]
    args += ["--perms", "1777", "--size", str(plan.tmp_mb * MB), "--tmpfs", SANDBOX_TMP]

    binds: dict[str, str] = {}  # real path -> mode; symlinked spellings get a link to it
    links: dict[str, str] = {}
    for path in [*_python_paths(), *editable_package_dirs(), *plan.readonly_paths]:
        real = os.path.realpath(path)
        if not _covered(real, [*system, *binds]):
            binds[real] = "--ro-bind"
        if os.path.abspath(path) != real and not _covered(os.path.abspath(path), [*system, *binds]):
            links[os.path.abspath(path)] = real
    for path in (plan.private_dir, plan.workdir):
        binds[os.path.realpath(path)] = "--bind"
    # Parents before children, so that a folder bound inside another one stays visible.
    # bwrap makes missing parents of a mount point mode 0700, which the unprivileged kernel
    # could not pass through: create them 0755 first.
    made: set[str] = {"/", SANDBOX_TMP}
    for real in sorted(binds, key=lambda p: (p.count("/"), p)):
        for parent in reversed(Path(real).parents):
            name = str(parent)
            if name not in made and not _covered(name, system):
                made.add(name)
                args += ["--perms", "0755", "--dir", name]
        args += [binds[real], real, real]
        made.add(real)
    for link, target in links.items():
        args += ["--symlink", target, link]
    return args


def _prlimit_args(plan: KernelPlan) -> list[str]:
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        return []
    cpu = plan.cpu_seconds
    return [
        prlimit,
        # Private writable memory (heap, anonymous mmaps, thread stacks): what a student's
        # tensors and lists use. Shared libraries do not count, so torch's ~3 GB of mapped
        # CUDA libraries do not eat the budget ...
        f"--data={plan.memory_mb * MB}",
        # ... while the address space as a whole still has a ceiling (shared mappings, memfd).
        f"--as={(plan.memory_mb + plan.address_space_mb) * MB}",
        f"--cpu={cpu}:{cpu + 5}",  # SIGXCPU at the soft limit, SIGKILL 5 s later
        f"--nproc={plan.processes}",
        f"--fsize={plan.file_size_mb * MB}",
        "--core=0",  # SIGXCPU would otherwise dump core into the work folder
        "--",
    ]


def kernel_env(plan: KernelPlan, home: str) -> dict[str, str]:
    """The kernel's whole environment: nothing of the grader's (tokens, paths) leaks in."""
    threads = str(plan.threads)
    env = {
        "PATH": os.pathsep.join([os.path.join(sys.prefix, "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
        "HOME": home,
        "TMPDIR": SANDBOX_TMP if plan.sandboxed else plan.private_dir,
        "LANG": "C.UTF-8",
        "LC_ALL": "C.UTF-8",
        "MPLCONFIGDIR": os.path.join(home, ".matplotlib"),
        "IPYTHONDIR": os.path.join(home, ".ipython"),
        "JUPYTER_CONFIG_DIR": os.path.join(home, ".jupyter"),
        "JUPYTER_DATA_DIR": os.path.join(home, ".local", "share", "jupyter"),
        "JUPYTER_RUNTIME_DIR": os.path.join(home, ".jupyter-runtime"),
        "XDG_CACHE_HOME": os.path.join(home, ".cache"),
        "PYTHONNOUSERSITE": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        # glibc reserves 64 MB of address space per thread arena; two arenas are plenty for
        # one grading kernel and keep the address-space ceiling meaningful.
        "MALLOC_ARENA_MAX": "2",
        "NBGRADER_EXECUTION": "autograde",
        **{name: threads for name in THREAD_VARS},
    }
    if plan.run_id:
        env[RUN_ID_VAR] = plan.run_id
    env.update(plan.extra_env)
    return env


def sandbox_argv(plan: KernelPlan, command: list[str]) -> list[str]:
    """The full argv that runs ``command`` as the plan says (sandboxed or not, always limited)."""
    limited = _prlimit_args(plan) + command
    if not plan.sandboxed:
        return limited
    bwrap = shutil.which("bwrap") or "bwrap"
    # jupyter_client tells the kernel to quit when its parent pid changes; inside a pid
    # namespace the parent is bwrap's init, so that check would end the kernel at once.
    common = ["--die-with-parent", "--new-session", "--unsetenv", "JPY_PARENT_PID", "--chdir", os.path.realpath(plan.workdir)]
    if plan.drop_to_uid is None:
        return [bwrap, "--unshare-all", "--unshare-user", "--disable-userns", *common, *_mount_args(plan), "--", *limited]
    uid = str(plan.drop_to_uid)
    return [
        bwrap, "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
        *common, *_mount_args(plan), "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--",
        shutil.which("setpriv") or "setpriv", "--reuid", uid, "--regid", uid, "--clear-groups",
        "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--",
        bwrap, "--unshare-user", "--disable-userns", "--dev-bind", "/", "/", *common, "--", *limited,
    ]


def probe_sandbox() -> str | None:
    """Run ``true`` the way a kernel would run; None when that works, else why not."""
    if not sys.platform.startswith("linux"):
        return f"not Linux ({sys.platform}): bubblewrap sandboxes need Linux namespaces"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not on PATH: install the Debian/Ubuntu package 'bubblewrap'"
    if shutil.which("prlimit") is None:
        return "prlimit is not on PATH: install util-linux"
    root = os.geteuid() == 0
    if root and shutil.which("setpriv") is None:
        return "setpriv is not on PATH (util-linux): needed to drop root before the kernel starts"
    with tempfile.TemporaryDirectory(prefix="sbx-probe-") as tmp:
        if root:
            os.chown(tmp, UNPRIVILEGED_UID, UNPRIVILEGED_UID)
        plan = KernelPlan(workdir=tmp, private_dir=tmp, sandboxed=True, memory_mb=256, address_space_mb=1024,
                          cpu_seconds=10, processes=16, file_size_mb=1, tmp_mb=1, threads=1,
                          drop_to_uid=UNPRIVILEGED_UID if root else None)
        try:
            done = subprocess.run(sandbox_argv(plan, ["true"]), capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bubblewrap did not run: {exc}"
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        return f"bubblewrap cannot build the sandbox here ({reason}); are unprivileged user namespaces disabled?"
    return None


# --- ending a kernel for good ----------------------------------------------------------------

def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; the fields after the last ')' do not.
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _pids_with_env(token: str) -> list[int]:
    """Processes whose initial environment carries ``RUN_ID_VAR=token`` (only our own are readable)."""
    needle = f"{RUN_ID_VAR}={token}".encode()
    found = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as fh:
                if needle in fh.read().split(b"\0"):
                    found.append(int(entry.name))
        except OSError:
            continue
    return found


def kill_process_tree(pid: int, rounds: int = 3, run_id: str = "") -> None:
    """SIGKILL ``pid``, its process group and every descendant, including those that left the group.

    In the sandbox killing the outer ``bwrap`` is enough (its pid namespace dies with it); the
    walk over ``/proc`` covers the unsafe mode, where children may have called ``setsid``.
    """
    for _ in range(rounds):
        tree, todo = [], [pid]
        if os.path.isdir("/proc"):
            children = _children_map()
            while todo:
                current = todo.pop()
                tree.append(current)
                todo.extend(children.get(current, []))
            if run_id:
                tree.extend(p for p in _pids_with_env(run_id) if p not in tree)
        else:
            tree = [pid]
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            pass
        for victim in tree:
            try:
                os.kill(victim, signal.SIGKILL)
            except OSError:
                pass
        if len(tree) <= 1:
            return
        time.sleep(0.05)


# --- the kernel manager ------------------------------------------------------------------------

class SandboxedKernelManager(AsyncKernelManager):
    """An ``AsyncKernelManager`` whose kernel always is this Python's ipykernel, in the sandbox.

    The notebook's kernelspec is ignored. Interrupts travel as ``interrupt_request`` messages
    on the control channel: a SIGINT to our child (``bwrap``) would not reach a kernel in a
    new session and pid namespace.
    """

    def __init__(self, plan: KernelPlan | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.plan = plan
        self.transport = "ipc"
        if plan is not None:
            self.connection_file = os.path.join(plan.private_dir, "kernel.json")
            self.ip = os.path.join(plan.private_dir, "ipc")

    @property
    def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
        if self._kernel_spec is None:
            self._kernel_spec = KernelSpec(
                argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                display_name="Python 3 (grading sandbox)",
                language="python",
                interrupt_mode="message",
            )
        return self._kernel_spec

    @property
    def ipykernel(self) -> bool:
        return True

    def write_connection_file(self, **kwargs: Any) -> None:
        super().write_connection_file(**kwargs)
        if self.plan is not None and self.plan.drop_to_uid is not None:
            os.chown(self.connection_file, self.plan.drop_to_uid, self.plan.drop_to_uid)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        assert self.plan is not None, "SandboxedKernelManager needs a KernelPlan"
        plan = self.plan
        home = SANDBOX_TMP if plan.sandboxed else os.path.join(plan.private_dir, "home")
        kw["env"] = kernel_env(plan, home)
        kw["cwd"] = plan.workdir
        with open(plan.log_path, "ab") as log:
            kw["stdout"] = log
            kw["stderr"] = subprocess.STDOUT
            await super()._async_launch_kernel(sandbox_argv(plan, kernel_cmd), **kw)

    @property
    def process(self) -> subprocess.Popen | None:
        provisioner = self.provisioner
        return getattr(provisioner, "process", None) if provisioner is not None else None

    def kill_tree(self) -> None:
        """End the kernel and everything it started; safe to call from any thread, any time."""
        process = self.process
        run_id = self.plan.run_id if self.plan is not None else ""
        if process is not None:
            kill_process_tree(process.pid, run_id=run_id)

    def exit_status(self) -> int | None:
        """The kernel's exit status with signals as negative numbers, also through bwrap (128 + n)."""
        process = self.process
        if process is None or process.poll() is None:
            return None
        code = process.returncode
        if self.plan is not None and self.plan.sandboxed and code > 128:
            return -(code - 128)
        return code

    def log_tail(self, limit: int = 400) -> str:
        if self.plan is None:
            return ""
        try:
            with open(self.plan.log_path, "rb") as fh:
                fh.seek(max(0, os.path.getsize(self.plan.log_path) - limit))
                return fh.read().decode("utf-8", "replace").strip()
        except OSError:
            return ""
