"""Package deals, veto players, exchange and coalitions."""
