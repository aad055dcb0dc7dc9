"""Two compute budgets per notebook: a small one for grading, a full one for students.

nbgrader sets ``NBGRADER_EXECUTION`` (to ``"validate"`` or ``"autograde"``) in the kernel's
environment while it executes a notebook. A notebook asks for its budget once, in the
setup cell, and every experiment reads its epochs and steps from it, so grading finishes
in about a minute on a CPU while students train for the full run.
"""
from __future__ import annotations

import os
from types import MappingProxyType
from typing import Any, Mapping

GRADING_ENV_VAR = "NBGRADER_EXECUTION"

__all__ = ["GRADING_ENV_VAR", "is_grading", "budget"]


def is_grading() -> bool:
    """True while nbgrader (validate or autograde) executes the notebook."""
    return bool(os.environ.get(GRADING_ENV_VAR))


def budget(full: Mapping[str, Any], grading: Mapping[str, Any]) -> Mapping[str, Any]:
    """Return ``grading`` under nbgrader and ``full`` otherwise, as a read-only mapping.

    Both must name the same keys, so an experiment never finds a key missing only in
    one mode (which would crash grading but not the instructor's own run).

    >>> b = budget(full={"epochs": 20}, grading={"epochs": 2})
    >>> b["epochs"] in (2, 20)
    True
    """
    if set(full) != set(grading):
        missing = sorted(set(full) ^ set(grading))
        raise ValueError(f"full and grading budgets must have the same keys; these appear in only one: {missing}")
    return MappingProxyType(dict(grading if is_grading() else full))
