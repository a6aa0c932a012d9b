r"""Calibrate the Korean road map from event data up to a cutoff, with statsmodels.

:func:`calibrate` fits, on the monthly series of :mod:`detente.calibration.events` cut at ``cutoff``:

* **DPRK strategic tests**: a logistic GLM of the monthly test indicator on the regime (talks or
  pressure) and last month's indicator, from 1993-01; from it, a two-state Markov chain per regime.
* **Clashes**: a logistic GLM of the monthly indicator of an ICB crisis with violence >= 2 on the
  regime, from 1954-01; a second one for armed incidents (ICB clashes or CSIS records of a death).
* **Patience**: moratorium spells without relief, censored at the cutoff; a lower bound, an
  exponential fit (Poisson GLM with the log exposure as offset, the exponential MLE) and Kaplan-Meier.
* **Guarantor credibility** of China and Russia: counts from the UN record, and judged values with
  their rationale, in a dated table.

Later data enter only :class:`ReplayChecks` (out of sample, read up to :data:`REPLAY_UNTIL`).
The result is shipped as ``detente/data/korea/calibration.json``; :func:`load_calibration` reads it.

>>> cal = load_calibration()
>>> cal.metadata.cutoff
'2019-12-31'
>>> cal.tests.lag_odds_ratio.value > 1
True
>>> import numpy as np
>>> draws = cal.sample(3, np.random.default_rng(0))
>>> draws["tests.talks.p_test_after_quiet"].shape
(3,)

Regenerate the shipped file (the cutoff is part of the command)::

    python -m detente.calibration.korea --cutoff 2019-12-31 \
        --out src/detente/data/korea/calibration.json --force
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from importlib.resources import files
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
import statsmodels
import statsmodels.api as sm
from pydantic import BaseModel, ConfigDict
from scipy.special import expit
from statsmodels.duration.survfunc import SurvfuncRight
from statsmodels.stats.proportion import proportion_confint
from statsmodels.tools.sm_exceptions import (
    ConvergenceWarning,
    PerfectSeparationError,
    PerfectSeparationWarning,
)

from detente.calibration import events as ev
from detente.errors import DetenteError, ModelError, ParameterError

__all__ = [
    "DEFAULT_CUTOFF",
    "REPLAY_UNTIL",
    "SHIPPED_FILE",
    "KoreaCalibration",
    "ParameterDraws",
    "calibrate",
    "load_calibration",
    "main",
]

DEFAULT_CUTOFF = ev.DEFAULT_CUTOFF
REPLAY_UNTIL = date(2024, 12, 31)
"""Out-of-sample checks run to the end of 2024, the end of the diplomatic timeline."""

SHIPPED_FILE = "data/korea/calibration.json"
"""The shipped calibration, relative to the ``detente`` package."""

TEST_START = "1993-01"
"""The test model starts when the timeline does (CNS: records after 1993 are much more complete)."""
SENSITIVITY_START = "2006-01"
"""Start of the sensitivity fit of the test model: the nuclear-armed era only."""
CLASH_START = "1954-01"
"""Clash models start after the armistice (July 1953)."""

SHIPPED_TEST_RATE = 0.25
"""The constant monthly DPRK test rate of the road map before calibration (for the replay scores)."""

SIGNIFICANT = 6
"""Significant digits kept for every float in the calibration."""

Z95 = 1.959963984540054

CHECK_WINDOWS: tuple[tuple[str, str, float, str], ...] = (
    ("2016-01", "2017-11", 0.52, "the 2016-2017 testing campaign"),
    ("2018-01", "2019-02", 0.0, "the 14 months of talks"),
    ("2022-01", "2024-12", 0.33, "after the moratorium"),
)
"""Windows of the review's raw frequencies: (first month, last month, cited value, what)."""

DEFINITIONS = {
    "strategic": "ICBM, IRBM or SLV test (CNS) or nuclear test (Yao et al. 2018) in the month",
    "strategic_no_slv": "ICBM or IRBM test (CNS) or nuclear test in the month (the review's definition)",
}


# ------------------------------------------------------------------------------------------------
# The result


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Estimate(_Model):
    """A number with its standard error (delta method where transformed) and 95% interval."""

    value: float
    se: float | None
    ci_low: float
    ci_high: float


class Coefficient(_Model):
    """One GLM coefficient: estimate, standard error, 95% Wald interval."""

    name: str
    estimate: float
    se: float
    ci_low: float
    ci_high: float


class GlmFit(_Model):
    """A fitted statsmodels GLM: enough to read its coefficients and draw from their sampling law."""

    family: str
    response: str
    window: tuple[str, str]
    n_obs: int
    n_events: int
    coefficients: list[Coefficient]
    cov: list[list[float]]
    log_likelihood: float

    def mean(self) -> np.ndarray:
        """The coefficient vector."""
        return np.array([c.estimate for c in self.coefficients])

    def cov_matrix(self) -> np.ndarray:
        """The coefficients' covariance matrix."""
        return np.array(self.cov)

    def index(self, name: str) -> int:
        """Position of coefficient ``name``."""
        return [c.name for c in self.coefficients].index(name)


class RegimeCount(_Model):
    """Raw counts in one regime: months, months with the event, their ratio."""

    regime: str
    months: int
    event_months: int
    frequency: float


class MarkovChain(_Model):
    """The two-state chain a regime implies: p(test | quiet last month), p(test | test last month)."""

    regime: str
    p_test_after_quiet: Estimate
    p_test_after_test: Estimate
    stationary: float
    mean_quiet_months: float
    mean_testing_months: float


class Frequency(_Model):
    """A raw frequency over a window, with the value the review cites (if any)."""

    window: tuple[str, str]
    what: str
    series: str
    definition: str
    months: int
    event_months: int
    value: float
    cited: float | None


