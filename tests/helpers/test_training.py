"""helpers.training: accuracy, fit, evaluate, predict (and fit's load-or-train checkpoints)."""
from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

from helpers.checkpoint import checkpoint_path, load_checkpoint
from helpers.history import History
from helpers.loaders import DeviceLoader
from helpers.training import accuracy, evaluate, fit, predict

cuda = pytest.mark.cuda
requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
CPU = torch.device("cpu")


def blobs(n=96, seed=0, scale=1.0):
    """Two well separated Gaussian blobs in 2-D: a linear model learns them in a few epochs."""
    g = torch.Generator().manual_seed(seed)
    y = torch.arange(n) % 2
    centre = (y.float() * 2 - 1).unsqueeze(1) * torch.tensor([1.5, -1.0])
    x = (torch.randn(n, 2, generator=g) * 0.5 + centre) * scale
    return TensorDataset(x, y)


def linear(seed=0, out=2):
    torch.manual_seed(seed)
    return torch.nn.Linear(2, out)


class Counter:
    """Counts forward calls (with their batch sizes and train/eval mode) and optimizer steps."""

    def __init__(self, model, optimizer=None):
        self.forward_sizes, self.forward_modes, self.steps, self.lrs = [], [], 0, []
        model.register_forward_hook(self._forward)
        if optimizer is not None:
            optimizer.register_step_pre_hook(self._step)

    def _forward(self, module, args, output):
        self.forward_sizes.append(args[0].shape[0])
        self.forward_modes.append(module.training)

    def _step(self, optimizer, args, kwargs):
        self.steps += 1
        self.lrs.append(optimizer.param_groups[0]["lr"])


def params(model):
    return [p.detach().clone() for p in model.parameters()]


def same_params(a, b):
    return all(torch.equal(x, y) for x, y in zip(params(a), params(b)))


# --- accuracy ---------------------------------------------------------------------------


def test_accuracy_exact():
    out = torch.tensor([[2.0, 1.0], [0.0, 3.0], [5.0, -1.0], [0.1, 0.2]])
    assert accuracy(out, torch.tensor([0, 1, 1, 1])).item() == pytest.approx(0.75)
    assert accuracy(out, torch.tensor([1, 0, 1, 0])).item() == 0.0


def test_accuracy_uses_last_dimension():
    out = torch.zeros(2, 3, 4)
    out[..., 2] = 1.0
    target = torch.tensor([[2, 2, 0], [2, 1, 2]])
    assert accuracy(out, target).item() == pytest.approx(4 / 6)


# --- fit: learning and records -------------------------------------------------------------


def test_fit_learns_a_separable_problem():
    model = linear()
    history = fit(model, blobs(), blobs(seed=1), epochs=15, metrics=["accuracy"], batch_size=16,
                  optimizer=torch.optim.Adam(model.parameters(), lr=0.05), progress=False)
    losses = history["train_loss"]
    assert losses[-1] < 0.5 * losses[0]
    assert history["val_loss"][-1] < history["val_loss"][0]
    assert history["val_accuracy"][-1] >= 0.95
    # The returned numbers describe the model fit leaves behind.
    assert evaluate(model, blobs(seed=1))["accuracy"] == pytest.approx(history["val_accuracy"][-1])


def test_history_records_have_the_right_keys_and_lengths():
    history = fit(linear(), blobs(), blobs(seed=1), epochs=3, metrics=["accuracy"], progress=False)
    assert isinstance(history, History) and len(history) == 3
    for record in history.records:
        assert set(record) == {"epoch", "train_loss", "val_loss", "val_accuracy", "lr"}
    assert history["epoch"] == [1, 2, 3]
    no_val = fit(linear(), blobs(), epochs=2, progress=False)
    assert [set(r) for r in no_val.records] == [{"epoch", "train_loss", "lr"}] * 2


