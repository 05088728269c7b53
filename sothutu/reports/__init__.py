"""Report definitions shared by the centre and the province hub.

``compute`` (pure: plain rows in, a JSON-ready dict out) holds every
definition (see docs/reports.md), so the same day gives the same numbers at
the centre and at the hub; ``table`` turns a report into Vietnamese tables for
CSV and pages; ``charts`` draws SVG.
"""