class TestCalibration(_Model):
    """DPRK strategic tests: the logistic GLM, the lag odds ratio, the chains and the raw checks."""

    definition: str
    model: GlmFit
    lag_odds_ratio: Estimate
    regimes: list[RegimeCount]
    chains: list[MarkovChain]
    sensitivity: GlmFit
    sensitivity_chains: list[MarkovChain]
    sensitivity_lag_odds_ratio: Estimate
    checks: list[Frequency]
    note: str


class ClashEvent(_Model):
    """An event counted as a clash: date, ICB crisis, violence code, regime of its month."""

    date: str
    crisno: int
    name: str
    violence: int
    regime: str
    dated_by: str


class ClashRegime(_Model):
    """Clash probability in one regime: per month, expected clash months per year, P(>= 1 in 5 years)."""

    regime: str
    months: int
    event_months: int
    p_month: Estimate
    per_year: Estimate
    p_any_in_5_years: Estimate


class ClashModel(_Model):
    """A logistic GLM of a monthly clash indicator on the regime, and what it implies per regime."""

    definition: str
    model: GlmFit
    regimes: list[ClashRegime]
    overall_per_year: Estimate


class ClashCalibration(_Model):
    """Clashes: ICB crises with violence >= 2 (primary) and armed incidents (broader)."""

    icb: ClashModel
    armed_incidents: ClashModel
    icb_events: list[ClashEvent]
    crises_since_1954: int
    clash_crises: int
    serious_crises: int
    serious_per_year_upper95: float
    note: str


class Spell(_Model):
    """A moratorium spell without relief: dates, length in months, whether it ended or is censored."""

    id: str
    start: str
    end: str
    months: float
    ended: bool
    relief: str
    exercise_halt: bool
    start_event: str
    end_event: str


class ExponentialFit(_Model):
    """Exponential patience (constant hazard) from censored spells: rate per month and mean months."""

    spells: list[str]
    events: int
    exposure_months: float
    rate_per_month: Estimate
    mean_months: Estimate
    model: GlmFit


class KaplanMeierRow(_Model):
    """The Kaplan-Meier survival of a moratorium after ``months``."""

    months: float
    survival: float
    se: float


class PatienceCalibration(_Model):
    """The DPRK's patience under a moratorium or freeze without relief."""

    definition: str
    spells: list[Spell]
    lower_bound_months: float
    lower_bound_spell: str
    exponential: ExponentialFit
    exponential_never_delivered: ExponentialFit
    kaplan_meier: list[KaplanMeierRow]
    note: str


class GuarantorRow(_Model):
    """A dated entry in the guarantor table: a count from the data or an estimate with its rationale."""

    date: str
    actor: str
    quantity: str
    value: float | None
    ci: tuple[float, float] | None
    basis: Literal["count", "estimate", "event"]
    rationale: str
    source: str


class GuarantorCalibration(_Model):
    """China and Russia as guarantors of a settlement: counts and judged credibility, with dates."""

    definition: str
    rows: list[GuarantorRow]


class Score(_Model):
    """Mean one-step-ahead Brier and log scores of a forecast of the monthly test indicator."""

    forecast: str
    brier: float
    log_score: float


class ReplayChecks(_Model):
    """Out-of-sample checks: data after the cutoff, never used in a fit."""

    note: str
    until: str
    regime_periods: list[tuple[str, str, str, int]]
    frequencies: list[Frequency]
    months: int
    observed_strategic_frequency: float
    predicted_stationary_frequency: float
    one_step_scores: list[Score]
    icb_clash_months: int
    icb_clash_months_expected: float
    patience_spells: list[Spell]
    guarantor_breaks: list[GuarantorRow]


class DataFile(_Model):
    """A data file read: its rows (all, and those dated on or before the cutoff) and its SHA-256."""

    name: str
    path: str
    rows_in_file: int
    records_to_cutoff: int
    unit: str
    sha256: str


class Metadata(_Model):
    """Provenance of a calibration: cutoff, windows, data files, statsmodels version, command."""

    cutoff: str
    generated_by: str
    command: str
    statsmodels_version: str
    rounding: str
    fit_windows: dict[str, tuple[str, str]]
    regime_periods: list[tuple[str, str, str, int]]
    data_files: list[DataFile]


@dataclass(frozen=True)
class ParameterDraws:
    """``n`` parameter sets drawn from the calibration's sampling distributions, one column per name."""

    names: tuple[str, ...]
    values: np.ndarray

    def __getitem__(self, name: str) -> np.ndarray:
        """The draws of parameter ``name``."""
        return self.values[:, self.names.index(name)]

    def to_dict(self) -> dict[str, list[float]]:
        """The draws as ``{name: [values]}``."""
        return {n: self[n].tolist() for n in self.names}


