"""Configs with the example's five fields for the procedure tests (not a test module)."""

from __future__ import annotations

from pathlib import Path

from counter_api.config import Config, load_config
from tests.perf.procedures import SAMPLE, SERVICES
from tests.support import counter_key, counter_pin, write_config

__all__ = ["SAMPLE", "SERVICES", "procedures_config", "write_procedures_config"]


def _services() -> str:
    return "".join(
        f'\n[[services]]\nid = "{sid}"\nname = "{name}"\nprefix = "{chr(65 + i)}"\n'
        for i, (sid, name) in enumerate(SERVICES.items())
    )


def _counters() -> str:
    ids = ", ".join(f'"{sid}"' for sid in SERVICES)
    return "".join(
        f'\n[[counters]]\nnumber = {n}\nservices = [{ids}]\nkey = "{counter_key(n)}"\n'
        f'pin = "{counter_pin(n)}"\n'
        for n in (1, 2)
    )


def write_procedures_config(directory: Path, catalogue: str | Path = "", **kwargs) -> Path:
    """A valid config with the five example fields, two counters, two kiosks and,
    when given, ``[procedures] catalogue``."""
    extra = f'\n[procedures]\ncatalogue = "{catalogue}"\n' if catalogue else ""
    return write_config(
        directory, services=_services(), counters=_counters(), extra=extra, **kwargs
    )


def procedures_config(directory: Path, catalogue: str | Path = "") -> Config:
    return load_config(write_procedures_config(directory, catalogue))
