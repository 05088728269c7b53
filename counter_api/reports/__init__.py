"""Daily and period reports: figures per field, per counter, per hour and per day.

``compute`` (pure: plain rows in, a JSON-ready dict out) holds every
definition (see docs/reports.md); ``load`` reads the rows from the store
(tickets, ticket_log and ratings, never the pruned events table); ``table``
turns a report into Vietnamese tables for CSV and the admin page; ``charts``
draws SVG; ``cli`` adds ``python -m counter_api report``.
"""

from counter_api.reports.load import build_report
from sothutu.reports.compute import compute

__all__ = ["build_report", "compute"]
