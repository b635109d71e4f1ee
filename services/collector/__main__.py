"""``python -m services.collector`` = ``gridtwin collector``."""

from services.collector.cli import main

main()
