from itertools import permutations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from detente.errors import ParameterError
from detente.validation.power import VotingGame, _swings_enumeration, banzhaf, shapley_shubik, swing_counts


def _wins(total, count, quotas, size):
    tol = 1e-9 * max(1.0, float(np.abs(quotas).max()))  # VotingGame's rounding tolerance on quotas
    return bool(np.all(total >= np.asarray(quotas) - tol) or (size is not None and count >= size))


def brute_shapley(weights, quotas, size=None):
    """Shapley-Shubik by listing every ordering (tiny games only)."""
    w = np.array(weights, dtype=float)
    n = w.shape[1]
    pivots = np.zeros(n)
    orders = list(permutations(range(n)))
    for order in orders:
        total = np.zeros(w.shape[0])
        for count, player in enumerate(order):
            before = _wins(total, count, quotas, size)
            total = total + w[:, player]
            if not before and _wins(total, count + 1, quotas, size):
                pivots[player] += 1
                break
    return pivots / len(orders)


def brute_banzhaf(weights, quotas, size=None):
    w = np.array(weights, dtype=float)
    n = w.shape[1]
    swings = np.zeros(n)
    for mask in range(1 << n):
        members = np.array([(mask >> i) & 1 for i in range(n)])
        k = int(members.sum())
        wins = _wins(w @ members, k, quotas, size)
        for i in range(n):
            if members[i] and wins and not _wins(w @ members - w[:, i], k - 1, quotas, size):
                swings[i] += 1
    with np.errstate(invalid="ignore"):  # no swings at all: NaN, compared as 0
        return swings / swings.sum()


@given(st.lists(st.integers(0, 9), min_size=1, max_size=6), st.floats(0.3, 1.0))
def test_single_criterion_matches_brute_force(weights, share):
    quota = max(1.0, np.ceil(share * sum(weights)))
    if sum(weights) < quota:
        return
    g = VotingGame.weighted(weights, quota)
    np.testing.assert_allclose(shapley_shubik(g), brute_shapley([weights], [quota]), atol=1e-12)
    np.testing.assert_allclose(banzhaf(g), brute_banzhaf([weights], [quota]), atol=1e-12)


@given(
    st.lists(st.tuples(st.integers(0, 9), st.integers(0, 50)), min_size=2, max_size=6),
    st.floats(0.4, 0.9),
    st.integers(1, 4),
)
def test_multi_criterion_matches_brute_force(players, share, qmin):
    votes = [p[0] for p in players]
    pop = [p[1] for p in players]
    n = len(players)
    quotas = [max(1.0, np.ceil(share * sum(votes))), min(qmin, n), share * sum(pop)]
    weights = [votes, [1] * n, pop]
    if sum(votes) < quotas[0]:
        return
    g = VotingGame(tuple(tuple(float(x) for x in w) for w in weights), tuple(float(q) for q in quotas))
    np.testing.assert_allclose(shapley_shubik(g), brute_shapley(weights, quotas), atol=1e-12)
    np.testing.assert_allclose(banzhaf(g), brute_banzhaf(weights, quotas), atol=1e-12)


@given(
    st.lists(st.tuples(st.integers(1, 9), st.integers(0, 50)), min_size=2, max_size=6),
    st.floats(0.5, 1.0),
    st.integers(1, 3),
)
def test_a_winning_size_clause_matches_brute_force(players, share, blocking):
    """The Lisbon shape: members and population quotas, or all but (blocking - 1) members win."""
    pop = [p[1] for p in players]
    n = len(players)
    quotas = [np.ceil(0.55 * n), share * sum(pop)]
    weights = [[1] * n, pop]
    size = n - blocking + 1
    g = VotingGame(tuple(tuple(float(x) for x in w) for w in weights), tuple(quotas), size)
    np.testing.assert_allclose(shapley_shubik(g), brute_shapley(weights, quotas, size), atol=1e-12)
    # (a game nobody can swing, e.g. every population 0 and a quota above it: banzhaf gives zeros)
    np.testing.assert_allclose(banzhaf(g), np.nan_to_num(brute_banzhaf(weights, quotas, size)), atol=1e-12)


def test_a_quota_a_rounding_error_above_a_sum_is_reached_by_it():
    """Found by hypothesis: 0.5000000000000001 x 2 is 1 plus one rounding error, and a weight of 1
    reaches it (the tolerance both the generating-function and the enumeration paths apply)."""
    quotas = (2.0, 0.5000000000000001 * 2)
    g = VotingGame(((1.0, 1.0, 1.0), (0.0, 1.0, 1.0)), quotas, 3)
    np.testing.assert_allclose(shapley_shubik(g), [1 / 3, 1 / 3, 1 / 3], atol=1e-12)
    np.testing.assert_allclose(
        shapley_shubik(g), brute_shapley([[1, 1, 1], [0, 1, 1]], quotas, 3), atol=1e-12
    )


def test_the_size_clause_takes_power_from_a_large_player():
    """Three small players and one large: 3 members and 65 of 100 population win, or any 3 members."""
    weights = ((1.0,) * 4, (1.0, 1.0, 1.0, 97.0))
    plain = VotingGame(weights, (3.0, 65.0))  # the large player and two small ones
    np.testing.assert_allclose(shapley_shubik(plain), [1 / 6, 1 / 6, 1 / 6, 1 / 2])
    clause = VotingGame(weights, (3.0, 65.0), 3)  # any three: a symmetric 3-of-4 majority
    np.testing.assert_allclose(shapley_shubik(clause), [0.25] * 4)
    same = VotingGame(weights, (3.0, 65.0), 4)  # all four win anyway: the clause changes nothing
    np.testing.assert_allclose(shapley_shubik(same), shapley_shubik(plain))


def test_generating_function_and_enumeration_agree_on_the_eu15_council():
    eu15 = [10, 10, 10, 10, 8, 5, 5, 5, 5, 4, 4, 3, 3, 3, 2]
    g = VotingGame.weighted(eu15, 62)
    enumerated = _swings_enumeration(np.array([eu15], dtype=float), np.array([62.0]))
    np.testing.assert_array_equal(swing_counts(g), enumerated)


def test_eu15_shapley_shubik_values_from_the_literature():
    # Felsenthal & Machover (1998): EU-15 QMV, large states 0.1167, Spain 0.0955, Luxembourg 0.0207.
    ss = shapley_shubik(VotingGame.weighted([10, 10, 10, 10, 8, 5, 5, 5, 5, 4, 4, 3, 3, 3, 2], 62))
    assert ss.sum() == pytest.approx(1.0)
    assert ss[0] == pytest.approx(0.1167, abs=5e-5)
    assert ss[4] == pytest.approx(0.0955, abs=5e-5)
    assert ss[-1] == pytest.approx(0.0207, abs=5e-5)


def test_unanimity_gives_equal_power_and_null_players_none():
    assert np.allclose(shapley_shubik(VotingGame.unanimity(5)), 0.2)
    assert np.allclose(banzhaf(VotingGame.unanimity(5)), 0.2)
    ss = shapley_shubik(VotingGame.weighted([5, 5, 0], 6))
    assert ss[2] == 0.0 and ss[0] == pytest.approx(0.5)


def test_bad_games_are_refused():
    with pytest.raises(ParameterError):
        VotingGame(((1.0, 2.0), (1.0,)), (1.0, 1.0))
    with pytest.raises(ParameterError):
        VotingGame(((1.0, -2.0),), (1.0,))
    with pytest.raises(ParameterError, match="integer weights"):
        shapley_shubik(VotingGame.weighted([0.5, 0.25], 0.6))
