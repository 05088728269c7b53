"""Sothutu's queue server: the queue core, the SQLite store and the Flask app.

Shared code (config, client, clock, words, voice) lives in ``sothutu``.
"""

from sothutu import __version__

__all__ = ["__version__"]
