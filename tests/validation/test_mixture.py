"""The procedure-aware capabilities, the who-prevails mixture, its conformal calibration and its scores."""

from datetime import date

import numpy as np
import pytest
import scoringrules as sr

from detente.validation import mixture as mx
from detente.validation.deu import (
    CapabilityScheme,
    DeuIssue,
    _council_game,
    load_dev,
    procedure_power,
    regimes,
    veto_institutions,
)
from detente.validation.power import VotingGame, shapley_shubik
from detente.validation.scoring import crps_samples, hit_rate, interval_score


def _issue(procedure="COD", rule="QMV", positions=None, reference=None, outcome=50.0, proposal="d99001"):
    positions = positions or {"com": 100.0, "ep": 100.0, "de": 0.0, "fr": 50.0, "uk": 0.0}
    return DeuIssue(
        isnr=f"{proposal}i1",
        proposal=proposal,
        name="toy",
        procedure=procedure,
        voting_rule=rule,
        year=1999,
        introduced=date(1999, 3, 1),
        decided=date(2000, 3, 1),
        positions=positions,
        saliences=dict.fromkeys(positions, 50.0),
        reference=reference,
        outcome=outcome,
        row=2,
    )


def test_veto_institutions_follow_the_procedure():
    assert veto_institutions("COD", "QMV") == ("ep",)
    assert veto_institutions("COD", "Unan") == ("ep",)
    assert veto_institutions("CNS", "QMV") == ("com",)
    assert veto_institutions("CNS", "Unan") == ()


def test_unanimity_gives_every_veto_player_the_same_power():
    eu15 = regimes()[0]
    power = procedure_power(eu15, "Unan", "COD")  # 15 states and the Parliament, all veto players
    assert set(power) == {*eu15.members, "ep"}
    assert np.allclose(list(power.values()), 1 / 16)
    power = procedure_power(eu15, "Unan", "CNS")  # the Council alone
    assert np.allclose(list(power.values()), 1 / 15)


def test_procedure_power_equals_the_enumerated_compound_game():
    """Council QMV plus the Parliament as a veto player: brute-force Shapley-Shubik of a 16-player game."""
    eu15 = regimes()[0]
    members = eu15.members
    votes = (*tuple(eu15.votes[s] for s in members), 0.0)
    ep = (0.0,) * len(members) + (1.0,)
    game = VotingGame((votes, ep), (eu15.qvote, 1.0))
    expected = shapley_shubik(game)
    power = procedure_power(eu15, "QMV", "COD")
    got = np.array([power[s] for s in members] + [power["ep"]])
    assert np.allclose(got, expected, atol=1e-12)
    assert abs(got.sum() - 1) < 1e-12
    # a veto player outweighs any state: the Parliament is pivotal in far more orderings
    assert power["ep"] > 3 * max(power[s] for s in members)


def test_procedure_scheme_capabilities_by_procedure():
    cns_unan = _issue("CNS", "Unan")
    caps = CapabilityScheme("procedure", commission=1.0, parliament=0.5).capabilities(cns_unan)
    n = len(regimes()[0].members)
    assert caps["de"] == pytest.approx(1 / n) and caps["uk"] == pytest.approx(1 / n)
    assert caps["com"] == pytest.approx(1 / n)  # not a veto player: 1 x the mean member state
    assert caps["ep"] == pytest.approx(0.5 / n)
    cns_qmv = CapabilityScheme("procedure").capabilities(_issue("CNS", "QMV"))
    assert cns_qmv["com"] > cns_qmv["de"] > cns_qmv["ep"] * 0.999  # the Commission is the veto player


