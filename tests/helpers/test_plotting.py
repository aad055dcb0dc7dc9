"""helpers.plotting: plot_history, show_images, plot_decision_boundary (Agg backend, see conftest)."""
from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402

from helpers.history import History  # noqa: E402
from helpers.plotting import plot_decision_boundary, plot_history, show_images  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def test_backend_is_agg():
    assert matplotlib.get_backend().lower() == "agg"


def history():
    h = History()
    h.append({"epoch": 1, "train_loss": 1.0, "lr": 0.1})
    h.append({"epoch": 2, "train_loss": 0.6, "val_loss": 0.9, "val_accuracy": 0.5, "lr": 0.1})
    h.append({"epoch": 3, "train_loss": 0.4, "val_loss": 0.8, "val_accuracy": 0.7, "lr": 0.05})
    return h


def lines(ax):
    return {line.get_label(): (list(line.get_xdata()), list(line.get_ydata())) for line in ax.get_lines()}


# --- plot_history ----------------------------------------------------------------------------


def test_history_losses_left_metrics_right():
    axes = plot_history(history())
    assert len(axes) == 2
    left, right = lines(axes[0]), lines(axes[1])
    assert left == {"train_loss": ([1, 2, 3], [1.0, 0.6, 0.4]), "val_loss": ([2, 3], [0.9, 0.8])}
    assert right == {"val_accuracy": ([2, 3], [0.5, 0.7])}  # lr and epoch are not plotted
    assert axes[0].get_xlabel() == "epoch" and axes[0].get_ylabel() == "loss" and axes[1].get_ylabel() == "metric"
    assert axes[0].get_legend() is not None


def test_history_selected_keys():
    axes = plot_history(history(), keys=["val_accuracy"])
    assert len(axes) == 1 and set(lines(axes[0])) == {"val_accuracy"}
    axes = plot_history(history(), keys=["train_loss", "lr"])
    assert len(axes) == 1 and set(lines(axes[0])) == {"train_loss"}


def test_history_draws_on_given_axes_and_titles():
    fig, given = plt.subplots(1, 2)
    axes = plot_history(history(), axes=given, title="Run 1")
    assert axes[0] is given[0] and axes[1] is given[1]
    assert len(given[0].get_lines()) == 2 and len(given[1].get_lines()) == 1
    assert fig._suptitle is not None and fig._suptitle.get_text() == "Run 1"


def test_history_single_axis_given():
    h = History()
    h.extend([{"epoch": 1, "train_loss": 1.0}, {"epoch": 2, "train_loss": 0.5}])
    _, ax = plt.subplots()
    axes = plot_history(h, axes=ax)
    assert axes[0] is ax and len(ax.get_lines()) == 1


def test_history_empty_and_unknown_key():
    with pytest.raises(ValueError, match="the history is empty"):
        plot_history(History())
    with pytest.raises(KeyError) as info:
        plot_history(history(), keys=["val_acc", "train_loss"])
    assert "['val_acc']" in str(info.value) and "val_accuracy" in str(info.value)


# --- show_images ----------------------------------------------------------------------------


def drawn(fig):
    return [ax for ax in fig.axes if ax.images]


def test_grid_has_one_image_per_sample():
    images = torch.rand(10, 1, 6, 6)
    fig = show_images(images, labels=list("abcdefghij"), ncols=4, title="Samples")
    assert len(fig.axes) == 12  # 3 rows x 4 columns
    shown = drawn(fig)
    assert len(shown) == 10
    assert [ax.get_title() for ax in shown] == list("abcdefghij")
    assert all(not ax.axison for ax in fig.axes)
    assert fig._suptitle.get_text() == "Samples"
    np.testing.assert_allclose(shown[3].images[0].get_array(), images[3, 0].numpy())  # in order, unscaled


def test_grid_narrows_to_the_number_of_images():
    fig = show_images(np.random.rand(3, 5, 5), ncols=8)  # [N, H, W] numpy input
    assert len(fig.axes) == 3 and len(drawn(fig)) == 3


def test_colour_images_are_shown_as_rgb():
    fig = show_images(torch.rand(2, 3, 4, 5))
    assert drawn(fig)[0].images[0].get_array().shape == (4, 5, 3)


