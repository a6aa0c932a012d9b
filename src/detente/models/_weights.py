"""Shared helpers for one-dimensional models: voting weights and the degenerate-input check."""

from __future__ import annotations

import numpy as np

from detente.errors import ModelError
from detente.scenario import IssueData

__all__ = ["influence_weights"]


def influence_weights(data: IssueData, model_name: str, *, use_salience: bool = True) -> np.ndarray:
    """Capability x salience (or capability alone) for each actor on the issue.

    Raises :class:`ModelError` when every weight is zero, since no weighted forecast exists then.
    """
    weights = data.capabilities * (data.saliences if use_salience else 1.0)
    if not np.any(weights > 0):
        what = "capability x salience" if use_salience else "capability"
        raise ModelError(
            f"every actor on issue {data.issue.id!r} has zero {what}, so model {model_name!r} "
            "has no weights to work with",
            where=f"issue {data.issue.id}",
            fix="give at least one actor with a stance on the issue a positive capability"
            + (" and salience" if use_salience else ""),
        )
    return weights