class KoreaCalibration(_Model):
    """The calibration of the Korean road map, fitted on data up to ``metadata.cutoff``."""

    schema_version: int = 1
    metadata: Metadata
    tests: TestCalibration
    clashes: ClashCalibration
    patience: PatienceCalibration
    guarantors: GuarantorCalibration
    replay_checks: ReplayChecks | None

    def to_json_dict(self) -> dict[str, Any]:
        """The calibration as JSON data (what the shipped file holds)."""
        return self.model_dump(mode="json")

    def to_json_text(self) -> str:
        """The calibration as JSON text: UTF-8, indented, no NaN (as detente writes JSON)."""
        return json.dumps(self.to_json_dict(), indent=2, ensure_ascii=False, allow_nan=False) + "\n"

    def sample(self, n: int, rng: np.random.Generator) -> ParameterDraws:
        """Draw ``n`` parameter sets for intervals that include parameter uncertainty.

        The test and clash GLM coefficients are drawn from their multivariate normal sampling
        distributions and turned into probabilities; the patience rate from the normal law of its
        log (the exponential fit on all spells). Guarantor credibility is a judgement and is not drawn.
        Deterministic for a given generator state.
        """
        if n < 1:
            raise ParameterError(f"n is {n}", where="n", fix="draw at least one parameter set")
        cols: dict[str, np.ndarray] = {}
        t = self.tests.model
        b = rng.multivariate_normal(t.mean(), t.cov_matrix(), size=n, method="eigh")
        for regime in (ev.TALKS, ev.PRESSURE):
            eta = b[:, 0] + (b[:, t.index(f"regime[{regime}]")] if regime != ev.PRESSURE else 0.0)
            cols[f"tests.{regime}.p_test_after_quiet"] = expit(eta)
            cols[f"tests.{regime}.p_test_after_test"] = expit(eta + b[:, t.index("lag")])
        for key, model in (
            ("clashes.icb", self.clashes.icb.model),
            ("clashes.armed", self.clashes.armed_incidents.model),
        ):
            c = rng.multivariate_normal(model.mean(), model.cov_matrix(), size=n, method="eigh")
            for regime in ev.REGIMES:
                eta = c[:, 0] + (c[:, model.index(f"regime[{regime}]")] if regime != ev.PRESSURE else 0.0)
                cols[f"{key}.{regime}.p_month"] = expit(eta)
        p = self.patience.exponential.model
        log_rate = p.coefficients[0].estimate + p.coefficients[0].se * rng.standard_normal(n)
        cols["patience.rate_per_month"] = np.exp(log_rate)
        cols["patience.mean_months"] = np.exp(-log_rate)
        return ParameterDraws(tuple(cols), np.column_stack(list(cols.values())))

    def summary_rows(self) -> list[dict[str, str]]:
        """The main estimates as table rows: quantity, estimate, standard error, 95% interval, basis."""

        def row(q: str, e: Estimate, basis: str = "fitted") -> dict[str, str]:
            se = "-" if e.se is None else f"{e.se:.3g}"
            return {
                "quantity": q,
                "estimate": f"{e.value:.3g}",
                "s.e.": se,
                "95% interval": f"[{e.ci_low:.3g}, {e.ci_high:.3g}]",
                "basis": basis,
            }

        rows = []
        for c in self.tests.chains:
            rows.append(row(f"p(test | quiet last month), {c.regime}", c.p_test_after_quiet))
            rows.append(row(f"p(test | test last month), {c.regime}", c.p_test_after_test))
        rows.append(row("lag odds ratio (tests)", self.tests.lag_odds_ratio))
        for r in self.clashes.icb.regimes:
            rows.append(row(f"ICB clash months a year, {r.regime}", r.per_year))
        rows.append(row("ICB clash months a year, all", self.clashes.icb.overall_per_year))
        for r in self.clashes.icb.regimes:
            rows.append(row(f"P(ICB clash in 5 years), {r.regime}", r.p_any_in_5_years))
        pat = self.patience
        rows.append(row("patience, mean months (exponential)", pat.exponential.mean_months))
        rows.append(
            {
                "quantity": "patience, lower bound (months)",
                "estimate": f"{pat.lower_bound_months:.3g}",
                "s.e.": "-",
                "95% interval": "-",
                "basis": "count",
            }
        )
        for g in self.guarantors.rows:
            if g.value is not None and g.quantity == "credibility":
                rows.append(
                    {
                        "quantity": f"credibility, {g.actor}, from {g.date}",
                        "estimate": f"{g.value:.3g}",
                        "s.e.": "-",
                        "95% interval": "-",
                        "basis": g.basis,
                    }
                )
        return rows


# ------------------------------------------------------------------------------------------------
# Fitting


def _design(frame: pd.DataFrame, regimes: Sequence[str], lag: pd.Series | None = None) -> pd.DataFrame:
    """Design matrix: const, one dummy per non-reference regime (reference: pressure), optional lag."""
    cols: dict[str, Any] = {"const": np.ones(len(frame))}
    for r in regimes:
        if r != ev.PRESSURE:
            cols[f"regime[{r}]"] = (frame["regime"] == r).to_numpy(dtype=float)
    if lag is not None:
        cols["lag"] = lag.to_numpy(dtype=float)
    return pd.DataFrame(cols, index=frame.index)


def _check_cells(y: pd.Series, x: pd.DataFrame, what: str) -> None:
    """Refuse a fit where a dummy's cell has no event or only events (the MLE would not exist)."""
    for name in x.columns[1:]:
        on = x[name] > 0
        events = int(y[on].sum())
        if events == 0 or events == int(on.sum()):
            raise ModelError(
                f"the {what} model cannot be fitted: the months with {name} have "
                f"{events} events in {int(on.sum())}",
                where="cutoff",
                fix="use a later cutoff (the default is 2019-12-31)",
            )


def _fit_glm(y: pd.Series, x: pd.DataFrame, family: Any, *, offset: np.ndarray | None = None) -> Any:
    """Fit a statsmodels GLM, turning convergence and separation warnings into a :class:`ModelError`."""
    trouble = (ConvergenceWarning, PerfectSeparationWarning, PerfectSeparationError, RuntimeWarning)
    with warnings.catch_warnings():
        for kind in (ConvergenceWarning, PerfectSeparationWarning, RuntimeWarning):
            warnings.simplefilter("error", kind)
        try:
            return sm.GLM(y.to_numpy(dtype=float), x, family=family, offset=offset).fit()
        except trouble as exc:
            raise ModelError(f"the GLM did not fit cleanly: {exc}", fix="use a later cutoff") from None


