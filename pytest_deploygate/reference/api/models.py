"""Request bodies (camelCase on the wire)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field
from pydantic.alias_generators import to_camel


class Body(BaseModel):
    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class CustomerDetailsIn(Body):
    name: str = Field(max_length=500)
    email: str = Field(max_length=500)
    phone: str = Field(max_length=100)


class BookingIn(Body):
    service_id: str = Field(max_length=64)
    scheduled_date: str = Field(max_length=32)
    scheduled_time: str = Field(max_length=16)
    customer_details: CustomerDetailsIn
    notes: str | None = Field(default=None, max_length=5000)
    employee_id: str | None = Field(default=None, max_length=64)


class LoginIn(Body):
    email: str = Field(max_length=254)
    password: str = Field(max_length=200)


class PaymentIn(Body):
    booking_id: str | None = Field(default=None, max_length=64)
    booking_reference: str | None = Field(default=None, max_length=16)
    card_number: str = Field(max_length=40)
    expiry: str = Field(max_length=10)
    cvc: str = Field(max_length=8)
    amount: float | None = Field(default=None, ge=0, le=1_000_000, allow_inf_nan=False)


class ChatIn(Body):
    # Its length is checked by chat.validate_message (422), which no-input-validation bypasses:
    # with no-body-limit too, an oversized message is then accepted, as on a platform with neither.
    message: str


class ServiceIn(Body):
    id: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,64}$")
    name: str = Field(min_length=1, max_length=120)
    description: str = Field(default="", max_length=2000)
    duration_minutes: int = Field(ge=15, le=480, multiple_of=15)
    price: float = Field(ge=0, le=1_000_000, allow_inf_nan=False)
    currency: str = Field(default="ZAR", pattern=r"^[A-Z]{3}$")


class HoursIn(Body):
    start: str = Field(pattern=r"^([01]\d|2[0-3]):(00|30)$")
    end: str = Field(pattern=r"^([01]\d|2[0-3]):(00|30)$")


class EmployeeIn(Body):
    id: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,64}$")
    name: str = Field(min_length=1, max_length=120)
    role: str = Field(min_length=1, max_length=120)
    service_ids: list[str] = Field(default_factory=list, max_length=50)
    working_hours: dict[str, HoursIn] = Field(default_factory=dict)


class AiIn(Body):
    prompt: str = Field(default="", max_length=5000)
