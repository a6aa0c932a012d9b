"""Monthly series and spells from the Korean event data: hand-checkable counts and the cutoff rule."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from detente.calibration import events as ev

CUTOFF = date(2019, 12, 31)


@pytest.fixture(scope="module")
def series() -> pd.DataFrame:
    return ev.monthly_series(CUTOFF)


def window(frame: pd.DataFrame, first: str, last: str) -> pd.DataFrame:
    return frame.loc[pd.Period(first, "M") : pd.Period(last, "M")]


def test_series_spans_1954_to_the_cutoff_month(series):
    assert str(series.index[0]) == "1954-01" and str(series.index[-1]) == "2019-12"
    assert len(series) == 66 * 12


def test_six_nuclear_test_months(series):
    months = [str(m) for m in series.index[series["nuclear"] == 1]]
    assert months == ["2006-10", "2009-05", "2013-02", "2016-01", "2016-09", "2017-09"]


def test_strategic_months_by_hand(series):
    # 1998-08 Taepodong-1, 2006-07 Taepodong-2, 2009-04 Unha-2, 2012-04 and 2012-12 Unha-3 (SLVs),
    # the nuclear tests of 2006, 2009, 2013, and 13 months of the 2016-2017 campaign
    assert int(window(series, "1993-01", "2019-12")["strategic"].sum()) == 21
    campaign = window(series, "2016-01", "2017-11")
    assert len(campaign) == 23
    assert int(campaign["strategic_no_slv"].sum()) == 12  # the review's 0.52 = 12/23
    assert int(campaign["strategic"].sum()) == 13  # + the Kwangmyongsong launch of 2016-02
    assert round(campaign["strategic_no_slv"].mean(), 2) == 0.52
    talks = window(series, "2018-01", "2019-02")
    assert len(talks) == 14 and int(talks["strategic"].sum()) == 0


def test_after_the_cutoff_frequency_is_a_third():
    later = window(ev.monthly_series(date(2024, 12, 31), start="2022-01"), "2022-01", "2024-12")
    assert int(later["strategic_no_slv"].sum()) == 12 and len(later) == 36
    assert int(later["strategic"].sum()) == 15  # three Chollima-1 launches in 2023


def test_regime_periods(series):
    periods = [p for p in ev.regime_periods(series["regime"]) if p[0] != ev.UNCOVERED]
    assert periods == [
        ("pressure", "1993-01", "1994-09", 21),
        ("talks", "1994-10", "2002-10", 97),
        ("pressure", "2002-11", "2007-01", 51),
        ("talks", "2007-02", "2008-12", 23),
        ("pressure", "2009-01", "2012-01", 37),
        ("talks", "2012-02", "2012-04", 3),
        ("pressure", "2012-05", "2017-12", 68),
        ("talks", "2018-01", "2019-02", 14),
        ("pressure", "2019-03", "2019-12", 10),
    ]
    assert (window(series, "1954-01", "1992-12")["regime"] == ev.UNCOVERED).all()


def test_an_episode_open_at_the_cutoff_is_censored():
    episodes = ev.talks_episodes(ev.load_timeline(date(2018, 6, 30)), date(2018, 6, 30))
    last = episodes[-1]
    assert last.censored and str(last.first_month) == "2018-01" and str(last.last_month) == "2018-06"


def test_icb_clashes_since_1954():
    crises = ev.load_icb_crises(date(2020, 12, 31))
    since = crises.loc[crises["year"] >= 1954]
    assert len(since) == 14 and int(since["clash"].sum()) == 7 and int(since["serious"].sum()) == 0
    crises = ev.load_icb_crises(CUTOFF)  # the 2020 crisis is after the cutoff
    assert int(crises.loc[crises["year"] >= 1954, "clash"].sum()) == 6


def test_icb_start_dates_are_backed_by_a_record():
    csis = set(ev.load_provocations(date(2030, 1, 1))["date"])
    timeline = set(ev.load_timeline(date(2030, 1, 1))["date"])
    for crisno, (day, _) in ev.ICB_VIOLENT_STARTS.items():
        assert date.fromisoformat(day) in csis | timeline, crisno


def test_clash_months(series):
    months = [str(m) for m in series.index[series["icb_clash"] > 0]]
    assert months == ["1968-01", "1976-08", "1996-09", "2010-03", "2010-11", "2015-08"]
    assert int(series["csis_fatal"].sum()) == 79
    assert int(series["armed_incident"].sum()) == 57  # 55 CSIS months + Cheonan and the 2015 mine


def test_fatal_rule():
    assert ev.is_fatal("Three U.S. soldiers are killed and 16 wounded")
    assert ev.is_fatal("There were no survivors from the sunken North Korean craft")
    assert not ev.is_fatal("exploded South of the DMZ, injuring two South Korean soldiers on patrol")
    assert not ev.is_fatal("No casualties were reported.")
    assert not ev.is_fatal("patrol killer mediums (PKMs)")


def test_patience_spells_to_the_cutoff():
    spells = {s.id: s for s in ev.patience_spells(CUTOFF)}
    assert list(spells) == ["af-relief-cut", "six-party-end", "leap-day", "2018-moratorium"]
    assert [s.ended for s in spells.values()] == [True, True, True, False]
    assert spells["leap-day"].end == date(2012, 4, 13)
    assert spells["six-party-end"].end == date(2009, 4, 5)
    assert spells["af-relief-cut"].end == date(2003, 1, 10)
    m = spells["2018-moratorium"]
    assert m.end == CUTOFF and m.exercise_halt and m.months == pytest.approx(620 / ev.MONTH_DAYS)


def test_the_2018_moratorium_ends_after_the_cutoff():
    later = {s.id: s for s in ev.patience_spells(date(2024, 12, 31))}
    assert later["2018-moratorium"].ended and later["2018-moratorium"].end == date(2020, 1, 1)


@pytest.mark.parametrize("cutoff", [date(2012, 4, 12), date(2017, 9, 2), CUTOFF])
def test_loaders_never_return_a_later_record(cutoff):
    for frame in (
        ev.load_timeline(cutoff),
        ev.load_missile_tests(cutoff),
        ev.load_nuclear_tests(cutoff),
        ev.load_provocations(cutoff),
        ev.load_vetoes(cutoff),
    ):
        assert not frame.empty and max(frame["date"]) <= cutoff
    crises = ev.load_icb_crises(cutoff)
    assert all(s is None or s <= cutoff for s in crises["start"])


def test_month_precision_dates_are_known_at_the_end_of_the_month():
    july = ev.load_timeline(date(2007, 7, 30))
    assert july["kind"].iloc[-1] != "verification"
    assert ev.load_timeline(date(2007, 7, 31))["kind"].iloc[-1] == "verification"


def test_a_partial_last_month_is_left_out():
    assert str(ev.monthly_series(date(2019, 12, 30)).index[-1]) == "2019-11"
    assert str(ev.last_complete_month(date(2020, 2, 29))) == "2020-02"
