"""The service and employee catalogue, read once per process and kept until an admin changes it.

Every availability and booking request needs the service and the employees who offer it; both
change only through the admin endpoints of this process, which call `invalidate()`. Running
several processes on one database would need a shared signal instead (see ARCHITECTURE.md).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from .db import employee_services, employees, services


@dataclass(frozen=True)
class Catalogue:
    """A snapshot: services by id, and each service's employees ordered by id."""

    services: dict[str, Row[Any]]
    staff: dict[str, list[Row[Any]]]


def load_catalogue(conn: Connection) -> Catalogue:
    by_id = {row.id: row for row in conn.execute(sa.select(services))}
    people = {row.id: row for row in conn.execute(sa.select(employees).order_by(employees.c.id))}
    staff: dict[str, list[Row[Any]]] = {service_id: [] for service_id in by_id}
    links = sa.select(employee_services).order_by(employee_services.c.employee_id)
    for employee_id, service_id in conn.execute(links):
        staff.setdefault(service_id, []).append(people[employee_id])
    return Catalogue(services=by_id, staff=staff)


class CatalogueCache:
    """The current Catalogue, loaded on first use through whatever connection asks for it."""

    def __init__(self) -> None:
        self._current: Catalogue | None = None
        self._generation = 0
        self._lock = threading.Lock()

    def get(self, conn: Connection) -> Catalogue:
        current = self._current
        if current is not None:
            return current
        generation = self._generation
        loaded = load_catalogue(conn)
        with self._lock:
            # A change committed while we were loading makes what we read stale; serve it
            # once (it was true when read), but do not keep it.
            if generation == self._generation:
                self._current = loaded
        return loaded

    def invalidate(self) -> None:
        """Call after a committed change to services, employees or their links."""
        with self._lock:
            self._generation += 1
            self._current = None
