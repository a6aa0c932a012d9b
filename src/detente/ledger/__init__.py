"""The forecast ledger: dated, sealed forecasts of questions, graded later with proper scores.

* :mod:`~detente.ledger.questions`: the question file format (``detente-ledger-questions/1``);
* :mod:`~detente.ledger.issue`: turn questions into forecast contents (and resolutions);
* :mod:`~detente.ledger.baselines`: the base-rate and no-change forecasts from the event data;
* :mod:`~detente.ledger.records`: canonical JSON and the sha256 hash chain;
* :mod:`~detente.ledger.store`: the append-only store (SQLite file or any SQLAlchemy URL) and ``verify``;
* :mod:`~detente.ledger.score`: Brier, log and CRPS scores, skill, calibration, ranking rules;
* :mod:`~detente.ledger.digest`: the publishable digest and CSV/JSON exports;
* :mod:`~detente.ledger.report`: the track-record report page.

See docs/ledger.md.
"""