def test_lisbon_double_majority_regime():
    lisbon = next(r for r in regimes() if r.name == "EU-28 (Lisbon)")
    assert len(lisbon.members) == 28 and lisbon.qvote == 16  # 55% of 28 members
    assert lisbon.qpop == np.ceil(0.65 * sum(lisbon.population.values()))
    assert next(r for r in regimes() if r.name == "EU-27 (Lisbon)").qvote == 15
    # a blocking minority needs four members: any 25 of 28 win, whatever their population
    assert lisbon.blocking_min == 4 and _council_game(lisbon, "QMV").winning_size == 25
    assert all(r.blocking_min is None for r in regimes() if "Lisbon" not in r.name)


def test_atoms_and_features_hand_checked():
    issue = _issue("COD", "QMV", reference=0.0)
    values, F = mx.atom_features(issue, CapabilityScheme("equal"))
    assert values.tolist() == [0.0, 50.0, 100.0]
    col = {f: F[:, k] for k, f in enumerate(mx.FEATURES)}
    assert col["support"].tolist() == pytest.approx([0.4, 0.2, 0.4])  # equal saliences, 5 actors
    assert col["parliament_cod"].tolist() == [0, 0, 1] and col["commission_cns"].tolist() == [0, 0, 0]
    assert col["reference"].tolist() == [1, 0, 0]
    # states preferring 50 to the reference 0: only France (10 of 30 votes), short of 62/87
    assert col["beats_reference"].tolist() == [0, 0, 0]
    # the compromise mean is 50: distances 0.5, 0, 0.5
    assert col["distance"].tolist() == pytest.approx([0.5, 0.0, 0.5])


@pytest.fixture(scope="module")
def dev_issues():
    return load_dev().scored()


def test_quantiles_are_monotone_and_lie_on_the_scale(dev_issues):
    fit = mx.fit_mixture(dev_issues[:120], "equal", 10.0)
    cal = fit.with_conformal(fit.scores(dev_issues[120:200]))
    q = cal.quantiles(dev_issues[200:], mx.QUANTILE_LEVELS)
    assert q.shape == (len(dev_issues[200:]), 19)
    assert np.all(np.diff(q, axis=1) >= 0) and q.min() >= 0 and q.max() <= 100
    med = cal.quantiles(dev_issues[200:], [0.5])[:, 0]
    assert np.all((q[:, 1] <= med) & (med <= q[:, 17]))
    assert mx.QUANTILE_COLUMNS[0] == "q05" and mx.QUANTILE_COLUMNS[-1] == "q95"


def test_probabilities_sum_to_one_and_the_outcome_atom_is_found(dev_issues):
    fit = mx.fit_mixture(dev_issues, "equal", 10.0)
    for values, probs in fit.distributions(dev_issues[:20]):
        assert probs.sum() == pytest.approx(1.0) and np.all(probs >= 0)
        assert values.min() >= 0 and values.max() <= 100


def test_conformal_coverage_on_synthetic_grouped_data():
    """Too-narrow normal forecasts, a proposal effect: conformal intervals cover about 80% of new groups."""
    rng = np.random.default_rng(1)

    def groups(n_groups):
        effect = np.repeat(rng.normal(0, 1, n_groups), 4)
        return effect + rng.normal(0, 1, 4 * n_groups)

    from scipy.stats import norm

    cal_y, test_y = groups(150), groups(500)
    pits = norm.cdf(cal_y, scale=0.5)  # the forecast's sd is 0.5; the truth's is sqrt(2)
    conformal = mx.ConformalPIT(tuple(np.abs(pits - 0.5)))
    raw = np.mean(np.abs(norm.cdf(test_y, scale=0.5) - 0.5) <= 0.4)
    hw = conformal.half_width(np.array([0.8]))[0]
    lo, hi = norm.ppf(0.5 - hw, scale=0.5), norm.ppf(0.5 + hw, scale=0.5)
    covered = np.mean((test_y >= lo) & (test_y <= hi))
    assert raw < 0.55  # uncalibrated: far too narrow
    assert 0.75 <= covered <= 0.86


