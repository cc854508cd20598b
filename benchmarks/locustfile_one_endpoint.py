"""One endpoint, no think time: the Locust load both the harness and bare Locust run in the
benchmark (benchmarks/load_driver.py), so they can be compared with wrk on equal terms."""

from __future__ import annotations

from locust import FastHttpUser, constant, task

import pytest_deploygate.load.locustfiles.arguments  # noqa: F401 - accepts the runner's --dg-*


class OneEndpoint(FastHttpUser):
    wait_time = constant(0)

    @task
    def services(self) -> None:
        self.client.get(self.environment.parsed_options.dg_services_path, name="GET services")
