"""Locustfiles run by the load runner in a Locust subprocess (never imported by pytest)."""
