"""Batches for training, chosen by dataset size and device.

Small datasets (everything in ``helpers.data``) fit in device memory. ``DeviceLoader``
moves the tensors to the device once and, each epoch, shuffles them with one gather and
yields slices (views) of the shuffled copy: no per-batch host-to-device copy, no worker
processes, no per-sample Python calls as in ``DataLoader(TensorDataset(...))``.
For datasets that do not fit, ``make_dataloader`` returns a ``DataLoader`` configured for
the device (pinned memory and asynchronous copies on CUDA, workers from the CPU count).
"""
from __future__ import annotations

import math
import os
from collections.abc import Iterator, Sequence

import torch
from torch.utils.data import DataLoader, Dataset, TensorDataset

from .device import get_device

__all__ = ["DeviceLoader", "make_dataloader", "loader_settings"]


def _as_tensors(data: TensorDataset | Sequence[torch.Tensor] | torch.Tensor) -> tuple[torch.Tensor, ...]:
    if isinstance(data, TensorDataset):
        tensors = tuple(data.tensors)
    elif isinstance(data, torch.Tensor):
        tensors = (data,)
    elif isinstance(data, Sequence) and data and all(isinstance(t, torch.Tensor) for t in data):
        tensors = tuple(data)
    else:
        raise TypeError(
            "DeviceLoader expects a TensorDataset, a tensor, or a tuple/list of tensors; "
            f"got {type(data).__name__}. For other datasets use helpers.make_dataloader."
        )
    n = tensors[0].shape[0] if tensors[0].dim() else 0
    if any(t.dim() == 0 or t.shape[0] != n for t in tensors):
        shapes = [tuple(t.shape) for t in tensors]
        raise ValueError(f"all tensors must share their first (sample) dimension; got shapes {shapes}")
    return tensors


class DeviceLoader:
    """Iterate over shuffled mini-batches of in-memory tensors that live on ``device``.

    Args:
        data: a ``TensorDataset``, a tensor, or a tuple/list of tensors with equal length.
        batch_size: samples per batch (the last batch may be smaller unless ``drop_last``).
        shuffle: draw a new permutation every epoch.
        device: where batches live; default ``get_device()``.
        drop_last: skip the last incomplete batch.
        generator: a ``torch.Generator`` for the permutation, for repeatable epochs
            independent of other random draws.

    Yields tuples of tensors (``(x, y)`` for a dataset of two tensors), like ``DataLoader``.
    """

    def __init__(
        self,
        data: TensorDataset | Sequence[torch.Tensor] | torch.Tensor,
        batch_size: int = 64,
        shuffle: bool = True,
        device: str | torch.device | None = None,
        drop_last: bool = False,
        generator: torch.Generator | None = None,
    ) -> None:
        if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
        self.device = get_device(device) if not isinstance(device, torch.device) else device
        self.tensors = tuple(t.to(self.device) for t in _as_tensors(data))
        self.batch_size = batch_size
        self.shuffle = shuffle
        self.drop_last = drop_last
        self.generator = generator

    @property
    def num_samples(self) -> int:
        return self.tensors[0].shape[0]

    def __len__(self) -> int:
        if self.drop_last:
            return self.num_samples // self.batch_size
        return math.ceil(self.num_samples / self.batch_size)

    def __iter__(self) -> Iterator[tuple[torch.Tensor, ...]]:
        tensors = self.tensors
        if self.shuffle:
            # One permutation drawn on the CPU (repeatable across devices), one gather per
            # tensor per epoch; the batches below are views of the shuffled copy.
            order = torch.randperm(self.num_samples, generator=self.generator).to(self.device)
            tensors = tuple(t.index_select(0, order) for t in tensors)
        for i in range(len(self)):
            start = i * self.batch_size
            yield tuple(t[start : start + self.batch_size] for t in tensors)

    def __repr__(self) -> str:
        return (
            f"DeviceLoader({self.num_samples} samples, batch_size={self.batch_size}, "
            f"shuffle={self.shuffle}, device={self.device})"
        )


def loader_settings(device: str | torch.device | None = None, cpu_count: int | None = None) -> dict:
    """``DataLoader`` keyword arguments suited to ``device``.

    On CUDA: pinned host memory (needed for asynchronous copies) and up to 4 persistent
    workers. On CPU and MPS: the main process does the work, since worker processes cost
    more than they save for the small in-memory datasets of this course.
    """
    device = get_device(device) if not isinstance(device, torch.device) else device
    cpus = cpu_count if cpu_count is not None else (os.cpu_count() or 1)
    if device.type == "cuda":
        workers = max(0, min(4, cpus - 1))
        return {"pin_memory": True, "num_workers": workers, "persistent_workers": workers > 0}
    return {"pin_memory": False, "num_workers": 0, "persistent_workers": False}


def make_dataloader(
    dataset: Dataset,
    batch_size: int = 64,
    shuffle: bool = True,
    device: str | torch.device | None = None,
    **overrides,
) -> DataLoader:
    """A ``DataLoader`` with settings from ``loader_settings(device)``; ``overrides`` win.

    Move each batch with ``helpers.to_device(batch, device, non_blocking=True)`` (``fit``
    does this for you): with pinned memory the copy then overlaps computation.
    """
    if isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be a positive integer, got {batch_size!r}")
    settings = loader_settings(device)
    settings.update(overrides)
    if not settings["num_workers"] and "persistent_workers" not in overrides:
        settings["persistent_workers"] = False  # DataLoader refuses persistent workers without workers
    return DataLoader(dataset, batch_size=batch_size, shuffle=shuffle, **settings)