def _glm_summary(res: Any, response: str, window: tuple[str, str], family: str, events: int) -> GlmFit:
    ci = np.asarray(res.conf_int(0.05))
    names = list(res.model.exog_names)
    params, bse = np.asarray(res.params), np.asarray(res.bse)
    return GlmFit(
        family=family,
        response=response,
        window=window,
        n_obs=int(res.nobs),
        n_events=events,
        coefficients=[
            Coefficient(name=n, estimate=params[i], se=bse[i], ci_low=ci[i, 0], ci_high=ci[i, 1])
            for i, n in enumerate(names)
        ],
        cov=np.asarray(res.cov_params()).tolist(),
        log_likelihood=float(res.llf),
    )


def _predict(res: Any, rows: pd.DataFrame) -> pd.DataFrame:
    """Mean, its standard error and 95% interval from statsmodels' prediction for each row."""
    return res.get_prediction(rows).summary_frame(alpha=0.05)


def _est(value: float, se: float | None, lo: float, hi: float) -> Estimate:
    return Estimate(
        value=float(value), se=None if se is None else float(se), ci_low=float(lo), ci_high=float(hi)
    )


def _frequency(series: pd.DataFrame, column: str, window: tuple[str, str, float, str]) -> Frequency:
    first, last, cited, what = window
    part = series.loc[pd.Period(first, "M") : pd.Period(last, "M"), column]
    return Frequency(
        window=(first, last),
        what=what,
        series=column,
        definition=DEFINITIONS[column],
        months=len(part),
        event_months=int(part.sum()),
        value=float(part.mean()),
        cited=cited if column == "strategic_no_slv" else None,
    )


def _chains(res: Any) -> list[MarkovChain]:
    """The two-state chain of each regime from a fitted test GLM (statsmodels predictions)."""
    rows = pd.DataFrame(
        {
            "const": [1.0, 1.0, 1.0, 1.0],
            "regime[talks]": [1.0, 1.0, 0.0, 0.0],
            "lag": [0.0, 1.0, 0.0, 1.0],
        }
    )
    pred = _predict(res, rows)
    chains = []
    for k, regime in enumerate((ev.TALKS, ev.PRESSURE)):
        q, t = pred.iloc[2 * k], pred.iloc[2 * k + 1]
        p01, p11 = float(q["mean"]), float(t["mean"])
        chains.append(
            MarkovChain(
                regime=regime,
                p_test_after_quiet=_est(p01, q["mean_se"], q["mean_ci_lower"], q["mean_ci_upper"]),
                p_test_after_test=_est(p11, t["mean_se"], t["mean_ci_lower"], t["mean_ci_upper"]),
                stationary=p01 / (1.0 - p11 + p01),
                mean_quiet_months=1.0 / p01,
                mean_testing_months=1.0 / (1.0 - p11),
            )
        )
    return chains


def _fit_tests(series: pd.DataFrame, cutoff_month: pd.Period) -> TestCalibration:
    """The logistic GLM of the strategic test indicator on regime and lag, and what it implies."""
    y_all = series["strategic"]
    lag_all = y_all.shift(1)

    def fit(start: str) -> tuple[Any, GlmFit, pd.DataFrame]:
        part = series.loc[pd.Period(start, "M") :]
        y, lag = y_all.loc[part.index], lag_all.loc[part.index]
        x = _design(part, (ev.TALKS, ev.PRESSURE), lag)
        _check_cells(y, x, "test")
        res = _fit_glm(y, x, sm.families.Binomial())
        window = (str(part.index[0]), str(part.index[-1]))
        return res, _glm_summary(res, "strategic", window, "Binomial (logit)", int(y.sum())), part

    res, glm, part = fit(TEST_START)
    sens_res, sens_glm, _ = fit(SENSITIVITY_START)

    def odds_ratio(r: Any) -> Estimate:
        i = list(r.model.exog_names).index("lag")
        b, se = float(r.params.iloc[i]), float(r.bse.iloc[i])
        lo, hi = np.asarray(r.conf_int(0.05))[i]
        return _est(math.exp(b), math.exp(b) * se, math.exp(lo), math.exp(hi))

    regimes = []
    for regime in (ev.TALKS, ev.PRESSURE):
        sel = part["regime"] == regime
        n, k = int(sel.sum()), int(part.loc[sel, "strategic"].sum())
        regimes.append(RegimeCount(regime=regime, months=n, event_months=k, frequency=k / n))
    checks = [
        _frequency(series, column, w)
        for w in CHECK_WINDOWS
        if pd.Period(w[1], "M") <= cutoff_month
        for column in ("strategic_no_slv", "strategic")
    ]
    result = TestCalibration(
        definition=f"strategic = {DEFINITIONS['strategic']}; regressors: regime (reference pressure) and "
        "lag = last month's strategic indicator",
        model=glm,
        lag_odds_ratio=odds_ratio(res),
        regimes=regimes,
        chains=_chains(res),
        sensitivity=sens_glm,
        sensitivity_chains=_chains(sens_res),
        sensitivity_lag_odds_ratio=odds_ratio(sens_res),
        checks=checks,
        note="No regime x lag interaction (talks have no month after a test month); p(test | test) in talks "
        "is extrapolated from the additive model. The pressure regime pools 1993-2019, so its chain "
        "averages low-capability years with the 2016-2017 campaign; see the sensitivity fit from 2006.",
    )
    return result