def test_custom_metric_dict_is_reported_on_val():
    calls = []

    def mean_logit(output, target):
        calls.append(output.shape[0])
        return output.mean()

    history = fit(linear(), blobs(n=20), blobs(n=12, seed=1), epochs=2, metrics={"mean_logit": mean_logit},
                  batch_size=8, progress=False)
    assert "val_mean_logit" in history and len(history["val_mean_logit"]) == 2
    assert sum(calls) == 2 * 12  # computed on the 12 validation samples once per epoch, never on train


def test_train_loss_is_the_sample_weighted_mean_of_batch_losses():
    """10 samples in batches of 4, 4, 2: the last batch counts half as much as the others."""
    seen = []

    def loss_fn(output, target):
        loss = F.cross_entropy(output, target)
        seen.append((loss.item(), target.shape[0]))
        return loss

    history = fit(linear(), blobs(n=10), epochs=1, batch_size=4, loss_fn=loss_fn, progress=False)
    assert [n for _, n in seen] == [4, 4, 2]
    expected = sum(loss * n for loss, n in seen) / 10
    assert history["train_loss"][0] == pytest.approx(expected, rel=1e-6)


def test_fit_wraps_datasets_with_batch_size_and_shuffles():
    model = linear()
    counter = Counter(model)
    fit(model, blobs(n=10), epochs=2, batch_size=4, progress=False)
    assert counter.forward_sizes == [4, 4, 2, 4, 4, 2]
    assert all(counter.forward_modes)  # train mode while training


def test_fit_accepts_loaders_and_tuples_of_tensors():
    ds = blobs(n=32)
    for train in (DeviceLoader(ds, batch_size=8, device=CPU), DataLoader(ds, batch_size=8), ds.tensors,
                  list(DeviceLoader(ds, batch_size=8, device=CPU))):
        model = linear()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        counter = Counter(model, opt)
        history = fit(model, train, epochs=2, optimizer=opt, progress=False, batch_size=8)
        assert counter.steps == 8 and len(history) == 2


def test_validation_runs_in_eval_mode_and_model_ends_in_eval_mode():
    model = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Dropout(0.5), torch.nn.Linear(8, 2))
    counter = Counter(model)
    fit(model, blobs(n=16), blobs(n=8, seed=1), epochs=2, batch_size=8, progress=False)
    # Per epoch: two training batches (train mode) then one validation batch (eval mode).
    assert counter.forward_modes == [True, True, False] * 2
    assert model.training is False


def test_zero_epochs_trains_nothing():
    model = linear()
    before = params(model)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    counter = Counter(model, opt)
    history = fit(model, blobs(), epochs=0, optimizer=opt, progress=False)
    assert len(history) == 0 and counter.steps == 0
    assert all(torch.equal(a, b) for a, b in zip(before, params(model)))


def test_on_epoch_end_receives_history_and_can_stop_early():
    calls = []

    def callback(epoch, history):
        calls.append((epoch, len(history)))
        return epoch == 2

    history = fit(linear(), blobs(), epochs=5, on_epoch_end=callback, progress=False)
    assert calls == [(1, 1), (2, 2)]
    assert len(history) == 2


def test_amp_is_ignored_on_cpu():
    """amp=True on the CPU trains exactly like amp=False (float32 throughout)."""
    results = []
    for amp in (False, True):
        model = linear(3)
        outputs = []
        model.register_forward_hook(lambda m, a, o: outputs.append(o.dtype))
        torch.manual_seed(9)
        fit(model, blobs(), epochs=2, amp=amp, progress=False)
        results.append((params(model), set(outputs)))
    assert all(torch.equal(a, b) for a, b in zip(results[0][0], results[1][0]))
    assert results[1][1] == {torch.float32}


def test_progress_bar_can_be_silenced_or_shown(capsys):
    fit(linear(), blobs(n=16), epochs=1, progress=False)
    assert capsys.readouterr().err == ""
    fit(linear(), blobs(n=16), epochs=1, progress=True)
    assert capsys.readouterr().err.strip() != ""


# --- fit: scheduler and clipping ------------------------------------------------------------


