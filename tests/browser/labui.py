"""Drive JupyterLab and nbgrader's formgrader in headless Chromium: the server, the browser, the steps.

Used by the fixtures in conftest.py and by the tests. Nothing here downloads anything: the
browser and its driver are Debian's ``chromium`` and ``chromium-driver`` (installed by
tools/install-system-packages), and Selenium Manager is kept offline.
"""
from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, TimeoutException, WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / ".browser-artifacts"

# Generous: the reference machine has 2 cores, shared with the rest of the suite under `pytest -n 2`.
SERVER_START_S = 120
PAGE_LOAD_S = 90
KERNEL_S = 120
RUN_S = 180
VALIDATE_S = 300

# Variables of the test process that must not reach the server, its kernels or nbgrader:
# the helpers tests set MPLBACKEND=Agg (which would hide every figure), grading flags, and
# anything pointing Jupyter at the machine's own folders.
_SCRUB = ("MPLBACKEND", "NBGRADER_EXECUTION", "DL_DEVICE", "DL_CHECKPOINT_DIR", "DL_DATA_DIR",
          "DL_GRADEBOOK_URL", "PYTHONPATH", "IPYTHONDIR", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH",
          "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_SETTINGS_DIR",
          "JUPYTERLAB_WORKSPACES_DIR", "JUPYTER_PREFER_ENV_PATH")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- the JupyterLab server -----------------------------------------------------------------------