def _fit_clash_model(
    frame: pd.DataFrame, column: str, definition: str, window: tuple[pd.Period, pd.Period]
) -> ClashModel:
    part = frame.loc[window[0] : window[1]]
    y = (part[column] > 0).astype(int)
    present = [r for r in ev.REGIMES if (part["regime"] == r).any()]
    x = _design(part, present)
    _check_cells(y, x, column)
    res = _fit_glm(y, x, sm.families.Binomial())
    glm = _glm_summary(
        res, column, (str(part.index[0]), str(part.index[-1])), "Binomial (logit)", int(y.sum())
    )
    rows = pd.DataFrame([{c: float(c == "const" or c == f"regime[{r}]") for c in x.columns} for r in present])
    pred = _predict(res, rows)
    regimes = []
    for k, regime in enumerate(present):
        p = pred.iloc[k]
        m, se, lo, hi = (
            float(p["mean"]),
            float(p["mean_se"]),
            float(p["mean_ci_lower"]),
            float(p["mean_ci_upper"]),
        )
        sel = part["regime"] == regime
        regimes.append(
            ClashRegime(
                regime=regime,
                months=int(sel.sum()),
                event_months=int(y[sel].sum()),
                p_month=_est(m, se, lo, hi),
                per_year=_est(12 * m, 12 * se, 12 * lo, 12 * hi),
                p_any_in_5_years=_est(
                    1 - (1 - m) ** 60, 60 * (1 - m) ** 59 * se, 1 - (1 - lo) ** 60, 1 - (1 - hi) ** 60
                ),
            )
        )
    overall = _fit_glm(y, x[["const"]], sm.families.Binomial())
    o = _predict(overall, pd.DataFrame({"const": [1.0]})).iloc[0]
    return ClashModel(
        definition=definition,
        model=glm,
        regimes=regimes,
        overall_per_year=_est(
            12 * o["mean"], 12 * o["mean_se"], 12 * o["mean_ci_lower"], 12 * o["mean_ci_upper"]
        ),
    )


def _fit_clashes(series: pd.DataFrame, crises: pd.DataFrame, cutoff_month: pd.Period) -> ClashCalibration:
    frame = series.loc[pd.Period(CLASH_START, "M") :]
    icb = _fit_clash_model(
        frame,
        "icb_clash",
        "a month in which an ICB Korea crisis with violence >= 2 (minor clashes or worse; highest code "
        "of any actor) starts, dated by its opening violent incident",
        (frame.index[0], frame.index[-1]),
    )
    armed_end = min(cutoff_month, ev.CSIS_COVERAGE[1])
    armed = _fit_clash_model(
        frame,
        "armed_incident",
        "a month with an ICB clash (as above) or a CSIS record whose description reports a death "
        "(kill/killed/killing, dead, died, death(s), no survivors); fitted over the CSIS coverage only",
        (ev.CSIS_COVERAGE[0], armed_end),
    )
    since = crises.loc[crises["year"] >= int(CLASH_START[:4])]
    events = [
        ClashEvent(
            date=str(r.start),
            crisno=int(r.crisno),
            name=str(r.crisname),
            violence=int(r.violence),
            regime=str(series.loc[pd.Period(r.start.isoformat()[:7], "M"), "regime"]),
            dated_by=ev.ICB_VIOLENT_STARTS[int(r.crisno)][1],
        )
        for r in since.itertuples()
        if r.clash
    ]
    n_months = len(frame)
    upper = float(proportion_confint(int(since["serious"].sum()), n_months, alpha=0.05, method="beta")[1])
    return ClashCalibration(
        icb=icb,
        armed_incidents=armed,
        icb_events=events,
        crises_since_1954=len(since),
        clash_crises=int(since["clash"].sum()),
        serious_crises=int(since["serious"].sum()),
        serious_per_year_upper95=12 * upper,
        note="ICB violence codes (codebook): 1 no violence, 2 minor clashes, 3 serious clashes, "
        "4 full-scale war; the extract's actor-level code is read as the actor's own use of violence "
        "(China 1 in Korean War I), so a crisis counts as a clash when any actor has 2 or more. "
        "per_year = expected clash months per year (12 x monthly probability). The serious-clash bound "
        "is the Clopper-Pearson 95% upper bound on the monthly probability of 0 serious-clash crises, "
        "times 12.",
    )


def _spell(s: ev.PatienceSpell) -> Spell:
    return Spell(
        id=s.id,
        start=s.start.isoformat(),
        end=s.end.isoformat(),
        months=s.months,
        ended=s.ended,
        relief=s.relief,
        exercise_halt=s.exercise_halt,
        start_event=s.start_event,
        end_event=s.end_event,
    )


def _exponential(spells: list[ev.PatienceSpell], cutoff: date) -> ExponentialFit:
    """Exponential MLE with right-censoring: a Poisson GLM of the end indicator with log(months) offset."""
    y = pd.Series([float(s.ended) for s in spells])
    if y.sum() == 0:
        raise ModelError("no moratorium spell ended before the cutoff", fix="use a later cutoff")
    months = np.array([s.months for s in spells])
    x = pd.DataFrame({"const": np.ones(len(spells))})
    res = _fit_glm(y, x, sm.families.Poisson(), offset=np.log(months))
    b, se = float(res.params.iloc[0]), float(res.bse.iloc[0])
    lo, hi = np.asarray(res.conf_int(0.05))[0]
    rate = math.exp(b)
    return ExponentialFit(
        spells=[s.id for s in spells],
        events=int(y.sum()),
        exposure_months=float(months.sum()),
        rate_per_month=_est(rate, rate * se, math.exp(lo), math.exp(hi)),
        mean_months=_est(1 / rate, se / rate, math.exp(-hi), math.exp(-lo)),
        model=_glm_summary(
            res,
            "spell ended",
            (min(s.start for s in spells).isoformat(), cutoff.isoformat()),
            "Poisson (log), offset log months",
            int(y.sum()),
        ),
    )


