"""The catalogue in the queue server's database, and the server's cached view of it.

An import replaces every procedure in one write transaction and bumps
``procedures_version`` in ``meta``; the server's ``Catalogue`` compares that
number on each use (one indexed read) and rebuilds its search index when
another process (``python -m counter_api procedures import``) changed it.

The file named by ``[procedures] catalogue`` is imported when the server
starts if its content differs from the last import of that file (so a fresh
database gets it, and so does an edited file); an import from the command
line of some other file stays until that file changes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from counter_api.procedures import synonyms as synonyms_file
from counter_api.procedures.csvio import CatalogueError, Problem, read_catalogue
from counter_api.procedures.search import Hit, SearchIndex
from counter_api.procedures.synonyms import SynonymError, Synonyms
from counter_api.store import Store
from counter_api.store.repo import DB, get_meta, set_meta
from sothutu.config import Config
from sothutu.procedures.model import Procedure

log = logging.getLogger(__name__)

VERSION = "procedures_version"
IMPORTED_AT = "procedures_imported_at"
SOURCE = "procedures_source"
FILE_DIGEST = "procedures_file_digest"


# --- SQL -------------------------------------------------------------------------------


def load_procedures(db: DB) -> list[Procedure]:
    rows = db["procedures"].rows_where(order_by="position", select="data")
    return [Procedure.from_json(json.loads(r["data"])) for r in rows]


def replace_procedures(db: DB, procedures: list[Procedure]) -> None:
    """Inside a write transaction: the catalogue becomes exactly ``procedures``."""
    table = db["procedures"]
    table.delete_where()
    table.insert_all(
        {
            "code": p.code,
            "position": i,
            "service": p.service,
            "name": p.name,
            "data": json.dumps(p.to_json(), ensure_ascii=False),
        }
        for i, p in enumerate(procedures)
    )


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def services_of(config: Config) -> dict[str, str]:
    return {s.id: s.name for s in config.services}


def import_file(
    store: Store, config: Config, path: Path, *, now: datetime | None = None, check_only=False
) -> list[Procedure]:
    """Read, check and import a catalogue file, all or nothing; raises
    ``CatalogueError`` (nothing changed) naming every problem."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CatalogueError(
            [Problem(f"cannot read the file: {exc.strerror}")], str(path)
        ) from None
    procedures = read_catalogue(data, services_of(config), str(path))
    if check_only:
        return procedures
    configured = (
        config.resolve(config.procedures.catalogue) if config.procedures.catalogue else None
    )
    same_file = configured is not None and configured.resolve() == path.resolve()
    with store.write() as tx:
        replace_procedures(tx.db, procedures)
        version = int(get_meta(tx.db, VERSION) or 0) + 1
        set_meta(tx.db, VERSION, str(version))
        set_meta(tx.db, IMPORTED_AT, (now or datetime.now(UTC)).isoformat(timespec="seconds"))
        set_meta(tx.db, SOURCE, path.name)
        if same_file:
            set_meta(tx.db, FILE_DIGEST, digest(data))
    log.info(
        "imported %d procedures from %s (catalogue version %d)", len(procedures), path, version
    )
    if "sample" in path.name.lower():
        log.warning(
            "the procedure catalogue is the shipped SAMPLE (%s); import your province's list",
            path.name,
        )
    return procedures


def sync_configured_file(store: Store, config: Config) -> str | None:
    """Import ``[procedures] catalogue`` when the database has not imported this
    content of it yet. Returns a one-line error when the file is bad (the old
    catalogue stays), else None."""
    if not config.procedures.catalogue:
        return None
    path = config.resolve(config.procedures.catalogue)
    try:
        data = path.read_bytes()
    except OSError as exc:
        return f"procedures.catalogue: cannot read {path}: {exc.strerror}"
    with store.read() as db:
        if get_meta(db, FILE_DIGEST) == digest(data):
            return None
    try:
        import_file(store, config, path)
    except CatalogueError as exc:
        return f"procedures.catalogue: {exc}"
    return None


def load_synonyms(config: Config) -> tuple[Synonyms, str | None]:
    """The shipped list of citizens' words plus ``[procedures] synonyms``; with a
    one-line error when the province's file is bad (then the shipped list alone)."""
    shipped = synonyms_file.shipped()
    if not config.procedures.synonyms:
        return shipped, None
    path = config.resolve(config.procedures.synonyms)
    try:
        return shipped.extended(synonyms_file.read(path)), None
    except OSError as exc:
        return shipped, f"procedures.synonyms: cannot read {path}: {exc.strerror}"
    except SynonymError as exc:
        return shipped, f"procedures.synonyms: {exc}"


# --- the server's view -------------------------------------------------------------------


@dataclass(frozen=True)
class View:
    """One version of the catalogue with its search index."""

    version: int
    procedures: tuple[Procedure, ...]
    index: SearchIndex
    imported_at: str | None = None
    source: str | None = None
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def sample(self) -> bool:
        """True for the shipped sample (its file name says so): pages then say it."""
        return bool(self.source and "sample" in self.source.lower())

    def get(self, code: str) -> Procedure | None:
        return self.index.by_code.get(code)

    def search(self, query: str, service: str | None = None, limit: int | None = None) -> list[Hit]:
        return self.index.search(query, service, limit)


class Catalogue:
    """The server's catalogue: rebuilt from the database whenever its version moved."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self.synonyms, problem = load_synonyms(config)
        if problem:
            log.error("%s; only the shipped list of words is used", problem)
        self._lock = threading.Lock()
        self._view: View | None = None

    def view(self) -> View:
        with self.store.read() as db:
            version = int(get_meta(db, VERSION) or 0)
            current = self._view
            if current is not None and current.version == version:
                return current
            procedures = load_procedures(db)
            imported_at, source = get_meta(db, IMPORTED_AT), get_meta(db, SOURCE)
        with self._lock:
            if self._view is not None and self._view.version == version:
                return self._view
            known = services_of(self.config)
            usable = [p for p in procedures if p.service in known]
            if len(usable) < len(procedures):
                log.warning(
                    "%d procedures name fields that are not in the config; they are hidden",
                    len(procedures) - len(usable),
                )
            counts = {sid: 0 for sid in known}
            for p in usable:
                counts[p.service] += 1
            self._view = View(
                version,
                tuple(usable),
                SearchIndex(usable, self.synonyms),
                imported_at,
                source,
                counts,
            )
            return self._view
