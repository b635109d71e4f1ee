"""`python -m services.exchange_sim --feed FILE --speed N ...`"""

import argparse
import asyncio

from services.exchange_sim.cli import configure_parser, run_cli


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m services.exchange_sim")
    configure_parser(parser)
    raise SystemExit(asyncio.run(run_cli(parser.parse_args())))


if __name__ == "__main__":
    main()
