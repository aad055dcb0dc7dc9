"""helpers.seed.seed_everything."""
from __future__ import annotations

import os
import random

import numpy as np
import pytest
import torch

from helpers.seed import seed_everything

cuda = pytest.mark.cuda
requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.fixture(autouse=True)
def restore_determinism_flags():
    """seed_everything changes process-wide torch flags; put them back after each test."""
    flags = (
        torch.are_deterministic_algorithms_enabled(),
        torch.backends.cudnn.benchmark,
        torch.backends.cudnn.deterministic,
    )
    yield
    torch.use_deterministic_algorithms(flags[0])
    torch.backends.cudnn.benchmark, torch.backends.cudnn.deterministic = flags[1:]


def draws():
    return (
        [random.random() for _ in range(3)],
        np.random.rand(3).tolist(),
        torch.rand(3).tolist(),
        torch.randperm(10).tolist(),
    )


def test_same_seed_repeats_every_generator():
    seed_everything(123)
    first = draws()
    random.random(), np.random.rand(), torch.rand(1)  # move all generators on
    seed_everything(123)
    assert draws() == first


def test_each_generator_is_seeded():
    """Seeding must reach random, numpy and torch individually (not just one of them)."""
    seed_everything(7)
    a = draws()
    seed_everything(8)
    b = draws()
    for from_7, from_8 in zip(a, b):
        assert from_7 != from_8


def test_matches_direct_seeding():
    seed_everything(42)
    got = draws()
    random.seed(42)
    np.random.seed(42)
    torch.manual_seed(42)
    assert draws() == got


def test_returns_the_seed_as_int():
    assert seed_everything(5) == 5
    out = seed_everything(np.int64(9))
    assert out == 9 and type(out) is int
    assert seed_everything(2**32 - 1) == 2**32 - 1


@pytest.mark.parametrize("bad", [-1, 2**32, 1.5, "3", None, True, False, np.float64(1.0)])
def test_rejects_bad_seeds(bad):
    with pytest.raises(ValueError) as info:
        seed_everything(bad)
    assert "seed must be an integer in [0, 2**32)" in str(info.value)
    assert repr(bad) in str(info.value)


def test_deterministic_flag_sets_and_clears_torch_settings(monkeypatch):
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", "placeholder")
    monkeypatch.delenv("CUBLAS_WORKSPACE_CONFIG")  # absent now; monkeypatch removes it again afterwards
    seed_everything(0, deterministic=True)
    assert torch.are_deterministic_algorithms_enabled()
    assert torch.backends.cudnn.deterministic is True
    assert torch.backends.cudnn.benchmark is False
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":4096:8"
    seed_everything(0)
    assert not torch.are_deterministic_algorithms_enabled()


def test_deterministic_keeps_an_existing_cublas_setting(monkeypatch):
    monkeypatch.setenv("CUBLAS_WORKSPACE_CONFIG", ":16:8")
    seed_everything(1, deterministic=True)
    assert os.environ["CUBLAS_WORKSPACE_CONFIG"] == ":16:8"


@cuda
@requires_cuda
def test_cuda_generator_is_seeded():
    seed_everything(3)
    a = torch.rand(4, device="cuda").cpu()
    seed_everything(3)
    assert torch.equal(torch.rand(4, device="cuda").cpu(), a)
