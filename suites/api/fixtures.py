"""Fixtures the api and security suites share; each suite's conftest imports them by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from pytest_deploygate import MASKER_KEY
from suites.api.bookings import BookingFactory
from suites.api.clients import signed_in
from suites.api.contract import ApiContract, api_contract


@pytest.fixture(scope="session")
def booking_api(platform: Any) -> ApiContract:
    """What the platform promises about its booking API ([platform.api], seed defaults)."""
    return api_contract(platform)


@pytest.fixture
def bookings(
    booking_api: ApiContract,
    test_data_name: Callable[[str], str],
    deploy_env: Any,
    base_url: str | None,
    pytestconfig: pytest.Config,
) -> Iterator[BookingFactory]:
    """Creates bookings named after the run and cancels them after the test."""
    admins: list[httpx.Client] = []

    def admin() -> httpx.Client:
        if not admins:
            admins.append(
                signed_in(
                    base_url or deploy_env.base_url,
                    deploy_env,
                    "admin",
                    pytestconfig.stash[MASKER_KEY],
                )
            )
        return admins[0]

    factory = BookingFactory(booking_api, test_data_name("booking"), admin)
    yield factory
    try:
        left = factory.cancel_all()
    finally:
        for client in admins:
            client.close()
    assert not left, f"could not cancel test bookings: {', '.join(left)}"


@pytest.fixture
def other_customer_api(
    deploy_env: Any, base_url: str | None, pytestconfig: pytest.Config
) -> Iterator[httpx.Client]:
    """Customer B: signed in with ``credentials.customer2``, for the BOLA checks."""
    client = signed_in(
        base_url or deploy_env.base_url, deploy_env, "customer2", pytestconfig.stash[MASKER_KEY]
    )
    yield client
    client.close()
