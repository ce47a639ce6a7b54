"""One measured scenario: Atsume's figure and the baseline measured in the same run."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Result:
    name: str
    ours: str
    baseline: str
    ratio: str