class LabServer:
    """``jupyter lab`` on loopback with a random token, serving ``root``, everything else in ``home``.

    The venv's own Jupyter configuration (``<venv>/etc/jupyter``, where nbgrader's server
    extensions are enabled, and ``<venv>/share/jupyter``, where the Lab extensions live) stays
    visible; the user-level folders (config, data, runtime, IPython, Lab settings, HOME) all
    point into ``home``, so nothing of the machine's home directory is read or written.
    """

    def __init__(self, root: Path, home: Path, extra_env: dict[str, str] | None = None):
        self.root = Path(root).resolve()
        self.home = Path(home).resolve()
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.log_path = self.home / "jupyter-lab.log"
        self.proc: subprocess.Popen | None = None
        self.extra_env = extra_env or {}

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, path: str) -> str:
        sep = "&" if "?" in path else "?"
        return f"{self.base}/{path.lstrip('/')}{sep}token={self.token}"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _SCRUB}
        dirs = {"HOME": "home", "JUPYTER_CONFIG_DIR": "jupyter-config", "JUPYTER_DATA_DIR": "jupyter-data",
                "JUPYTER_RUNTIME_DIR": "jupyter-runtime", "IPYTHONDIR": "ipython", "MPLCONFIGDIR": "matplotlib",
                "XDG_CACHE_HOME": "cache", "XDG_CONFIG_HOME": "config", "XDG_DATA_HOME": "data"}
        for var, name in dirs.items():
            (self.home / name).mkdir(parents=True, exist_ok=True)
            env[var] = str(self.home / name)
        # Lab's user settings: no news or update checks (no network, and no toast over the notebook).
        settings = self.home / "jupyter-config" / "lab" / "user-settings" / "@jupyterlab" / "apputils-extension"
        settings.mkdir(parents=True, exist_ok=True)
        (settings / "notification.jupyterlab-settings").write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
        env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
        env["PYTHONUNBUFFERED"] = "1"
        env.update(self.extra_env)
        return env

    def start(self, cwd: Path | None = None, attempts: int = 3) -> "LabServer":
        """Start the server and wait until ``/api/status`` answers; a new port if another process took ours."""
        for attempt in range(attempts):
            try:
                return self._start(cwd)
            except RuntimeError:
                if attempt + 1 == attempts or "already in use" not in self.log_tail():
                    raise
                self.port = free_port()
        raise AssertionError("unreachable")

    def _start(self, cwd: Path | None) -> "LabServer":
        cmd = [sys.executable, "-m", "jupyter", "lab", "--no-browser", "--allow-root",
               "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}", "--ServerApp.port_retries=0",
               f"--ServerApp.token={self.token}", f"--ServerApp.root_dir={self.root}",
               "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"]
        self.home.mkdir(parents=True, exist_ok=True)
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=str(cwd or self.root), env=self.env(), stdout=log,
                                         stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True)
        deadline = time.monotonic() + SERVER_START_S
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                code, self.proc = self.proc.returncode, None
                raise RuntimeError(f"jupyter lab exited with {code} before it was ready:\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(self.url("api/status"), timeout=5) as resp:
                    if resp.status == 200:
                        return self
            except (urllib.error.URLError, ConnectionError, OSError):
                pass
            time.sleep(0.25)
        raise RuntimeError(f"jupyter lab was not ready after {SERVER_START_S} s:\n{self.log_tail()}")

    def api(self, path: str, method: str = "GET"):
        req = urllib.request.Request(self.url(path), method=method)
        with urllib.request.urlopen(req, timeout=30) as resp:
            body = resp.read()
        return json.loads(body) if body else None

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return "(no log)"

    def _kernel_pids(self) -> list[int]:
        """Kernels this server started: their command line names a connection file in our runtime dir."""
        runtime = str(self.home / "jupyter-runtime")
        pids = []
        for proc in Path("/proc").iterdir():
            if not proc.name.isdigit():
                continue
            try:
                cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
            except OSError:
                continue
            if runtime in cmdline and "kernel" in cmdline:
                pids.append(int(proc.name))
        return pids

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:  # shut the kernels down the polite way first
                for kernel in self.api("api/kernels") or []:
                    self.api(f"api/kernels/{kernel['id']}", method="DELETE")
            except Exception:
                pass
        leftover = self._kernel_pids()
        for sig, wait_s in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
            if self.proc.poll() is not None:
                break
            try:
                os.killpg(self.proc.pid, sig)
            except ProcessLookupError:
                break
            try:
                self.proc.wait(timeout=wait_s)
            except subprocess.TimeoutExpired:
                continue
        # Kernels run in their own session (jupyter_client's choice): end the ones we started, by pid.
        for pid in set(leftover) | set(self._kernel_pids()):
            try:
                os.kill(pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.proc = None


# --- the browser ---------------------------------------------------------------------------------

def start_chromium(profile: Path, width: int = 1400, height: int = 1000) -> webdriver.Chrome:
    """Headless Debian Chromium through Debian's chromedriver. Raises RuntimeError saying why not."""
    chromium, driver = shutil.which("chromium"), shutil.which("chromedriver")
    missing = [name for name, path in (("chromium", chromium), ("chromedriver", driver)) if path is None]
    if missing:
        raise RuntimeError(f"{' and '.join(missing)} not found on PATH: install Debian's chromium and "
                           "chromium-driver (tools/install-system-packages)")
    options = Options()
    options.binary_location = chromium
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                f"--window-size={width},{height}", f"--user-data-dir={profile}", "--no-first-run",
                "--no-default-browser-check", "--disable-extensions", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--password-store=basic", "--lang=en-US"):
        options.add_argument(arg)
    profile.mkdir(parents=True, exist_ok=True)
    log = profile / "chromedriver.log"
    env = dict(os.environ, HOME=str(profile))  # chromium's own files stay in the profile folder
    service = Service(executable_path=driver, env=env, log_output=str(log))
    previous = os.environ.get("SE_OFFLINE")
    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager must never download a browser or a driver
    try:
        return webdriver.Chrome(service=service, options=options)
    except WebDriverException as exc:
        raise RuntimeError(f"headless chromium could not start ({chromium} via {driver}): "
                           f"{(exc.msg or str(exc)).splitlines()[0]} (chromedriver log: {log})") from exc
    finally:
        if previous is None:
            os.environ.pop("SE_OFFLINE", None)
        else:
            os.environ["SE_OFFLINE"] = previous


class Steps:
    """Numbered steps with a screenshot each; a failing step says what was on the screen.

    Screenshots go to ``.browser-artifacts/<test name>/NN-<step>.png``.
    """

    def __init__(self, driver: webdriver.Chrome, folder: Path):
        self.driver = driver
        self.folder = folder
        self.n = 0
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)

    def shot(self, name: str) -> Path:
        path = self.folder / f"{self.n:02d}-{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
        try:
            self.driver.save_screenshot(str(path))
        except WebDriverException:
            pass
        return path

    def screen_text(self, limit: int = 1500) -> str:
        """The visible text of the main area (Lab's dock panel, a dialog, or the page body)."""
        try:
            text = self.driver.execute_script("""
                const parts = [];
                for (const sel of ['.jp-Dialog', '#jp-main-dock-panel', 'body']) {
                    const el = document.querySelector(sel);
                    if (el && el.innerText.trim()) { parts.push(el.innerText); if (sel !== '.jp-Dialog') break; }
                }
                return parts.join('\\n---\\n');""")
        except WebDriverException as exc:
            return f"(could not read the page: {exc.msg})"
        text = re.sub(r"\n\s*\n+", "\n", text or "").strip()
        return text if len(text) <= limit else text[:limit // 3] + "\n[...]\n" + text[-2 * limit // 3:]

    @contextmanager
    def step(self, name: str):
        self.n += 1
        started = time.monotonic()
        try:
            yield
        except Exception as exc:
            path = self.shot(name + "-FAILED")
            msg = (f"step {self.n:02d} '{name}' failed after {time.monotonic() - started:.0f} s: "
                   f"{type(exc).__name__}: {getattr(exc, 'msg', None) or exc}\n"
                   f"screenshot: {path}\n--- on the screen ---\n{self.screen_text()}")
            raise AssertionError(msg) from None
        path = self.shot(name)
        print(f"  step {self.n:02d} {name}: {time.monotonic() - started:.1f} s -> {path.name}")


def wait(driver, timeout: float, condition, message: str):
    """WebDriverWait that tolerates elements re-rendered under it, with a readable timeout message."""
    def check(d):
        try:
            return condition(d)
        except StaleElementReferenceException:
            return False
    try:
        return WebDriverWait(driver, timeout, poll_frequency=0.2).until(check)
    except TimeoutException:
        raise TimeoutException(f"waited {timeout:.0f} s for {message}") from None


# --- JupyterLab ----------------------------------------------------------------------------------

class Notebook:
    """The notebook open in the current Lab tab, driven the way a student does."""

    def __init__(self, driver: webdriver.Chrome):
        self.d = driver

    # reading
    def panel(self):
        return self.d.find_element(By.CSS_SELECTOR, ".jp-NotebookPanel:not(.lm-mod-hidden)")

    def cells(self):
        return self.panel().find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-Notebook-cell")

    def cell(self, index: int):
        return self.cells()[index]

    def kernel_status(self) -> str:
        el = self.panel().find_elements(By.CSS_SELECTOR, ".jp-Notebook-ExecutionIndicator")
        return el[0].get_attribute("data-status") if el else ""

    def prompt(self, index: int) -> str:
        return self.cell(index).find_element(By.CSS_SELECTOR, ".jp-InputPrompt").text.strip()

    def busy_prompts(self) -> int:
        return sum("[*]" in p.text for p in self.panel().find_elements(By.CSS_SELECTOR, ".jp-InputPrompt"))

    def outputs_text(self, index: int) -> str:
        return "\n".join(o.text for o in self.cell(index).find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output"))

    def error_text(self, index: int) -> str:
        """Text of one cell's error outputs: Lab renders tracebacks (and stderr) as the stderr MIME type."""
        outs = self.cell(index).find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output[data-mime-type='application/vnd.jupyter.stderr']")
        return "\n".join(o.text for o in outs)

    def editor_text(self, index: int) -> str:
        return self.d.execute_script(
            "return Array.from(arguments[0].querySelectorAll('.cm-content .cm-line')).map(l => l.textContent).join('\\n');",
            self.cell(index))

    # waiting
    def wait_open(self, n_cells: int, timeout: float = PAGE_LOAD_S):
        """Wait until the notebook shows all its ``n_cells`` cells."""
        wait(self.d, timeout, lambda d: len(self.cells()) == n_cells and self.cells()[0].is_displayed(),
             f"the notebook to open with its {n_cells} cells")

    def wait_kernel_idle(self, timeout: float = KERNEL_S):
        wait(self.d, timeout, lambda d: self.kernel_status() == "idle" and self.busy_prompts() == 0,
             "the kernel to be idle with no cell running")

    def scroll_to(self, index: int, block: str = "center"):
        """Scroll cell ``index`` into view; ``block='end'`` shows the end of its last output (an error's message)."""
        for _ in range(2):  # again once the cells around it have rendered and taken their real height
            outputs = self.cell(index).find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output")
            target = outputs[-1] if block == "end" and outputs else self.cell(index)
            self.d.execute_script("arguments[0].scrollIntoView({block: arguments[1]});", target, block)
            time.sleep(0.2)

    # acting
    def menu(self, top: str, item: str):
        """Click a main-menu entry, e.g. menu('Run', 'Run All Cells')."""
        bar = wait(self.d, 30, lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, "#jp-menu-panel .lm-MenuBar-item")
                                          if e.text.strip() == top], f"the '{top}' menu")
        bar[0].click()
        entry = wait(self.d, 30, lambda d: [e for e in d.find_elements(By.CSS_SELECTOR, ".lm-Menu .lm-Menu-item")
                                            if e.is_displayed() and e.find_element(By.CSS_SELECTOR, ".lm-Menu-itemLabel").text.strip() == item],
                     f"the menu entry '{top} > {item}'")
        entry[0].click()

    def run_all(self, watch: int, timeout: float = RUN_S):
        """Run > Run All Cells; wait until cell ``watch`` has run (a new execution count) and all is idle."""
        before = self.prompt(watch)
        self.menu("Run", "Run All Cells")
        wait(self.d, timeout, lambda d: re.fullmatch(r"\[\d+\]:", self.prompt(watch)) and self.prompt(watch) != before
             and self.busy_prompts() == 0 and self.kernel_status() == "idle",
             f"Run All Cells to run cell {watch} and finish (its prompt was {before!r})")

    def set_cell_text(self, index: int, text: str):
        """Replace a cell's text as a student does: click into its editor, select all, paste."""
        self.scroll_to(index)
        content = self.cell(index).find_element(By.CSS_SELECTOR, ".cm-content")
        content.click()
        wait(self.d, 10, lambda d: self.d.execute_script(
            "return arguments[0].contains(document.activeElement);", self.cell(index)), "the cell editor to take the focus")
        content.send_keys(Keys.CONTROL, "a")
        # A real paste event: CodeMirror inserts clipboard text verbatim (no auto-indent or bracket closing).
        self.d.execute_script("""
            const dt = new DataTransfer();
            dt.setData('text/plain', arguments[1]);
            arguments[0].dispatchEvent(new ClipboardEvent('paste', {clipboardData: dt, bubbles: true, cancelable: true}));
        """, content, text)
        wait(self.d, 10, lambda d: self.editor_text(index) == text, "the editor to hold the pasted text")

    def type_into_cell(self, index: int, text: str):
        """Select all in a cell's editor and type ``text`` key by key (one line: CodeMirror auto-indents)."""
        self.scroll_to(index)
        content = self.cell(index).find_element(By.CSS_SELECTOR, ".cm-content")
        content.click()
        content.send_keys(Keys.CONTROL, "a")
        content.send_keys(text)