def test_nested_crossvalidation_never_fits_on_the_scored_fold(dev_issues, monkeypatch):
    issues = dev_issues[:80]
    proposals = sorted({i.proposal for i in issues})
    fold_of = {p: k % 3 for k, p in enumerate(proposals)}
    seen: list[set[str]] = []
    real = mx.fit_mixture

    def recording(train, *args, **kwargs):
        seen.append({i.proposal for i in train})
        return real(train, *args, **kwargs)

    monkeypatch.setattr(mx, "fit_mixture", recording)
    cv = mx.nested_crossvalidation(issues, fold_of, schemes=("equal",), penalties=(10.0,))
    assert len(cv.fits) == 3 and np.all(np.isfinite(cv.point))
    # every fit saw proposals of at most two folds; the outer fits (one per fold) never the scored fold
    folds_seen = [{fold_of[p] for p in s} for s in seen]
    assert all(len(f) <= 2 for f in folds_seen)
    outer = [f for f in folds_seen if len(f) == 2]
    assert sorted(tuple(sorted(f)) for f in outer) == [(0, 1), (0, 2), (1, 2)]


def test_scores_equal_scoringrules_and_hand_values():
    y = np.array([40.0, 10.0])
    assert interval_score(np.array([10.0, 0.0]), np.array([30.0, 20.0]), y, 0.2).tolist() == [120.0, 20.0]
    x = np.array([[0.0, 20.0, 60.0], [10.0, 10.0, 10.0]])
    assert np.allclose(crps_samples(x, y), sr.crps_ensemble(y, x, m_axis=1))
    # CRPS of {0, 20, 60} at 40: E|X-y| = 80/3, E|X-X'| = (2/9)(20+60+40) = 240/9
    assert crps_samples(x, y)[0] == pytest.approx(80 / 3 - 120 / 9)
    assert crps_samples(x, y)[1] == 0.0  # a point forecast that hits
    assert hit_rate(np.array([0.0, 14.0, 50.0]), np.array([5.0, 4.0, 61.0]), 5) == pytest.approx(1 / 3)
    assert hit_rate(np.array([0.0, 14.0, 50.0]), np.array([5.0, 4.0, 61.0]), 10) == pytest.approx(2 / 3)


def test_shipped_fit_has_one_fit_per_fold_and_predicts_dev_issues_out_of_fold(dev_issues):
    shipped = mx.load_shipped_mixture()
    assert len(shipped.raw["fold_fits"]) == 10
    issue = dev_issues[0]
    point, qs, ens, which = shipped.predict([issue, _issue(proposal="d09998")])
    assert which == ["cross-validated", "frozen"]
    k = shipped.folds[issue.proposal]
    assert point[0] == shipped.model(k).quantiles([issue], [0.5])[0, 0]
    assert np.all(np.diff(qs, axis=1) >= 0) and ens.shape == (2, 200)


def test_pool_of_one_mixture_is_that_mixture_and_pools_average_probabilities(dev_issues):
    train, held = dev_issues[:150], dev_issues[150:170]
    one = mx.fit_mixture(train, "votes", 10.0)
    alone = mx.PooledMixture((one,), 10.0)
    assert np.array_equal(alone.quantiles(held, mx.GRID), one.quantiles(held, mx.GRID))
    pooled = mx.fit_pooled(train, ("equal", "votes"), 10.0)
    eq, vo = pooled.components
    assert (eq.scheme, vo.scheme) == ("equal", "votes") and pooled.scheme == "pool(equal+votes)"
    for (v, p), (v1, p1), (v2, p2) in zip(
        pooled.distributions(held), eq.distributions(held), vo.distributions(held), strict=True
    ):
        assert p.sum() == pytest.approx(1.0)
        # the pool's CDF at every support point is the mean of the components' CDFs
        for x in v:
            cdf = p[v <= x].sum()
            assert cdf == pytest.approx((p1[v1 <= x].sum() / p1.sum() + p2[v2 <= x].sum() / p2.sum()) / 2)


