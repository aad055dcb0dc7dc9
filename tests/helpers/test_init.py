"""helpers/__init__.py: the names notebooks import from the package."""
from __future__ import annotations

import importlib

import helpers

# helpers.budget is also a function name in the package namespace: import the modules by path.
(budget, checkpoint, checks, data, device, history, loaders, plotting, seed, training) = (
    importlib.import_module(f"helpers.{name}")
    for name in ("budget", "checkpoint", "checks", "data", "device", "history", "loaders", "plotting", "seed", "training")
)


def test_public_names_are_the_real_functions():
    """`from helpers import fit` etc. give the module functions, not stale copies or stubs."""
    expected = {
        "budget": budget.budget, "is_grading": budget.is_grading,
        "describe_device": device.describe_device, "get_device": device.get_device, "to_device": device.to_device,
        "seed_everything": seed.seed_everything, "History": history.History,
        "DeviceLoader": loaders.DeviceLoader, "make_dataloader": loaders.make_dataloader,
        "accuracy": training.accuracy, "evaluate": training.evaluate, "fit": training.fit, "predict": training.predict,
        "load_checkpoint": checkpoint.load_checkpoint, "save_checkpoint": checkpoint.save_checkpoint,
        "checks": checks, "data": data, "plotting": plotting,
    }
    assert set(helpers.__all__) == set(expected)
    for name, obj in expected.items():
        assert getattr(helpers, name) is obj, name


def test_module_all_lists_exist():
    for module in (budget, checkpoint, checks, data, device, history, loaders, plotting, seed, training):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"


def test_version():
    assert helpers.__version__ == "1.0.0"
