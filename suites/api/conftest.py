"""Fixtures of the api suite (shared with the security suite through suites/api/fixtures.py)."""

from __future__ import annotations

from suites.api.fixtures import booking_api, bookings, other_customer_api

__all__ = ["booking_api", "bookings", "other_customer_api"]  # fixtures, registered by import
