"""Calibration of the road-map simulator from event data, fitted only on data up to a stated cutoff.

:mod:`detente.calibration.events` turns the Korean event data in ``detente/data/korea`` into monthly
series (tests, regimes, clashes) and moratorium spells; :mod:`detente.calibration.korea` fits the
simulator's parameters to them with statsmodels and ships the result as
``detente/data/korea/calibration.json`` (see ``docs/calibration.md``).
"""

from __future__ import annotations
