"""The student's path in a real browser: week 01 from the student bundle, in JupyterLab 4.

Run the stubs and read the failing visible tests, type a wrong answer and read the helpers'
message, paste the right answer and see its test pass, Validate with nbgrader's toolbar
button, and see that figures render as images and that ``helpers.fit``'s progress bar
renders as a widget.
"""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import nbformat
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from labui import REPO, RUN_S, VALIDATE_S, Notebook, wait

WEEK = "01-math-review"
EXERCISE = "pairwise_sq_distances"  # its test prints a helpers.checks message for a wrong answer
NEXT_TEST = "test_pca_fit"          # the next exercise's test: still a stub, so Run All stops there
# Typed key by key, as a student would: the distance without the square (a classic mistake).
WRONG = "def pairwise_sq_distances(X, Y): return ((X[:, None, :] - Y[None, :, :]) ** 2).sum(dim=-1).sqrt()"

SCRATCH = """import helpers, torch
from helpers import fit
from helpers.data import load_digits

torch.manual_seed(0)
digits = load_digits(flatten=True)
history = fit(torch.nn.Linear(64, 10), digits.train, digits.val, epochs=2, metrics=["accuracy"])
print("helpers from", helpers.__file__)
print("trained", len(history), "epochs")"""


def _strip_markers(source: str) -> str:
    return "\n".join(line for line in source.splitlines() if line.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))


