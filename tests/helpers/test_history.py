"""helpers.history.History."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from helpers.history import History


def make():
    h = History()
    h.append({"epoch": 1, "train_loss": 1.0, "lr": 0.1})
    h.append({"epoch": 2, "train_loss": 0.5, "val_loss": 0.9, "val_accuracy": 0.6, "lr": 0.1})
    h.append({"epoch": 3, "train_loss": 0.25, "val_loss": 0.7, "val_accuracy": 0.8, "lr": 0.05})
    return h


def test_append_converts_types():
    """epoch becomes int, every metric a plain float (tensors and numpy scalars included)."""
    h = History()
    h.append({"epoch": np.int64(1), "loss": torch.tensor(0.5), "acc": np.float32(0.25), "n": 3})
    r = h.records[0]
    assert r == {"epoch": 1, "loss": 0.5, "acc": 0.25, "n": 3.0}
    assert type(r["epoch"]) is int
    assert all(type(r[k]) is float for k in ("loss", "acc", "n"))


def test_append_copies_the_record():
    h = History()
    record = {"epoch": 1, "loss": 1.0}
    h.append(record)
    record["loss"] = 5.0
    assert h["loss"] == [1.0]


def test_keys_in_order_of_first_appearance():
    assert make().keys() == ["epoch", "train_loss", "lr", "val_loss", "val_accuracy"]
    assert History().keys() == []


def test_getitem_lists_a_metric_over_epochs():
    h = make()
    assert h["train_loss"] == [1.0, 0.5, 0.25]
    assert h["val_loss"] == [0.9, 0.7]  # only the epochs that measured it
    assert h["epoch"] == [1, 2, 3]


def test_getitem_unknown_metric_says_what_exists():
    with pytest.raises(KeyError) as info:
        make()["val_acc"]
    assert "'val_acc'" in str(info.value) and "val_accuracy" in str(info.value)


def test_contains_and_len():
    h = make()
    assert "val_loss" in h and "nope" not in h
    assert len(h) == 3 and len(History()) == 0


def test_last_is_a_copy_of_the_latest_record():
    h = make()
    last = h.last()
    assert last == {"epoch": 3, "train_loss": 0.25, "val_loss": 0.7, "val_accuracy": 0.8, "lr": 0.05}
    last["train_loss"] = 100.0
    assert h["train_loss"][-1] == 0.25
    assert History().last() == {}


def test_best_min_and_max():
    h = make()
    assert h.best("val_loss")["epoch"] == 3
    assert h.best("train_loss", mode="max")["epoch"] == 1
    assert h.best("val_accuracy", mode="max") == h.records[2]
    h.append({"epoch": 4, "val_loss": 0.8})
    assert h.best("val_loss", "max")["epoch"] == 2


def test_best_returns_a_copy():
    h = make()
    h.best("val_loss")["val_loss"] = -1.0
    assert h["val_loss"] == [0.9, 0.7]


def test_best_rejects_bad_mode_and_unknown_key():
    with pytest.raises(ValueError, match="mode must be 'min' or 'max', got 'lowest'"):
        make().best("val_loss", mode="lowest")
    with pytest.raises(KeyError, match="no metric 'bleu'"):
        make().best("bleu")


def test_extend_from_history_and_iterable():
    h = History()
    h.extend(make())
    assert len(h) == 3 and h["train_loss"] == [1.0, 0.5, 0.25]
    h.extend([{"epoch": 4, "train_loss": 0.1}])
    assert h["epoch"] == [1, 2, 3, 4]


def test_dict_round_trip():
    h = make()
    data = h.to_dict()
    assert data == {"records": h.records}
    data["records"][0]["train_loss"] = 9.0  # to_dict hands out copies
    assert h["train_loss"][0] == 1.0
    again = History.from_dict(h.to_dict())
    assert again.records == h.records and again is not h


def test_repr():
    assert repr(make()) == "History(3 epochs, metrics=['epoch', 'train_loss', 'lr', 'val_loss', 'val_accuracy'])"
