"""helpers.checkpoint: paths under DL_CHECKPOINT_DIR, save and load."""
from __future__ import annotations

from pathlib import Path

import pytest
import torch

from helpers.checkpoint import (
    CHECKPOINT_ENV_VAR,
    checkpoint_dir,
    checkpoint_path,
    load_checkpoint,
    model_fingerprint,
    save_checkpoint,
)
from helpers.history import History


class Small(torch.nn.Module):
    def __init__(self, hidden=4):
        super().__init__()
        self.a = torch.nn.Linear(3, hidden)
        self.b = torch.nn.Linear(hidden, 2)

    def forward(self, x):
        return self.b(torch.relu(self.a(x)))


def trained_pair(seed=0):
    """A model and an Adam optimizer that has taken one step (so it has state)."""
    torch.manual_seed(seed)
    model = Small()
    opt = torch.optim.Adam(model.parameters(), lr=0.01)
    model(torch.randn(5, 3)).sum().backward()
    opt.step()
    return model, opt


def test_env_var_name_and_default_dir(monkeypatch):
    assert CHECKPOINT_ENV_VAR == "DL_CHECKPOINT_DIR"
    monkeypatch.delenv("DL_CHECKPOINT_DIR")
    assert checkpoint_dir() == Path("checkpoints")


def test_dir_follows_env_var(monkeypatch, tmp_path):
    monkeypatch.setenv("DL_CHECKPOINT_DIR", str(tmp_path / "elsewhere"))
    assert checkpoint_dir() == tmp_path / "elsewhere"


def test_relative_names_resolve_under_the_dir_with_pt_suffix(tmp_path):
    base = tmp_path / "checkpoints"
    assert checkpoint_path("run") == base / "run.pt"
    assert checkpoint_path("week1/mlp") == base / "week1" / "mlp.pt"
    assert checkpoint_path("model.ckpt") == base / "model.ckpt"  # an explicit suffix is kept


def test_absolute_path_inside_the_dir_is_allowed(tmp_path):
    inside = tmp_path / "checkpoints" / "sub" / "m"
    assert checkpoint_path(inside) == inside.with_suffix(".pt")


@pytest.mark.parametrize("name", ["../escape", "a/../../escape"])
def test_relative_escape_is_rejected(name):
    with pytest.raises(ValueError, match="lies outside the checkpoint directory.*DL_CHECKPOINT_DIR"):
        checkpoint_path(name)


def test_absolute_path_outside_is_rejected(tmp_path):
    with pytest.raises(ValueError, match="outside the checkpoint directory"):
        checkpoint_path(tmp_path / "model.pt")


def test_fingerprint_depends_on_architecture_not_weights():
    a, _ = trained_pair(0)
    b, _ = trained_pair(1)
    assert model_fingerprint(a) == model_fingerprint(b)
    assert model_fingerprint(Small(hidden=5)) != model_fingerprint(a)
    other = torch.nn.Sequential(a.a, torch.nn.ReLU(), a.b)
    assert model_fingerprint(other) != model_fingerprint(a)
    assert model_fingerprint(a).startswith("Small[") and "a.weight:(4, 3)" in model_fingerprint(a)


def test_save_then_load_restores_everything(tmp_path):
    model, opt = trained_pair(0)
    history = History()
    history.append({"epoch": 1, "train_loss": 0.5})
    path = save_checkpoint("run", model, opt, history, epochs=3, note="hi")
    assert path == tmp_path / "checkpoints" / "run.pt" and path.is_file()
    assert [p.name for p in path.parent.iterdir()] == ["run.pt"]  # no temporary file left behind

    fresh, fresh_opt = trained_pair(1)
    assert not torch.equal(fresh.a.weight, model.a.weight)
    loaded_history, extra = load_checkpoint("run", fresh, fresh_opt)
    for key, value in model.state_dict().items():
        assert torch.equal(fresh.state_dict()[key], value)
    assert loaded_history.records == history.records
    assert extra == {"epochs": 3, "note": "hi"}
    state, fresh_state = opt.state_dict()["state"], fresh_opt.state_dict()["state"]
    for key in state:
        assert torch.equal(fresh_state[key]["exp_avg"], state[key]["exp_avg"])


def test_save_without_optimizer_or_history():
    model, _ = trained_pair(0)
    save_checkpoint("bare", model)
    fresh, opt = trained_pair(1)
    before = {k: v.clone() for k, v in opt.state_dict()["state"][0].items()}
    history, extra = load_checkpoint("bare", fresh, opt)
    assert len(history) == 0 and extra == {}
    assert torch.equal(fresh.b.bias, model.b.bias)
    assert torch.equal(opt.state_dict()["state"][0]["exp_avg"], before["exp_avg"])  # untouched


def test_save_overwrites():
    model, _ = trained_pair(0)
    save_checkpoint("run", model, epochs=1)
    save_checkpoint("run", model, epochs=2)
    _, extra = load_checkpoint("run", Small())
    assert extra == {"epochs": 2}


def test_load_missing_raises_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError, match="no checkpoint at .*missing.pt"):
        load_checkpoint("missing", Small())


def test_load_into_another_architecture_raises_and_leaves_model_alone():
    model, _ = trained_pair(0)
    save_checkpoint("run", model)
    other = Small(hidden=5)
    before = other.a.weight.clone()
    with pytest.raises(ValueError, match="saved from a different model.*delete it or use another name"):
        load_checkpoint("run", other)
    assert torch.equal(other.a.weight, before)


def test_load_maps_to_the_model_device_by_default():
    model, _ = trained_pair(0)
    save_checkpoint("run", model)
    fresh = Small()
    load_checkpoint("run", fresh)
    assert all(p.device.type == "cpu" for p in fresh.parameters())


def test_save_refuses_paths_outside_the_dir(tmp_path):
    with pytest.raises(ValueError, match="outside the checkpoint directory"):
        save_checkpoint(tmp_path / "x.pt", Small())
    assert not (tmp_path / "x.pt").exists()
