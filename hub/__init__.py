"""The province hub: every centre's rows, health and reports in PostgreSQL.

``python -m hub --config hub.toml`` serves the pages and the API; other
commands (``init-db``, ``centre add``, ``user add``…) live in ``hub.cli``.
It imports the shared ``sothutu`` package and nothing of the centre's programs.
"""

from sothutu import __version__

__all__ = ["__version__"]
