"""Hypothesis strategies for valid detente scenarios and their parts."""

from __future__ import annotations

from hypothesis import strategies as st

from detente.scenario import Actor, Issue, Scenario, Source, Stance, Uncertainty, Units

ids = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,11}", fullmatch=True)
# Text without control characters other than newline and tab, and without lone surrogates.
text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x7f") | st.sampled_from("\n\t"),
    max_size=30,
)
names = text.filter(lambda s: 1 <= len(s) <= 200)
scores = st.floats(0, 100, allow_nan=False, allow_infinity=False)


@st.composite
def uncertainties(draw: st.DrawFn) -> Uncertainty:
    if draw(st.booleans()):
        return Uncertainty(sd=draw(scores))
    a, b = sorted([draw(scores), draw(scores)])
    return Uncertainty(low=a, high=b)


@st.composite
def scenarios(
    draw: st.DrawFn,
    *,
    min_actors: int = 1,
    max_actors: int = 6,
    min_issues: int = 1,
    max_issues: int = 3,
    full: bool = False,
    rich_text: bool = True,
) -> Scenario:
    """A valid scenario. ``full``: every actor has a stance on every issue."""
    actor_ids = draw(st.lists(ids, min_size=min_actors, max_size=max_actors, unique=True))
    issue_ids = draw(st.lists(ids, min_size=min_issues, max_size=max_issues, unique=True))
    source_ids = draw(st.lists(ids, max_size=2, unique=True))
    t = text if rich_text else st.just("")
    sources = [Source(id=s, title=draw(names), author=draw(t), file=draw(t)) for s in source_ids]
    actors = [
        Actor(
            id=a,
            name=draw(names),
            capability=draw(st.floats(0, 1e6, allow_nan=False)),
            description=draw(t),
            group=draw(t),
        )
        for a in actor_ids
    ]
    issues = []
    for i in issue_ids:
        units = None
        if draw(st.booleans()):
            lo = draw(st.floats(-1e3, 1e3, allow_nan=False))
            hi = lo + draw(st.floats(1e-3, 1e3, allow_nan=False))
            units = Units(unit=draw(t), at_0=lo, at_100=hi)
        issues.append(
            Issue(
                id=i,
                name=draw(names),
                description=draw(t),
                meaning_0=draw(t),
                meaning_100=draw(t),
                status_quo=draw(st.none() | scores),
                units=units,
                outcome=draw(st.none() | scores),
            )
        )
    stances = []
    for i in issue_ids:
        holders = (
            actor_ids
            if full
            else draw(st.lists(st.sampled_from(actor_ids), min_size=1, max_size=len(actor_ids), unique=True))
        )
        for a in holders:
            sourced = bool(source_ids) and draw(st.booleans())
            stances.append(
                Stance(
                    actor=a,
                    issue=i,
                    position=draw(scores),
                    salience=draw(scores),
                    uncertainty=draw(st.none() | uncertainties()),
                    basis="sourced" if sourced else "estimate",
                    source=draw(st.sampled_from(source_ids)) if sourced else "",
                    quote=draw(names.filter(str.strip)) if sourced else "",
                    note=draw(t),
                )
            )
    return Scenario(
        name=draw(names), description=draw(t), sources=sources, actors=actors, issues=issues, stances=stances
    )
