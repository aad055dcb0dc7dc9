"""helpers.budget: is_grading and budget."""
from __future__ import annotations

import pytest

from helpers.budget import GRADING_ENV_VAR, budget, is_grading

FULL = {"epochs": 20, "steps": 1000}
GRADING = {"epochs": 2, "steps": 50}


def test_env_var_name():
    assert GRADING_ENV_VAR == "NBGRADER_EXECUTION"


@pytest.mark.parametrize("value", ["validate", "autograde", "1"])
def test_is_grading_when_nbgrader_sets_the_variable(monkeypatch, value):
    monkeypatch.setenv("NBGRADER_EXECUTION", value)
    assert is_grading() is True


def test_not_grading_when_unset_or_empty(monkeypatch):
    assert is_grading() is False
    monkeypatch.setenv("NBGRADER_EXECUTION", "")
    assert is_grading() is False


def test_budget_full_outside_grading():
    b = budget(full=FULL, grading=GRADING)
    assert dict(b) == FULL


def test_budget_grading_under_nbgrader(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    b = budget(full=FULL, grading=GRADING)
    assert dict(b) == GRADING


def test_budget_is_read_only_and_a_copy():
    full = dict(FULL)
    b = budget(full=full, grading=GRADING)
    with pytest.raises(TypeError):
        b["epochs"] = 1  # type: ignore[index]
    full["epochs"] = 99
    assert b["epochs"] == 20


@pytest.mark.parametrize(
    "full, grading, names",
    [
        ({"epochs": 1, "lr": 0.1}, {"epochs": 1}, "['lr']"),
        ({"epochs": 1}, {"epochs": 1, "steps": 3}, "['steps']"),
        ({"a": 1}, {"b": 1}, "['a', 'b']"),
    ],
)
def test_budget_rejects_mismatched_keys(full, grading, names):
    with pytest.raises(ValueError) as info:
        budget(full=full, grading=grading)
    assert "must have the same keys" in str(info.value)
    assert names in str(info.value)


def test_budget_rejects_mismatch_also_while_grading(monkeypatch):
    """The key check does not depend on the mode, so the instructor sees the mistake before grading does."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    with pytest.raises(ValueError, match="same keys"):
        budget(full={"epochs": 1, "lr": 0.1}, grading={"epochs": 1})