def _index(nb, grade_id: str) -> int:
    return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def _bundle(tmp_path: Path) -> Path:
    out = tmp_path / "bundle"
    run = subprocess.run([str(Path(sys.executable).parent / "course"), "bundle", "--out", str(out), "--no-zip"],
                         cwd=REPO, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"course bundle failed:\n{run.stdout}\n{run.stderr}"
    return out


def test_student_runs_fixes_and_validates_week_01(tmp_path, serve_lab, browser):
    started = time.monotonic()
    bundle = _bundle(tmp_path)
    rel_path = f"release/{WEEK}/{WEEK}.ipynb"
    release = nbformat.read(str(bundle / rel_path), as_version=4)
    source = nbformat.read(str(REPO / "source" / WEEK / f"{WEEK}.ipynb"), as_version=4)
    answer, test, next_test = _index(release, EXERCISE), _index(release, "test_" + EXERCISE), _index(release, NEXT_TEST)
    solution = _strip_markers(source.cells[_index(source, EXERCISE)].source)
    assert "NotImplementedError" in release.cells[answer].source and solution not in release.cells[answer].source

    scratch = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(SCRATCH)])
    scratch.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3 (ipykernel)", "language": "python"}
    nbformat.write(scratch, str(bundle / "scratch.ipynb"))

    # As after `pip install -e .` in the bundle: the kernel imports the bundle's own helpers.
    server = serve_lab(bundle, env={"PYTHONPATH": str(bundle)})
    print(f"  bundle made and JupyterLab serving it: {time.monotonic() - started:.1f} s")
    steps, d = browser, browser.driver
    nb = Notebook(d)

    with steps.step("open-notebook"):
        d.get(server.url(f"lab/tree/{rel_path}"))
        nb.wait_open(len(release.cells))
        nb.wait_kernel_idle()
        assert d.find_elements(By.CSS_SELECTOR, ".jp-NotebookPanel-toolbar .validate-button"), "no Validate button in the notebook toolbar"

    with steps.step("run-all-on-stubs"):
        nb.run_all(watch=test)
        nb.scroll_to(test, "end")
        error = nb.error_text(test)
        assert "NotImplementedError" in error, f"the test cell of {EXERCISE} should fail with NotImplementedError; its error output: {error!r}"
        assert nb.prompt(next_test) == "[ ]:", "Run All should stop at the first failing cell"

    with steps.step("type-wrong-answer"):
        nb.type_into_cell(answer, WRONG)
        assert nb.editor_text(answer) == WRONG, f"the editor holds {nb.editor_text(answer)!r}"
        before = nb.prompt(test)
        nb.cell(answer).find_element(By.CSS_SELECTOR, ".cm-content").send_keys(Keys.SHIFT, Keys.ENTER)  # run, select the test
        d.switch_to.active_element.send_keys(Keys.SHIFT, Keys.ENTER)                                  # run the test
        wait(d, RUN_S, lambda _: nb.prompt(test) not in (before, "[*]:") and nb.busy_prompts() == 0, "the test cell to run")
        nb.scroll_to(test, "end")
        error = nb.error_text(test)
        assert "AssertionError" in error and "SQUARED distance" in error and "differs from the expected value" in error, (
            f"the visible test should explain the missing square with a helpers.checks message; its error output: {error!r}")

    with steps.step("paste-solution-and-rerun"):
        nb.set_cell_text(answer, solution)
        before = nb.prompt(test)
        nb.cell(answer).find_element(By.CSS_SELECTOR, ".cm-content").send_keys(Keys.SHIFT, Keys.ENTER)
        d.switch_to.active_element.send_keys(Keys.SHIFT, Keys.ENTER)
        wait(d, RUN_S, lambda _: nb.prompt(test) not in (before, "[*]:") and nb.busy_prompts() == 0, "the test cell to run")
        nb.scroll_to(test)
        assert nb.error_text(test) == "", f"the visible test still fails: {nb.error_text(test)!r}"
        assert "the visible checks pass" in nb.outputs_text(test), f"test cell output: {nb.outputs_text(test)!r}"

    with steps.step("run-all-shows-figures"):
        nb.run_all(watch=next_test)
        assert nb.error_text(test) == "", f"after Run All the fixed exercise's test fails: {nb.error_text(test)!r}"
        assert "NotImplementedError" in nb.error_text(next_test), "Run All should now stop at the next stub"
        figures = [i for i in range(test, next_test) if nb.cell(i).find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output img")]
        assert figures, "no matplotlib figure rendered as an <img> between the fixed test and the next exercise"
        nb.scroll_to(figures[0])
        img = nb.cell(figures[0]).find_element(By.CSS_SELECTOR, ".jp-OutputArea-output img")
        assert img.get_attribute("src").startswith("data:image/png") and img.size["width"] > 100, "the figure is not a visible PNG"

    with steps.step("validate"):
        nb.panel().find_element(By.CSS_SELECTOR, ".jp-NotebookPanel-toolbar .validate-button").click()
        dialog = wait(d, VALIDATE_S, lambda _: d.find_elements(By.CSS_SELECTOR, ".jp-Dialog"), "a dialog from Validate")[0]
        wait(d, 10, lambda _: dialog.find_element(By.CSS_SELECTOR, ".jp-Dialog-header").text.strip(), "the dialog's title")
        title = dialog.find_element(By.CSS_SELECTOR, ".jp-Dialog-header").text.strip()
        assert title == "Validation Results", f"Validate answered with the dialog {title!r}: {dialog.text[:2000]}"
        text = dialog.text
        assert "There was an error running the validate command" not in text, f"validate crashed: {text[:2000]}"
        assert "The following cell failed:" in text and "NotImplementedError" in text, (
            f"validation should list the stubs' failing test cells: {text[:2000]}")
        assert "pairwise_sq_distances(X: [2, 2], Y: [3, 2])" not in text, "the fixed exercise's test is listed as failing"
        assert dialog.find_elements(By.CSS_SELECTOR, ".validation-failed")

    with steps.step("close-validation-dialog"):
        dialog.find_element(By.CSS_SELECTOR, ".jp-Dialog-button.jp-mod-accept").click()
        wait(d, 30, lambda _: not d.find_elements(By.CSS_SELECTOR, ".jp-Dialog"), "the dialog to close")
        saved = nbformat.read(str(bundle / rel_path), as_version=4)
        assert saved.cells[answer].source == solution, "Validate should have saved the notebook with the new answer"

    with steps.step("progress-bar-widget"):
        nb.menu("File", "Open from Path…")
        field = wait(d, 30, lambda _: d.find_elements(By.CSS_SELECTOR, ".jp-Dialog input"), "the Open from Path dialog")[0]
        field.send_keys("scratch.ipynb", Keys.ENTER)
        wait(d, 90, lambda _: "scratch.ipynb" in d.find_element(By.CSS_SELECTOR, ".lm-DockPanel-tabBar .lm-mod-current").text,
             "the scratch notebook's tab")
        nb.wait_open(1)
        nb.wait_kernel_idle()
        nb.run_all(watch=0)
        out = nb.outputs_text(0)
        assert "Error" not in nb.error_text(0), f"the scratch cell failed: {nb.error_text(0)}"
        assert "trained 2 epochs" in out, f"scratch cell output: {out!r}"
        assert f"helpers from {bundle}" in out, f"the kernel should import the bundle's helpers: {out!r}"
        bars = nb.cell(0).find_elements(By.CSS_SELECTOR, ".jp-OutputArea-output .widget-hprogress .progress-bar")
        assert bars, f"helpers.fit's tqdm bar did not render as a widget; the output reads: {out[:500]!r}"
        assert "IProgress not found" not in out and "HBox(children" not in out
