"""A small, readable training loop: ``fit``, ``evaluate`` and ``predict``.

The loop does what every notebook needs and nothing it does not: a progress bar, a
``History`` of per-epoch metrics, an optional scheduler, gradient clipping, mixed
precision on CUDA, and load-or-train checkpoints. Anything more unusual belongs in the
notebook, written out, where students can read it.
"""
from __future__ import annotations

import contextlib
import copy
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch
import torch.nn.functional as F
from tqdm.auto import tqdm

from .budget import is_grading
from .checkpoint import checkpoint_path, load_checkpoint, model_fingerprint, save_checkpoint
from .device import get_device, to_device
from .history import History
from .loaders import DeviceLoader

__all__ = ["accuracy", "fit", "evaluate", "predict"]

Metric = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]
LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]

_REDRAW_S = 0.1  # redraw the bar for an epoch's results at most this often (tqdm's own mininterval)


def accuracy(output: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Fraction of rows whose arg-max over the last dimension equals ``target``."""
    return (output.argmax(dim=-1) == target).float().mean()


_NAMED_METRICS: dict[str, Metric] = {"accuracy": accuracy}


def _resolve_metrics(metrics: Mapping[str, Metric] | Sequence[str] | None) -> dict[str, Metric]:
    if metrics is None:
        return {}
    if isinstance(metrics, Mapping):
        resolved = dict(metrics)
    else:
        resolved = {}
        for name in metrics:
            if name not in _NAMED_METRICS:
                raise ValueError(f"unknown metric {name!r}; known by name: {sorted(_NAMED_METRICS)} (or pass a dict name -> function)")
            resolved[name] = _NAMED_METRICS[name]
    for name, fn in resolved.items():
        if not callable(fn):
            raise TypeError(f"metric {name!r} must be callable(output, target), got {type(fn).__name__}")
    return resolved


def _batches(data: Any, device: torch.device, batch_size: int, shuffle: bool) -> Iterable:
    """Accept a loader (any iterable of batches), a TensorDataset, a tensor or tuple of tensors."""
    if isinstance(data, torch.utils.data.TensorDataset) or isinstance(data, torch.Tensor) or (
        isinstance(data, (tuple, list)) and data and all(isinstance(t, torch.Tensor) for t in data)
    ):
        return DeviceLoader(data, batch_size=batch_size, shuffle=shuffle, device=device)
    if isinstance(data, Iterable):
        return data
    raise TypeError(f"cannot iterate over batches of {type(data).__name__}; pass a DeviceLoader, a DataLoader or a TensorDataset")


def _split(batch: Any) -> tuple[Any, torch.Tensor]:
    if isinstance(batch, (tuple, list)) and len(batch) == 2:
        return batch[0], batch[1]
    raise ValueError(
        f"each batch must be a pair (inputs, targets); got {type(batch).__name__}"
        + (f" of length {len(batch)}" if isinstance(batch, (tuple, list)) else "")
    )


def _describe(t: Any) -> str:
    if isinstance(t, torch.Tensor):
        return f"{list(t.shape)} {str(t.dtype).replace('torch.', '')}"
    return type(t).__name__


def _checked_loss(loss_fn: LossFn, output: Any, target: torch.Tensor) -> torch.Tensor:
    """Call the loss; on failure say which shapes and dtypes did not fit."""
    try:
        loss = loss_fn(output, target)
    except (RuntimeError, ValueError, IndexError, TypeError) as exc:
        raise ValueError(
            f"the loss function could not compare the model's output {_describe(output)} with the targets "
            f"{_describe(target)}: {exc}. For cross-entropy the output must be [batch, classes] logits "
            "and the targets [batch] class indices (int64)."
        ) from exc
    if not isinstance(loss, torch.Tensor) or loss.dim() != 0:
        raise ValueError(f"the loss function must return a scalar tensor, got {_describe(loss)}; reduce it with .mean()")
    return loss


def _amp_context(enabled: bool, device: torch.device):
    if enabled:
        return torch.autocast(device_type="cuda", dtype=torch.float16)
    return contextlib.nullcontext()


def fit(
    model: torch.nn.Module,
    train: Any,
    val: Any = None,
    *,
    epochs: int = 1,
    optimizer: torch.optim.Optimizer | None = None,
    loss_fn: LossFn = F.cross_entropy,
    metrics: Mapping[str, Metric] | Sequence[str] | None = None,
    scheduler: Any = None,
    scheduler_step: str = "epoch",
    clip_grad_norm: float | None = None,
    amp: bool = False,
    device: str | torch.device | None = None,
    batch_size: int = 64,
    progress: bool = True,
    checkpoint: str | None = None,
    on_epoch_end: Callable[[int, History], bool | None] | None = None,
) -> History:
    """Train ``model`` for ``epochs`` passes over ``train``; return the per-epoch ``History``.

    Args:
        model: the network; moved to ``device``. Left in eval mode when ``fit`` returns.
        train: a ``DeviceLoader``/``DataLoader`` (any iterable of ``(inputs, targets)``), or a
            ``TensorDataset`` that ``fit`` wraps in a shuffled ``DeviceLoader`` of ``batch_size``.
        val: like ``train``; evaluated after every epoch (``val_loss`` and ``val_<metric>``).
        optimizer: default ``torch.optim.Adam(model.parameters(), lr=1e-3)``.
        loss_fn: ``loss_fn(output, targets) -> scalar``; default cross-entropy on logits.
        metrics: names (``["accuracy"]``) or a dict ``name -> fn(output, targets)`` returning
            a batch mean; computed on ``val`` every epoch.
        scheduler: a ``torch.optim.lr_scheduler`` object, stepped every epoch (or every batch
            with ``scheduler_step="batch"``); ``ReduceLROnPlateau`` receives the validation loss.
        clip_grad_norm: clip the global gradient norm to this value before each step.
        amp: float16 mixed precision with loss scaling; used on CUDA only, ignored elsewhere.
        progress: show a ``tqdm`` bar with the loss and metrics; ``False`` for silence.
        checkpoint: a file name under the checkpoint directory. When a matching checkpoint
            of the same number of epochs exists, it is loaded and training is skipped; otherwise
            ``fit`` trains and saves. Under nbgrader checkpoints are neither read nor written,
            so a submitted file can never stand in for training.
        on_epoch_end: ``callback(epoch, history)``; return ``True`` to stop early.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative integer, got {epochs!r}")
    if scheduler_step not in ("epoch", "batch"):
        raise ValueError(f"scheduler_step must be 'epoch' or 'batch', got {scheduler_step!r}")
    if not isinstance(model, torch.nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    device = get_device(device) if not isinstance(device, torch.device) else device
    model.to(device)
    metric_fns = _resolve_metrics(metrics)
    if optimizer is None:
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    use_checkpoint = checkpoint is not None and not is_grading()
    if use_checkpoint and checkpoint_path(checkpoint).exists():
        # Keep the caller's state: a checkpoint of another length must not leak into the new run.
        fresh_state = copy.deepcopy(model.state_dict()), copy.deepcopy(optimizer.state_dict())
        history, extra = load_checkpoint(checkpoint, model, optimizer)
        if extra.get("epochs") == epochs:
            if progress:
                print(f"Loaded {checkpoint_path(checkpoint)} ({epochs} epochs); delete it to train again.")
            model.eval()
            return history
        if progress:
            print(f"Checkpoint {checkpoint_path(checkpoint)} was trained for {extra.get('epochs')} epochs, not {epochs}: training again.")
        model.load_state_dict(fresh_state[0])
        optimizer.load_state_dict(fresh_state[1])

    train_batches = _batches(train, device, batch_size, shuffle=True)
    val_batches = _batches(val, device, batch_size, shuffle=False) if val is not None else None
    amp_on = bool(amp) and device.type == "cuda"
    scaler = torch.amp.GradScaler("cuda", enabled=amp_on)
    non_blocking = device.type == "cuda"
    move = device.type != "cpu"  # on the CPU, batches are where they need to be
    autocast = _amp_context(amp_on, device)  # entered once per batch; a no-op unless amp is on
    batch_scheduler = scheduler is not None and scheduler_step == "batch"
    try:
        steps_per_epoch = len(train_batches)  # type: ignore[arg-type]
    except TypeError:
        steps_per_epoch = None
    bar = tqdm(
        total=steps_per_epoch * epochs if steps_per_epoch is not None else None,
        disable=not progress,
        unit="batch",
        dynamic_ncols=True,
        leave=True,
    )
    history = History()
    first_batch = True
    next_redraw = 0.0
    try:
        for epoch in range(1, epochs + 1):
            model.train()
            bar.set_description(f"epoch {epoch}/{epochs}", refresh=False)  # shown at the next redraw
            total_loss = torch.zeros((), device=device)
            seen = 0
            for batch in train_batches:
                inputs, targets = _split(batch)
                if move:
                    inputs, targets = to_device(inputs, device, non_blocking), to_device(targets, device, non_blocking)
                with autocast:
                    output = model(inputs)
                    if first_batch:  # explain a mismatch once, then stay out of the hot loop
                        loss = _checked_loss(loss_fn, output, targets)
                        if not torch.isfinite(loss):
                            raise FloatingPointError(f"the first training loss is {loss.item()}; check the inputs and the model")
                        first_batch = False
                    else:
                        loss = loss_fn(output, targets)
                optimizer.zero_grad(set_to_none=True)
                if amp_on:
                    scaler.scale(loss).backward()
                    if clip_grad_norm is not None:
                        scaler.unscale_(optimizer)
                        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
                    scaler.step(optimizer)
                    scaler.update()
                else:  # the same steps, without a disabled scaler's indirection on every batch
                    loss.backward()
                    if clip_grad_norm is not None:
                        torch.nn.utils.clip_grad_norm_(model.parameters(), clip_grad_norm)
                    optimizer.step()
                if batch_scheduler:
                    scheduler.step()
                n = targets.shape[0] if isinstance(targets, torch.Tensor) and targets.dim() else 1
                # Accumulate on the device: no host synchronisation inside the epoch.
                total_loss.add_(loss.detach().float(), alpha=n)
                seen += n
                bar.update(1)
            record: dict[str, float] = {"epoch": epoch, "train_loss": (total_loss / max(seen, 1)).item()}
            if val_batches is not None:
                scores = evaluate(model, val_batches, loss_fn=loss_fn, metrics=metric_fns, device=device)
                record.update({f"val_{k}": v for k, v in scores.items()})
            record["lr"] = optimizer.param_groups[0]["lr"]
            if scheduler is not None and scheduler_step == "epoch":
                if isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau):
                    scheduler.step(record.get("val_loss", record["train_loss"]))
                else:
                    scheduler.step()
            history.append(record)
            # Redraw with the epoch's results at once, unless the bar was redrawn for the previous
            # epoch less than _REDRAW_S ago (short epochs): then the next redraw shows them, and
            # close() always shows the last epoch's.
            redraw = time.monotonic() >= next_redraw
            bar.set_postfix({k: f"{v:.4g}" for k, v in record.items() if k not in ("epoch", "lr")}, refresh=redraw)
            if redraw:
                next_redraw = time.monotonic() + _REDRAW_S
            if on_epoch_end is not None and on_epoch_end(epoch, history):
                break
    finally:
        bar.close()
        model.eval()
    if use_checkpoint:
        save_checkpoint(checkpoint, model, optimizer, history, epochs=epochs)
    return history


@torch.no_grad()
def evaluate(
    model: torch.nn.Module,
    data: Any,
    *,
    loss_fn: LossFn | None = F.cross_entropy,
    metrics: Mapping[str, Metric] | Sequence[str] | None = ("accuracy",),
    device: str | torch.device | None = None,
    batch_size: int = 256,
) -> dict[str, float]:
    """Average loss and metrics of ``model`` over ``data`` (weighted by batch size), in eval mode.

    Returns e.g. ``{"loss": 0.31, "accuracy": 0.91}``. The model's train/eval mode is
    restored afterwards.
    """
    device = get_device(device) if not isinstance(device, torch.device) else device
    metric_fns = _resolve_metrics(metrics)
    was_training = model.training
    model.eval()
    totals: dict[str, torch.Tensor] = {}
    seen = 0
    try:
        for batch in _batches(data, device, batch_size, shuffle=False):
            inputs, targets = _split(batch)
            inputs, targets = to_device(inputs, device), to_device(targets, device)
            output = model(inputs)
            n = targets.shape[0] if targets.dim() else 1
            values = {}
            if loss_fn is not None:
                values["loss"] = _checked_loss(loss_fn, output, targets)
            for name, fn in metric_fns.items():
                values[name] = torch.as_tensor(fn(output, targets), device=device)
            for name, value in values.items():
                totals[name] = totals.get(name, torch.zeros((), device=device)) + value.detach().float() * n
            seen += n
    finally:
        model.train(was_training)
    if seen == 0:
        raise ValueError("evaluate() received no batches: the dataset is empty")
    return {name: (total / seen).item() for name, total in totals.items()}


@torch.no_grad()
def predict(
    model: torch.nn.Module,
    data: Any,
    *,
    device: str | torch.device | None = None,
    batch_size: int = 256,
) -> torch.Tensor:
    """The model's outputs for every sample of ``data``, in order, concatenated on the CPU.

    ``data`` is a tensor of inputs, a ``TensorDataset`` (its first tensor is the input), or
    a loader yielding inputs or ``(inputs, targets)`` pairs. The model is evaluated in eval
    mode; its mode is restored afterwards.
    """
    device = get_device(device) if not isinstance(device, torch.device) else device
    if isinstance(data, torch.utils.data.TensorDataset):
        data = data.tensors[0]
    if isinstance(data, torch.Tensor):
        data = DeviceLoader(data, batch_size=batch_size, shuffle=False, device=device)
    was_training = model.training
    model.eval()
    outputs = []
    try:
        for batch in data:
            inputs = batch[0] if isinstance(batch, (tuple, list)) else batch
            outputs.append(model(to_device(inputs, device)).cpu())
    finally:
        model.train(was_training)
    if not outputs:
        raise ValueError("predict() received no batches: the dataset is empty")
    return torch.cat(outputs)
