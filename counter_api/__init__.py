"""Sothutu's queue server, plus the config loader and API client its devices share.

Importing this package loads nothing heavy (no Flask): the kiosk, the display
and the keypads import ``counter_api.config`` and ``counter_api.client``.
"""

__version__ = "0.1.0"
