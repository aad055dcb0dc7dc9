"""Prove that each exercise's tests reject plausible wrong answers, in one kernel per week.

A full autograde per wrong answer would cost a whole notebook run each. Instead the week's
source notebook runs once in one kernel (under the grading budget); then, for each wrong
answer, only its exercise's section is replayed: the answer cell with the wrong code and
the cells after it up to the exercise's last test cell, or up to the first test cell that
takes points off (the answer is caught then, and what follows, often a training run and its
test, cannot give the points back). nbgrader's own ``IgnorePattern`` and ``determine_grade``
score the replayed test cells. Then the correct answer cell runs again,
so the next wrong answer starts from correct definitions; after an exercise's last wrong
answer its whole section (up to the next exercise) runs again, so later exercises start
from a correct state.
"""
from __future__ import annotations

import copy
import importlib.util
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import IgnorePattern
from nbgrader.utils import determine_grade
from traitlets.config import Config

from .notebooks import answer_cells, tests_of

__all__ = ["WrongAnswerResult", "ReplayReport", "load_wrong_answers", "replay_week"]


@dataclass(frozen=True)
class WrongAnswerResult:
    answer_id: str
    label: str
    caught: bool
    scores: dict[str, tuple[float, float]]  # test grade_id -> (score, max)
    note: str = ""


@dataclass
class ReplayReport:
    results: list[WrongAnswerResult] = field(default_factory=list)
    stderr_in_tests: list[str] = field(default_factory=list)  # test cells that wrote to stderr on the solution
    baseline_seconds: float = 0.0
    replay_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)


def load_wrong_answers(path: Path) -> dict[str, dict[str, str]]:
    """Read ``WRONG_ANSWERS`` from a fixture module (answer grade_id -> {label: cell source})."""
    if not path.exists():
        return {}
    spec = importlib.util.spec_from_file_location(f"wrong_answers_{path.stem.replace('-', '_')}", path)
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    wrong = getattr(module, "WRONG_ANSWERS", None)
    if not isinstance(wrong, dict) or not all(isinstance(v, dict) for v in wrong.values()):
        raise ValueError(f"{path}: WRONG_ANSWERS must be a dict of answer grade_id -> {{label: source}}")
    return wrong


def _section(nb: NotebookNode, start: int) -> list[int]:
    """Code cells from an answer cell up to (not including) the next answer cell."""
    answers = {c.index for c in answer_cells(nb)}
    end = min([i for i in answers if i > start] or [len(nb.cells)])
    return [i for i in range(start, end) if nb.cells[i].cell_type == "code"]


class _Runner:
    """One kernel running one notebook's cells on demand."""

    def __init__(self, nb: NotebookNode, workdir: Path, config: Config):
        # nbclient writes every executed cell back into the notebook it was given; the runner
        # keeps its own untouched copy, so "run cell i" always means the original cell i.
        self.nb = copy.deepcopy(nb)
        self.config = config
        self.client = NotebookClient(
            copy.deepcopy(nb),
            timeout=config.Execute.get("timeout", 180),
            interrupt_on_timeout=True,
            allow_errors=True,
            kernel_name="python3",
            resources={"metadata": {"path": str(workdir)}},
            skip_cells_with_tag=config.Execute.get("skip_cells_with_tag", "nbgrader-course-never-skip-any-cell"),
        )
        self.ignore = IgnorePattern(config=config)

    def __enter__(self):
        self._ctx = self.client.setup_kernel()
        self._ctx.__enter__()
        return self

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)

    def run(self, index: int, source: str | None = None) -> NotebookNode:
        cell = copy.deepcopy(self.nb.cells[index])
        if source is not None:
            cell.source = source
        cell.outputs = []
        self.client.execute_cell(cell, index)
        return cell

    def score(self, cell: NotebookNode, index: int) -> tuple[float, float]:
        cell, _ = self.ignore.preprocess_cell(cell, {}, index)
        score, max_score = determine_grade(cell)
        return float(score or 0.0), float(max_score)


