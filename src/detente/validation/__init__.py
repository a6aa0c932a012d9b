"""Backtests of forecasting models against real outcomes."""
