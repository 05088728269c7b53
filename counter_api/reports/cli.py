"""``python -m counter_api report --config FILE --date D [--to D2] [--csv | --xlsx]``."""

from __future__ import annotations

import argparse
import json
import sys

from counter_api.cli import command
from sothutu.config import Config
from sothutu.reports.sheets import DIALECTS


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--date", help="business day YYYY-MM-DD (default: today)")
    parser.add_argument("--to", help="last day of a period that starts at --date")
    out = parser.add_mutually_exclusive_group()
    out.add_argument("--csv", action="store_true", help="CSV instead of JSON")
    out.add_argument("--xlsx", action="store_true", help="an Excel workbook instead of JSON")
    parser.add_argument(
        "--dialect",
        choices=tuple(DIALECTS),
        default="plain",
        help="the CSV's dialect: plain (',' and 2.5, the default) or excel-vn (';' and 2,5, "
        "for Excel under Vietnamese regional settings)",
    )
    parser.add_argument("--output", "-o", help="write to this file instead of standard output")


@command("report", "Print a day's or a period's report as JSON, CSV or .xlsx.", _arguments)
def run(config: Config, args: argparse.Namespace) -> int:
    from datetime import datetime

    from counter_api.core.day import business_date
    from counter_api.reports.load import build_report
    from counter_api.store import Store, StoreError
    from sothutu.reports import files
    from sothutu.reports.period import ApiPeriodError, parse_iso_period

    if not config.database_path.exists():
        print(f"counter_api report: no database at {config.database_path}", file=sys.stderr)
        return 1
    today = business_date(datetime.now().astimezone(), config.centre.tz)
    try:
        first, last = parse_iso_period(None, args.date, args.to, today)
        store = Store(config.database_path)
    except (ApiPeriodError, StoreError) as exc:
        print(f"counter_api report: {exc}", file=sys.stderr)
        return 2 if isinstance(exc, ApiPeriodError) else 1
    try:
        report = build_report(config, store, first, last)
    finally:
        store.close()
    if args.xlsx:
        data = files.to_xlsx(report)
    elif args.csv:
        data = files.to_csv(report, args.dialect)
    else:
        data = (json.dumps(report, ensure_ascii=False, indent=2) + "\n").encode()
    if args.output:
        with open(args.output, "wb") as fh:
            fh.write(data)
    else:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
    return 0
