"""``python -m services.recorder`` = ``gridtwin recorder``."""

from services.recorder.cli import main

main()
