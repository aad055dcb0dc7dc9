"""Shared fixtures for the helpers tests: a hermetic environment, no network, no repo writes."""
from __future__ import annotations

import os
import socket

# Must happen before anything imports matplotlib.pyplot.
os.environ["MPLBACKEND"] = "Agg"

import matplotlib  # noqa: E402

matplotlib.use("Agg")

import pytest  # noqa: E402
import torch  # noqa: E402

# Two cores shared by two xdist workers: one intra-op thread each avoids oversubscription.
torch.set_num_threads(1)

ENV_VARS = ("NBGRADER_EXECUTION", "DL_DEVICE", "DL_CHECKPOINT_DIR", "DL_DATA_DIR")

requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")


@pytest.fixture(autouse=True)
def hermetic(monkeypatch, tmp_path):
    """Every test starts outside grading, with no device override, and runs inside tmp_path.

    Checkpoints and data resolve under tmp_path, so nothing can land in the repository.
    """
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DL_CHECKPOINT_DIR", str(tmp_path / "checkpoints"))
    monkeypatch.setenv("DL_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.chdir(tmp_path)
    yield


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any attempt to open an internet connection fails the test loudly."""
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(real):
        def connect(self, address, *args, **kwargs):
            if self.family in (socket.AF_INET, socket.AF_INET6):
                raise AssertionError(f"test tried to open a network connection to {address!r}")
            return real(self, address, *args, **kwargs)

        return connect

    monkeypatch.setattr(socket.socket, "connect", guard(real_connect))
    monkeypatch.setattr(socket.socket, "connect_ex", guard(real_connect_ex))
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: (_ for _ in ()).throw(
        AssertionError(f"test tried to open a network connection: {a!r}")))
    yield
