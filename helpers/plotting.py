"""Figures notebooks draw again and again: training curves, image grids, decision boundaries.

Each function draws on a given ``ax`` (or a new figure) and returns the matplotlib
object, so notebooks can add titles or save figures.
"""
from __future__ import annotations

from collections.abc import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
import torch

from .history import History

__all__ = ["plot_history", "show_images", "plot_decision_boundary"]


def plot_history(history: History, keys: Sequence[str] | None = None, axes=None, title: str | None = None):
    """Loss curves on the left, other metrics on the right, against the epoch.

    ``keys`` picks metrics (default: every metric except ``epoch`` and ``lr``).
    Returns the array of axes.
    """
    if len(history) == 0:
        raise ValueError("the history is empty: train for at least one epoch first")
    keys = [k for k in (keys or history.keys()) if k not in ("epoch", "lr")]
    missing = [k for k in keys if k not in history]
    if missing:
        raise KeyError(f"no metric(s) {missing} in this history; it has {history.keys()}")
    losses = [k for k in keys if k.endswith("loss")]
    others = [k for k in keys if not k.endswith("loss")]
    panels = [group for group in (losses, others) if group]
    if axes is None:
        _, axes = plt.subplots(1, len(panels), figsize=(5.5 * len(panels), 3.8), squeeze=False)
        axes = axes[0]
    axes = np.atleast_1d(axes)
    epochs = history["epoch"]
    for ax, group in zip(axes, panels):
        for key in group:
            ax.plot(epochs[-len(history[key]):], history[key], marker="o", markersize=3, label=key)
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss" if group is losses else "metric")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        axes[0].figure.suptitle(title)
    axes[0].figure.tight_layout()
    return axes


def show_images(
    images: torch.Tensor | np.ndarray,
    labels: Sequence | None = None,
    ncols: int = 8,
    title: str | None = None,
    cmap: str = "gray",
    scale: float = 1.4,
):
    """A grid of images ``[N, C, H, W]`` or ``[N, H, W]`` (C = 1 or 3), each with an optional caption.

    Values are shown as they are when inside [0, 1]; otherwise each image is min-max scaled
    (say so in the notebook when that matters). Returns the figure.
    """
    images = images.detach().cpu().numpy() if isinstance(images, torch.Tensor) else np.asarray(images)
    if images.ndim == 3:
        images = images[:, None]
    if images.ndim != 4 or images.shape[1] not in (1, 3):
        raise ValueError(f"expected images [N, C, H, W] or [N, H, W] with C in (1, 3), got shape {list(images.shape)}")
    n = len(images)
    if labels is not None and len(labels) != n:
        raise ValueError(f"got {n} images but {len(labels)} labels")
    ncols = max(1, min(ncols, n))
    nrows = max(1, -(-n // ncols))
    fig, axes = plt.subplots(nrows, ncols, figsize=(scale * ncols, scale * nrows + (0.4 if title else 0)), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        img = images[i].transpose(1, 2, 0)
        if img.min() < 0 or img.max() > 1:
            img = (img - img.min()) / (img.max() - img.min() + 1e-12)
        ax.imshow(img[..., 0] if img.shape[-1] == 1 else img, cmap=cmap if img.shape[-1] == 1 else None, vmin=0, vmax=1)
        if labels is not None:
            ax.set_title(str(labels[i]), fontsize=9)
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


def plot_decision_boundary(
    predict: Callable[[torch.Tensor], torch.Tensor] | torch.nn.Module,
    x: torch.Tensor | np.ndarray,
    y: torch.Tensor | np.ndarray,
    ax=None,
    resolution: int = 200,
    margin: float = 0.5,
    title: str | None = None,
):
    """Colour the plane by the predicted class and scatter the 2-D points ``x: [N, 2]`` by label ``y``.

    ``predict`` maps a float32 tensor ``[M, 2]`` to scores ``[M, K]`` (arg-max is the class),
    to probabilities/scores ``[M]`` or ``[M, 1]`` (thresholded at 0.5 if in [0, 1], else 0),
    or to integer classes ``[M]``. It runs on the CPU under ``torch.no_grad``.
    """
    x = torch.as_tensor(np.asarray(x) if not isinstance(x, torch.Tensor) else x.detach().cpu(), dtype=torch.float32)
    y = np.asarray(y.detach().cpu() if isinstance(y, torch.Tensor) else y)
    if x.dim() != 2 or x.shape[1] != 2:
        raise ValueError(f"plot_decision_boundary needs 2-D points x: [N, 2], got shape {list(x.shape)}")
    lo, hi = x.min(0).values - margin, x.max(0).values + margin
    gx, gy = torch.meshgrid(torch.linspace(lo[0], hi[0], resolution), torch.linspace(lo[1], hi[1], resolution), indexing="xy")
    grid = torch.stack([gx.reshape(-1), gy.reshape(-1)], dim=1)
    module = predict if isinstance(predict, torch.nn.Module) else None
    device = next(module.parameters()).device if module is not None and any(True for _ in module.parameters()) else torch.device("cpu")
    with torch.no_grad():
        scores = torch.as_tensor(predict(grid.to(device))).detach().cpu()
    if scores.dim() == 2 and scores.shape[1] > 1:
        classes = scores.argmax(1)
    else:
        scores = scores.reshape(-1)
        if scores.is_floating_point():
            threshold = 0.5 if scores.min() >= 0 and scores.max() <= 1 else 0.0
            classes = (scores > threshold).long()
        else:
            classes = scores.long()
    if ax is None:
        _, ax = plt.subplots(figsize=(4.5, 4))
    ax.contourf(gx.numpy(), gy.numpy(), classes.reshape(resolution, resolution).numpy(), alpha=0.25, cmap="coolwarm", levels=np.arange(classes.max().item() + 2) - 0.5)
    ax.scatter(x[:, 0].numpy(), x[:, 1].numpy(), c=y, cmap="coolwarm", edgecolors="k", s=18)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    if title:
        ax.set_title(title)
    return ax
