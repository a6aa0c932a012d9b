"""Input uncertainty: draw perturbed copies of a scenario for Monte Carlo forecasts.

:func:`perturb` returns a new scenario whose positions, saliences and capabilities are drawn around
the original ones. Each stance's own ``uncertainty`` (a standard deviation, or a range read as a
uniform distribution) is used for its position when it has one; otherwise the default
``position_sd``. Draws are clipped to the 0-100 scale (and capabilities kept non-negative), so every
perturbed scenario is valid by construction and is built without re-validation. A positive salience
is never drawn below :data:`MIN_DRAWN_SALIENCE` (or its own value, if smaller): noise never gives an
actor the all-zero saliences a model refuses.

>>> from detente.scenarios import load_scenario
>>> from detente._random import make_rng
>>> s = load_scenario("ec-emissions")
>>> a = perturb(s, make_rng(1), position_sd=5.0)
>>> b = perturb(s, make_rng(1), position_sd=5.0)
>>> a == b, a == s
(True, False)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from detente.scenario import Scenario

__all__ = ["InputNoise", "perturb"]

MIN_DRAWN_SALIENCE = 0.01
"""Lowest value (0-100 scale) that salience noise gives a positive salience."""


@dataclass(frozen=True)
class InputNoise:
    """How much to perturb a scenario's inputs.

    Attributes
    ----------
    position_sd : float
        Standard deviation of position noise (0-100 scale) for stances without their own uncertainty.
    salience_sd : float
        Standard deviation of salience noise (0-100 scale).
    capability_cv : float
        Coefficient of variation of capability noise (multiplicative, log-normal).
    use_stance_uncertainty : bool
        Use each stance's own uncertainty for its position where it has one.
    """

    position_sd: float = 0.0
    salience_sd: float = 0.0
    capability_cv: float = 0.0
    use_stance_uncertainty: bool = True


def perturb(
    scenario: Scenario,
    rng: np.random.Generator,
    *,
    position_sd: float = 0.0,
    salience_sd: float = 0.0,
    capability_cv: float = 0.0,
    use_stance_uncertainty: bool = True,
) -> Scenario:
    """Return a copy of ``scenario`` with randomly perturbed inputs (see the module docstring).

    The draws are made in a fixed order (positions, saliences, capabilities; stances in scenario
    order) from ``rng``, so the same generator state gives the same copy.
    """
    stances = scenario.stances
    n = len(stances)
    pos = np.array([s.position for s in stances])
    sal = np.array([s.salience for s in stances])
    sd = np.full(n, float(position_sd))
    low = np.full(n, np.nan)
    high = np.full(n, np.nan)
    if use_stance_uncertainty:
        for k, s in enumerate(stances):
            u = s.uncertainty
            if u is None:
                continue
            if u.sd is not None:
                sd[k] = u.sd
            else:
                low[k], high[k] = u.low, u.high
    z = rng.standard_normal(n)
    uniform = rng.random(n)
    new_pos = pos + sd * z
    ranged = ~np.isnan(low)
    new_pos[ranged] = low[ranged] + (high[ranged] - low[ranged]) * uniform[ranged]
    new_pos = np.clip(new_pos, 0.0, 100.0)
    new_sal = np.clip(sal + salience_sd * rng.standard_normal(n), 0.0, 100.0)
    # a positive salience stays positive, so noise never gives an actor the all-zero saliences that
    # the SMP (like KTAB) refuses: it is drawn down at most to MIN_DRAWN_SALIENCE (or its own value)
    new_sal = np.where(sal > 0, np.maximum(new_sal, np.minimum(sal, MIN_DRAWN_SALIENCE)), new_sal)
    caps = np.array([a.capability for a in scenario.actors])
    if capability_cv > 0:
        sigma = np.sqrt(np.log1p(capability_cv**2))
        caps = caps * rng.lognormal(-(sigma**2) / 2.0, sigma, len(caps))
    new_stances = tuple(
        s.model_copy(update={"position": float(p), "salience": float(q)})
        for s, p, q in zip(stances, new_pos, new_sal, strict=True)
    )
    new_actors = tuple(
        a.model_copy(update={"capability": float(c)}) for a, c in zip(scenario.actors, caps, strict=True)
    )
    return scenario.model_copy(update={"stances": new_stances, "actors": new_actors})
