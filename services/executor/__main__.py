"""``python -m services.executor`` = ``gridtwin executor``."""

from services.executor.cli import main

main()
