"""helpers: what the course's notebooks share, so each notebook can focus on its topic.

- ``get_device``, ``to_device``, ``describe_device``: compute on the best available device.
- ``seed_everything``: repeatable randomness.
- ``helpers.data``: offline datasets with fixed splits (``load_dataset``, images, text, RL).
- ``DeviceLoader``, ``make_dataloader``: batches without per-batch copies.
- ``fit``, ``evaluate``, ``predict``, ``History``: a short training loop.
- ``budget``, ``is_grading``: the small grading budget under nbgrader, the full one otherwise.
- ``helpers.plotting`` and ``helpers.checks``: figures and explanatory test assertions.
"""
from . import checks, data, plotting
from .budget import budget, is_grading
from .checkpoint import load_checkpoint, save_checkpoint
from .device import describe_device, get_device, to_device
from .history import History
from .loaders import DeviceLoader, make_dataloader
from .seed import seed_everything
from .training import accuracy, evaluate, fit, predict

__version__ = "1.0.0"

__all__ = [
    "budget", "is_grading", "checks", "data", "plotting",
    "describe_device", "get_device", "to_device", "seed_everything",
    "History", "DeviceLoader", "make_dataloader",
    "accuracy", "evaluate", "fit", "predict", "load_checkpoint", "save_checkpoint",
]
