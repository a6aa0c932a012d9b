"""Coalition effects, Shapley values and best coalitions."""

from __future__ import annotations

from itertools import combinations

import numpy as np
import pytest

from detente.deals.coalition import (
    add_effect,
    align_effect,
    best_coalition,
    group_members,
    remove_effect,
    shapley,
)
from detente.errors import ParameterError
from detente.models import get_model
from detente.scenario import Actor, Issue, Stance
from tests.deals._fixtures import make

compromise = get_model("compromise")


def with_sq(two_actors, sq=50.0):
    return two_actors.model_copy(update={"issues": (Issue(id="x", name="Issue X", status_quo=sq),)})


def test_shapley_by_hand_two_actors(two_actors):
    # v(empty) = 50 (status quo), v(A) = 0, v(B) = 100, v(AB) = 75 (compromise: (0*1 + 100*3) / 4).
    sh = shapley(compromise, with_sq(two_actors))
    assert sh.exact
    assert sh.values[:, 0] == pytest.approx([0.5 * (0 - 50 + 75 - 100), 0.5 * (100 - 50 + 75 - 0)])
    assert sh.values.sum() == pytest.approx(75 - 50)


def test_shapley_without_status_quo_uses_the_mean_position(two_actors):
    sh = shapley(compromise, two_actors)
    assert sh.empty == pytest.approx([50.0])  # mean of 0 and 100


def test_sampled_shapley_is_close_to_exact_and_identical_in_parallel(ktab3):
    exact = shapley(compromise, ktab3)
    sampled = shapley(compromise, ktab3, exact_limit=0, n_permutations=400, seed=5)
    assert not sampled.exact
    assert np.all(np.abs(sampled.values - exact.values) <= 5 * sampled.stderr + 1e-9)
    # Efficiency holds for every ordering, so exactly for the sample mean too.
    assert sampled.values.sum(axis=0) == pytest.approx(exact.grand - exact.empty)
    parallel = shapley(compromise, ktab3, exact_limit=0, n_permutations=400, seed=5, n_jobs=2)
    assert np.array_equal(parallel.values, sampled.values)
    other = shapley(compromise, ktab3, exact_limit=0, n_permutations=400, seed=6)
    assert not np.array_equal(other.values, sampled.values)


def test_symmetric_actors_get_equal_values():
    s = make([[0, 10], [0, 10], [100, 90]], [[50, 50], [50, 50], [50, 50]], [40, 40])
    sh = shapley(get_model("median"), s)
    assert sh.values[0] == pytest.approx(sh.values[1])


def test_remove_add_and_align(two_actors):
    s = with_sq(two_actors)
    e = remove_effect(compromise, s, ["B"])
    assert e.before == pytest.approx([75.0]) and e.after == pytest.approx([0.0])
    assert e.change == pytest.approx([-75.0])
    e = remove_effect(compromise, s, ["A", "B"])
    assert e.after == pytest.approx([50.0])  # nobody left: the status quo
    joined = add_effect(
        compromise,
        s,
        Actor(id="C", name="C", capability=1),
        [Stance(actor="C", issue="x", position=100, salience=50)],
    )
    assert joined.after == pytest.approx([80.0])
    aligned = align_effect(compromise, s, ["A"], target={"x": 100})
    assert aligned.after == pytest.approx([100.0])


def test_aligning_does_not_move_the_compromise_forecast_but_moves_the_median(ktab3):
    members = list(ktab3.actor_ids[:3])
    assert align_effect(compromise, ktab3, members).change == pytest.approx(np.zeros(3), abs=1e-9)
    median = get_model("median")
    assert np.abs(align_effect(median, ktab3, list(ktab3.actor_ids[:4])).change).max() > 0


def test_best_coalition_matches_brute_force(ktab3):
    target = {"Pstn1": 0.0, "Pstn3": 100.0}
    for size in (1, 2, 3):
        best = best_coalition(compromise, ktab3, target, size)
        assert best.exact and len(best.members) == size
        dists = []
        for c in combinations(ktab3.actor_ids, size):
            d = align_effect(compromise, ktab3, c, target=target).after
            dists.append(abs(d[0] - 0) + abs(d[2] - 100))
        assert best.distance_after == pytest.approx(min(dists))
        assert best.distance_after < best.distance_before
    greedy = best_coalition(compromise, ktab3, target, 2, exact_limit=0)
    assert (
        not greedy.exact
        and greedy.distance_after >= best_coalition(compromise, ktab3, target, 2).distance_after
    )


def test_groups_and_errors(two_actors):
    s = make([[0], [50], [100]], [[50], [50], [50]], [50], groups=["G", "G", ""])
    assert group_members(s) == {"G": ("A0", "A1")}
    with pytest.raises(ParameterError, match="no actor 'Z'"):
        remove_effect(compromise, s, ["Z"])
    with pytest.raises(ParameterError, match="no issue 'q'"):
        best_coalition(compromise, s, {"q": 3.0}, 1)
    with pytest.raises(ParameterError, match="size"):
        best_coalition(compromise, s, {"x0": 3.0}, 9)
    with pytest.raises(ParameterError, match="0 to 100"):
        best_coalition(compromise, s, {"x0": 300.0}, 1)