def test_scheduler_steps_per_epoch():
    model = linear()
    opt = torch.optim.SGD(model.parameters(), lr=0.8)
    counter = Counter(model, opt)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    history = fit(model, blobs(n=16), epochs=3, batch_size=4, optimizer=opt, scheduler=sched, progress=False)
    assert counter.lrs == pytest.approx([0.8] * 4 + [0.4] * 4 + [0.2] * 4)
    assert history["lr"] == pytest.approx([0.8, 0.4, 0.2])  # the rate each epoch trained with
    assert opt.param_groups[0]["lr"] == pytest.approx(0.1)


def test_scheduler_steps_per_batch():
    model = linear()
    opt = torch.optim.SGD(model.parameters(), lr=0.8)
    counter = Counter(model, opt)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=1, gamma=0.5)
    fit(model, blobs(n=16), epochs=3, batch_size=4, optimizer=opt, scheduler=sched, scheduler_step="batch", progress=False)
    assert counter.lrs == pytest.approx([0.8 * 0.5**i for i in range(12)])
    assert opt.param_groups[0]["lr"] == pytest.approx(0.8 * 0.5**12)


class RecordingPlateau(torch.optim.lr_scheduler.ReduceLROnPlateau):
    def __init__(self, *args, **kwargs):
        self.seen = []
        super().__init__(*args, **kwargs)

    def step(self, metrics, *args, **kwargs):  # type: ignore[override]
        self.seen.append(float(metrics))
        return super().step(metrics, *args, **kwargs)


def test_reduce_on_plateau_receives_val_loss():
    model = linear()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = RecordingPlateau(opt, patience=0)
    history = fit(model, blobs(), blobs(seed=1), epochs=3, optimizer=opt, scheduler=sched, progress=False)
    assert sched.seen == pytest.approx(history["val_loss"])
    assert sched.seen != pytest.approx(history["train_loss"])


def test_reduce_on_plateau_falls_back_to_train_loss():
    model = linear()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = RecordingPlateau(opt, patience=0)
    history = fit(model, blobs(), epochs=3, optimizer=opt, scheduler=sched, progress=False)
    assert sched.seen == pytest.approx(history["train_loss"])


def _grad_norms(model, opt):
    norms = []

    def hook(optimizer, args, kwargs):
        grads = [p.grad.flatten() for p in model.parameters() if p.grad is not None]
        norms.append(torch.cat(grads).norm().item())

    opt.register_step_pre_hook(hook)
    return norms


def test_clip_grad_norm_bounds_the_gradient_at_each_step():
    data = blobs(n=32, scale=50.0)  # large inputs: large gradients
    unclipped_model = linear()
    opt = torch.optim.SGD(unclipped_model.parameters(), lr=1e-3)
    unclipped = _grad_norms(unclipped_model, opt)
    fit(unclipped_model, data, epochs=2, batch_size=8, optimizer=opt, progress=False)
    assert min(unclipped) > 1.0  # without clipping the norm is well above the bound

    model = linear()
    opt = torch.optim.SGD(model.parameters(), lr=1e-3)
    clipped = _grad_norms(model, opt)
    fit(model, data, epochs=2, batch_size=8, optimizer=opt, clip_grad_norm=0.5, progress=False)
    assert len(clipped) == 8
    assert max(clipped) <= 0.5 * (1 + 1e-5)
    assert min(clipped) >= 0.5 * (1 - 1e-3)  # scaled down to the bound, not zeroed


# --- fit: bad input -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", [-1, 1.5, True, "3", None])
def test_fit_rejects_bad_epochs(bad):
    with pytest.raises(ValueError) as info:
        fit(linear(), blobs(), epochs=bad, progress=False)
    assert "epochs must be a non-negative integer" in str(info.value) and repr(bad) in str(info.value)


def test_fit_rejects_bad_scheduler_step():
    with pytest.raises(ValueError, match="scheduler_step must be 'epoch' or 'batch', got 'step'"):
        fit(linear(), blobs(), scheduler_step="step", progress=False)


