"""helpers.loaders: DeviceLoader, loader_settings, make_dataloader."""
from __future__ import annotations

import pytest
import torch
from torch.utils.data import DataLoader, TensorDataset

from helpers.loaders import DeviceLoader, loader_settings, make_dataloader
from helpers.seed import seed_everything

cuda = pytest.mark.cuda
requires_cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
CPU = torch.device("cpu")


def pair(n=23):
    """x holds each sample's index, y ten times it: any misalignment or loss is visible."""
    x = torch.arange(n, dtype=torch.float32).unsqueeze(1).repeat(1, 3)
    y = torch.arange(n, dtype=torch.int64) * 10
    return x, y


def epoch_indices(loader):
    return torch.cat([x[:, 0] for x, _ in loader]).long()


# --- DeviceLoader: contents -----------------------------------------------------------------


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("batch_size", [1, 4, 5, 23, 100])
def test_every_sample_exactly_once_per_epoch(shuffle, batch_size):
    loader = DeviceLoader(pair(23), batch_size=batch_size, shuffle=shuffle, device=CPU)
    for _ in range(2):
        seen = epoch_indices(loader)
        assert sorted(seen.tolist()) == list(range(23))


def test_batch_sizes_and_len_without_drop_last():
    loader = DeviceLoader(pair(23), batch_size=5, shuffle=True, device=CPU)
    sizes = [x.shape[0] for x, _ in loader]
    assert sizes == [5, 5, 5, 5, 3]
    assert len(loader) == 5
    assert loader.num_samples == 23


def test_drop_last_skips_only_the_incomplete_batch():
    loader = DeviceLoader(pair(23), batch_size=5, shuffle=True, device=CPU, drop_last=True)
    batches = list(loader)
    assert len(loader) == 4 == len(batches)
    assert all(x.shape[0] == 5 for x, _ in batches)
    seen = torch.cat([x[:, 0] for x, _ in batches]).long().tolist()
    assert len(set(seen)) == 20 and set(seen) <= set(range(23))


def test_drop_last_with_exact_multiple_keeps_everything():
    loader = DeviceLoader(pair(20), batch_size=5, device=CPU, drop_last=True)
    assert len(loader) == 4
    assert sorted(epoch_indices(loader).tolist()) == list(range(20))


def test_drop_last_with_fewer_samples_than_a_batch_yields_nothing():
    loader = DeviceLoader(pair(3), batch_size=5, device=CPU, drop_last=True)
    assert len(loader) == 0 and list(loader) == []


def test_pairs_stay_aligned_when_shuffled():
    loader = DeviceLoader(pair(50), batch_size=7, shuffle=True, device=CPU)
    for _ in range(3):
        for x, y in loader:
            assert torch.equal(y, x[:, 0].long() * 10)
            assert torch.equal(x[:, 0], x[:, 2])  # rows are not torn apart either


def test_no_shuffle_keeps_order():
    x, y = pair(11)
    loader = DeviceLoader((x, y), batch_size=4, shuffle=False, device=CPU)
    xs, ys = zip(*loader)
    assert torch.equal(torch.cat(xs), x) and torch.equal(torch.cat(ys), y)


def test_shuffle_draws_a_new_order_every_epoch():
    seed_everything(0)
    loader = DeviceLoader(pair(40), batch_size=8, shuffle=True, device=CPU)
    orders = [epoch_indices(loader).tolist() for _ in range(3)]
    assert orders[0] != list(range(40))  # actually shuffled
    assert orders[0] != orders[1] and orders[1] != orders[2]


def test_seeded_global_rng_repeats_epochs():
    seed_everything(1)
    a = [epoch_indices(DeviceLoader(pair(30), batch_size=4, device=CPU)).tolist() for _ in range(2)]
    seed_everything(1)
    b = [epoch_indices(DeviceLoader(pair(30), batch_size=4, device=CPU)).tolist() for _ in range(2)]
    assert a == b


def test_generator_makes_epochs_repeatable_and_independent_of_global_rng():
    def run(global_seed):
        torch.manual_seed(global_seed)
        loader = DeviceLoader(pair(30), batch_size=4, device=CPU, generator=torch.Generator().manual_seed(5))
        return [epoch_indices(loader).tolist() for _ in range(2)]

    first, second = run(0), run(1)
    assert first == second
    assert first[0] != first[1]


