"""helpers.device: get_device, to_device, describe_device."""
from __future__ import annotations

import os
from collections import OrderedDict, namedtuple

import pytest
import torch

from helpers import device as device_mod
from helpers.device import DEVICE_ENV_VAR, describe_device, get_device, to_device

cuda = pytest.mark.cuda
requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
META = torch.device("meta")  # a real device type every build has: proves tensors really moved


def test_env_var_name():
    assert DEVICE_ENV_VAR == "DL_DEVICE"


@pytest.fixture
def no_accelerators(monkeypatch):
    """Pretend neither CUDA nor MPS exists, whatever machine runs the tests."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    monkeypatch.setattr(device_mod, "_mps_available", lambda: False)


def test_auto_choice_is_cpu_without_accelerators(no_accelerators):
    assert get_device() == torch.device("cpu")


def test_auto_choice_prefers_cuda_then_mps(monkeypatch):
    """The automatic order is CUDA, then MPS, then CPU."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(device_mod, "_mps_available", lambda: True)
    assert get_device() == torch.device("cuda")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert get_device() == torch.device("mps")
    monkeypatch.setattr(device_mod, "_mps_available", lambda: False)
    assert get_device() == torch.device("cpu")


def test_env_var_overrides_automatic_choice(monkeypatch):
    """DL_DEVICE=cpu wins even when CUDA claims to be available."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setenv("DL_DEVICE", "cpu")
    assert get_device() == torch.device("cpu")
    monkeypatch.setenv("DL_DEVICE", "  cpu:0 ")  # surrounding spaces are ignored
    assert get_device() == torch.device("cpu", 0)


def test_blank_env_var_means_automatic(monkeypatch, no_accelerators):
    monkeypatch.setenv("DL_DEVICE", "   ")
    assert get_device() == torch.device("cpu")


def test_preferred_argument_beats_env_var(monkeypatch):
    monkeypatch.setenv("DL_DEVICE", "not-a-device")
    assert get_device("cpu") == torch.device("cpu")
    assert get_device(torch.device("cpu")) == torch.device("cpu")


@pytest.mark.parametrize("bad", ["tpu", "gpu", "xyz:3", "cuda:x", ""])
def test_malformed_device_string_raises_value_error(bad):
    with pytest.raises(ValueError) as info:
        get_device(bad)
    message = str(info.value)
    assert repr(bad) in message
    assert "expected 'cpu', 'cuda', 'cuda:N' or 'mps'" in message


def test_malformed_env_var_raises_value_error(monkeypatch):
    monkeypatch.setenv("DL_DEVICE", "gpu")
    with pytest.raises(ValueError, match=r"Cannot understand device 'gpu'.*expected 'cpu', 'cuda'"):
        get_device()


def test_unsupported_device_type_raises_value_error():
    """'meta' parses as a torch device but is not one a notebook can compute on."""
    with pytest.raises(ValueError, match=r"Unsupported device type 'meta': expected 'cpu', 'cuda', 'cuda:N' or 'mps'"):
        get_device("meta")


def test_cuda_requested_without_cuda_raises(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match=r"'cuda' was requested, but CUDA is not available.*Use 'cpu'"):
        get_device("cuda")
    monkeypatch.setenv("DL_DEVICE", "cuda:0")
    with pytest.raises(ValueError, match=r"'cuda:0' was requested, but CUDA is not available"):
        get_device()


def test_cuda_index_out_of_range_raises(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 1)
    with pytest.raises(ValueError, match=r"'cuda:1' was requested, but only 1 CUDA device\(s\) exist"):
        get_device("cuda:1")
    assert get_device("cuda:0") == torch.device("cuda", 0)


def test_mps_requested_without_mps_raises(monkeypatch):
    monkeypatch.setattr(device_mod, "_mps_available", lambda: False)
    with pytest.raises(ValueError, match=r"'mps' was requested, but Apple's MPS backend is not available"):
        get_device("mps")


# --- to_device ---------------------------------------------------------------------------


def test_to_device_moves_a_tensor_and_keeps_values():
    x = torch.arange(6.0).reshape(2, 3)
    moved = to_device(x, META)
    assert moved.device.type == "meta"
    assert moved.shape == x.shape and moved.dtype == x.dtype
    assert torch.equal(to_device(x, "cpu"), x)


def test_to_device_moves_a_module_in_place():
    model = torch.nn.Linear(3, 2)
    moved = to_device(model, META)
    assert moved is model
    assert all(p.device.type == "meta" for p in model.parameters())


Pair = namedtuple("Pair", ["inputs", "targets"])


def test_to_device_handles_nested_containers():
    """Every tensor inside dict/list/tuple/namedtuple moves; containers keep their types; the rest is untouched."""
    label = "some text"
    batch = {
        "pair": Pair(torch.zeros(2), torch.ones(2, dtype=torch.int64)),
        "list": [torch.zeros(1), (torch.ones(3), 7)],
        "ordered": OrderedDict(b=torch.zeros(1), a=torch.ones(1)),
        "meta": label,
        "none": None,
    }
    out = to_device(batch, META)
    assert type(out) is dict and set(out) == set(batch)
    assert type(out["pair"]) is Pair
    assert out["pair"].inputs.device.type == "meta" and out["pair"].targets.device.type == "meta"
    assert out["pair"].targets.dtype == torch.int64
    assert type(out["list"]) is list and type(out["list"][1]) is tuple
    assert out["list"][0].device.type == "meta" and out["list"][1][0].device.type == "meta"
    assert out["list"][1][1] == 7
    assert type(out["ordered"]) is OrderedDict and list(out["ordered"]) == ["b", "a"]
    assert all(v.device.type == "meta" for v in out["ordered"].values())
    assert out["meta"] is label and out["none"] is None
    # The input is not modified.
    assert batch["pair"].inputs.device.type == "cpu"


def test_to_device_leaves_plain_objects_alone():
    for obj in (3, 2.5, "x", None):
        assert to_device(obj, "cpu") is obj


def test_to_device_validates_device_strings():
    with pytest.raises(ValueError, match="expected 'cpu', 'cuda', 'cuda:N' or 'mps'"):
        to_device(torch.zeros(1), "gpu")


def test_to_device_default_uses_get_device(monkeypatch):
    """With no device given, objects go where get_device() says (here DL_DEVICE=meta is rejected)."""
    monkeypatch.setenv("DL_DEVICE", "meta")
    with pytest.raises(ValueError, match="Unsupported device type 'meta'"):
        to_device(torch.zeros(1))
    monkeypatch.setenv("DL_DEVICE", "cpu")
    assert to_device(torch.zeros(1)).device.type == "cpu"


# --- describe_device ---------------------------------------------------------------------


def test_describe_cpu():
    text = describe_device("cpu")
    assert text.startswith("cpu (")
    assert f"{os.cpu_count()} logical cores" in text
    assert f"{torch.get_num_threads()} torch threads" in text
    assert text.endswith(f"torch {torch.__version__}")


def test_describe_rejects_bad_device():
    with pytest.raises(ValueError, match="Cannot understand device"):
        describe_device("gpu")


@cuda
@requires_cuda
def test_cuda_is_chosen_and_described_when_available():
    assert get_device().type == "cuda"
    text = describe_device("cuda")
    assert text.startswith(f"cuda:{torch.cuda.current_device()} (")
    assert "GiB" in text
    x = to_device({"x": torch.ones(2)}, "cuda")
    assert x["x"].is_cuda