def test_out_of_range_images_are_min_max_scaled():
    image = torch.tensor([[[-2.0, 0.0], [2.0, 6.0]]])[None]  # [1, 1, 2, 2]
    fig = show_images(image)
    shown = np.asarray(drawn(fig)[0].images[0].get_array())
    np.testing.assert_allclose(shown, [[0.0, 0.25], [0.5, 1.0]], atol=1e-9)


@pytest.mark.parametrize("shape", [(2, 2, 5, 5), (5, 5), (2, 1, 1, 5, 5)])
def test_bad_image_shape(shape):
    with pytest.raises(ValueError, match=rf"expected images \[N, C, H, W\].*got shape \[{', '.join(map(str, shape))}\]"):
        show_images(torch.rand(*shape))


def test_label_count_must_match():
    with pytest.raises(ValueError, match="got 3 images but 2 labels"):
        show_images(torch.rand(3, 4, 4), labels=[0, 1])


# --- plot_decision_boundary ----------------------------------------------------------------------


def points():
    x = torch.tensor([[-1.0, -1.0], [-0.5, 1.0], [0.5, -1.0], [1.0, 1.0]])
    y = torch.tensor([0, 0, 1, 1])
    return x, y


@pytest.fixture
def spy_ax():
    """An Axes whose contourf records the class grid it was given."""
    _, ax = plt.subplots()
    calls = []
    real = ax.contourf

    def contourf(gx, gy, z, *args, **kwargs):
        calls.append((np.asarray(gx), np.asarray(gy), np.asarray(z)))
        return real(gx, gy, z, *args, **kwargs)

    ax.contourf = contourf
    ax.calls = calls
    return ax


@pytest.mark.parametrize(
    "predict",
    [
        lambda g: torch.stack([-g[:, 0], g[:, 0]], 1),  # scores [M, 2]: arg-max
        lambda g: g[:, 0],  # raw scores [M]: threshold 0
        lambda g: torch.sigmoid(10 * g[:, :1]),  # probabilities [M, 1]: threshold 0.5
        lambda g: (g[:, 0] > 0).long(),  # integer classes
    ],
    ids=["scores", "logit", "probability", "classes"],
)
def test_decision_regions(spy_ax, predict):
    """Every kind of output marks the right half-plane (x1 > 0) as class 1."""
    x, y = points()
    ax = plot_decision_boundary(predict, x, y, ax=spy_ax, resolution=41, margin=0.5)
    assert ax is spy_ax
    gx, gy, z = spy_ax.calls[0]
    assert z.shape == (41, 41)
    assert gx.min() == pytest.approx(-1.5) and gx.max() == pytest.approx(1.5)
    assert gy.min() == pytest.approx(-1.5) and gy.max() == pytest.approx(1.5)
    away = np.abs(gx) > 1e-6
    np.testing.assert_array_equal(z[away], (gx[away] > 0).astype(int))


def test_probability_threshold_is_one_half(spy_ax):
    """Probabilities in [0, 1] split at 0.5 (here at x1 = 0.5), not at 0."""
    x, y = points()
    plot_decision_boundary(lambda g: (g[:, 0] + 1.5) / 3, x, y, ax=spy_ax, resolution=31)
    gx, _, z = spy_ax.calls[0]
    away = np.abs(gx - 0.0) > 1e-6
    np.testing.assert_array_equal(z[away], (gx[away] > 0).astype(int))
    assert z.min() == 0 and z.max() == 1


def test_module_scatter_and_labels():
    torch.manual_seed(0)
    model = torch.nn.Linear(2, 3)
    x, y = points()
    ax = plot_decision_boundary(model, x.numpy(), y.numpy(), resolution=20, title="Linear")
    scatter = [c for c in ax.collections if hasattr(c, "get_offsets") and len(c.get_offsets()) == 4]
    assert len(scatter) == 1
    np.testing.assert_allclose(scatter[0].get_offsets(), x.numpy())
    assert ax.get_title() == "Linear" and ax.get_xlabel() == "$x_1$"
    assert all(p.grad is None for p in model.parameters())  # evaluated under no_grad


def test_decision_boundary_needs_2d_points():
    with pytest.raises(ValueError, match=r"needs 2-D points x: \[N, 2\], got shape \[4, 3\]"):
        plot_decision_boundary(lambda g: g[:, 0], torch.zeros(4, 3), torch.zeros(4))
    with pytest.raises(ValueError, match=r"got shape \[4\]"):
        plot_decision_boundary(lambda g: g[:, 0], torch.zeros(4), torch.zeros(4))
