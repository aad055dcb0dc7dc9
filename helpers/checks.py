"""Checks for notebook tests: distances, numerical gradients and assertions that explain.

A failing assertion here says what was expected, what came back, and where they differ,
so students learn *how far off* they are instead of reading a bare ``AssertionError``.
These helpers compare; they never contain an exercise's answer.
"""
from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence

import numpy as np
import torch

__all__ = ["rel_error", "numerical_gradient", "assert_tensor", "assert_shape", "assert_close", "assert_true", "forbid_calls"]

ArrayLike = torch.Tensor | np.ndarray | float | int


def _to_numpy(x: ArrayLike) -> np.ndarray:
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().to(torch.float64).numpy()
    return np.asarray(x, dtype=np.float64)


def rel_error(actual: ArrayLike, expected: ArrayLike, eps: float = 1e-8) -> float:
    """Largest relative error ``|a - e| / max(eps, |a| + |e|)`` over all elements (CS231n's measure).

    Around 1e-7 or less means agreement for float64, 1e-4 for float32.
    """
    a, e = _to_numpy(actual), _to_numpy(expected)
    if a.shape != e.shape:
        raise ValueError(f"cannot compare shapes {list(a.shape)} and {list(e.shape)}")
    if a.size == 0:
        return 0.0
    with np.errstate(invalid="ignore", over="ignore"):  # inf vs finite: report inf, quietly
        ratio = np.abs(a - e) / np.maximum(eps, np.abs(a) + np.abs(e))
    ratio = np.where(np.isnan(ratio) & ~(np.isnan(a) & np.isnan(e)), np.inf, ratio)
    return float(np.max(ratio))


def numerical_gradient(f: Callable[[torch.Tensor], torch.Tensor | float], x: torch.Tensor, h: float = 1e-5) -> torch.Tensor:
    """Central-difference gradient of a scalar function ``f`` at ``x``: ``(f(x+h) - f(x-h)) / 2h`` per element.

    ``x`` is not changed. Use float64 inputs: in float32 the rounding error of the
    difference swamps the gradient for small ``h``.
    """
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"numerical_gradient needs a floating-point tensor, got {type(x).__name__}")
    x = x.detach().clone()
    grad = torch.zeros_like(x)
    flat, gflat = x.view(-1), grad.view(-1)
    for i in range(flat.numel()):
        old = flat[i].item()
        flat[i] = old + h
        plus = float(f(x))
        flat[i] = old - h
        minus = float(f(x))
        flat[i] = old
        gflat[i] = (plus - minus) / (2 * h)
    return grad


def assert_tensor(x: object, name: str = "result", dtype: torch.dtype | None = None, shape: Sequence[int] | None = None) -> None:
    """Assert ``x`` is exactly a ``torch.Tensor`` (not a subclass or look-alike), with dtype and shape."""
    if type(x) is not torch.Tensor:
        raise AssertionError(f"{name} should be a torch.Tensor, but it is a {type(x).__module__}.{type(x).__qualname__}.")
    if dtype is not None and x.dtype != dtype:
        raise AssertionError(f"{name} should have dtype {dtype}, but it has {x.dtype}.")
    if shape is not None:
        assert_shape(x, shape, name)


def assert_shape(x: torch.Tensor | np.ndarray, shape: Sequence[int], name: str = "result") -> None:
    """Assert ``x.shape == shape``; ``-1`` in ``shape`` matches any size."""
    got = tuple(x.shape)
    want = tuple(shape)
    if len(got) != len(want) or any(w != -1 and g != w for g, w in zip(got, want)):
        raise AssertionError(f"{name} should have shape {list(want)}, but it has shape {list(got)}.")


def assert_close(
    actual: ArrayLike,
    expected: ArrayLike,
    name: str = "result",
    rtol: float = 1e-5,
    atol: float = 1e-6,
    hint: str | None = None,
) -> None:
    """Assert ``actual`` matches ``expected`` elementwise within ``atol + rtol * |expected|``.

    The message reports shapes, the largest absolute and relative errors, and the first
    mismatching position with both values. ``hint`` adds the likely mistake.
    """
    a, e = _to_numpy(actual), _to_numpy(expected)
    suffix = f" Hint: {hint}" if hint else ""
    if a.shape != e.shape:
        raise AssertionError(f"{name} should have shape {list(e.shape)}, but it has shape {list(a.shape)}.{suffix}")
    if np.isnan(a).any() and not np.isnan(e).any():
        raise AssertionError(f"{name} contains NaN at {np.argwhere(np.isnan(a))[0].tolist()}.{suffix}")
    bad = ~np.isclose(a, e, rtol=rtol, atol=atol, equal_nan=True)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0]) if a.ndim else ()
        diff = np.abs(a - e)
        finite = np.isfinite(diff)
        max_abs = float(diff[finite].max()) if finite.any() else float("inf")
        raise AssertionError(
            f"{name} differs from the expected value in {int(bad.sum())} of {a.size} element(s); "
            f"max abs error {max_abs:.3g}, rel error {rel_error(a, e):.3g}. "
            f"First at index {list(where)}: expected {e[where].item()!r}, got {a[where].item()!r}.{suffix}"
        )


def assert_true(condition: bool, message: str) -> None:
    """``assert`` with a message that survives ``python -O`` and reads as a sentence."""
    if not bool(condition):
        raise AssertionError(message)


@contextlib.contextmanager
def forbid_calls(*places: tuple[object, str, str], exercise: str) -> Iterator[None]:
    """While the block runs, make each ``(owner, attribute, label)`` raise ``AssertionError``.

    Tests use it when an exercise asks students to build something that a library already
    has: ``with forbid_calls((torch, "logsumexp", "torch.logsumexp"), exercise="logsumexp"): ...``.
    The original attributes are restored afterwards, also when the block fails.
    """
    saved = []

    def refuse_factory(label: str):
        def refuse(*args, **kwargs):
            raise AssertionError(f"{exercise} must not call {label}: the exercise asks you to build it yourself.")

        return refuse

    try:
        for owner, name, label in places:
            saved.append((owner, name, vars(owner).get(name), name in vars(owner)))
            setattr(owner, name, refuse_factory(label))
        yield
    finally:
        for owner, name, old, had in reversed(saved):
            if had:
                setattr(owner, name, old)
            else:
                delattr(owner, name)
