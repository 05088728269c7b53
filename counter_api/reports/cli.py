"""``python -m counter_api report --config FILE --date D [--to D2] [--csv]``."""

from __future__ import annotations

import argparse
import json
import sys

from counter_api.cli import command
from sothutu.config import Config


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", help="business day YYYY-MM-DD (default: today)")
    parser.add_argument("--to", help="last day of a period that starts at --date")
    parser.add_argument("--csv", action="store_true", help="CSV for Excel instead of JSON")
    parser.add_argument("--output", "-o", help="write to this file instead of standard output")


@command("report", "Print a day's or a period's report as JSON or CSV.", _arguments)
def run(config: Config, args: argparse.Namespace) -> int:
    from datetime import datetime

    from counter_api.core.day import business_date
    from counter_api.reports.load import PeriodError, build_report, parse_period
    from counter_api.store import Store, StoreError
    from sothutu.reports.table import to_csv

    if not config.database_path.exists():
        print(f"counter_api report: no database at {config.database_path}", file=sys.stderr)
        return 1
    today = business_date(datetime.now().astimezone(), config.centre.tz)
    try:
        first, last = parse_period(None, args.date, args.to, today)
        store = Store(config.database_path)
    except (PeriodError, StoreError) as exc:
        print(f"counter_api report: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, PeriodError) else 1
    try:
        report = build_report(config, store, first, last)
    finally:
        store.close()
    data = (
        to_csv(report)
        if args.csv
        else (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode()
    )
    if args.output:
        with open(args.output, "wb") as fh:
            fh.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0
