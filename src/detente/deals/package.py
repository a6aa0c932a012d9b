"""Packages: a proposed settlement as a position on every issue, read from YAML or JSON package files.

A package file holds one or more packages for a scenario, the sources they cite, and optionally
named coalitions and the issue pairs reports should draw Pareto frontiers for::

    format: detente-packages/1
    scenario: korea                # the scenario the packages are written for (informational)
    sources:
      - {id: seed000, title: "...", file: 000_af8a6551648406d7.txt}
    packages:
      - id: big-bargain
        name: Big bargain
        rule: {kind: unanimity, veto_players: [DPRK, ROK, USA, China, Russia, Japan]}
        terms:
          - {issue: alignment, position: 50, basis: sourced, source: seed000, quote: "..."}
          - {issue: troops, position: 0, basis: estimate, note: "why this number"}
    coalitions:
      - {id: four-party, name: "...", members: [Russia, China, ROK, Japan]}
    frontier_pairs: [[nuclear, sanctions]]

A package may give ``positions: {issue: value, ...}`` instead of ``terms`` (every value then counts
as the analyst's estimate). :func:`load_packages` reads a file and returns a :class:`PackageFile`,
or raises a one-line :class:`~detente.errors.ScenarioError` naming the file, line and field.
:meth:`Package.vector` checks a package against a scenario: it must give a position on every
issue of the scenario and on no other.

>>> book = loads_packages('''
... packages:
...   - id: p
...     name: A package
...     positions: {x: 30, y: 70}
... ''')
>>> book.package("p").positions
{'x': 30.0, 'y': 70.0}
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from detente.deals.veto import DecisionRule, Unanimity, WeightedMajority
from detente.errors import InputError, ScenarioError
from detente.scenario import Scenario
from detente.scenario._errors import scenario_error_from_validation, shown
from detente.scenario._fields import Identifier, Name, Score, Text
from detente.scenario._yaml import load_yaml_with_lines
from detente.scenario.io import load_json, read_text
from detente.scenario.stance import Source

__all__ = [
    "EMBEDDED_PACKAGE_FILES",
    "PACKAGES_FORMAT",
    "Coalition",
    "Package",
    "PackageFile",
    "Term",
    "embedded_packages",
    "load_packages",
    "loads_packages",
    "packages_for",
    "resolve_package",
]

PACKAGES_FORMAT = "detente-packages/1"
"""Value of the ``format`` key of package files."""

EMBEDDED_PACKAGE_FILES: tuple[str, ...] = ("korea_packages.yaml",)
"""Package files shipped in :mod:`detente.scenarios`; :func:`packages_for` picks those that fit."""


class Term(BaseModel):
    """One term of a package: the position it sets on one issue, and where that number comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)

    issue: Identifier = Field(description="Id of the issue.")
    position: Score = Field(description="The package's position on the issue, 0-100.")
    basis: Literal["sourced", "estimate"] = Field(default="estimate", description="'sourced' or 'estimate'.")
    source: Text = Field(default="", description="Id of the source that states the term.")
    quote: Text = Field(default="", description="Verbatim quotation from the source.")
    note: Text = Field(default="", description="How the quote becomes a number; for estimates, why.")

    @model_validator(mode="after")
    def _sourced_needs_citation(self) -> Term:
        if self.basis == "sourced" and (not self.source or not self.quote.strip()):
            raise ValueError(
                "a sourced term needs 'source' and a verbatim 'quote'; "
                "otherwise mark it basis: estimate with a rationale in 'note'"
            )
        return self