def _fit_patience(spells: list[ev.PatienceSpell], cutoff: date) -> PatienceCalibration:
    if not spells:
        raise ModelError("no moratorium spell started before the cutoff", fix="use a later cutoff")
    censored = [s for s in spells if not s.ended]
    longest = max(censored or spells, key=lambda s: s.months)
    never = [s for s in spells if s.relief == "never delivered"]
    km = SurvfuncRight(np.array([s.months for s in spells]), np.array([int(s.ended) for s in spells]))
    return PatienceCalibration(
        definition="months the DPRK kept a test moratorium or freeze while no relief came (relief withdrawn "
        "from a freeze in force, or promised and never delivered); ends at its first strategic test, a DPRK "
        "nuclear step in the timeline, or a renunciation; right-censored at the cutoff",
        spells=[_spell(s) for s in spells],
        lower_bound_months=longest.months,
        lower_bound_spell=longest.id,
        exponential=_exponential(spells, cutoff),
        exponential_never_delivered=_exponential(never or spells, cutoff),
        kaplan_meier=[
            KaplanMeierRow(months=float(t), survival=float(p), se=float(e))
            for t, p, e in zip(km.surv_times, km.surv_prob, km.surv_prob_se, strict=True)
        ],
        note="The spells disagree: where relief was withdrawn or never came after a one-off deal, the DPRK "
        "resumed within 1.5-4 months; the 2018 moratorium, paired with US-ROK exercise suspensions but no "
        "sanctions relief, lasted at least the lower bound. A constant hazard fits neither well; with three "
        "ended spells no Weibull shape can be estimated.",
    )


def _guarantor_rows(
    timeline: pd.DataFrame, vetoes: pd.DataFrame, nuclear: pd.DataFrame, cutoff: date
) -> list[GuarantorRow]:
    """The in-sample guarantor table (rows dated on or before ``cutoff``)."""
    res = ev.sanctions_resolutions(timeline)
    dprk = ev.dprk_vetoes(vetoes)
    rows: list[GuarantorRow] = []
    if res.empty:
        return rows
    first = res["date"].iloc[0]
    answered = 0
    for d in nuclear["date"]:
        answered += any(0 <= (r - d).days <= 90 for r in res["date"])
    n_tests = len(nuclear)
    lo, hi = proportion_confint(answered, n_tests, alpha=0.05, method="jeffreys") if n_tests else (0.0, 1.0)
    for actor in ("China", "Russia"):
        vetoed = int(sum(actor in v for v in dprk["vetoed_by"]))
        rows.append(
            GuarantorRow(
                date=first.isoformat(),
                actor=actor,
                quantity="share of DPRK sanctions drafts it let pass",
                value=len(res) / (len(res) + vetoed),
                ci=None,
                basis="count",
                rationale=f"{len(res)} UNSC sanctions resolutions on the DPRK adopted "
                f"{first.isoformat()}..{res['date'].iloc[-1].isoformat()} and {vetoed} {actor} vetoes of a "
                "DPRK draft to the cutoff. That it voted in favour (not abstained) is the UN record, not in "
                "these files.",
                source="diplomatic timeline (kind sanctions, actor UNSC); "
                "UNSC veto list (crisis_topic North Korea)",
            )
        )
        rows.append(
            GuarantorRow(
                date=first.isoformat(),
                actor=actor,
                quantity="share of nuclear tests answered within 90 days by a resolution it let pass",
                value=answered / n_tests if n_tests else None,
                ci=(float(lo), float(hi)),
                basis="count",
                rationale=f"{answered} of {n_tests} nuclear tests to the cutoff; 95% interval Jeffreys",
                source="nuclear tests (Yao et al. 2018); diplomatic timeline",
            )
        )
        rows.append(
            GuarantorRow(
                date=first.isoformat(),
                actor=actor,
                quantity="credibility",
                value=round(float(lo), 2),
                ci=None,
                basis="estimate",
                rationale="chance that it lets a DPRK breach of a settlement be punished: the lower "
                "end of the interval of its record, a discount for drafts it diluted and for lax "
                "enforcement of sanctions (UN Panel of Experts), which these files do not measure",
                source="judgement on the counts above",
            )
        )
    for d, text, actors in zip(timeline["date"], timeline["event"], timeline["actors"], strict=True):
        if "China" in actors and "Russia" in actors and "freeze" in text.lower():
            for actor in ("China", "Russia"):
                rows.append(
                    GuarantorRow(
                        date=d.isoformat(),
                        actor=actor,
                        quantity="sponsor of a freeze road map",
                        value=None,
                        ci=None,
                        basis="event",
                        rationale=f"{text}; credibility left unchanged: proposing a freeze is not "
                        "enforcing one",
                        source="diplomatic timeline",
                    )
                )
    return [r for r in rows if date.fromisoformat(r.date) <= cutoff]


_BREAKS: tuple[tuple[str, str, float, str], ...] = (
    (
        "China",
        "veto",
        0.3,
        "vetoed the response to the 2022 ICBM tests: no longer lets a DPRK breach be "
        "punished at the UNSC; kept above zero for its leverage and its stake in a quiet border",
    ),
    ("Russia", "veto", 0.2, "vetoed the response to the 2022 ICBM tests"),
    ("Russia", "panel", 0.1, "ended the UN Panel of Experts that monitored sanctions"),
    (
        "Russia",
        "treaty",
        0.05,
        "treaty ally of the DPRK with a mutual assistance clause: cannot credibly punish a DPRK breach",
    ),
)


