"""Report definitions shared by the centre and the province hub.

``compute`` (pure: plain rows in, a JSON-ready dict out) holds every
definition (see docs/reports.md), so the same day gives the same numbers at
the centre and at the hub; ``table`` turns a report into Vietnamese tables with
typed cells, ``numbers`` writes numbers and dates as Vietnamese readers do,
``sheets`` and ``files`` write CSV (two dialects) and .xlsx, ``charts`` draws SVG,
``period`` reads the dates a person types, ``summary`` makes the printable month.
The pages' shared pieces are Jinja templates in ``TEMPLATES`` (under ``report/``)
and a stylesheet in ``STATIC``; both apps serve and load them.
"""

from pathlib import Path

#: Jinja templates shared by the centre's and the hub's pages (``report/…``).
TEMPLATES = Path(__file__).resolve().parent / "templates"
#: The stylesheet of printed reports, served by both apps at /static/report/.
STATIC = Path(__file__).resolve().parent / "static"
