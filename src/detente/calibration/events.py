r"""Monthly series from the Korean event data, for calibrating the road-map simulator.

Every loader takes a ``cutoff`` date and drops each record dated after it before doing anything else
with the file, so that whatever happened later cannot reach a fit (the later years stay out of sample
for a historical replay). Files are read as text and every field is parsed explicitly, so a record
after the cutoff cannot even change how an earlier one is parsed. Month-precision dates (``2007-07``)
count as known on the last day of their month. Monthly series end with the last *complete* month on
or before the cutoff.

What the series are (definitions; ``docs/calibration.md`` discusses them):

``strategic``
    1 in a month with a test of an ICBM, IRBM or space launch vehicle (SLV) in the CNS missile test
    database, or a nuclear test (Yao et al. 2018). ``strategic_no_slv`` leaves out the SLVs (the
    definition behind the review's figures); ``any_missile`` is 1 in a month with any CNS test;
    ``nuclear`` in a month with a nuclear test; ``missile_tests`` counts the CNS tests.
``regime``
    ``talks`` from the month a negotiation or freeze episode opens to the month it collapses (both
    included), ``pressure`` in the other months from 1993 on (the timeline starts in 1993), and
    ``pre-1993`` before that, where no regime is derived. The rules are in :func:`talks_episodes`.
``icb_clash``
    The number of ICB Korea crises with violence >= 2 (minor clashes or worse, the highest code of any
    actor in the crisis) that start in the month. The ICB extract gives only the year, so the start is
    the date of the violent incident that opened the crisis (:data:`ICB_VIOLENT_STARTS`).
``csis_fatal``
    The number of CSIS provocation records whose description reports a death (:func:`is_fatal`).
    CSIS covers 1958-01 to 2017-11 only (``csis_covered``).
``armed_incident``
    1 in a month with an ICB clash or a CSIS fatal incident.

>>> from datetime import date
>>> s = monthly_series(date(2019, 12, 31))
>>> int(s["nuclear"].sum()), str(s.index[-1])
(6, '2019-12')
>>> [(str(e.first_month), str(e.last_month)) for e in talks_episodes(load_timeline())]
[('1994-10', '2002-10'), ('2007-02', '2008-12'), ('2012-02', '2012-04'), ('2018-01', '2019-02')]
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import pandas as pd

from detente.errors import InputError, ParameterError

__all__ = [
    "CSIS_COVERAGE",
    "DATA_FILES",
    "DEFAULT_CUTOFF",
    "DPRK_RENUNCIATION",
    "FATAL_PATTERN",
    "ICB_VIOLENT_STARTS",
    "MONTH_DAYS",
    "PATIENCE_STARTS",
    "PRESSURE",
    "REGIMES",
    "STRATEGIC_TYPES",
    "TALKS",
    "TIMELINE_START",
    "UNCOVERED",
    "Episode",
    "PatienceSpell",
    "SpellStart",
    "data_root",
    "dprk_vetoes",
    "file_rows",
    "is_fatal",
    "last_complete_month",
    "load_icb_crises",
    "load_missile_tests",
    "load_nuclear_tests",
    "load_provocations",
    "load_timeline",
    "load_vetoes",
    "monthly_series",
    "patience_spells",
    "regime_labels",
    "regime_periods",
    "sanctions_resolutions",
    "talks_episodes",
]

DEFAULT_CUTOFF = date(2019, 12, 31)
"""The default cutoff: the end of 2019, so that 2020-2024 (moratorium's end, 2022 veto, 2024 treaty)
stay out of sample."""

DATA_FILES: dict[str, str] = {
    "timeline": "diplomatic_timeline/korea_diplomatic_timeline.csv",
    "missile_tests": "missile_tests/nk_missile_tests_cns_via_nagix_flat.csv",
    "nuclear_tests": "nuclear_tests/nk_nuclear_tests.csv",
    "provocations": "provocations/north-korea-provocations-1958-2017.utf8.csv",
    "icb": "icb/icb_korea_crises_actor_level.csv",
    "vetoes": "unsc_vetoes/unsc_vetoes_1946_sept2022.csv",
}
"""Each data set the calibration reads, by name, as a path under ``detente/data/korea``."""

STRATEGIC_TYPES: tuple[str, ...] = ("ICBM", "IRBM", "SLV")
"""CNS missile types that count as strategic tests (with nuclear tests)."""

TALKS, PRESSURE, UNCOVERED = "talks", "pressure", "pre-1993"
REGIMES: tuple[str, ...] = (TALKS, PRESSURE, UNCOVERED)
"""The regime labels: in a negotiation or freeze episode, outside one, and before the timeline."""

TIMELINE_START = pd.Period("1993-01", "M")
"""First month the diplomatic timeline covers; earlier months get the regime ``pre-1993``."""

CSIS_COVERAGE = (pd.Period("1958-01", "M"), pd.Period("2017-11", "M"))
"""First and last month of the CSIS provocations data (its records run 1958-02-16 to 2017-11-29)."""

MONTH_DAYS = 365.25 / 12
"""Days in an average month: spell lengths in days are divided by it."""

FATAL_PATTERN = re.compile(r"\b(?:kill(?:s|ed|ing)?|dead|died|deaths?|no survivors)\b", re.IGNORECASE)
"""Words by which a CSIS description reports a death."""

DPRK_RENUNCIATION = re.compile(r"no longer bound|no reason to stay bound", re.IGNORECASE)
"""Timeline text of a DPRK statement that ends a freeze or moratorium it had declared."""

ICB_VIOLENT_STARTS: dict[int, tuple[str, str]] = {
    224: ("1968-01-23", "CSIS 1968-01-23, 'Seizure of USS Pueblo'"),
    274: ("1976-08-18", "CSIS 1976-08-18, 'Panmunjom Axe Murder Incident'"),
    420: ("1996-09-18", "CSIS 1996-09-18, DPRK submarine runs aground near Gangneung"),
    461: ("2010-03-26", "timeline and CSIS 2010-03-26, sinking of the ROKS Cheonan"),
    462: ("2010-11-23", "timeline and CSIS 2010-11-23, shelling of Yeonpyeong Island"),
    475: ("2015-08-04", "CSIS 2015-08-04, 'Land Mine Explosion'"),
    500: ("2020-06-16", "timeline 2020-06-16, DPRK blows up the inter-Korean liaison office"),
}
"""Start date of each ICB Korea crisis with violence >= 2 since 1954: the violent incident that opened
it, with the record that dates it (the ICB extract has only the trigger year)."""


@dataclass(frozen=True)
class SpellStart:
    """The start of a moratorium spell without relief, keyed to the timeline row that dates it."""

    id: str
    date: date
    kind: str
    relief: str
    note: str


PATIENCE_STARTS: tuple[SpellStart, ...] = (
    SpellStart(
        "af-relief-cut",
        date(2002, 11, 14),
        "sanctions",
        "withdrawn",
        "Agreed Framework freeze still in place after KEDO suspended the fuel-oil deliveries",
    ),
    SpellStart(
        "six-party-end",
        date(2008, 12, 11),
        "talks",
        "withdrawn",
        "Yongbyon shut down and partly disabled; last six-party session, no further relief",
    ),
    SpellStart(
        "leap-day",
        date(2012, 2, 29),
        "agreement",
        "never delivered",
        "test moratorium for food aid that was never delivered",
    ),
    SpellStart(
        "2018-moratorium",
        date(2018, 4, 20),
        "freeze",
        "never delivered",
        "halt to nuclear and ICBM tests; no sanctions relief (US-ROK exercise suspensions only)",
    ),
)
"""Where the DPRK kept a test moratorium or freeze while no relief came: when relief was withdrawn
from a freeze in force, or a moratorium was declared and its relief never arrived. These starts are a
judgement (documented in docs/calibration.md); each spell's end is derived from the data."""


# ------------------------------------------------------------------------------------------------
# Reading the files


def data_root(data_dir: str | Path | None = None) -> Traversable:
    """The folder holding the Korean data: ``data_dir``, or the package's ``detente/data/korea``."""
    if data_dir is not None:
        return Path(data_dir)
    return files("detente").joinpath("data/korea")


def _read(name: str, data_dir: str | Path | None) -> tuple[pd.DataFrame, str]:
    """All rows of data set ``name`` as text (no type guessing), and the file's name for errors."""
    resource = data_root(data_dir).joinpath(DATA_FILES[name])
    try:
        with resource.open("r", encoding="utf-8") as fh:
            frame = pd.read_csv(fh, dtype=str, keep_default_na=False)
    except FileNotFoundError:
        raise InputError(
            "the data file is missing",
            source=str(resource),
            fix="restore it from the repository (see detente/data/korea/README.md)",
        ) from None
    return frame, DATA_FILES[name]


def file_rows(name: str, data_dir: str | Path | None = None) -> int:
    """Number of data rows in the file of data set ``name`` (for provenance only; nothing is parsed)."""
    frame, _ = _read(name, data_dir)
    return len(frame)


def _iso(text: str, source: str, row: int) -> tuple[date, str]:
    """Parse ``YYYY-MM-DD`` or ``YYYY-MM``: the date it is known by, and its precision.

    A month-precision date is known on the last day of its month.
    """
    text = text.strip()
    try:
        if re.fullmatch(r"\d{4}-\d{2}", text):
            year, month = int(text[:4]), int(text[5:7])
            return date(year, month, calendar.monthrange(year, month)[1]), "month"
        return date.fromisoformat(text), "day"
    except ValueError:
        raise InputError(
            f"{text!r} is not a date (YYYY-MM-DD or YYYY-MM)", source=source, where=f"row {row + 2}"
        ) from None


def _mdy(text: str, source: str, row: int) -> date:
    """Parse ``M/D/YYYY`` (the veto file's dates)."""
    try:
        m, d, y = (int(x) for x in text.strip().split("/"))
        return date(y, m, d)
    except ValueError:
        raise InputError(
            f"{text!r} is not a date (M/D/YYYY)", source=source, where=f"row {row + 2}"
        ) from None


def _month(d: date) -> pd.Period:
    return pd.Period(year=d.year, month=d.month, freq="M")


def last_complete_month(cutoff: date) -> pd.Period:
    """The last month that ends on or before ``cutoff`` (monthly series stop there)."""
    month = _month(cutoff)
    return month if cutoff.day == calendar.monthrange(cutoff.year, cutoff.month)[1] else month - 1


def _dated(frame: pd.DataFrame, dates: list[date], cutoff: date) -> pd.DataFrame:
    """``frame`` with ``date`` and ``month`` columns, rows after ``cutoff`` dropped, sorted by date."""
    frame = frame.copy()
    frame.insert(0, "date", dates)
    frame.insert(1, "month", [_month(d) for d in dates])
    keep = [d <= cutoff for d in frame["date"]]
    frame = frame.loc[keep]
    return frame.sort_values("date", kind="stable").reset_index(drop=True)


def load_timeline(cutoff: date = DEFAULT_CUTOFF, data_dir: str | Path | None = None) -> pd.DataFrame:
    """The diplomatic timeline up to ``cutoff``: date, month, precision, kind, event, actors, source."""
    raw, source = _read("timeline", data_dir)
    parsed = [_iso(t, source, i) for i, t in enumerate(raw["date"])]
    frame = raw.drop(columns=["date", "precision"]).assign(
        precision=[p for _, p in parsed],
        actors=[tuple(a.strip() for a in text.split(";") if a.strip()) for text in raw["actors"]],
    )
    return _dated(frame, [d for d, _ in parsed], cutoff)


def load_missile_tests(cutoff: date = DEFAULT_CUTOFF, data_dir: str | Path | None = None) -> pd.DataFrame:
    """CNS missile tests up to ``cutoff``: date, month, missile_type, missile_name, outcome, ..."""
    raw, source = _read("missile_tests", data_dir)
    dates = [_iso(t, source, i)[0] for i, t in enumerate(raw["date"])]
    return _dated(raw.drop(columns=["date"]), dates, cutoff)


def load_nuclear_tests(cutoff: date = DEFAULT_CUTOFF, data_dir: str | Path | None = None) -> pd.DataFrame:
    """The DPRK's nuclear tests (Yao et al. 2018) up to ``cutoff``: date, month, no, yield_kt, ..."""
    raw, source = _read("nuclear_tests", data_dir)
    dates = [_iso(t, source, i)[0] for i, t in enumerate(raw["date"])]
    return _dated(raw.drop(columns=["date"]), dates, cutoff)


def is_fatal(description: str) -> bool:
    """Whether a CSIS description reports a death (kill/killed/killing, dead, died, death(s), no survivors).

    >>> is_fatal("Two U.S. soldiers are killed and 16 injured"), is_fatal("injuring two soldiers")
    (True, False)
    """
    return bool(FATAL_PATTERN.search(description))


def load_provocations(cutoff: date = DEFAULT_CUTOFF, data_dir: str | Path | None = None) -> pd.DataFrame:
    """CSIS provocations up to ``cutoff``: date, month, type, event, description, fatal (bool)."""
    raw, source = _read("provocations", data_dir)
    dates = [_iso(t, source, i)[0] for i, t in enumerate(raw["date"])]
    frame = raw.drop(columns=["date", "year", "month", "weekday"])
    frame = frame.assign(fatal=[is_fatal(t) for t in frame["description"]])
    return _dated(frame, dates, cutoff)


def load_icb_crises(cutoff: date = DEFAULT_CUTOFF, data_dir: str | Path | None = None) -> pd.DataFrame:
    """ICB Korea crises known by ``cutoff``, one row per crisis.

    Columns: crisno, crisname, year, start (date of the opening violent incident, or None), violence
    (highest actor code: 1 none, 2 minor clashes, 3 serious clashes, 4 full-scale war), actors, clash
    (violence >= 2), serious (violence >= 3). A crisis with a start date is kept if it started on or
    before the cutoff; one without, only if its whole year ended by then.
    """
    raw, source = _read("icb", data_dir)
    rows: dict[int, dict[str, object]] = {}
    for i, r in raw.iterrows():
        where = f"row {int(i) + 2}"  # type: ignore[call-overload]
        try:
            crisno, year, violence = int(r["crisno"]), int(r["year"]), int(r["violence"])
        except ValueError:
            raise InputError(
                "crisno, year and violence must be whole numbers", source=source, where=where
            ) from None
        if not 1 <= violence <= 4:
            raise InputError(
                f"violence code {violence} is outside the ICB codes 1-4", source=source, where=where
            )
        entry = rows.setdefault(
            crisno,
            {"crisno": crisno, "crisname": r["crisname"], "year": year, "violence": violence, "actors": ()},
        )
        entry["violence"] = max(int(entry["violence"]), violence)  # type: ignore[call-overload]
        entry["actors"] = (*entry["actors"], r["actor"])  # type: ignore[misc]
    out = []
    for crisno in sorted(rows):
        entry = rows[crisno]
        start = date.fromisoformat(ICB_VIOLENT_STARTS[crisno][0]) if crisno in ICB_VIOLENT_STARTS else None
        known = start if start is not None else date(int(entry["year"]), 12, 31)  # type: ignore[call-overload]
        if start is not None and start.year != entry["year"]:
            raise InputError(
                f"crisis {crisno} is dated {start} in ICB_VIOLENT_STARTS but starts in {entry['year']}",
                source=source,
            )
        if known <= cutoff:
            violence = int(entry["violence"])  # type: ignore[call-overload]
            out.append({**entry, "start": start, "clash": violence >= 2, "serious": violence >= 3})
    columns = ["crisno", "crisname", "year", "start", "violence", "actors", "clash", "serious"]
    return pd.DataFrame(out, columns=columns)


def load_vetoes(cutoff: date = DEFAULT_CUTOFF, data_dir: str | Path | None = None) -> pd.DataFrame:
    """UN Security Council vetoes up to ``cutoff``: date, month, draft, crisis_topic, vetoed_by (tuple)."""
    raw, source = _read("vetoes", data_dir)
    dates = [_mdy(t, source, i) for i, t in enumerate(raw["date"])]
    members = ("China", "France", "Russia", "USSR", "USA", "UK")
    vetoed_by = [tuple(m for m in members if r[m].strip() == "1") for _, r in raw.iterrows()]
    frame = raw[["draft", "meeting_record", "agenda_item", "crisis_topic"]].assign(vetoed_by=vetoed_by)
    return _dated(frame, dates, cutoff)


def dprk_vetoes(vetoes: pd.DataFrame) -> pd.DataFrame:
    """The vetoes of drafts on the DPRK (``crisis_topic`` 'North Korea')."""
    return vetoes.loc[vetoes["crisis_topic"] == "North Korea"].reset_index(drop=True)


def sanctions_resolutions(timeline: pd.DataFrame) -> pd.DataFrame:
    """The timeline's UN Security Council sanctions resolutions on the DPRK (kind sanctions, actor UNSC)."""
    keep = [
        k == "sanctions" and "UNSC" in a for k, a in zip(timeline["kind"], timeline["actors"], strict=True)
    ]
    return timeline.loc[keep].reset_index(drop=True)


# ------------------------------------------------------------------------------------------------
# Regimes


@dataclass(frozen=True)
class Episode:
    """A negotiation or freeze episode: the timeline rows that open and close it, and its months."""

    opened: date
    opened_by: str
    closed: date | None
    closed_by: str | None
    first_month: pd.Period
    last_month: pd.Period

    @property
    def censored(self) -> bool:
        """True when the episode is still open at the cutoff."""
        return self.closed is None


def _opens(kind: str, actors: tuple[str, ...], text: str) -> bool:
    """Opening rule: DPRK restraint agreed with the US or ROK, a DPRK offer, or a DPRK freeze."""
    if kind == "agreement":
        return (
            "DPRK" in actors
            and bool({"USA", "ROK"} & set(actors))
            and bool(re.search(r"\b(?:freeze|shutdown|moratorium)\b", text, re.IGNORECASE))
        )
    if kind in ("proposal", "freeze"):
        return bool(actors) and actors[0] == "DPRK" and not DPRK_RENUNCIATION.search(text)
    return False


def _closes(kind: str, actors: tuple[str, ...], text: str) -> bool:
    """Closing rule: a DPRK test or nuclear step, failed talks or summit, or a DPRK renunciation."""
    if kind in ("test", "nuclear"):
        return "DPRK" in actors
    if kind in ("talks", "summit"):
        return bool(re.search(r"\bwithout\b", text, re.IGNORECASE))
    if kind == "freeze":
        return bool(actors) and actors[0] == "DPRK" and bool(DPRK_RENUNCIATION.search(text))
    return False


def talks_episodes(timeline: pd.DataFrame, cutoff: date = DEFAULT_CUTOFF) -> list[Episode]:
    """The negotiation or freeze episodes in ``timeline`` (already cut at ``cutoff``).

    Rules, applied to the rows in date order:

    * **Opens** (when no episode is open): an ``agreement`` between the DPRK and the US or the ROK
      whose text names a freeze, shutdown or moratorium; a ``proposal`` made by the DPRK (first actor);
      or a ``freeze`` declared by the DPRK that is not a renunciation.
    * **Closes** (the open episode): a ``test`` or ``nuclear`` row involving the DPRK; a ``talks`` or
      ``summit`` row whose text says it ended ``without`` agreement; or a DPRK ``freeze`` row that
      renounces the freeze ("no longer bound", "no reason to stay bound").
    * The months from the opening row's month to the closing row's month, both included, are
      ``talks``. An episode still open at the cutoff runs to the last complete month.
    """
    episodes: list[Episode] = []
    open_row: tuple[date, str] | None = None
    for d, kind, actors, text in zip(
        timeline["date"], timeline["kind"], timeline["actors"], timeline["event"], strict=True
    ):
        if d > cutoff:
            break
        if open_row is None and _opens(kind, actors, text):
            open_row = (d, text)
        elif open_row is not None and _closes(kind, actors, text):
            episodes.append(Episode(open_row[0], open_row[1], d, text, _month(open_row[0]), _month(d)))
            open_row = None
    if open_row is not None:
        end = last_complete_month(cutoff)
        if end >= _month(open_row[0]):
            episodes.append(Episode(open_row[0], open_row[1], None, None, _month(open_row[0]), end))
    return episodes


def regime_labels(months: pd.PeriodIndex, episodes: Iterable[Episode]) -> pd.Series:
    """The regime of each month: ``talks`` inside an episode, ``pressure`` from 1993, else ``pre-1993``."""
    labels = pd.Series(
        [PRESSURE if m >= TIMELINE_START else UNCOVERED for m in months], index=months, name="regime"
    )
    for ep in episodes:
        inside = (months >= ep.first_month) & (months <= ep.last_month)
        labels[inside] = TALKS
    return labels


def regime_periods(labels: pd.Series) -> list[tuple[str, str, str, int]]:
    """Runs of one regime in a monthly label series: (regime, first month, last month, months)."""
    runs: list[tuple[str, str, str, int]] = []
    start = 0
    values = list(labels)
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            runs.append((values[start], str(labels.index[start]), str(labels.index[i - 1]), i - start))
            start = i
    return runs


# ------------------------------------------------------------------------------------------------
# Monthly series


def monthly_series(
    cutoff: date = DEFAULT_CUTOFF, *, start: str = "1954-01", data_dir: str | Path | None = None
) -> pd.DataFrame:
    """One row per month from ``start`` to the last complete month on or before ``cutoff``.

    Columns: strategic, strategic_no_slv, any_missile, nuclear, missile_tests, regime, icb_clash,
    csis_fatal, csis_covered, armed_incident (see the module docstring for the definitions).
    """
    first, last = pd.Period(start, "M"), last_complete_month(cutoff)
    if last < first:
        raise ParameterError(
            f"the cutoff {cutoff} leaves no complete month after {start}",
            where="cutoff",
            fix=f"use a cutoff after {first.end_time.date()}",
        )
    months = pd.period_range(first, last, freq="M", name="month")
    missiles = load_missile_tests(cutoff, data_dir)
    nuclear = load_nuclear_tests(cutoff, data_dir)
    provocations = load_provocations(cutoff, data_dir)
    crises = load_icb_crises(cutoff, data_dir)
    timeline = load_timeline(cutoff, data_dir)

    def indicator(hit: Iterable[pd.Period]) -> list[int]:
        found = set(hit)
        return [int(m in found) for m in months]

    def count(hit: Iterable[pd.Period]) -> list[int]:
        counts = pd.Series(list(hit), dtype=object).value_counts().to_dict()
        return [int(counts.get(m, 0)) for m in months]

    strategic_missile = missiles.loc[missiles["missile_type"].isin(STRATEGIC_TYPES), "month"]
    no_slv = missiles.loc[missiles["missile_type"].isin(("ICBM", "IRBM")), "month"]
    frame = pd.DataFrame(
        {
            "strategic": indicator([*strategic_missile, *nuclear["month"]]),
            "strategic_no_slv": indicator([*no_slv, *nuclear["month"]]),
            "any_missile": indicator(missiles["month"]),
            "nuclear": indicator(nuclear["month"]),
            "missile_tests": count(missiles["month"]),
        },
        index=months,
    )
    frame["regime"] = regime_labels(months, talks_episodes(timeline, cutoff))
    violent = crises.loc[crises["clash"]]
    missing = [
        f"{c} ({n})"
        for c, n, y, s in zip(
            violent["crisno"], violent["crisname"], violent["year"], violent["start"], strict=True
        )
        if s is None and y >= first.year
    ]
    if missing:
        raise InputError(
            f"ICB crises with violence >= 2 have no start date: {', '.join(missing)}",
            source=DATA_FILES["icb"],
            fix="add their opening incident to ICB_VIOLENT_STARTS in detente/calibration/events.py",
        )
    frame["icb_clash"] = count(_month(s) for s in violent["start"] if s is not None)
    frame["csis_fatal"] = count(provocations.loc[provocations["fatal"], "month"])
    frame["csis_covered"] = [CSIS_COVERAGE[0] <= m <= CSIS_COVERAGE[1] for m in months]
    frame["armed_incident"] = ((frame["icb_clash"] > 0) | (frame["csis_fatal"] > 0)).astype(int)
    return frame


# ------------------------------------------------------------------------------------------------
# Patience: moratorium spells without relief


@dataclass(frozen=True)
class PatienceSpell:
    """A spell in which the DPRK kept a moratorium or freeze without relief, and how it ended."""

    id: str
    start: date
    start_event: str
    relief: str
    exercise_halt: bool
    end: date
    end_event: str
    ended: bool
    months: float


def patience_spells(cutoff: date = DEFAULT_CUTOFF, data_dir: str | Path | None = None) -> list[PatienceSpell]:
    """The moratorium spells without relief that started on or before ``cutoff`` (:data:`PATIENCE_STARTS`).

    A spell ends (``ended``) at the first of: a strategic test (ICBM, IRBM, SLV or nuclear), a
    timeline ``nuclear`` row involving the DPRK, or a DPRK renunciation of its freeze. A spell with
    none of these by the cutoff is right-censored there. ``exercise_halt`` says whether the US and the
    ROK suspended or ended exercises during the spell (timeline ``freeze`` rows of theirs).
    ``months`` is the length in days divided by :data:`MONTH_DAYS`.
    """
    timeline = load_timeline(cutoff, data_dir)
    missiles = load_missile_tests(cutoff, data_dir)
    nuclear = load_nuclear_tests(cutoff, data_dir)
    ends: list[tuple[date, str]] = [
        (d, f"{t} test ({n})")
        for d, t, n in zip(missiles["date"], missiles["missile_type"], missiles["missile_name"], strict=True)
        if t in STRATEGIC_TYPES
    ]
    ends += [(d, f"nuclear test no. {n}") for d, n in zip(nuclear["date"], nuclear["no"], strict=True)]
    for d, kind, actors, text in zip(
        timeline["date"], timeline["kind"], timeline["actors"], timeline["event"], strict=True
    ):
        if (kind == "nuclear" and "DPRK" in actors) or (
            kind == "freeze" and actors and actors[0] == "DPRK" and DPRK_RENUNCIATION.search(text)
        ):
            ends.append((d, text))
    ends.sort(key=lambda e: e[0])
    spells = []
    for st in PATIENCE_STARTS:
        if st.date > cutoff:
            continue
        rows = timeline.loc[(timeline["date"] == st.date) & (timeline["kind"] == st.kind)]
        if rows.empty:
            raise InputError(
                f"no '{st.kind}' row dated {st.date} for the patience spell '{st.id}'",
                source=DATA_FILES["timeline"],
                fix="restore the row or update PATIENCE_STARTS in detente/calibration/events.py",
            )
        later = [e for e in ends if e[0] > st.date]
        end, end_event, ended = (*later[0], True) if later else (cutoff, "censored at the cutoff", False)
        halt = any(
            st.date <= d <= end and kind == "freeze" and set(actors) == {"USA", "ROK"}
            for d, kind, actors in zip(timeline["date"], timeline["kind"], timeline["actors"], strict=True)
        )
        spells.append(
            PatienceSpell(
                id=st.id,
                start=st.date,
                start_event=str(rows["event"].iloc[0]),
                relief=st.relief,
                exercise_halt=halt,
                end=end,
                end_event=end_event,
                ended=ended,
                months=(end - st.date).days / MONTH_DAYS,
            )
        )
    return spells
