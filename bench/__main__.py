"""`python -m bench [--cases N]`: run every benchmark, save its results, print its table."""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

from bench import (
    core_throughput,
    dispatch_solomon,
    mail_intake,
    routing_simulation,
    routing_speed,
    sla_timers,
    triage_quality,
    triage_speed,
)
from bench.report import Outcome

DEFAULT_CASES = 1000
QUICK_CASES = 200

# Each benchmark takes a number of cases and returns its figures and table.
BENCHMARKS: tuple[Callable[[int], Outcome], ...] = (
    core_throughput.run,
    triage_speed.run,
    triage_quality.run,
    routing_speed.run,
    routing_simulation.run,
    sla_timers.run,
    dispatch_solomon.run,
    mail_intake.run,
)


def main() -> None:
    cases = _cases(_parser().parse_args())
    began = time.perf_counter()
    for benchmark in BENCHMARKS:
        outcome = benchmark(cases)
        saved = outcome.save()
        print(f"\n{outcome.table}\nsaved {', '.join(str(path) for path in saved)}")
    print(f"\nall benchmarks took {time.perf_counter() - began:.0f} s")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--cases", type=_positive, default=DEFAULT_CASES, help="cases per database (1000)"
    )
    size.add_argument(
        "--quick", action="store_true", help=f"{QUICK_CASES} cases: a few minutes in all"
    )
    return parser


def _cases(arguments: argparse.Namespace) -> int:
    return QUICK_CASES if arguments.quick else int(arguments.cases)


def _positive(text: str) -> int:
    number = int(text)
    if number < 1:
        raise argparse.ArgumentTypeError(f"needs at least one case, not {number}")
    return number


if __name__ == "__main__":
    main()
