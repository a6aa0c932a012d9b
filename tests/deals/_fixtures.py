"""Tiny scenarios for the deals tests."""

from __future__ import annotations

from detente.scenario import Actor, Issue, Scenario, Stance


def make(positions, saliences, status_quo, capabilities=None, groups=None) -> Scenario:
    """Actors A0, A1, ... and issues x0, x1, ... from nested lists (actors x issues)."""
    n_a, n_i = len(positions), len(positions[0])
    caps = capabilities or [1.0] * n_a
    grp = groups or [""] * n_a
    return Scenario(
        name="deals test",
        actors=[Actor(id=f"A{i}", name=f"Actor {i}", capability=caps[i], group=grp[i]) for i in range(n_a)],
        issues=[Issue(id=f"x{j}", name=f"Issue {j}", status_quo=status_quo[j]) for j in range(n_i)],
        stances=[
            Stance(actor=f"A{i}", issue=f"x{j}", position=positions[i][j], salience=saliences[i][j])
            for i in range(n_a)
            for j in range(n_i)
        ],
    )