def test_accepts_tensor_dataset_single_tensor_and_list():
    x, y = pair(9)
    from_ds = list(DeviceLoader(TensorDataset(x, y), batch_size=4, shuffle=False, device=CPU))
    assert len(from_ds) == 3 and all(len(b) == 2 for b in from_ds)
    single = list(DeviceLoader(x, batch_size=4, shuffle=False, device=CPU))
    assert all(isinstance(b, tuple) and len(b) == 1 for b in single)
    assert torch.equal(torch.cat([b[0] for b in single]), x)
    three = list(DeviceLoader([x, y, y + 1], batch_size=9, shuffle=False, device=CPU))
    assert len(three) == 1 and len(three[0]) == 3 and torch.equal(three[0][2], y + 1)


def test_batches_are_tuples_of_tensors_on_the_device():
    loader = DeviceLoader(pair(6), batch_size=4, device="cpu")
    assert loader.device == CPU
    for batch in loader:
        assert isinstance(batch, tuple)
        assert all(t.device == CPU for t in batch)


def test_default_device_comes_from_get_device(monkeypatch):
    monkeypatch.setenv("DL_DEVICE", "cpu")
    assert DeviceLoader(pair(4)).device == CPU
    monkeypatch.setenv("DL_DEVICE", "gpu")
    with pytest.raises(ValueError, match="Cannot understand device 'gpu'"):
        DeviceLoader(pair(4))


def test_empty_dataset_yields_no_batches():
    loader = DeviceLoader((torch.zeros(0, 2), torch.zeros(0)), batch_size=4, device=CPU)
    assert len(loader) == 0 and list(loader) == []


def test_repr_summarises():
    text = repr(DeviceLoader(pair(23), batch_size=5, shuffle=False, device=CPU))
    assert text == "DeviceLoader(23 samples, batch_size=5, shuffle=False, device=cpu)"


# --- DeviceLoader: bad input --------------------------------------------------------------


@pytest.mark.parametrize("bad", [0, -3, 2.0, True, "8", None])
def test_rejects_non_positive_or_non_integer_batch_size(bad):
    with pytest.raises(ValueError) as info:
        DeviceLoader(pair(4), batch_size=bad, device=CPU)
    assert "batch_size must be a positive integer" in str(info.value)
    assert repr(bad) in str(info.value)


@pytest.mark.parametrize("bad", [[1, 2, 3], "abc", [], {"x": torch.zeros(2)}])
def test_rejects_non_tensor_data(bad):
    with pytest.raises(TypeError, match="DeviceLoader expects a TensorDataset, a tensor, or a tuple/list of tensors.*make_dataloader"):
        DeviceLoader(bad, device=CPU)


def test_rejects_tensors_of_different_lengths():
    with pytest.raises(ValueError, match=r"share their first \(sample\) dimension; got shapes \[\(5, 2\), \(4,\)\]"):
        DeviceLoader((torch.zeros(5, 2), torch.zeros(4)), device=CPU)


def test_rejects_zero_dimensional_tensors():
    with pytest.raises(ValueError, match="first \\(sample\\) dimension"):
        DeviceLoader((torch.zeros(3), torch.tensor(1.0)), device=CPU)


# --- loader_settings and make_dataloader ------------------------------------------------------


def test_loader_settings_cpu():
    expected = {"pin_memory": False, "num_workers": 0, "persistent_workers": False}
    assert loader_settings(CPU) == expected
    assert loader_settings("cpu", cpu_count=16) == expected


@pytest.mark.parametrize("cpus, workers", [(1, 0), (2, 1), (4, 3), (5, 4), (64, 4)])
def test_loader_settings_cuda_does_not_need_a_gpu(cpus, workers):
    """A torch.device('cuda') is taken as is (no availability check), so this runs on any machine."""
    settings = loader_settings(torch.device("cuda"), cpu_count=cpus)
    assert settings == {"pin_memory": True, "num_workers": workers, "persistent_workers": workers > 0}


