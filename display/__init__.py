"""The waiting-room display: the calls on the TV and Vietnamese voice announcements.

``python -m display --config FILE``. Pure parts (``numbers``, ``announce``,
``state``) import no pygame, so the server and the browser display (issue 10)
can reuse them.
"""