def _guarantor_breaks(timeline: pd.DataFrame, vetoes: pd.DataFrame, cutoff: date) -> list[GuarantorRow]:
    """Dated breaks after the cutoff (replay inputs): counts from the veto list, judged credibility."""
    later_res = ev.sanctions_resolutions(timeline)
    later_res = later_res.loc[[d > cutoff for d in later_res["date"]]]
    dprk = ev.dprk_vetoes(vetoes)
    dprk = dprk.loc[[d > cutoff for d in dprk["date"]]]
    rows: list[GuarantorRow] = []
    for actor in ("China", "Russia"):
        mine = dprk.loc[[actor in v for v in dprk["vetoed_by"]]]
        if mine.empty:
            continue
        d = mine["date"].iloc[0]
        rows.append(
            GuarantorRow(
                date=d.isoformat(),
                actor=actor,
                quantity="share of DPRK sanctions drafts it let pass",
                value=len(later_res) / (len(later_res) + len(mine)),
                ci=None,
                basis="count",
                rationale=f"after the cutoff: {len(later_res)} resolutions, {len(mine)} {actor} veto(es) "
                f"({', '.join(mine['draft'])})",
                source="UNSC veto list; diplomatic timeline",
            )
        )
    triggers = {
        "veto": lambda k, a, t: k == "veto" and "China" in a and "Russia" in a,
        "panel": lambda k, a, t: k == "veto" and a[:1] == ("Russia",) and "Panel of Experts" in t,
        "treaty": lambda k, a, t: k == "agreement" and set(a) == {"Russia", "DPRK"},
    }
    for actor, trigger, value, why in _BREAKS:
        for d, k, a, t in zip(
            timeline["date"], timeline["kind"], timeline["actors"], timeline["event"], strict=True
        ):
            if d > cutoff and triggers[trigger](k, a, t):
                rows.append(
                    GuarantorRow(
                        date=d.isoformat(),
                        actor=actor,
                        quantity="credibility",
                        value=value,
                        ci=None,
                        basis="estimate",
                        rationale=f"{t}: {why}",
                        source="diplomatic timeline; judgement",
                    )
                )
                break
    return sorted(rows, key=lambda r: (r.date, r.actor, r.quantity))


def _replay(
    test_cal: TestCalibration,
    clash: ClashCalibration,
    cutoff: date,
    spells: list[ev.PatienceSpell],
    data_dir: str | Path | None,
) -> ReplayChecks | None:
    if cutoff >= REPLAY_UNTIL:
        return None
    series = ev.monthly_series(REPLAY_UNTIL, start=TEST_START, data_dir=data_dir)
    cut = ev.last_complete_month(cutoff)
    after = series.loc[cut + 1 :]
    freqs = [
        _frequency(series, column, w)
        for w in CHECK_WINDOWS
        if pd.Period(w[1], "M") > cut
        for column in ("strategic_no_slv", "strategic")
    ]
    chains = {c.regime: c for c in test_cal.chains}
    y = after["strategic"].to_numpy(dtype=float)
    prev = series["strategic"].shift(1).loc[after.index].to_numpy(dtype=float)

    def one_step(chain_list: list[MarkovChain]) -> np.ndarray:
        by = {c.regime: c for c in chain_list}
        return np.array(
            [
                by[r].p_test_after_test.value if lag else by[r].p_test_after_quiet.value
                for r, lag in zip(after["regime"], prev, strict=True)
            ]
        )

    base = test_cal.model.n_events / test_cal.model.n_obs

    def score(name: str, p: np.ndarray) -> Score:
        p = np.clip(p, 1e-12, 1 - 1e-12)
        return Score(
            forecast=name,
            brier=float(np.mean((p - y) ** 2)),
            log_score=float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))),
        )

    stationary = float(np.mean([chains[r].stationary for r in after["regime"]]))
    icb = {r.regime: r.p_month.value for r in clash.icb.regimes}
    expected = float(sum(icb[r] for r in after["regime"]))
    later_spells = ev.patience_spells(REPLAY_UNTIL, data_dir)
    censored = {s.id for s in spells if not s.ended}
    timeline = ev.load_timeline(REPLAY_UNTIL, data_dir)
    vetoes = ev.load_vetoes(REPLAY_UNTIL, data_dir)
    return ReplayChecks(
        note="OUT OF SAMPLE: data after the cutoff, read only here and never used in a fit. Regimes "
        "after the cutoff follow the same rules; the ICB extract ends in 2020 and CSIS in 2017, so later "
        "clash counts are lower bounds.",
        until=REPLAY_UNTIL.isoformat(),
        regime_periods=[p for p in ev.regime_periods(series["regime"]) if pd.Period(p[2], "M") > cut],
        frequencies=freqs,
        months=len(after),
        observed_strategic_frequency=float(y.mean()),
        predicted_stationary_frequency=stationary,
        one_step_scores=[
            score("fitted chain (regime and last month)", one_step(test_cal.chains)),
            score("sensitivity chain (fitted from 2006)", one_step(test_cal.sensitivity_chains)),
            score(
                f"constant {SHIPPED_TEST_RATE} (road map before calibration)",
                np.full(len(y), SHIPPED_TEST_RATE),
            ),
            score("in-sample base rate", np.full(len(y), base)),
        ],
        icb_clash_months=int((after["icb_clash"] > 0).sum()),
        icb_clash_months_expected=expected,
        patience_spells=[_spell(s) for s in later_spells if s.id in censored or s.start > cutoff],
        guarantor_breaks=_guarantor_breaks(timeline, vetoes, cutoff),
    )


# ------------------------------------------------------------------------------------------------
# Entry points


def _round(obj: Any, digits: int) -> Any:
    """Round every float in JSON data to ``digits`` significant digits."""
    if isinstance(obj, float):
        return float(f"{obj:.{digits}g}")
    if isinstance(obj, dict):
        return {k: _round(v, digits) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_round(v, digits) for v in obj]
    return obj