def test_loader_settings_default_cpu_count(monkeypatch):
    import helpers.loaders as loaders

    monkeypatch.setattr(loaders.os, "cpu_count", lambda: 3)
    assert loader_settings(torch.device("cuda"))["num_workers"] == 2
    monkeypatch.setattr(loaders.os, "cpu_count", lambda: None)
    assert loader_settings(torch.device("cuda"))["num_workers"] == 0


def test_loader_settings_cuda_string_without_gpu_is_rejected(monkeypatch):
    """A *string* goes through get_device, which refuses CUDA on a machine without it."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(ValueError, match="CUDA is not available"):
        loader_settings("cuda")


def test_make_dataloader_uses_settings_and_overrides():
    ds = TensorDataset(*pair(10))
    dl = make_dataloader(ds, batch_size=4, shuffle=False, device=CPU)
    assert isinstance(dl, DataLoader)
    assert dl.batch_size == 4 and dl.num_workers == 0 and dl.pin_memory is False
    batches = list(dl)
    assert [len(b[0]) for b in batches] == [4, 4, 2]
    assert torch.equal(torch.cat([b[1] for b in batches]), ds.tensors[1])
    dl = make_dataloader(ds, batch_size=4, device=CPU, drop_last=True)
    assert dl.drop_last is True and len(dl) == 2


def test_make_dataloader_shuffle_flag():
    ds = TensorDataset(*pair(50))
    seed_everything(0)
    order = torch.cat([b[1] for b in make_dataloader(ds, batch_size=50, shuffle=True, device=CPU)])
    assert sorted(order.tolist()) == ds.tensors[1].tolist()
    assert order.tolist() != ds.tensors[1].tolist()


def test_make_dataloader_cuda_settings():
    ds = TensorDataset(*pair(10))
    dl = make_dataloader(ds, batch_size=2, device=torch.device("cuda"), num_workers=2)
    assert dl.pin_memory is True and dl.num_workers == 2 and dl.persistent_workers is True


def test_make_dataloader_cuda_with_workers_overridden_to_zero():
    """Overriding num_workers=0 (common when debugging) must not leave persistent_workers=True,
    which DataLoader refuses."""
    ds = TensorDataset(*pair(10))
    dl = make_dataloader(ds, batch_size=2, device=torch.device("cuda"), num_workers=0)
    assert dl.num_workers == 0 and dl.persistent_workers is False and dl.pin_memory is True


@pytest.mark.parametrize("bad", [0, -1, 1.5, False])
def test_make_dataloader_rejects_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size must be a positive integer"):
        make_dataloader(TensorDataset(*pair(4)), batch_size=bad, device=CPU)


# --- CUDA ------------------------------------------------------------------------------


@cuda
@requires_cuda
def test_device_loader_on_cuda():
    x, y = pair(37)
    loader = DeviceLoader((x, y), batch_size=8, device="cuda")
    assert all(t.is_cuda for t in loader.tensors)
    for _ in range(2):
        batches = list(loader)
        assert all(bx.is_cuda and by.is_cuda for bx, by in batches)
        assert all(torch.equal(by, bx[:, 0].long() * 10) for bx, by in batches)
        seen = torch.cat([bx[:, 0] for bx, _ in batches]).long().cpu()
        assert sorted(seen.tolist()) == list(range(37))


@cuda
@requires_cuda
def test_device_loader_cuda_generator_order_matches_cpu():
    """The permutation is drawn on the CPU, so a seeded generator gives the same order on every device."""
    x, y = pair(30)
    on_cpu = DeviceLoader((x, y), batch_size=30, device=CPU, generator=torch.Generator().manual_seed(3))
    on_gpu = DeviceLoader((x, y), batch_size=30, device="cuda", generator=torch.Generator().manual_seed(3))
    assert torch.equal(next(iter(on_cpu))[1], next(iter(on_gpu))[1].cpu())


@cuda
@requires_cuda
def test_make_dataloader_cuda_batches_pin():
    dl = make_dataloader(TensorDataset(*pair(8)), batch_size=4, device="cuda", num_workers=0, persistent_workers=False)
    assert all(b[0].is_pinned() for b in dl)
