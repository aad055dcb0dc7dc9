"""Pick the compute device once, and move data and models to it.

Students run the same notebook on a laptop CPU, an Apple GPU or a CUDA GPU; tutors grade
on a CPU. ``get_device`` chooses the best available device so notebooks never hard-code
``"cuda"``; the environment variable ``DL_DEVICE`` overrides the choice (``DL_DEVICE=cpu``
reproduces the grader's view on a GPU machine).
"""
from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import torch

DEVICE_ENV_VAR = "DL_DEVICE"

__all__ = ["DEVICE_ENV_VAR", "get_device", "to_device", "describe_device"]


def _mps_available() -> bool:
    backend = getattr(torch.backends, "mps", None)
    return bool(backend is not None and backend.is_available())


def _validate(device: torch.device) -> torch.device:
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(
            f"Device {str(device)!r} was requested, but CUDA is not available on this machine. "
            "Use 'cpu', or unset the DL_DEVICE environment variable to choose automatically."
        )
    if device.type == "cuda" and device.index is not None and device.index >= torch.cuda.device_count():
        raise ValueError(
            f"Device {str(device)!r} was requested, but only {torch.cuda.device_count()} CUDA device(s) exist."
        )
    if device.type == "mps" and not _mps_available():
        raise ValueError(f"Device {str(device)!r} was requested, but Apple's MPS backend is not available.")
    if device.type not in {"cpu", "cuda", "mps"}:
        raise ValueError(f"Unsupported device type {device.type!r}: expected 'cpu', 'cuda', 'cuda:N' or 'mps'.")
    return device


def get_device(preferred: str | torch.device | None = None) -> torch.device:
    """Return the device notebooks should compute on.

    Order of precedence: the ``preferred`` argument, then the ``DL_DEVICE`` environment
    variable, then the first available of CUDA, MPS and CPU.

    Raises:
        ValueError: if the requested device is malformed or not available here.
    """
    choice = preferred if preferred is not None else os.environ.get(DEVICE_ENV_VAR, "").strip() or None
    if choice is not None:
        try:
            device = torch.device(choice)
        except (RuntimeError, TypeError) as exc:
            raise ValueError(
                f"Cannot understand device {choice!r}: expected 'cpu', 'cuda', 'cuda:N' or 'mps'."
            ) from exc
        return _validate(device)
    if torch.cuda.is_available():
        return torch.device("cuda")
    if _mps_available():
        return torch.device("mps")
    return torch.device("cpu")


def to_device(obj: Any, device: str | torch.device | None = None, non_blocking: bool = False) -> Any:
    """Move a tensor, a module, or a (nested) tuple, list or dict of them to ``device``.

    Other objects (numbers, strings, None) are returned unchanged, so a batch such as
    ``(images, labels, metadata)`` can be moved in one call. Modules are moved in place
    and returned.
    """
    device = get_device(device) if device is None or isinstance(device, str) else device
    if isinstance(obj, torch.Tensor):
        return obj.to(device, non_blocking=non_blocking)
    if isinstance(obj, torch.nn.Module):
        return obj.to(device)
    if isinstance(obj, Mapping):
        return type(obj)({k: to_device(v, device, non_blocking) for k, v in obj.items()})
    if isinstance(obj, tuple) and hasattr(obj, "_fields"):  # namedtuple: rebuild field by field
        return type(obj)(*(to_device(v, device, non_blocking) for v in obj))
    if isinstance(obj, (list, tuple)):
        return type(obj)(to_device(v, device, non_blocking) for v in obj)
    return obj


def describe_device(device: str | torch.device | None = None) -> str:
    """One line for a notebook header, e.g. ``'cuda:0 (NVIDIA H100, 79.1 GiB), torch 2.14.1'``."""
    device = get_device(device)
    if device.type == "cuda":
        index = device.index if device.index is not None else torch.cuda.current_device()
        props = torch.cuda.get_device_properties(index)
        what = f"cuda:{index} ({props.name}, {props.total_memory / 2**30:.1f} GiB)"
    elif device.type == "mps":
        what = "mps (Apple GPU)"
    else:
        what = f"cpu ({os.cpu_count()} logical cores, {torch.get_num_threads()} torch threads)"
    return f"{what}, torch {torch.__version__}"