def _sha256(data_dir: Any, name: str) -> str:
    resource = ev.data_root(data_dir).joinpath(ev.DATA_FILES[name])
    return hashlib.sha256(resource.read_bytes()).hexdigest()


def _parse_cutoff(cutoff: date | str) -> date:
    if isinstance(cutoff, date):
        return cutoff
    try:
        return date.fromisoformat(cutoff)
    except ValueError:
        raise ParameterError(
            f"{cutoff!r} is not a date", where="cutoff", fix="write it as YYYY-MM-DD"
        ) from None


def command_for(cutoff: date) -> str:
    """The command that regenerates the shipped calibration for ``cutoff``."""
    return (
        f"python -m detente.calibration.korea --cutoff {cutoff.isoformat()} "
        "--out src/detente/data/korea/calibration.json --force"
    )


def calibrate(
    cutoff: date | str = DEFAULT_CUTOFF,
    *,
    data_dir: str | Path | None = None,
    replay: bool = True,
    digits: int | None = SIGNIFICANT,
) -> KoreaCalibration:
    """Fit the Korean road map's parameters on the data dated on or before ``cutoff``.

    ``data_dir`` replaces the package's ``detente/data/korea`` (tests use it to alter later records);
    ``replay`` adds the out-of-sample checks (which read up to :data:`REPLAY_UNTIL`); ``digits`` rounds
    every float to that many significant digits (None keeps full precision).
    """
    cutoff = _parse_cutoff(cutoff)
    if cutoff < date(2010, 12, 31):
        raise ParameterError(
            f"the cutoff {cutoff} is too early",
            where="cutoff",
            fix="use 2010-12-31 or later: every regime needs some tests and clashes to fit",
        )
    cut = ev.last_complete_month(cutoff)
    series = ev.monthly_series(cutoff, start=CLASH_START, data_dir=data_dir)
    crises = ev.load_icb_crises(cutoff, data_dir)
    timeline = ev.load_timeline(cutoff, data_dir)
    vetoes = ev.load_vetoes(cutoff, data_dir)
    nuclear = ev.load_nuclear_tests(cutoff, data_dir)
    spells = ev.patience_spells(cutoff, data_dir)

    tests = _fit_tests(series, cut)
    clashes = _fit_clashes(series, crises, cut)
    patience = _fit_patience(spells, cutoff)
    guarantors = GuarantorCalibration(
        definition="China and Russia as guarantors of a settlement: would they let a DPRK breach be "
        "punished? Counts come from the data; credibility values are estimates with their rationale. "
        "Rows after the cutoff are in replay_checks.guarantor_breaks.",
        rows=_guarantor_rows(timeline, vetoes, nuclear, cutoff),
    )
    loaders = {
        "timeline": (len(timeline), "rows"),
        "missile_tests": (len(ev.load_missile_tests(cutoff, data_dir)), "rows"),
        "nuclear_tests": (len(nuclear), "rows"),
        "provocations": (len(ev.load_provocations(cutoff, data_dir)), "rows"),
        "icb": (len(crises), "crises"),
        "vetoes": (len(vetoes), "rows"),
    }
    metadata = Metadata(
        cutoff=cutoff.isoformat(),
        generated_by="detente.calibration.korea.calibrate",
        command=command_for(cutoff),
        statsmodels_version=statsmodels.__version__,
        rounding="none" if digits is None else f"{digits} significant digits",
        fit_windows={
            "tests": tests.model.window,
            "tests_sensitivity": tests.sensitivity.window,
            "icb_clashes": clashes.icb.model.window,
            "armed_incidents": clashes.armed_incidents.model.window,
        },
        regime_periods=[p for p in ev.regime_periods(series["regime"]) if p[0] != ev.UNCOVERED],
        data_files=[
            DataFile(
                name=name,
                path=f"detente/data/korea/{ev.DATA_FILES[name]}",
                rows_in_file=ev.file_rows(name, data_dir),
                records_to_cutoff=n,
                unit=unit,
                sha256=_sha256(data_dir, name),
            )
            for name, (n, unit) in loaders.items()
        ],
    )
    result = KoreaCalibration(
        metadata=metadata,
        tests=tests,
        clashes=clashes,
        patience=patience,
        guarantors=guarantors,
        replay_checks=_replay(tests, clashes, cutoff, spells, data_dir) if replay else None,
    )
    if digits is None:
        return result
    return KoreaCalibration.model_validate(_round(result.to_json_dict(), digits))


def load_calibration() -> KoreaCalibration:
    """The shipped calibration (``detente/data/korea/calibration.json``, cutoff 2019-12-31)."""
    text = files("detente").joinpath(SHIPPED_FILE).read_text(encoding="utf-8")
    return KoreaCalibration.model_validate(json.loads(text))


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m detente.calibration.korea``: write a calibration file (never over one without --force)."""
    from detente._files import Outputs

    parser = argparse.ArgumentParser(
        prog="python -m detente.calibration.korea",
        description="Calibrate the Korean road map on the event data up to a cutoff and write it as JSON.",
    )
    parser.add_argument(
        "--cutoff", default=DEFAULT_CUTOFF.isoformat(), help="last date of data used (YYYY-MM-DD)"
    )
    parser.add_argument("--out", required=True, type=Path, help="JSON file to write")
    parser.add_argument("--force", action="store_true", help="overwrite the file if it exists")
    args = parser.parse_args(argv)
    try:
        with Outputs([args.out], force=args.force) as out:
            out.add(args.out, calibrate(args.cutoff).to_json_text())
            for path in out.commit():
                print(f"wrote {path}", file=sys.stderr)
    except DetenteError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        return exc.exit_code
    return 0


if __name__ == "__main__":
    sys.exit(main())
