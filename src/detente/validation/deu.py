"""Read DEU data on EU legislative decisions and turn each issue into a one-issue scenario.

The DEU layout (Thomson et al. 2006, 2012; Arregui & Perarnaud 2022) is one CSV row per contested
issue, with a position (``pcom``, ``pep``, ``pat`` ... ``puk``) and a salience (``scom`` ...
``suk``) for the Commission, the European Parliament and every member state, the reference point
``rp`` (the outcome without a decision) and the decision outcome ``out``, all on the issue's own
0-100 scale. :func:`read_deu` reads any file with these columns (extra columns are ignored) and
reports a bad cell in one line naming the file, row and column. The development file shipped with
detente is read by :func:`load_dev`.

:func:`issue_scenario` maps an issue to a :class:`~detente.scenario.Scenario`: the actors are the
Commission, the Parliament and the member states with a position; a missing salience counts as 50
(as in the data's README); saliences without a position are ignored; ``rp`` becomes the status
quo and ``out`` the outcome (which models never read). Capabilities follow a
:class:`CapabilityScheme`: equal, the Council votes of the era, or the Shapley-Shubik or Banzhaf
index of the Council game under the issue's voting rule (:mod:`detente.validation.power`). The
Commission and the Parliament have no Council vote; each gets a multiple of the mean member
state's capability (a modelling choice, a parameter of the scheme).

>>> data = load_dev()
>>> len(data.issues), len(data.scored())
(258, 250)
>>> s = issue_scenario(data.issue("d00032i1"), CapabilityScheme("votes"))
>>> s.actor("de").capability, s.issue("d00032i1").outcome
(10.0, 100.0)
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib.resources import files
from pathlib import Path
from typing import Literal

import numpy as np

from detente.errors import InputError, ParameterError, ScenarioError
from detente.scenario import Actor, Issue, Scenario, Source, Stance
from detente.scenario._errors import shown
from detente.scenario._fields import check_text
from detente.scenario.io import decode_text, parse_number, read_text
from detente.validation.backtest import Case
from detente.validation.power import VotingGame, banzhaf, shapley_shubik, swing_counts

__all__ = [
    "ACTOR_NAMES",
    "ALL_SCHEMES",
    "SCHEMES",
    "STATES",
    "CapabilityScheme",
    "DeuData",
    "DeuIssue",
    "Regime",
    "council_power",
    "deu_cases",
    "issue_scenario",
    "load_dev",
    "procedure_power",
    "read_deu",
    "regime_for",
    "veto_institutions",
]

STATES: tuple[str, ...] = (
    "at", "be", "bu", "cr", "cy", "cz", "dk", "ee", "fi", "fr", "de", "el", "hu", "ie",
    "it", "lv", "lt", "lu", "mt", "nl", "pl", "pt", "ro", "si", "sk", "es", "se", "uk",
)  # fmt: skip
"""Member-state codes of the DEU columns, in column order."""

ACTOR_NAMES: dict[str, str] = {
    "com": "European Commission",
    "ep": "European Parliament",
    "at": "Austria", "be": "Belgium", "bu": "Bulgaria", "cr": "Croatia", "cy": "Cyprus",
    "cz": "Czech Republic", "dk": "Denmark", "ee": "Estonia", "fi": "Finland", "fr": "France",
    "de": "Germany", "el": "Greece", "hu": "Hungary", "ie": "Ireland", "it": "Italy", "lv": "Latvia",
    "lt": "Lithuania", "lu": "Luxembourg", "mt": "Malta", "nl": "Netherlands", "pl": "Poland",
    "pt": "Portugal", "ro": "Romania", "si": "Slovenia", "sk": "Slovakia", "es": "Spain",
    "se": "Sweden", "uk": "United Kingdom",
}  # fmt: skip
"""DEU actor code -> name (also the ``name`` column of the Council weights file)."""

ACTORS: tuple[str, ...] = ("com", "ep", *STATES)
REQUIRED = ("isnr", "prnr", "counvte", "rp", "out", *(f"p{a}" for a in ACTORS), *(f"s{a}" for a in ACTORS))
MISSING_SALIENCE = 50.0
"""Salience used where an actor has a position but no salience (as in the data's README)."""

SchemeKind = Literal["equal", "votes", "shapley", "banzhaf", "procedure"]
SCHEMES: tuple[SchemeKind, ...] = ("equal", "votes", "shapley", "banzhaf")
"""The capability schemes the Monte Carlo backtests draw from, in the order reports list them."""
ALL_SCHEMES: tuple[SchemeKind, ...] = (*SCHEMES, "procedure")
"""Every capability scheme selectable by name: :data:`SCHEMES` and ``"procedure"`` (the Shapley-Shubik
index of the legislative game with the veto institutions of the issue's procedure,
:func:`procedure_power`)."""


# --- reading ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeuIssue:
    """One DEU issue as read from a row.

    Attributes
    ----------
    isnr : str
        Issue id, e.g. ``"d00032i1"``.
    proposal : str
        Proposal the issue belongs to: the part of ``isnr`` before its issue number (this joins the
        ERDF regulation, coded under two ``prnr`` values, into one proposal). Cross-validation
        groups by it.
    name : str
        Short proposal name (``prname``), or ``""``.
    procedure : str
        ``"COD"`` (co-decision) or ``"CNS"`` (consultation), from ``proc`` or the ``prnr`` letter.
    voting_rule : str
        Council voting rule: ``"QMV"`` or ``"Unan"`` (``"QMV(10)"`` reads as QMV).
    year : int
        Year of the proposal, from the digits of ``prnr``.
    introduced, decided : date or None
        Introduction and final-act dates, repaired as the README describes; None when missing.
    positions, saliences : dict
        Actor code -> position / salience (0-100) for every actor with a position.
    reference : float or None
        Reference point (status quo), 0-100.
    outcome : float or None
        Decision outcome, 0-100.
    row : int
        Line number in the file (the header is line 1).
    """

    isnr: str
    proposal: str
    name: str
    procedure: str
    voting_rule: str
    year: int
    introduced: date | None
    decided: date | None
    positions: dict[str, float]
    saliences: dict[str, float]
    reference: float | None
    outcome: float | None
    row: int

    @property
    def scored(self) -> bool:
        """True when the issue has an outcome and at least three positions (the scoring set)."""
        return self.outcome is not None and len(self.positions) >= 3


@dataclass(frozen=True)
class DeuData:
    """The issues of one DEU file, in file order."""

    source: str
    issues: tuple[DeuIssue, ...]
    _index: dict[str, int] = field(default_factory=dict, repr=False, compare=False)

    def __post_init__(self) -> None:
        self._index.update({iss.isnr: k for k, iss in enumerate(self.issues)})

    def issue(self, isnr: str) -> DeuIssue:
        """The issue with this id (KeyError if there is none)."""
        return self.issues[self._index[isnr]]

    def scored(self) -> list[DeuIssue]:
        """Issues with an outcome and at least three positions: the ones backtests score."""
        return [i for i in self.issues if i.scored]


def load_dev() -> DeuData:
    """The DEU development file shipped with detente (``detente/data/deu/deu_dev.csv``)."""
    raw = files("detente").joinpath("data/deu/deu_dev.csv").read_bytes()
    return _parse(decode_text(raw, source="deu_dev.csv"), source="deu_dev.csv")


def read_deu(path: str | Path) -> DeuData:
    """Read a CSV file with the DEU layout (comma-, semicolon- or tab-separated).

    The file gets the checks of every input (a regular file, at most 10 MiB, UTF-8 text).
    """
    p = Path(path)
    return _parse(read_text(p), source=str(p))


def _parse(text: str, *, source: str) -> DeuData:
    first = text.split("\n", 1)[0]
    delimiter = max((",", ";", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter, strict=False)
    try:
        return _parse_rows(reader, source=source)
    except csv.Error as exc:
        problem = str(exc)
        if "field larger than field limit" in problem:
            problem = f"a field longer than {csv.field_size_limit():,} characters"
        raise InputError(
            f"malformed CSV: {problem}",
            source=source,
            where=f"line {reader.line_num}",
            fix="check the quotes in the file (a field that opens a quote must close it)",
        ) from None


def _parse_rows(reader: Iterator[list[str]], *, source: str) -> DeuData:
    header = next(reader, None)
    if not header or not any(h.strip() for h in header):
        raise InputError("the file is empty", source=source, fix="give a CSV file with the DEU header row")
    names = [h.strip().lower() for h in header]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        listed = ", ".join(missing[:5]) + (f" and {len(missing) - 5} more" if len(missing) > 5 else "")
        raise InputError(
            f"the header lacks the DEU column(s) {listed}",
            source=source,
            where="line 1",
            fix="use the columns of deu_dev.csv: isnr, prnr, counvte, pcom ... puk, scom ... suk, rp, out",
        )
    twice = next((h for k, h in enumerate(names) if h and h in names[:k] and h in _USED), None)
    if twice is not None:
        raise InputError(
            f"the column {twice!r} appears twice", source=source, where="line 1", fix="keep one of them"
        )
    col = {name: k for k, name in enumerate(names)}
    issues: list[DeuIssue] = []
    seen: dict[str, int] = {}
    for cells in reader:
        lineno = getattr(reader, "line_num", len(issues) + 2)
        if not any(c.strip() for c in cells):
            continue
        if len(cells) < len(names):
            cells = cells + [""] * (len(names) - len(cells))
        if len(issues) == MAX_ISSUES:
            raise InputError(
                f"the file has more than {MAX_ISSUES:,} issues, detente's limit for a DEU file",
                source=source,
                where=f"line {lineno}",
                fix=f"split the file into parts of at most {MAX_ISSUES:,} issues",
            )
        issue = _parse_row(cells, col, source=source, row=lineno)
        if issue.isnr in seen:
            raise InputError(
                f"issue {issue.isnr!r} appears twice (first on line {seen[issue.isnr]})",
                source=source,
                where=f"line {lineno}, column 'isnr'",
                fix="keep one row per issue",
            )
        seen[issue.isnr] = lineno
        issues.append(issue)
    if not issues:
        raise InputError("the file has a header but no issues", source=source, fix="add DEU rows")
    return DeuData(source=source, issues=tuple(issues))


_ISNR = re.compile(r"^([A-Za-z]\d{2}[A-Za-z0-9]*?)i(\d+)$", re.ASCII)
_PRNR = re.compile(r"^([A-Za-z])(\d{2})[A-Za-z0-9]*$", re.ASCII)
_USED = {"isnr", "prnr", "counvte", "proc", "prname", "intro", "finact", *REQUIRED}
MAX_NAME = 120
"""Longest proposal name (``prname``) read, in characters."""
MAX_ISSUES = 1_000
"""Most issues (rows) a DEU file may have: a backtest simulates every model on every issue (with one
model, about 0.03 s an issue on a 2-core machine; docs/reliability.md)."""


def _parse_row(cells: list[str], col: dict[str, int], *, source: str, row: int) -> DeuIssue:
    def cell(name: str) -> str:
        return cells[col[name]].strip() if name in col else ""

    def number(name: str, *, lo: float = 0.0, hi: float = 100.0) -> float | None:
        text = cell(name)
        if text == "" or text.upper() in ("NA", "NAN", "."):
            return None
        try:
            value = parse_number(text, source=source, where=f"line {row}, column {name!r}")
        except ScenarioError as exc:
            raise InputError(
                exc.problem,
                source=source,
                where=exc.where,
                fix=f"write a number from {lo:g} to {hi:g} with the digits 0-9, or leave the cell blank",
            ) from None
        assert value is not None
        if not lo <= value <= hi:
            raise InputError(
                f"{text} is outside {lo:g}-{hi:g}",
                source=source,
                where=f"line {row}, column {name!r}",
                fix=f"DEU values are on a 0-100 scale; write a value from {lo:g} to {hi:g}",
            )
        return value

    isnr = cell("isnr")
    m = _ISNR.match(isnr) if len(isnr) <= 64 else None
    if not m:
        raise InputError(
            f"{shown(isnr, 40)} is not a DEU issue id",
            source=source,
            where=f"line {row}, column 'isnr'",
            fix="write the proposal id and the issue number, e.g. d00032i1",
        )
    prnr = cell("prnr") or m.group(1)
    pm = _PRNR.match(prnr) if len(prnr) <= 64 else None
    if not pm:
        raise InputError(
            f"{shown(prnr, 40)} is not a DEU proposal id",
            source=source,
            where=f"line {row}, column 'prnr'",
            fix="write a letter and five digits, e.g. d00032",
        )
    yy = int(pm.group(2))
    year = 1900 + yy if yy >= 50 else 2000 + yy
    rule_text = cell("counvte").upper()
    if rule_text.startswith("QMV"):
        rule = "QMV"
    elif rule_text.startswith("UNAN"):
        rule = "Unan"
    else:
        raise InputError(
            f"{shown(cell('counvte'), 40)} is not a Council voting rule",
            source=source,
            where=f"line {row}, column 'counvte'",
            fix="write QMV or Unan",
        )
    proc = cell("proc").upper()
    if proc not in ("COD", "CNS"):
        proc = "COD" if m.group(1)[0].lower() == "d" else "CNS"
    positions: dict[str, float] = {}
    saliences: dict[str, float] = {}
    for a in ACTORS:
        x = number(f"p{a}")
        if x is None:
            continue
        positions[a] = x
        s = number(f"s{a}")
        saliences[a] = MISSING_SALIENCE if s is None else s
    name = cell("prname")
    if len(name) > MAX_NAME:
        raise InputError(
            f"the proposal name has {len(name)} characters, over the limit of {MAX_NAME}",
            source=source,
            where=f"line {row}, column 'prname'",
            fix="shorten the name",
        )
    try:
        check_text(name)
    except ValueError as exc:
        raise InputError(
            f"the proposal name {exc}",
            source=source,
            where=f"line {row}, column 'prname'",
            fix="use plain text",
        ) from None
    return DeuIssue(
        isnr=isnr,
        proposal=m.group(1),
        name=name,
        procedure=proc,
        voting_rule=rule,
        year=year,
        introduced=_repair_date(cell("intro")),
        decided=_repair_date(cell("finact")),
        positions=positions,
        saliences=saliences,
        reference=number("rp"),
        outcome=number("out"),
        row=row,
    )


def _repair_date(text: str) -> date | None:
    """Read a DEU date (``dd-mm-yy``, or the spreadsheet-mangled ``YYYY-MM-DD``); None if unreadable."""
    parts = text.split("-")
    if len(parts) != 3 or not all(p.isascii() and p.isdigit() and len(p) <= 4 for p in parts):
        return None
    if len(parts[0]) == 4:  # mangled: YYYY = 19dd/20dd holds the day, DD holds the year
        day, month, yy = int(parts[0][2:]), int(parts[1]), int(parts[2])
    else:
        day, month, yy = int(parts[0]), int(parts[1]), int(parts[2])
    year = 1900 + yy if yy >= 50 else 2000 + yy
    try:
        return date(year, month, day)
    except ValueError:
        return None


# --- Council regimes ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Regime:
    """The Council's qualified-majority rule in one period.

    ``votes`` and ``population`` map member-state codes to votes and population (100,000s);
    a QMV coalition needs ``qvote`` votes, ``qmin`` members and ``qpop`` population, or, where
    ``blocking_min`` is set (Lisbon), it wins whenever fewer than ``blocking_min`` members oppose it.
    """

    name: str
    start: date
    votes: dict[str, float]
    population: dict[str, float]
    qvote: float
    qmin: int
    qpop: float
    blocking_min: int | None = None

    @property
    def members(self) -> tuple[str, ...]:
        """Member-state codes, in DEU column order."""
        return tuple(s for s in STATES if s in self.votes)


@lru_cache(maxsize=1)
def _weights_table() -> dict[str, dict[str, float | None]]:
    text = files("detente").joinpath("data/eu_council_weights/eucouncil_weights.csv").read_text("utf-8")
    by_name = {}
    for r in csv.DictReader(io.StringIO(text)):
        by_name[r["name"]] = {
            k: (None if v == "NA" else float(v)) for k, v in r.items() if k not in ("id", "name")
        }
    return {code: by_name[name] for code, name in ACTOR_NAMES.items() if name in by_name}


@lru_cache(maxsize=1)
def regimes() -> tuple[Regime, ...]:
    """The Council QMV regimes from 1995, oldest first.

    EU-15: 62 of 87 votes; no minimum number of members, since every DEU act is adopted on a
    Commission proposal (Art. 205(2) EC; the 10-member minimum applied only to other acts). EU-25
    May-October 2004: 88 of 124 votes. Nice: EU-25 232 of 321 votes, 13 members, 62% of the
    population (2793); EU-27 255 of 345, 14 members, 2983; EU-28 (from 1 July 2013) 260 of 352, 15
    members, 62% of the population. Lisbon double majority (Art. 16(4) TEU, from 1 November 2014):
    55% of the members (16 of 28; 15 of 27 after 1 February 2020) representing 65% of the population.
    Under Lisbon ``votes`` gives every member 1 (the member criterion) and ``population`` carries the
    population criterion.

    A blocking minority must include at least four members (Art. 16(4) TEU), so under Lisbon a
    coalition of all but three members wins whatever its population (``blocking_min=4``).

    Caveat of the Lisbon regimes: the weights file holds one population figure per state (the
    Nice-era figures, ``eu25_ap``), not the Council's yearly figures, so they stand in for the
    population criterion. The development file has no post-2013 issue, so this does not affect the
    cross-validated figures.
    """
    table = _weights_table()

    def column(col: str, members: Iterable[str]) -> dict[str, float]:
        return {s: float(table[s][col]) for s in members if table[s][col] is not None}  # type: ignore[arg-type]

    eu15 = [s for s in STATES if table[s]["eu15"] is not None]
    eu25 = [s for s in STATES if table[s]["eu25_bv"] is not None]
    eu27 = [*eu25, "bu", "ro"]
    eu28 = [*eu27, "cr"]
    post_brexit = [s for s in eu28 if s != "uk"]

    def pop_quota(members: list[str], share: float) -> float:
        return float(np.ceil(share * sum(column("eu25_ap", members).values())))

    def lisbon(name: str, start: date, members: list[str]) -> Regime:
        n = len(members)
        return Regime(
            name,
            start,
            dict.fromkeys(members, 1.0),
            column("eu25_ap", members),
            float(np.ceil(0.55 * n)),
            0,
            pop_quota(members, 0.65),
            blocking_min=4,
        )

    return (
        Regime("EU-15", date(1995, 1, 2), column("eu15", eu15), {}, 62, 0, 0),
        Regime("EU-25 (Amsterdam)", date(2004, 5, 2), column("eu25_bv", eu25), {}, 88, 0, 0),
        Regime(
            "EU-25 (Nice)", date(2004, 11, 1), column("eu25_av", eu25), column("eu25_ap", eu25), 232, 13, 2793
        ),
        Regime(
            "EU-27 (Nice)", date(2007, 1, 1), column("eu25_av", eu27), column("eu25_ap", eu27), 255, 14, 2983
        ),
        Regime(
            "EU-28 (Nice)",
            date(2013, 7, 1),
            column("eu25_av", eu28),
            column("eu25_ap", eu28),
            260,
            15,
            pop_quota(eu28, 0.62),
        ),
        lisbon("EU-28 (Lisbon)", date(2014, 11, 1), eu28),
        lisbon("EU-27 (Lisbon)", date(2020, 2, 1), post_brexit),
    )


def regime_for(issue: DeuIssue) -> Regime:
    """The Council regime an issue was decided under.

    Taken at the final act's date, else the introduction date, else 1 July of the proposal's year;
    if a member state with a position was not a member then (say, a 2003 proposal that new members
    took part in), the first later regime in which every state with a position is a member.
    """
    when = issue.decided or issue.introduced or date(issue.year, 7, 1)
    all_regimes = regimes()
    k = max([j for j, r in enumerate(all_regimes) if r.start <= when] or [0])
    states = [a for a in issue.positions if a in STATES]
    while k < len(all_regimes) - 1 and any(s not in all_regimes[k].votes for s in states):
        k += 1
    return all_regimes[k]


def council_power(regime: Regime, voting_rule: str, index: Literal["shapley", "banzhaf"]) -> dict[str, float]:
    """Each member state's power index in the Council under ``voting_rule`` (exact; cached)."""
    return dict(_council_power(regime.name, voting_rule, index))


@lru_cache(maxsize=16)
def _council_power(name: str, voting_rule: str, index: str) -> tuple[tuple[str, float], ...]:
    regime = next(r for r in regimes() if r.name == name)
    members = regime.members
    game = _council_game(regime, voting_rule)
    values = shapley_shubik(game) if index == "shapley" else banzhaf(game)
    return tuple(zip(members, (float(v) for v in values), strict=True))


def _council_game(regime: Regime, voting_rule: str) -> VotingGame:
    members = regime.members
    n = len(members)
    if voting_rule == "Unan":
        return VotingGame.unanimity(n)
    weights = [tuple(regime.votes[s] for s in members)]
    quotas = [regime.qvote]
    if regime.qmin:
        weights.append((1.0,) * n)
        quotas.append(regime.qmin)
    if regime.qpop:
        weights.append(tuple(regime.population[s] for s in members))
        quotas.append(regime.qpop)
    size = None if regime.blocking_min is None else n - regime.blocking_min + 1
    return VotingGame(tuple(weights), tuple(quotas), size)


def veto_institutions(procedure: str, voting_rule: str) -> tuple[str, ...]:
    """The institutions whose assent an act needs besides the Council's, under a procedure and rule.

    Co-decision (``COD``): the Parliament (co-legislator). Consultation (``CNS``) under QMV: the
    Commission, since the Council can amend its proposal only by unanimity (Art. 250(1) EC, now
    Art. 293(1) TFEU). Consultation under unanimity: none (the unanimous Council may amend, and the
    Parliament only gives an opinion). Under co-decision the Council and the Parliament can agree
    in conciliation without the Commission, so it is not a veto player there.
    """
    if procedure == "COD":
        return ("ep",)
    return ("com",) if voting_rule == "QMV" else ()


def procedure_power(regime: Regime, voting_rule: str, procedure: str) -> dict[str, float]:
    """Shapley-Shubik index of every player of the legislative game of a procedure (exact).

    The game: a coalition wins when it wins in the Council (under ``voting_rule``) and holds every
    veto institution of :func:`veto_institutions`. With k veto institutions added to an n-member
    Council, a member state is pivotal when it is the Council's pivot at rank r and all k
    institutions came before it, so its index is ``sum_r P(pivot at rank r) C(r - 1 + k, k) /
    C(n + k, k)``; the institutions share the rest equally. Under unanimity every player (states and
    veto institutions) gets ``1 / (n + k)``. Keys: member codes and the veto institutions.
    """
    return dict(_procedure_power(regime.name, voting_rule, procedure))


@lru_cache(maxsize=32)
def _procedure_power(name: str, voting_rule: str, procedure: str) -> tuple[tuple[str, float], ...]:
    from math import comb, lgamma

    regime = next(r for r in regimes() if r.name == name)
    members = regime.members
    n = len(members)
    veto = veto_institutions(procedure, voting_rule)
    k = len(veto)
    counts = swing_counts(_council_game(regime, voting_rule))  # [i, j]: swings into coalitions of size j
    j = np.arange(n)
    pivot_at = np.exp(np.array([lgamma(x + 1) + lgamma(n - x) - lgamma(n + 1) for x in j]))
    later = np.array([comb(int(x) + k, k) / comb(n + k, k) for x in j])
    states = counts @ (pivot_at * later)
    out = [(s, float(v)) for s, v in zip(members, states, strict=True)]
    rest = max(0.0, 1.0 - float(states.sum()))
    out += [(a, rest / k) for a in veto]
    return tuple(out)


# --- scenarios -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CapabilityScheme:
    """How DEU actors get capabilities.

    Attributes
    ----------
    kind : str
        ``"equal"`` (everyone 1), ``"votes"`` (Council votes of the era; population under the Lisbon
        double majority), ``"shapley"`` or ``"banzhaf"`` (the state's power index in the Council
        under the issue's voting rule), ``"procedure"`` (Shapley-Shubik index in the legislative
        game of the issue's procedure, :func:`procedure_power`: the Parliament is a veto player under
        co-decision, the Commission under consultation with QMV; the other institution gets the
        ``commission`` or ``parliament`` multiple of the mean member state).
    commission, parliament : float
        The Commission's and the Parliament's capability as multiples of the mean capability of the
        member states (of all members, with or without a position). Under ``"equal"`` they apply to 1.
    parliament_consultation : float
        Extra factor on the Parliament's capability under the consultation procedure, where it gives
        only an opinion (1 = the same as under co-decision).
    """

    kind: SchemeKind = "equal"
    commission: float = 1.0
    parliament: float = 1.0
    parliament_consultation: float = 1.0

    def __post_init__(self) -> None:
        if self.kind not in ALL_SCHEMES:
            raise ParameterError(
                f"there is no capability scheme {self.kind!r}",
                where="--capability",
                fix=f"use one of: {', '.join(ALL_SCHEMES)}",
            )
        for name in ("commission", "parliament", "parliament_consultation"):
            if not getattr(self, name) >= 0:
                raise ParameterError(
                    f"{name} must be a non-negative number",
                    where=f"capability scheme, {name}",
                    fix="use 0 or more",
                )

    def capabilities(self, issue: DeuIssue) -> dict[str, float]:
        """Capability of every actor with a position on ``issue``."""
        if self.kind == "equal":
            state_cap: dict[str, float] = dict.fromkeys(STATES, 1.0)
            mean = 1.0
        else:
            regime = regime_for(issue)
            if self.kind == "votes":
                # under the Lisbon double majority the weight that differs between states is population
                state_cap = dict(regime.population if "Lisbon" in regime.name else regime.votes)
            elif self.kind == "procedure":
                power = procedure_power(regime, issue.voting_rule, issue.procedure)
                state_cap = {s: power[s] for s in regime.members}
            else:
                state_cap = council_power(regime, issue.voting_rule, self.kind)  # type: ignore[arg-type]
            mean = float(np.mean(list(state_cap.values())))
        veto = veto_institutions(issue.procedure, issue.voting_rule) if self.kind == "procedure" else ()
        ep = self.parliament * (self.parliament_consultation if issue.procedure == "CNS" else 1.0)
        out = {}
        for a in issue.positions:
            if a in veto:
                out[a] = procedure_power(regime_for(issue), issue.voting_rule, issue.procedure)[a]
            elif a == "com":
                out[a] = self.commission * mean
            elif a == "ep":
                out[a] = ep * mean
            else:
                out[a] = state_cap.get(a, 0.0)
        return out


_DEU_SOURCE = Source(
    id="deu",
    title="DEU III: decision-making in the European Union",
    author="J. Arregui and C. Perarnaud (2022); R. Thomson et al. (2006, 2012)",
    note="Expert-interview codings of positions and saliences on contested issues of EU legislation.",
)


def issue_scenario(issue: DeuIssue, scheme: CapabilityScheme | None = None) -> Scenario:
    """The one-issue scenario of a DEU issue under a capability scheme (default: equal)."""
    scheme = scheme or CapabilityScheme()
    if not issue.positions:
        raise InputError(
            "the issue has no positions, so it has no actors",
            where=f"line {issue.row}, issue {issue.isnr}",
            fix="give at least one actor a position, or leave the issue out",
        )
    caps = scheme.capabilities(issue)
    actors = [
        Actor(
            id=a,
            name=ACTOR_NAMES[a],
            capability=caps[a],
            group="institution" if a in ("com", "ep") else "member state",
        )
        for a in issue.positions
    ]
    stances = [
        Stance(
            actor=a,
            issue=issue.isnr,
            position=x,
            salience=issue.saliences[a],
            basis="sourced",
            source="deu",
            quote=f"p{a}={x:g}, s{a}={issue.saliences[a]:g}",
        )
        for a, x in issue.positions.items()
    ]
    iss = Issue(
        id=issue.isnr,
        name=f"{issue.name or issue.proposal} ({issue.isnr})",
        description=f"DEU issue {issue.isnr}: {issue.procedure}, Council {issue.voting_rule}, {issue.year}.",
        meaning_0="the issue's extreme position coded 0",
        meaning_100="the issue's extreme position coded 100",
        status_quo=issue.reference,
        outcome=issue.outcome,
    )
    return Scenario(
        name=f"DEU {issue.isnr}",
        description=f"{issue.name} ({issue.isnr}), capabilities: {scheme.kind}",
        sources=[_DEU_SOURCE],
        actors=actors,
        issues=[iss],
        stances=stances,
    )


def deu_cases(
    issues: Iterable[DeuIssue],
    *,
    base: SchemeKind = "equal",
    schemes: Iterable[SchemeKind] = SCHEMES,
    commission: float = 1.0,
    parliament: float = 1.0,
    parliament_consultation: float = 1.0,
) -> list[Case]:
    """Backtest cases of the scored issues (an outcome and three or more positions).

    Each case holds the issue's scenario under every capability scheme in ``schemes`` (Monte
    Carlo draws pick one at random); ``base`` gives the point forecast. Cases are grouped by proposal.
    """
    kinds = list(dict.fromkeys([base, *schemes]))
    out = []
    for issue in issues:
        if not issue.scored:
            continue
        variants = {
            k: issue_scenario(issue, CapabilityScheme(k, commission, parliament, parliament_consultation))
            for k in kinds
        }
        out.append(Case(key=issue.isnr, variants=variants, base=base, group=issue.proposal))
    return out