class Package(BaseModel):
    """A proposed settlement: a position on every issue, and the rule by which it would be adopted."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier = Field(description="Short unique id, used on the command line (--package ID).")
    name: Name = Field(description="Display name.")
    description: Text = Field(default="", description="What the package is.")
    terms: tuple[Term, ...] = Field(min_length=1, description="The position on each issue.")
    rule: DecisionRule | None = Field(default=None, description="Decision rule; default unanimity of all.")

    @model_validator(mode="before")
    @classmethod
    def _positions_shorthand(cls, data: Any) -> Any:
        if isinstance(data, dict) and "positions" in data:
            data = dict(data)
            positions = data.pop("positions")
            if "terms" in data:
                raise ValueError("give either 'positions' or 'terms', not both; keep one")
            if not isinstance(positions, dict):
                raise ValueError("'positions' must map issue ids to numbers; write positions: {issue: 50}")
            data["terms"] = [{"issue": k, "position": v} for k, v in positions.items()]
        return data

    @model_validator(mode="after")
    def _one_term_per_issue(self) -> Package:
        seen: set[str] = set()
        for k, t in enumerate(self.terms):
            if t.issue in seen:
                raise ValueError(f"terms[{k}] is a second term on {t.issue!r}; keep one")
            seen.add(t.issue)
        return self

    @property
    def positions(self) -> dict[str, float]:
        """Issue id -> position."""
        return {t.issue: t.position for t in self.terms}

    @property
    def decision_rule(self) -> Unanimity | WeightedMajority:
        """The package's rule, or unanimity of every actor."""
        return self.rule if self.rule is not None else Unanimity()

    def term(self, issue_id: str) -> Term | None:
        """The term on an issue, or None."""
        return next((t for t in self.terms if t.issue == issue_id), None)

    def vector(self, scenario: Scenario, *, source: str | None = None) -> np.ndarray:
        """The package as an array in the scenario's issue order; InputError if it does not fit."""
        pos = self.positions
        unknown = [i for i in pos if i not in scenario.issue_ids]
        if unknown:
            raise InputError(
                f"package {self.id!r} sets issue {unknown[0]!r}, which scenario {scenario.name!r} lacks",
                source=source,
                where=f"packages.{self.id}.terms",
                fix=f"use the scenario's issues: {', '.join(scenario.issue_ids)}",
            )
        missing = [i for i in scenario.issue_ids if i not in pos]
        if missing:
            raise InputError(
                f"package {self.id!r} gives no position on issue {missing[0]!r}",
                source=source,
                where=f"packages.{self.id}.terms",
                fix="a package sets a position on every issue; add a term for it",
            )
        return np.array([pos[i] for i in scenario.issue_ids], dtype=float)

    def check(self, scenario: Scenario, *, source: str | None = None) -> np.ndarray:
        """Check the package against ``scenario`` (issues, actors of its rule); return the vector."""
        x = self.vector(scenario, source=source)
        rule = self.decision_rule
        named = list(rule.veto_players)
        if isinstance(rule, WeightedMajority) and rule.weights is not None:
            named += list(rule.weights)
        unknown = [a for a in named if a not in scenario.actor_ids]
        if unknown:
            raise InputError(
                f"package {self.id!r}'s rule names {unknown[0]!r}, which scenario {scenario.name!r} lacks",
                source=source,
                where=f"packages.{self.id}.rule",
                fix=f"use the scenario's actors: {', '.join(scenario.actor_ids)}",
            )
        return x

    @classmethod
    def from_vector(
        cls, scenario: Scenario, x: np.ndarray, *, id: str, name: str, description: str = ""
    ) -> Package:
        """A package (terms marked as computed) from an array in the scenario's issue order."""
        terms = [
            Term(issue=i, position=float(np.clip(round(float(v), 6), 0.0, 100.0)), note="computed")
            for i, v in zip(scenario.issue_ids, x, strict=True)
        ]
        return cls(id=id, name=name, description=description, terms=tuple(terms))


class Coalition(BaseModel):
    """A named group of actors, for coalition analyses (e.g. the four-party coalition)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: Identifier
    name: Name
    members: tuple[Identifier, ...] = Field(min_length=1)
    description: Text = ""
    basis: Literal["sourced", "estimate"] = "estimate"
    source: Text = ""
    quote: Text = ""
    note: Text = ""


class PackageFile(BaseModel):
    """The contents of a package file: packages, their sources, coalitions and frontier issue pairs."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    scenario: Text = Field(default="", description="Name of the scenario the packages are for.")
    description: Text = ""
    sources: tuple[Source, ...] = ()
    packages: tuple[Package, ...] = Field(min_length=1)
    coalitions: tuple[Coalition, ...] = ()
    frontier_pairs: tuple[tuple[Identifier, Identifier], ...] = ()

    @model_validator(mode="after")
    def _cross_check(self) -> PackageFile:
        ids = [p.id for p in self.packages]
        dup = next((i for i in ids if ids.count(i) > 1), None)
        if dup:
            raise ValueError(f"two packages have the id {dup!r}; ids must be unique")
        known = {s.id for s in self.sources}
        for p in self.packages:
            for t in p.terms:
                if t.source and t.source not in known:
                    raise ValueError(
                        f"package {p.id!r}, term on {t.issue!r} cites the unknown source {t.source!r}; "
                        "add it to sources"
                    )
        for c in self.coalitions:
            if c.source and c.source not in known:
                raise ValueError(
                    f"coalition {c.id!r} cites the unknown source {c.source!r}; add it to sources"
                )
        return self

    def package(self, package_id: str) -> Package:
        """The package with this id (InputError listing the ids if there is none)."""
        for p in self.packages:
            if p.id == package_id:
                return p
        raise InputError(
            f"there is no package {package_id!r}",
            where="--package",
            fix=f"use one of: {', '.join(p.id for p in self.packages)}, or the path of a package file",
        )

    def fits(self, scenario: Scenario) -> bool:
        """True when every package sets exactly the scenario's issues and coalitions name its actors."""
        issues = set(scenario.issue_ids)
        actors = set(scenario.actor_ids)
        return all(set(p.positions) == issues for p in self.packages) and all(
            set(c.members) <= actors for c in self.coalitions
        )


