"""``python -m services.importer`` = ``gridtwin import``."""

from services.importer.cli import main

main()