def test_fit_rejects_a_non_module():
    with pytest.raises(TypeError, match="model must be a torch.nn.Module, got function"):
        fit(lambda x: x, blobs(), progress=False)


@pytest.mark.parametrize("bad", [0, -4])
def test_fit_rejects_non_positive_batch_size(bad):
    with pytest.raises(ValueError, match=f"batch_size must be a positive integer, got {bad}"):
        fit(linear(), blobs(), batch_size=bad, progress=False)


def test_fit_rejects_unknown_and_non_callable_metrics():
    with pytest.raises(ValueError, match=r"unknown metric 'f1'; known by name: \['accuracy'\]"):
        fit(linear(), blobs(), metrics=["f1"], progress=False)
    with pytest.raises(TypeError, match="metric 'f1' must be callable"):
        fit(linear(), blobs(), metrics={"f1": 0.5}, progress=False)


def test_fit_explains_outputs_that_do_not_fit_the_loss():
    """Three logits per sample against one-hot targets of two classes: say which shapes clash."""
    x = torch.randn(16, 2)
    y = F.one_hot(torch.arange(16) % 2, 2).float()
    with pytest.raises(ValueError) as info:
        fit(linear(out=3), TensorDataset(x, y), batch_size=8, progress=False)
    message = str(info.value)
    assert "could not compare the model's output [8, 3] float32 with the targets [8, 2] float32" in message
    assert "[batch, classes] logits" in message


def test_fit_rejects_a_non_scalar_loss():
    loss = lambda o, t: F.cross_entropy(o, t, reduction="none")  # noqa: E731
    with pytest.raises(ValueError, match=r"must return a scalar tensor, got \[8\] float32; reduce it with .mean\(\)"):
        fit(linear(), blobs(n=16), batch_size=8, loss_fn=loss, progress=False)


def test_fit_stops_on_a_non_finite_first_loss():
    x = torch.full((8, 2), float("nan"))
    with pytest.raises(FloatingPointError, match="first training loss is nan"):
        fit(linear(), TensorDataset(x, torch.zeros(8, dtype=torch.int64)), progress=False)


def test_fit_rejects_batches_that_are_not_pairs():
    with pytest.raises(ValueError, match="each batch must be a pair \\(inputs, targets\\); got tuple of length 1"):
        fit(linear(), torch.randn(8, 2), progress=False)
    with pytest.raises(TypeError, match="cannot iterate over batches of int"):
        fit(linear(), 5, progress=False)


# --- fit: checkpoints ---------------------------------------------------------------------


def fit_counted(name, epochs, seed=0, **kwargs):
    """Fit a fresh model with checkpoint=name; return model, history and a Counter."""
    model = linear(seed)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    counter = Counter(model, opt)
    history = fit(model, blobs(n=32), epochs=epochs, batch_size=8, optimizer=opt, checkpoint=name, progress=False, **kwargs)
    return model, history, counter


def test_checkpoint_is_written_after_training(tmp_path):
    model, history, counter = fit_counted("run", 2)
    assert counter.steps == 8
    path = tmp_path / "checkpoints" / "run.pt"
    assert path.is_file()
    fresh = linear(5)
    saved_history, extra = load_checkpoint("run", fresh)
    assert extra == {"epochs": 2}
    assert saved_history.records == history.records
    assert same_params(fresh, model)


def test_existing_checkpoint_skips_training():
    trained, history, _ = fit_counted("run", 2)
    model, loaded_history, counter = fit_counted("run", 2, seed=1)
    assert counter.steps == 0 and counter.forward_sizes == []
    assert same_params(model, trained)
    assert loaded_history.records == history.records
    assert model.training is False


def test_loading_a_checkpoint_says_so(capsys, tmp_path):
    fit_counted("run", 1)
    model = linear(1)
    fit(model, blobs(n=32), epochs=1, checkpoint="run", progress=True)
    out = capsys.readouterr().out
    assert "Loaded" in out and str(tmp_path / "checkpoints" / "run.pt") in out