def loads_packages(
    text: str, fmt: Literal["yaml", "json"] = "yaml", *, source: str = "<string>"
) -> PackageFile:
    """Parse package-file text (YAML or JSON)."""
    lines: dict[tuple[Any, ...], int] | None = None
    if fmt == "json":
        data = load_json(text, source=source)
    else:
        data, lines = load_yaml_with_lines(text, source)
    if not isinstance(data, dict):
        raise ScenarioError(
            "a package file must be a mapping with a 'packages:' list",
            source=source,
            fix="start the file with 'packages:' (see docs/deals.md)",
        )
    data = dict(data)
    tag = data.pop("format", PACKAGES_FORMAT)
    if tag != PACKAGES_FORMAT:
        raise ScenarioError(
            f"unknown format {shown(tag, 40)}",
            source=source,
            where="format",
            fix=f"use format: {PACKAGES_FORMAT}",
        )
    try:
        return PackageFile.model_validate(data)
    except ValidationError as exc:
        raise scenario_error_from_validation(
            exc, source=source, data=data, lines=lines, model=PackageFile, guide="docs/deals.md"
        ) from None


def load_packages(path: str | Path) -> PackageFile:
    """Read a package file (``.yaml``, ``.yml`` or ``.json``)."""
    p = Path(path)
    suffix = p.suffix.lower()
    if suffix not in {".yaml", ".yml", ".json"}:
        raise InputError(
            f"cannot tell the format of {p.name!r} from its suffix",
            source=p,
            fix="name package files .yaml, .yml or .json",
        )
    return loads_packages(read_text(p), "json" if suffix == ".json" else "yaml", source=str(p))


def embedded_packages() -> list[PackageFile]:
    """Every package file shipped with detente."""
    root = files("detente.scenarios")
    out = []
    for name in EMBEDDED_PACKAGE_FILES:
        resource = root.joinpath(name)
        if resource.is_file():
            out.append(loads_packages(resource.read_text(encoding="utf-8"), "yaml", source=name))
    return out


def packages_for(scenario: Scenario) -> PackageFile | None:
    """The shipped package file that fits ``scenario`` (same issues and actors), or None."""
    return next((book for book in embedded_packages() if book.fits(scenario)), None)


def resolve_package(scenario: Scenario, name_or_path: str | None) -> tuple[Package, PackageFile | None]:
    """The package named on the command line: a shipped package's id, or ``FILE`` or ``FILE:ID``.

    ``None`` gives the first shipped package that fits the scenario. Returns the package and the file
    it came from (for frontier pairs and coalitions).
    """
    book = packages_for(scenario)
    if name_or_path is None:
        if book is None:
            raise InputError(
                f"detente ships no package for scenario {scenario.name!r}",
                where="--package",
                fix="give a package file with --package FILE (see docs/deals.md)",
            )
        return book.packages[0], book
    if book is not None and any(p.id == name_or_path for p in book.packages):
        return book.package(name_or_path), book
    path_text, _, pid = (
        name_or_path.partition(":") if not Path(name_or_path).exists() else (name_or_path, "", "")
    )
    path = Path(path_text)
    if not path.suffix:
        ids = ", ".join(p.id for p in book.packages) if book else "(none shipped for this scenario)"
        raise InputError(
            f"{name_or_path!r} is neither a shipped package nor a file",
            where="--package",
            fix=f"use a package id ({ids}) or the path of a .yaml or .json package file",
        )
    loaded = load_packages(path)
    package = loaded.package(pid) if pid else loaded.packages[0]
    package.check(scenario, source=str(path))
    for k, c in enumerate(loaded.coalitions):
        unknown = [a for a in c.members if a not in scenario.actor_ids]
        if unknown:
            raise InputError(
                f"coalition {c.id!r} names {unknown[0]!r}, which scenario {scenario.name!r} lacks",
                source=str(path),
                where=f"coalitions[{k}].members",
                fix=f"use the scenario's actors: {', '.join(scenario.actor_ids)}",
            )
    return package, loaded
