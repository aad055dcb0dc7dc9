"""Save and load training state under one checkpoint directory.

Relative checkpoint names resolve under ``DL_CHECKPOINT_DIR`` (default ``./checkpoints``),
so a notebook never writes model files anywhere else.
"""
from __future__ import annotations

import os
from pathlib import Path

import torch

from .history import History

CHECKPOINT_ENV_VAR = "DL_CHECKPOINT_DIR"

__all__ = ["CHECKPOINT_ENV_VAR", "checkpoint_dir", "checkpoint_path", "save_checkpoint", "load_checkpoint", "model_fingerprint"]


def checkpoint_dir() -> Path:
    return Path(os.environ.get(CHECKPOINT_ENV_VAR, "checkpoints"))


def checkpoint_path(name: str | os.PathLike) -> Path:
    """Resolve ``name`` under ``checkpoint_dir()``; absolute paths must lie inside it."""
    path = Path(name)
    base = checkpoint_dir()
    if not path.is_absolute():
        path = base / path
    resolved, root = path.resolve(), base.resolve()
    if resolved != root and root not in resolved.parents:
        raise ValueError(
            f"checkpoint {str(name)!r} lies outside the checkpoint directory {str(root)!r}; "
            f"pass a relative name, or set {CHECKPOINT_ENV_VAR} to the folder you want."
        )
    if path.suffix == "":
        path = path.with_suffix(".pt")
    return path


def model_fingerprint(model: torch.nn.Module) -> str:
    """The class and parameter shapes: a checkpoint of another architecture never loads silently."""
    shapes = ",".join(f"{k}:{tuple(v.shape)}" for k, v in model.state_dict().items())
    return f"{type(model).__name__}[{shapes}]"


def save_checkpoint(
    name: str | os.PathLike,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    history: History | None = None,
    **extra,
) -> Path:
    """Write model (and optimizer) state and the history; return the file's path."""
    path = checkpoint_path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {
        "fingerprint": model_fingerprint(model),
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict() if optimizer is not None else None,
        "history": (history or History()).to_dict(),
        "extra": extra,
    }
    tmp = path.with_name(path.name + ".tmp")
    torch.save(state, tmp)
    tmp.replace(path)  # atomic: an interrupted save never leaves half a checkpoint
    return path


def load_checkpoint(
    name: str | os.PathLike,
    model: torch.nn.Module,
    optimizer: torch.optim.Optimizer | None = None,
    map_location: str | torch.device | None = None,
) -> tuple[History, dict]:
    """Load state saved by ``save_checkpoint`` into ``model`` (and ``optimizer``).

    Returns the saved ``History`` and the extra values. Raises ``FileNotFoundError`` when
    the file is missing and ``ValueError`` when it was saved from another architecture.
    """
    path = checkpoint_path(name)
    if not path.exists():
        raise FileNotFoundError(f"no checkpoint at {path}")
    if map_location is None:
        map_location = next((p.device for p in model.parameters()), torch.device("cpu"))
    state = torch.load(path, map_location=map_location, weights_only=True)
    if state.get("fingerprint") != model_fingerprint(model):
        raise ValueError(
            f"checkpoint {path} was saved from a different model "
            f"({state.get('fingerprint', '?')[:80]}...); delete it or use another name."
        )
    model.load_state_dict(state["model"])
    if optimizer is not None and state.get("optimizer") is not None:
        optimizer.load_state_dict(state["optimizer"])
    return History.from_dict(state["history"]), dict(state.get("extra") or {})