def test_checkpoint_with_other_epochs_is_retrained_and_replaced():
    fit_counted("run", 1)
    model, history, counter = fit_counted("run", 3, seed=1)
    assert counter.steps == 12 and len(history) == 3
    _, extra = load_checkpoint("run", linear(2))
    assert extra == {"epochs": 3}
    again, _, counter = fit_counted("run", 3, seed=4)
    assert counter.steps == 0 and same_params(again, model)


def test_retraining_says_why(capsys):
    fit_counted("run", 1)
    fit(linear(1), blobs(n=32), epochs=2, checkpoint="run", progress=True)
    assert "was trained for 1 epochs, not 2: training again" in capsys.readouterr().out


def test_retraining_starts_from_the_callers_model_not_the_stale_checkpoint():
    """A stale checkpoint (other epoch count) must not leak its weights or optimizer state into
    the new run: the result equals training the same fresh model without any checkpoint."""
    torch.manual_seed(0)
    fit(linear(7), blobs(n=32), epochs=1, checkpoint="run", progress=False)
    results = []
    for checkpoint in ("run", None):
        model = linear(1)
        torch.manual_seed(5)  # same shuffles in both runs
        fit(model, blobs(n=32), epochs=2, batch_size=8, checkpoint=checkpoint, progress=False)
        results.append(model)
    assert same_params(*results)


def test_checkpoint_of_another_architecture_is_refused():
    fit_counted("run", 1)
    with pytest.raises(ValueError, match="different model"):
        fit(torch.nn.Linear(2, 3), blobs(n=32), epochs=1, checkpoint="run", progress=False)


def test_grading_neither_writes_checkpoints(monkeypatch, tmp_path):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    _, history, counter = fit_counted("run", 2)
    assert counter.steps == 8 and len(history) == 2
    assert not (tmp_path / "checkpoints").exists() or not any((tmp_path / "checkpoints").iterdir())


def test_grading_never_reads_checkpoints(monkeypatch):
    """A checkpoint lying next to a submission cannot stand in for training while grading."""
    trained, _, _ = fit_counted("run", 2)
    path = checkpoint_path("run")
    saved = path.read_bytes()
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    model, history, counter = fit_counted("run", 2, seed=1)
    assert counter.steps == 8 and len(history) == 2
    assert not same_params(model, trained)
    assert path.read_bytes() == saved  # nor overwritten


# --- evaluate ---------------------------------------------------------------------------


def fixed_model():
    model = torch.nn.Linear(2, 3)
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))
        model.bias.zero_()
    return model


def uneven_data():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(10, 2, generator=g) * 2
    y = torch.tensor([0, 1, 2, 0, 0, 1, 2, 2, 1, 0])
    return x, y


def test_evaluate_is_the_weighted_mean_over_uneven_batches():
    model = fixed_model()
    x, y = uneven_data()
    batches = [(x[:7], y[:7]), (x[7:], y[7:])]
    with torch.no_grad():
        out = model(x)
    expected_loss = F.cross_entropy(out, y).item()
    expected_acc = (out.argmax(1) == y).float().mean().item()
    naive = (F.cross_entropy(out[:7], y[:7]) + F.cross_entropy(out[7:], y[7:])).item() / 2
    assert abs(naive - expected_loss) > 1e-3  # the unweighted mean would be wrong here
    scores = evaluate(model, batches)
    assert set(scores) == {"loss", "accuracy"}
    assert scores["loss"] == pytest.approx(expected_loss, rel=1e-6)
    assert scores["accuracy"] == pytest.approx(expected_acc)
    again = evaluate(model, TensorDataset(x, y), batch_size=3)  # 3+3+3+1
    assert again == pytest.approx(scores, rel=1e-6)