def test_pooled_fit_round_trips_through_json(dev_issues):
    import json

    fit = mx.fit_pooled(dev_issues[:100], mx.SCHEME_GRID, 30.0)
    fit = fit.with_conformal(fit.scores(dev_issues[100:160]))
    back = mx.model_from_dict(json.loads(json.dumps(fit.to_dict())))
    assert isinstance(back, mx.PooledMixture) and len(back.components) == 4
    a, b = (
        fit.quantiles(dev_issues[160:], mx.QUANTILE_LEVELS),
        back.quantiles(dev_issues[160:], mx.QUANTILE_LEVELS),
    )
    assert np.max(np.abs(a - b)) < 1e-3  # the JSON keeps 6 decimals of the coefficients


def test_nested_pooled_crossvalidation_never_fits_on_the_scored_fold(dev_issues, monkeypatch):
    issues = dev_issues[:80]
    proposals = sorted({i.proposal for i in issues})
    fold_of = {p: k % 3 for k, p in enumerate(proposals)}
    seen: list[tuple[str, set[str]]] = []
    real = mx.fit_mixture

    def recording(train, scheme, *args, **kwargs):
        seen.append((scheme, {i.proposal for i in train}))
        return real(train, scheme, *args, **kwargs)

    monkeypatch.setattr(mx, "fit_mixture", recording)
    cv = mx.nested_crossvalidation(issues, fold_of, penalties=(10.0, 30.0), pool=True)
    assert len(cv.fits) == 3 and np.all(np.isfinite(cv.point)) and np.all(np.isfinite(cv.ensemble))
    assert all(isinstance(f, mx.PooledMixture) for f in cv.fits)
    assert {s for s, _ in seen} == set(mx.SCHEME_GRID)
    folds_seen = [{fold_of[p] for p in s} for _, s in seen]
    assert all(len(f) <= 2 for f in folds_seen)
    # outer fits: one pooled fit (4 schemes) per outer fold, each without that fold
    outer = sorted(tuple(sorted(f)) for f in folds_seen if len(f) == 2)
    assert outer == sorted([(0, 1)] * 4 + [(0, 2)] * 4 + [(1, 2)] * 4)


def test_shipped_best_is_the_pool_of_the_four_schemes():
    shipped = mx.load_shipped_mixture()
    assert shipped.raw["format"] == 2
    for fold in (None, *range(10)):
        model = shipped.model(fold)
        assert isinstance(model, mx.PooledMixture) and model.conformal is not None
        assert [c.scheme for c in model.components] == list(mx.SCHEME_GRID)


def test_beats_reference_under_lisbon_uses_both_criteria_and_the_blocking_minority():
    from dataclasses import replace

    lisbon = next(r for r in regimes() if r.name == "EU-28 (Lisbon)")
    states = sorted(lisbon.members, key=lambda s: lisbon.population[s])  # smallest first

    def issue(for_v):
        positions = {s: (100.0 if s in for_v else 0.0) for s in states}
        return replace(_issue(positions=positions, reference=0.0), decided=date(2016, 3, 1))

    small25 = states[:25]  # all but the three largest: far below 65% of the population
    big15 = states[-15:]  # the fifteen largest: over 65% of the population, but 15 < 16 members
    assert sum(lisbon.population[s] for s in small25) < 0.65 * sum(lisbon.population.values())
    assert sum(lisbon.population[s] for s in big15) > 0.65 * sum(lisbon.population.values())
    assert mx._beats_reference(issue(small25), 100.0) == 1.0  # three cannot block
    assert mx._beats_reference(issue(states[:24]), 100.0) == 0.0  # the four largest against: they block
    assert mx._beats_reference(issue(big15), 100.0) == 0.0  # the member criterion fails
    assert mx._beats_reference(issue(states[-16:]), 100.0) == 1.0  # 16 largest: both criteria hold
