"""Which field and procedure a ticket request means: ``service``, ``procedure`` or both.

A ticket may be asked for a procedure of the catalogue instead of a field; it
then goes to the procedure's field and carries the procedure's code and name
(as they were at issue). The checks come in the order docs/api.md gives:
400 nothing named, 404 ``unknown_service``, 404 ``unknown_procedure``, 409
``service_mismatch``.
"""

from __future__ import annotations

from collections.abc import Callable

from counter_api.core.model import Conflict, NotFound, QueueError
from sothutu.config import Config
from sothutu.procedures.model import Procedure


def ticket_procedure(
    config: Config,
    find: Callable[[str], Procedure | None],
    service_id: str | None,
    code: str | None,
) -> tuple[str, tuple[str, str] | None]:
    """The field and the (code, name) of the procedure of a ticket request.

    ``find`` looks a code up in the catalogue. Without a procedure the field is
    the one named; with one, the procedure's field, which a named field must match.
    """
    if code is None:
        if service_id is None:
            raise QueueError("invalid_request", "missing field 'service'")
        return service_id, None
    if service_id is not None and config.service(service_id) is None:
        raise NotFound("unknown_service", f"no service {service_id!r}")
    p = find(code)
    if p is None:
        raise NotFound("unknown_procedure", f"no procedure {code!r} in the catalogue")
    if service_id is not None and service_id != p.service:
        raise Conflict(
            "service_mismatch",
            f"procedure {code} is queued under {p.service!r}, not {service_id!r}; "
            "omit 'service' to use the procedure's field",
        )
    return p.service, (p.code, p.name)
