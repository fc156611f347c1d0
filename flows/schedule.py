"""``callinsight schedule``: the nightly flow on a cron schedule in one process (``flow.serve``).

No work pool and no worker: this process creates the deployment ``nightly-insights/<name>``
on the Prefect API it talks to (``PREFECT_API_URL``; without it, a temporary local server
that lives as long as this process) and runs each scheduled flow run in a subprocess.
Stop it with Ctrl-C (the schedule is paused on shutdown).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from callinsight.contracts import InputError

DEFAULT_NAME = "nightly-insights-serve"


def validate_schedule(cron: str, timezone: str) -> None:
    """Raise InputError for a cron expression or time zone Prefect would reject later."""
    from prefect.client.schemas.schedules import CronSchedule

    try:
        ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise InputError(
            f"--timezone {timezone!r} is not an IANA time zone name (e.g. UTC, Europe/Berlin)."
        ) from exc
    try:
        CronSchedule(cron=cron, timezone=timezone)
    except ValueError as exc:  # pydantic's ValidationError is a ValueError
        raise InputError(f"--cron {cron!r} is not a valid cron expression (e.g. '0 2 * * *').") from exc


def serve_options(args: argparse.Namespace) -> dict[str, Any]:
    """Keyword arguments for ``flow.serve``: name, cron schedule with time zone, parameters.

    Paths become absolute: scheduled runs execute in a subprocess, possibly elsewhere. The
    sample manifest gets its deals and settings file by default, as with ``make demo``.
    """
    from prefect.schedules import Cron

    validate_schedule(args.cron, args.timezone)
    calls = Path(args.calls)
    if not calls.exists():
        raise InputError(f"Calls manifest or folder {calls} does not exist.")
    deals = args.deals
    if deals is None and calls.resolve() == Path("sample_calls/calls.csv").resolve():
        deals = "sample_calls/deals.csv"
    if deals is not None and not Path(deals).is_file():
        raise InputError(f"Deals file {deals} does not exist.")
    config = getattr(args, "config", None)
    if config is None and calls.resolve() == Path("sample_calls/calls.csv").resolve():
        config = "sample_calls/callinsight.yaml" if Path("sample_calls/callinsight.yaml").is_file() else None
    if config is not None and not Path(config).is_file():
        raise InputError(f"Config file {config} does not exist.")
    return {
        "name": getattr(args, "name", None) or DEFAULT_NAME,
        "schedules": [Cron(args.cron, timezone=args.timezone)],
        "parameters": {
            "calls": str(calls.resolve()),
            "deals": str(Path(deals).resolve()) if deals else None,
            "out": str(Path(args.out).resolve()),
            "config": str(Path(config).resolve()) if config else None,
        },
        "description": "Nightly call insights, served by `callinsight schedule`.",
        "tags": ["callinsight", "nightly"],
        "limit": 1,  # one run at a time in this process
    }


def schedule_command(args: argparse.Namespace) -> int:
    """Serve the nightly flow until interrupted (the task runner follows CALLINSIGHT_* settings)."""
    options = serve_options(args)
    from flows.deployment import nightly_insights

    print(f"Serving nightly-insights on cron {args.cron!r} ({args.timezone}); "
          f"output in {options['parameters']['out']}. Ctrl-C stops.")
    nightly_insights.serve(**options)
    return 0


__all__ = ["schedule_command", "serve_options", "validate_schedule"]
