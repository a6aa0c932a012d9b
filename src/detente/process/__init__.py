"""Road maps and iterated games: sequenced, reciprocal peace processes over time."""