def test_evaluate_loss_and_metric_options():
    model = fixed_model()
    x, y = uneven_data()
    assert set(evaluate(model, (x, y), metrics=None)) == {"loss"}
    only = evaluate(model, (x, y), loss_fn=None)
    assert set(only) == {"accuracy"}
    custom = evaluate(model, (x, y), metrics={"first": lambda o, t: o[:, 0].mean()}, loss_fn=None, batch_size=4)
    assert custom["first"] == pytest.approx(x[:, 0].mean().item(), rel=1e-6)


@pytest.mark.parametrize("training", [True, False])
def test_evaluate_runs_in_eval_mode_and_restores_mode(training):
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(0.9))
    model.train(training)
    counter = Counter(model)
    x, y = uneven_data()
    first = evaluate(model, (x, y))
    assert evaluate(model, (x, y)) == first  # dropout off: repeatable
    assert counter.forward_modes == [False, False]
    assert model.training is training


def test_evaluate_restores_mode_even_on_error():
    model = fixed_model().train()
    with pytest.raises(ValueError, match="could not compare"):
        evaluate(model, (torch.randn(4, 2), torch.zeros(4, 5)))
    assert model.training is True


def test_evaluate_empty_data_raises():
    with pytest.raises(ValueError, match="received no batches"):
        evaluate(fixed_model(), [])


def test_evaluate_does_not_track_gradients():
    model = fixed_model()
    evaluate(model, uneven_data())
    assert all(p.grad is None for p in model.parameters())


# --- predict ----------------------------------------------------------------------------


def test_predict_preserves_order_across_batches():
    model = fixed_model()
    x, y = uneven_data()
    with torch.no_grad():
        expected = model(x)
    for data in (x, TensorDataset(x, y), DeviceLoader((x, y), batch_size=3, shuffle=False, device=CPU),
                 [x[:4], x[4:]]):
        out = predict(model, data, batch_size=3)
        assert out.device.type == "cpu" and out.shape == (10, 3)
        assert torch.allclose(out, expected)
        assert not out.requires_grad


@pytest.mark.parametrize("training", [True, False])
def test_predict_uses_eval_mode_and_restores_it(training):
    model = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Dropout(0.9))
    model.train(training)
    x, _ = uneven_data()
    a, b = predict(model, x), predict(model, x)
    assert torch.equal(a, b)
    assert model.training is training


def test_predict_empty_raises():
    with pytest.raises(ValueError, match="received no batches"):
        predict(fixed_model(), torch.zeros(0, 2))


# --- CUDA ---------------------------------------------------------------------------------


@cuda
@requires_cuda
@pytest.mark.parametrize("amp", [False, True])
def test_fit_on_cuda(amp):
    model = linear()
    dtypes = []
    model.register_forward_hook(lambda m, a, o: dtypes.append(o.dtype))
    opt = torch.optim.Adam(model.parameters(), lr=0.05)
    norms = _grad_norms(model, opt)
    history = fit(model, blobs(), blobs(seed=1), epochs=10, batch_size=16, optimizer=opt, metrics=["accuracy"],
                  device="cuda", amp=amp, clip_grad_norm=1.0, progress=False)
    assert all(p.is_cuda and p.dtype == torch.float32 for p in model.parameters())
    assert history["train_loss"][-1] < 0.5 * history["train_loss"][0]
    assert history["val_accuracy"][-1] >= 0.95
    assert max(norms) <= 1.0 * (1 + 1e-4)
    assert (torch.float16 in dtypes) is amp
    out = predict(model, blobs(seed=1), device="cuda")
    assert out.device.type == "cpu" and out.shape == (96, 2)


@cuda
@requires_cuda
def test_fit_on_cuda_moves_cpu_loader_batches():
    model = linear()
    fit(model, DataLoader(blobs(), batch_size=16), epochs=1, device="cuda", progress=False)
    assert next(model.parameters()).is_cuda
    scores = evaluate(model, DataLoader(blobs(seed=1), batch_size=16), device="cuda")
    assert 0.0 <= scores["accuracy"] <= 1.0
