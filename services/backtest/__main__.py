from services.backtest.cli import main

main()
