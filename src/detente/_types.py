"""Type aliases shared across detente."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np

ActorId: TypeAlias = str
IssueId: TypeAlias = str
SeedLike: TypeAlias = int | np.random.SeedSequence | None

__all__ = ["ActorId", "IssueId", "SeedLike"]
