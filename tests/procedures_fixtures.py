"""Configs with the example's five fields for the procedure tests (not a test module)."""

from __future__ import annotations

from pathlib import Path

from sothutu.config import Config, load_config
from tests.perf.procedures import SAMPLE, SERVICES
from tests.support import counter_key, counter_pin, write_config

__all__ = ["SAMPLE", "SERVICES", "procedures_config", "write_procedures_config"]


def _services() -> str:
    return "".join(
        f'\n[[services]]\nid = "{sid}"\nname = "{name}"\nprefix = "{chr(65 + i)}"\n'
        for i, (sid, name) in enumerate(SERVICES.items())
    )


def _counters(guidance: bool = False) -> str:
    ids = ", ".join(f'"{sid}"' for sid in SERVICES)
    numbers = (1, 2, 3) if guidance else (1, 2)
    return "".join(
        f'\n[[counters]]\nnumber = {n}\nservices = [{ids}]\nkey = "{counter_key(n)}"\n'
        f'pin = "{counter_pin(n)}"\n' + ("guidance = true\n" if n == 3 else "")
        for n in numbers
    )


def write_procedures_config(
    directory: Path,
    catalogue: str | Path = "",
    *,
    extra: str = "",
    guidance: bool = False,
    **kwargs,
) -> Path:
    """A valid config with the five example fields, two counters (and a third, the
    guidance counter, with ``guidance``), two kiosks and, when given, ``[procedures]
    catalogue``; ``extra`` TOML is appended (a kiosk's [printer] and [kiosk])."""
    table = f'\n[procedures]\ncatalogue = "{catalogue}"\n' if catalogue else ""
    return write_config(
        directory, services=_services(), counters=_counters(guidance), extra=table + extra, **kwargs
    )


def procedures_config(directory: Path, catalogue: str | Path = "") -> Config:
    return load_config(write_procedures_config(directory, catalogue))
