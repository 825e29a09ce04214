"""What one Prefect flow run costs here, with Prefect 3.9's heartbeat thread and without it.

Prefect 3.9 starts a heartbeat thread for every sync flow run (PREFECT_FLOWS_HEARTBEAT_FREQUENCY, 180 s by
default) and joins it when the run ends; the thread sleeps in one-second steps, so a short run can wait up
to a second for it. The script runs the same trivial flow and the same one-task flow N times each way,
under one local test server (PREFECT_HOME in a temporary folder), and prints the median and the spread.

    .venv/bin/python bench/flow_run.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from collections.abc import Callable


def main() -> None:
    """Time flow runs with and without heartbeats, side by side."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="jalon-bench-prefect-"))
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")  # no network here: no telemetry

    from prefect import flow, task
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings
    from prefect.testing.utilities import prefect_test_harness

    @task
    def step() -> int:
        return 1

    @flow
    def bare() -> int:
        return 1

    @flow
    def one_task() -> int:
        return step()

    def timed(run: Callable[[], int]) -> list[float]:
        run()  # warm-up: first run registers the flow
        took = []
        for _ in range(args.runs):
            start = time.perf_counter()
            run()
            took.append(time.perf_counter() - start)
        return took

    started = time.perf_counter()
    with prefect_test_harness(server_startup_timeout=120):
        print(f"Prefect test server up in {time.perf_counter() - started:.1f} s; {args.runs} runs each")
        for name, fn in (("bare flow", bare), ("flow + 1 task", one_task)):
            with_heartbeat = timed(fn)
            with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
                without = timed(fn)
            for label, runs in (("heartbeat on (180 s)", with_heartbeat), ("heartbeat off", without)):
                print(
                    f"{name:14} {label:21} median {statistics.median(runs) * 1000:7.1f} ms"
                    f"  min {min(runs) * 1000:7.1f}  max {max(runs) * 1000:7.1f}"
                )
            extra = statistics.median(with_heartbeat) - statistics.median(without)
            print(f"{name:14} the heartbeat thread costs {extra * 1000:.0f} ms per run (median)")


if __name__ == "__main__":
    main()
