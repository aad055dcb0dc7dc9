"""Per-epoch training records."""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["History"]


@dataclass
class History:
    """What ``fit`` measured, one record per epoch.

    ``history["val_loss"]`` is the list of that metric over epochs; ``history.records``
    holds the raw dictionaries (``{"epoch": 1, "train_loss": 0.52, "val_loss": 0.61, ...}``).
    """

    records: list[dict[str, float]] = field(default_factory=list)

    def append(self, record: Mapping[str, float]) -> None:
        self.records.append({k: (int(v) if k == "epoch" else float(v)) for k, v in record.items()})

    def keys(self) -> list[str]:
        seen: dict[str, None] = {}
        for record in self.records:
            seen.update(dict.fromkeys(record))
        return list(seen)

    def __getitem__(self, key: str) -> list[float]:
        if key not in self.keys():
            raise KeyError(f"no metric {key!r} in this history; it has {self.keys()}")
        return [r[key] for r in self.records if key in r]

    def __contains__(self, key: object) -> bool:
        return key in self.keys()

    def __len__(self) -> int:
        return len(self.records)

    def last(self) -> dict[str, float]:
        """The most recent epoch's record (empty before the first epoch)."""
        return dict(self.records[-1]) if self.records else {}

    def best(self, key: str, mode: str = "min") -> dict[str, float]:
        """The record with the lowest (``mode="min"``) or highest (``"max"``) value of ``key``."""
        if mode not in ("min", "max"):
            raise ValueError(f"mode must be 'min' or 'max', got {mode!r}")
        candidates = [r for r in self.records if key in r]
        if not candidates:
            raise KeyError(f"no metric {key!r} in this history; it has {self.keys()}")
        chooser = min if mode == "min" else max
        return dict(chooser(candidates, key=lambda r: r[key]))

    def extend(self, other: "History | Iterable[Mapping[str, float]]") -> None:
        for record in other.records if isinstance(other, History) else other:
            self.append(record)

    def to_dict(self) -> dict:
        return {"records": [dict(r) for r in self.records]}

    @classmethod
    def from_dict(cls, data: Mapping) -> "History":
        history = cls()
        history.extend(data["records"])
        return history

    def __repr__(self) -> str:
        return f"History({len(self)} epochs, metrics={self.keys()})"
