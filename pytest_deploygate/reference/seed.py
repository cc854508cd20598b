"""Seed data: services with duration and price, employees with working hours, test accounts."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from .db import employee_services, employees, services, users
from .security import hash_password, verify_password
from .settings import Settings

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

SERVICES = [
    ("haircut", "Classic haircut", "Wash, cut and style with a senior stylist.", 30, 25000),
    ("colour", "Full colour", "Full head colour including a toner and blow-dry.", 90, 85000),
    ("massage", "Deep tissue massage", "Sixty minutes of focused deep tissue work.", 60, 60000),
    ("manicure", "Manicure", "Shape, cuticle care and a polish of your choice.", 45, 30000),
]

# One practitioner per service keeps "a slot" unambiguous: (service, date, time).
EMPLOYEES = [
    (
        "thandi",
        "Thandi Nkosi",
        "Senior stylist",
        WEEKDAYS[:5],
        ("09:00", "17:00"),
        ["haircut", "colour"],
    ),
    ("sipho", "Sipho Dlamini", "Massage therapist", WEEKDAYS[:6], ("08:00", "16:00"), ["massage"]),
    (
        "lerato",
        "Lerato Mokoena",
        "Nail technician",
        WEEKDAYS[1:6],
        ("10:00", "18:00"),
        ["manicure"],
    ),
]


def seed(conn: Connection, settings: Settings) -> None:
    """Insert the catalogue when it is empty and make the accounts match the settings."""
    if conn.execute(sa.select(sa.func.count()).select_from(services)).scalar_one() == 0:
        conn.execute(
            services.insert(),
            [
                {
                    "id": sid,
                    "name": name,
                    "description": text,
                    "duration_minutes": minutes,
                    "price_cents": cents,
                    "currency": "ZAR",
                }
                for sid, name, text, minutes, cents in SERVICES
            ],
        )
        for eid, name, role, days, (start, end), service_ids in EMPLOYEES:
            hours = {day: [start, end] for day in days}
            conn.execute(
                employees.insert().values(id=eid, name=name, role=role, working_hours=hours)
            )
            conn.execute(
                employee_services.insert(),
                [{"employee_id": eid, "service_id": sid} for sid in service_ids],
            )
    privileged = "staff" if settings.profile == "session" else "admin"
    accounts = [
        (settings.admin_email.lower(), settings.admin_password, privileged, "Admin"),
        (settings.customer_email.lower(), settings.customer_password, "customer", "Test Customer"),
        (
            settings.second_customer_email.lower(),
            settings.second_customer_password,
            "customer",
            "Second Customer",
        ),
    ]
    for email, password, role, name in accounts:
        row = conn.execute(
            sa.select(users.c.id, users.c.password_hash).where(users.c.email == email)
        ).first()
        if row is None:
            conn.execute(
                users.insert().values(
                    email=email, name=name, role=role, password_hash=hash_password(password)
                )
            )
        elif not verify_password(password, row.password_hash):
            conn.execute(
                users.update()
                .where(users.c.id == row.id)
                .values(password_hash=hash_password(password), role=role)
            )
