"""Package deals, veto players, exchange and coalitions.

* :mod:`~detente.deals.utility`: actors' utilities of packages (salience-weighted, with a risk
  attitude), against the status quo or a BATNA;
* :mod:`~detente.deals.veto`: decision rules (unanimity of veto players, weighted majority) and who
  accepts or vetoes a package;
* :mod:`~detente.deals.bargain`: Pareto frontier, Nash and Kalai-Smorodinsky packages, and the
  smallest amendment that every veto player accepts;
* :mod:`~detente.deals.package`: package files (YAML/JSON) and the shipped Korean big bargain.

The methods and their assumptions are described in ``docs/deals.md``.
"""

from detente.deals.bargain import Amendment, Bargain, Frontier, Solution, pareto_mask
from detente.deals.package import (
    Coalition,
    Package,
    PackageFile,
    load_packages,
    loads_packages,
    packages_for,
    resolve_package,
)
from detente.deals.utility import Preferences, reference_utilities, status_quo_package
from detente.deals.veto import DecisionRule, Unanimity, Verdict, WeightedMajority, judge

__all__ = [
    "Amendment",
    "Bargain",
    "Coalition",
    "DecisionRule",
    "Frontier",
    "Package",
    "PackageFile",
    "Preferences",
    "Solution",
    "Unanimity",
    "Verdict",
    "WeightedMajority",
    "judge",
    "load_packages",
    "loads_packages",
    "packages_for",
    "pareto_mask",
    "reference_utilities",
    "resolve_package",
    "status_quo_package",
]
