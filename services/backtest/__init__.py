"""``gridtwin backtest``: the command-line front-end of the in-process backtest."""
