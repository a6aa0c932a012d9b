"""Type aliases shared across detente."""

from __future__ import annotations

from typing import ForwardRef, TypeAlias, Union

import numpy as np  # noqa: F401  (the namespace in which SeedLike's forward reference is resolved)

ActorId: TypeAlias = str
IssueId: TypeAlias = str
SeedLike: TypeAlias = Union[int, ForwardRef("np.random.SeedSequence", module=__name__), None]  # noqa: UP007
"""A seed: a non-negative ``int``, a :class:`numpy.random.SeedSequence`, or ``None`` (fresh entropy).

``SeedSequence`` is a forward reference, resolved in this module when something asks for the type
hints (``typing.get_type_hints``, pydantic): merely importing detente does not import
:mod:`numpy.random` (about 0.01 s of CPU), which only a stochastic run needs.
"""

__all__ = ["ActorId", "IssueId", "SeedLike"]
