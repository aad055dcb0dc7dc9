"""helpers.checks: rel_error, numerical_gradient and the explanatory assertions."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.checks import assert_close, assert_shape, assert_tensor, assert_true, numerical_gradient, rel_error

# --- rel_error ----------------------------------------------------------------------------


def test_rel_error_known_values():
    assert rel_error(1.0, 3.0) == pytest.approx(0.5)  # |1-3| / (1+3)
    assert rel_error(torch.tensor([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error([1.0, 10.0], [1.0, 12.0]) == pytest.approx(2 / 22)
    assert rel_error([-1.0, 5.0], [1.0, 5.0]) == pytest.approx(1.0)  # the largest element counts


def test_rel_error_eps_guards_tiny_values():
    assert rel_error(0.0, 0.0) == 0.0
    assert rel_error(1e-9, 0.0) == pytest.approx(0.1)  # 1e-9 / max(1e-8, 1e-9)
    assert rel_error(1e-9, 0.0, eps=1e-12) == pytest.approx(1.0)


def test_rel_error_in_float64_and_detached():
    """Tensors that require grad are accepted, and the difference is taken in float64."""
    x = torch.tensor([1.0, 3.0], requires_grad=True)
    assert rel_error(x, torch.tensor([1.0, 1.0])) == pytest.approx(0.5)
    a = torch.tensor([1.0], dtype=torch.float64)
    b = a + 1e-12
    assert rel_error(a, b) == pytest.approx(1e-12 / (2 + 1e-12), rel=1e-3)


def test_rel_error_shape_mismatch_and_empty():
    with pytest.raises(ValueError, match=r"cannot compare shapes \[2\] and \[3\]"):
        rel_error(np.zeros(2), np.zeros(3))
    assert rel_error(np.zeros((0, 3)), torch.zeros(0, 3)) == 0.0


# --- numerical_gradient -------------------------------------------------------------------


def test_gradient_of_sum_of_cubes():
    x = torch.tensor([[-1.5, 0.0, 2.0], [0.3, -0.7, 1.1]], dtype=torch.float64)
    grad = numerical_gradient(lambda t: (t**3).sum(), x)
    assert grad.shape == x.shape and grad.dtype == torch.float64
    assert torch.allclose(grad, 3 * x**2, rtol=1e-7, atol=1e-9)


def test_gradient_matches_autograd_and_leaves_x_alone():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 3, dtype=torch.float64, generator=g)
    w = torch.randn(3, 2, dtype=torch.float64, generator=g)
    original = x.clone()
    f = lambda t: torch.tanh(t @ w).pow(2).mean()  # noqa: E731
    grad = numerical_gradient(f, x)
    assert torch.equal(x, original)
    x_ = x.clone().requires_grad_()
    f(x_).backward()
    assert rel_error(grad, x_.grad) < 1e-7


def test_gradient_accepts_python_float_results_and_h():
    x = torch.tensor([2.0], dtype=torch.float64)
    assert numerical_gradient(lambda t: float(t.item() ** 2), x).item() == pytest.approx(4.0, rel=1e-8)
    # A huge step shows h is used: the central difference of x**3 is 3x**2 + h**2.
    assert numerical_gradient(lambda t: (t**3).sum(), x, h=0.5).item() == pytest.approx(12.25)


@pytest.mark.parametrize("bad", [torch.tensor([1, 2]), np.array([1.0]), 1.0])
def test_gradient_needs_a_float_tensor(bad):
    with pytest.raises(TypeError, match="needs a floating-point tensor"):
        numerical_gradient(lambda t: t.sum(), bad)


# --- assert_tensor and assert_shape ----------------------------------------------------------


def test_assert_tensor_accepts_a_plain_tensor():
    assert_tensor(torch.zeros(2, 3), dtype=torch.float32, shape=(2, 3))
    assert_tensor(torch.zeros(2, 3, dtype=torch.int64), shape=(-1, 3))


def test_assert_tensor_rejects_subclasses_and_look_alikes():
    with pytest.raises(AssertionError, match=r"weights should be a torch.Tensor, but it is a torch.nn.parameter.Parameter\."):
        assert_tensor(torch.nn.Parameter(torch.zeros(2)), name="weights")

    class MyTensor(torch.Tensor):
        pass

    with pytest.raises(AssertionError, match=r"but it is a .*MyTensor"):
        assert_tensor(torch.zeros(2).as_subclass(MyTensor))
    with pytest.raises(AssertionError, match=r"result should be a torch.Tensor, but it is a numpy.ndarray"):
        assert_tensor(np.zeros(2))


def test_assert_tensor_dtype_and_shape_messages():
    with pytest.raises(AssertionError, match=r"^y should have dtype torch.int64, but it has torch.float32\.$"):
        assert_tensor(torch.zeros(2), name="y", dtype=torch.int64)
    with pytest.raises(AssertionError, match=r"^y should have shape \[2, 3\], but it has shape \[3, 2\]\.$"):
        assert_tensor(torch.zeros(3, 2), name="y", shape=(2, 3))


def test_assert_shape():
    assert_shape(np.zeros((4, 5)), (4, 5))
    assert_shape(torch.zeros(4, 5), [-1, 5])
    with pytest.raises(AssertionError, match=r"^out should have shape \[-1, 6\], but it has shape \[4, 5\]\.$"):
        assert_shape(torch.zeros(4, 5), (-1, 6), name="out")
    with pytest.raises(AssertionError, match=r"should have shape \[4\], but it has shape \[4, 1\]"):
        assert_shape(torch.zeros(4, 1), (4,))
    with pytest.raises(AssertionError, match=r"should have shape \[4, 1, -1\], but it has shape \[4, 1\]"):
        assert_shape(torch.zeros(4, 1), (4, 1, -1))


# --- assert_close -------------------------------------------------------------------------


def test_assert_close_passes_within_tolerance():
    assert_close(torch.tensor([1.0, 2.0]), np.array([1.0, 2.0 + 1e-6]))
    assert_close(1.0, 1.05, rtol=0.1)
    assert_close(np.array([np.nan, 1.0]), np.array([np.nan, 1.0]))


def test_assert_close_reports_position_and_values():
    actual = torch.tensor([[1.0, 2.0], [3.0, 4.5]])
    expected = torch.tensor([[1.0, 2.0], [3.0, 4.0]])
    with pytest.raises(AssertionError) as info:
        assert_close(actual, expected, name="logits", hint="did you forget the bias?")
    message = str(info.value)
    assert message.startswith("logits differs from the expected value in 1 of 4 element(s)")
    assert "max abs error 0.5" in message
    assert f"rel error {0.5 / 8.5:.3g}" in message
    assert "First at index [1, 1]: expected" in message
    assert "First at index [1, 1]: expected 4.0, got 4.5." in message  # plain numbers, not numpy reprs
    assert message.endswith("Hint: did you forget the bias?")


def test_assert_close_reports_the_first_mismatch():
    with pytest.raises(AssertionError) as info:
        assert_close([0.0, 7.0, 9.0], [0.0, 1.0, 2.0])
    message = str(info.value)
    assert "in 2 of 3 element(s)" in message and "First at index [1]: expected 1.0, got 7.0." in message
    assert "max abs error 7" in message


def test_assert_close_scalar():
    with pytest.raises(AssertionError, match=r"First at index \[\]: expected 2\.0, got 3\.0\.$"):
        assert_close(3.0, 2.0)


def test_assert_close_shape_and_nan_messages():
    with pytest.raises(AssertionError, match=r"^result should have shape \[3\], but it has shape \[2\]\. Hint: flatten$"):
        assert_close(np.zeros(2), np.zeros(3), hint="flatten")
    with pytest.raises(AssertionError, match=r"^loss contains NaN at \[1\]\.$"):
        assert_close([0.0, float("nan")], [0.0, 1.0], name="loss")


def test_assert_close_tolerances_are_used():
    with pytest.raises(AssertionError):
        assert_close(1.0, 1.05, rtol=0.01, atol=0.0)
    assert_close(1.0, 1.05, rtol=0.0, atol=0.06)
    with pytest.raises(AssertionError):
        assert_close(1.0, 1.05, rtol=0.0, atol=0.04)


@pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")
def test_assert_close_infinite_values():
    assert_close([np.inf], [np.inf])
    with pytest.raises(AssertionError, match="max abs error inf"):
        assert_close([np.inf], [1.0])


# --- assert_true ----------------------------------------------------------------------------


def test_assert_true():
    assert_true(1 + 1 == 2, "never shown")
    assert_true(np.bool_(True), "never shown")
    with pytest.raises(AssertionError, match="^The loss should decrease\\.$"):
        assert_true(False, "The loss should decrease.")
    with pytest.raises(AssertionError):
        assert_true(torch.tensor(0), "zero is false")


class TestForbidCalls:
    """forbid_calls makes the named functions raise inside the block and restores them after."""

    def test_blocks_inside_and_restores_after(self):
        import torch

        from helpers.checks import forbid_calls

        original = torch.logsumexp
        with forbid_calls((torch, "logsumexp", "torch.logsumexp"), exercise="logsumexp"):
            with pytest.raises(AssertionError, match="logsumexp must not call torch.logsumexp"):
                torch.logsumexp(torch.zeros(2), dim=0)
        assert torch.logsumexp is original
        assert torch.logsumexp(torch.zeros(2), dim=0).item() == pytest.approx(0.6931471805599453)

    def test_restores_after_a_failure_and_removes_added_attributes(self):
        import torch

        from helpers.checks import forbid_calls

        original = torch.Tensor.log_softmax
        had_own = "softmax" in vars(torch.Tensor)
        with pytest.raises(ZeroDivisionError):
            with forbid_calls((torch.Tensor, "log_softmax", "Tensor.log_softmax"), (torch.Tensor, "softmax", "Tensor.softmax"), exercise="x"):
                1 / 0
        assert torch.Tensor.log_softmax is original
        assert ("softmax" in vars(torch.Tensor)) == had_own