def replay_week(nb: NotebookNode, workdir: Path, config: Config, wrong_answers: dict[str, dict[str, str]]) -> ReplayReport:
    """Run the solution once, then every wrong answer against its exercise's tests."""
    report = ReplayReport()
    answers = {c.grade_id: c for c in answer_cells(nb)}
    for answer_id in sorted(set(wrong_answers) - set(answers)):
        report.problems.append(f"wrong answers given for {answer_id!r}, which is not an answer cell of the notebook")
    for answer_id in answers:
        if not wrong_answers.get(answer_id):
            report.problems.append(f"exercise {answer_id!r} has no wrong-answer fixture")
        if not tests_of(nb, answer_id):
            report.problems.append(f"exercise {answer_id!r} has no test cell named test_{answer_id}...")
    env_before = os.environ.get("NBGRADER_EXECUTION")
    os.environ["NBGRADER_EXECUTION"] = "autograde"  # the kernel inherits it: grading budget
    try:
        _replay(nb, workdir, config, wrong_answers, answers, report)
    finally:
        if env_before is None:
            os.environ.pop("NBGRADER_EXECUTION", None)
        else:
            os.environ["NBGRADER_EXECUTION"] = env_before
    return report


def _baseline(runner: _Runner, nb: NotebookNode, report: ReplayReport | None) -> None:
    test_ids = {i for i, cell in enumerate(nb.cells) if cell.get("metadata", {}).get("nbgrader", {}).get("grade") and cell.cell_type == "code"}
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        done = runner.run(index)
        if report is not None and index in test_ids:
            if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in done.outputs):
                report.stderr_in_tests.append(cell.metadata["nbgrader"].get("grade_id", str(index)))


def _replay(nb, workdir, config, wrong_answers, answers, report: ReplayReport) -> None:
    start = time.perf_counter()
    runner = _Runner(nb, workdir, config).__enter__()
    try:
        _baseline(runner, nb, report)
        report.baseline_seconds = time.perf_counter() - start
        start = time.perf_counter()
        for answer_id, variants in wrong_answers.items():
            if answer_id not in answers:
                continue
            answer = answers[answer_id]
            tests = {c.index: c.grade_id for c in tests_of(nb, answer_id)}
            section = _section(nb, answer.index)
            # A wrong answer runs only up to the exercise's last test cell: the experiments after
            # it cannot change its score. They run again once, with the restored section.
            last_test = max((i for i in section if i in tests), default=answer.index)
            scored = [i for i in section if i <= last_test]
            labels = list(variants)
            for label in labels:
                source = variants[label]
                scores: dict[str, tuple[float, float]] = {}
                note = ""
                try:
                    for index in scored:
                        cell = runner.run(index, source if index == answer.index else None)
                        if index in tests:
                            score, max_score = runner.score(cell, index)
                            scores[tests[index]] = (score, max_score)
                            if score < max_score:
                                break  # caught: later cells (often a training run) cannot undo it
                    caught = any(s < m for s, m in scores.values())
                    # Put the correct answer back. Between two wrong answers of one exercise the
                    # answer cell is enough (the next one reruns the section up to its last test); after
                    # the last one the whole section runs again, so later exercises see what the
                    # correct code computes.
                    for index in section if label == labels[-1] else [answer.index]:
                        runner.run(index)
                except DeadKernelError:
                    caught, note = True, "the kernel died (the submission would lose every later test)"
                    runner.__exit__(None, None, None)
                    runner = _Runner(nb, workdir, config).__enter__()
                    _baseline(runner, nb, None)
                if not scores and not note:
                    note = "no test cell of this exercise ran"
                report.results.append(WrongAnswerResult(answer_id, label, caught, scores, note))
    finally:
        runner.__exit__(None, None, None)
        report.replay_seconds = time.perf_counter() - start
