# ruff: noqa: E501 - one row per suite item reads best on one line
"""Which fault (or Tamper tampering) turns each hosted suite item red, and the test that shows
it. tests/layout/test_fault_table.py collects every suite item (``pytest --env=local
--collect-only``) and fails when one has no row here; unproven items are rows too, saying why,
so the gap stays visible. Keys are item ids under pytest_deploygate/suites/; ``*`` in a key
matches a family of parametrized items."""

from __future__ import annotations

from typing import NamedTuple


class Proof(NamedTuple):
    faults: tuple[str, ...]  # reference faults, or Tamper tamperings (tests/suites)
    test: str  # tests/<file>::<test function> that runs them and asserts the item fails
    note: str = ""


class Unproven(NamedTuple):
    why: str


LOCAL_DOWN = "tests/plugin/test_local.py::test_smoke_and_health_suites_name_the_component_when_the_database_is_down"
EACH_FAULT = "tests/suites/test_security_api_faults.py::test_each_fault_turns_its_suite_red_and_names_the_defect"
TAMPERED = "tests/suites/test_security_api_faults.py::test_every_tampering_turns_its_checks_red"
COVERAGE = (
    "tests/suites/test_fault_coverage.py::test_the_faults_turn_the_checks_no_other_test_shows_red"
)
BROWSER = (
    "tests/browser/test_suite_faults.py::test_each_fault_turns_its_suite_red_naming_the_defect"
)
DATABASE = "tests/database/test_suite_local.py::test_a_dropped_column_and_a_stale_schema_are_named"
DATABASE_DOWN = (
    "tests/database/test_suite_local.py::test_database_down_is_one_error_naming_the_database"
)
FEATURES = "tests/features/test_shipped_features.py::"
HEALTH_DOCUMENT = (
    "tests/plugin/test_health_document.py::test_a_200_that_says_fail_fails_the_health_suite"
)
HSTS_OVER_TLS = "tests/suites/test_tls.py::test_the_hsts_check_runs_over_tls_and_fails_on_no_hsts"
SESSIONS = "tests/plugin/test_auth_modes.py::test_session_checks_go_red_on_each_session_defect"

TABLE: dict[str, Proof | Unproven] = {
    # smoke
    "smoke/test_smoke.py::test_health_endpoint_passes": Proof(("database-down",), LOCAL_DOWN),
    "smoke/test_smoke.py::test_home_page_renders": Proof(("database-down",), LOCAL_DOWN),
    "smoke/test_smoke.py::test_booking_page_renders_services": Proof(
        ("database-down",), LOCAL_DOWN
    ),
    "smoke/test_smoke.py::test_services_are_listed": Proof(("database-down",), LOCAL_DOWN),
    "smoke/test_smoke.py::test_availability_answers": Proof(("database-down",), LOCAL_DOWN),
    # health
    "health/test_health.py::test_health_is_health_json": Proof(("plain-json-health",), TAMPERED),
    "health/test_health.py::test_component_is_healthy[database]": Proof(
        ("database-down",), LOCAL_DOWN
    ),
    "health/test_health.py::test_component_is_healthy[payment]": Proof(
        ("providers-down",), COVERAGE
    ),
    "health/test_health.py::test_component_is_healthy[email]": Proof(("providers-down",), COVERAGE),
    "health/test_health.py::test_component_is_healthy[sms]": Proof(("providers-down",), COVERAGE),
    "health/test_health.py::test_database_accepts_queries": Proof(("database-down",), LOCAL_DOWN),
    "health/test_health.py::test_health_document_says_healthy": Proof(
        ("database-down",), LOCAL_DOWN, f"and a 200 saying fail: {HEALTH_DOCUMENT}"
    ),
    # injection: each detection has a fault of its own
    "security/test_security_injection.py::test_injection_into_login_chat_and_availability": Proof(
        (
            "sql-injection",
            "sql-error-messages",
            "blind-sql-injection",
            "template-injection",
            "no-input-validation",
        ),
        EACH_FAULT,
    ),  # fmt: skip
    "security/test_security_injection.py::test_injection_into_a_booking_lookup": Proof(
        ("sql-injection-bookings",), EACH_FAULT
    ),
    "security/test_security_injection.py::test_injection_into_booking_and_payment_fields": Proof(
        ("sql-injection-bookings",), EACH_FAULT, "a booking's serviceId and a payment's bookingId"
    ),
    # session sign-in (form login platforms): a Django-like loopback platform's defects
    "security/test_security_session.py::test_the_session_id_changes_at_login": Proof(
        ("fixation",), SESSIONS, "loopback form-login platform, not the reference"
    ),
    "security/test_security_session.py::test_logout_ends_the_session_on_the_server": Proof(
        ("no-logout",), SESSIONS, "loopback form-login platform, not the reference"
    ),
    "security/test_security_session.py::test_the_session_cookie_has_its_flags": Proof(
        ("script-cookie",), SESSIONS, "loopback form-login platform, not the reference"
    ),
    # security
    "security/test_security_access.py::test_protected_endpoints_refuse_anonymous_callers": Proof(
        ("open-admin-endpoints",), EACH_FAULT
    ),
    "security/test_security_access.py::test_admin_endpoints_refuse_customers": Proof(
        ("open-admin-endpoints",), EACH_FAULT
    ),
    "security/test_security_access.py::test_public_writes_turn_junk_away_with_a_json_error": Proof(
        ("leaky-500s",), COVERAGE
    ),
    "security/test_security_access.py::test_forged_tokens_are_refused[alg none as admin]": Proof(
        ("accept-unsigned-jwt", "unverified-jwt"), EACH_FAULT
    ),
    "security/test_security_access.py::test_forged_tokens_are_refused[alg none]": Proof(
        ("accept-unsigned-jwt", "unverified-jwt"), EACH_FAULT
    ),
    "security/test_security_access.py::test_forged_tokens_are_refused[tampered claims]": Proof(
        ("unverified-jwt",), TAMPERED
    ),
    "security/test_security_access.py::test_forged_tokens_are_refused[bad signature]": Proof(
        ("unverified-jwt",), TAMPERED
    ),
    "security/test_security_access.py::test_forged_tokens_are_refused[expired]": Proof(
        ("unverified-jwt",), TAMPERED
    ),
    "security/test_security_bola.py::test_customer_cannot_read_another_customers_booking": Proof(
        ("bola",), EACH_FAULT
    ),
    "security/test_security_bola.py::test_customer_list_holds_only_their_own_bookings": Proof(
        ("leaky-booking-list",), TAMPERED
    ),
    "security/test_security_bola.py::test_customer_cannot_cancel_another_customers_booking": Proof(
        ("bola", "failed-owner-reads"), EACH_FAULT
    ),
    "security/test_security_bola.py::test_anonymous_caller_cannot_read_a_booking": Proof(
        ("anonymous-booking-reads",), TAMPERED
    ),
    "security/test_security_fuzz.py::test_fuzzed_chat_messages_never_crash_or_reflect_markup": Proof(
        ("leaky-500s",),
        COVERAGE,
        "chat-always-429 shows it skips, saying so, when it checked nothing",
    ),
    "security/test_security_fuzz.py::test_fuzzed_booking_payloads_never_crash_or_reflect_markup": Proof(
        ("leaky-500s",), COVERAGE
    ),
    "security/test_security_headers.py::test_security_headers_have_the_expected_values": Proof(
        ("no-security-headers",), EACH_FAULT
    ),
    "security/test_security_headers.py::test_content_security_policy_forbids_inline_and_eval_scripts": Proof(
        ("no-security-headers", "unsafe-csp"), EACH_FAULT
    ),
    "security/test_security_headers.py::test_https_environments_send_hsts": Proof(
        ("no-hsts",), HSTS_OVER_TLS
    ),
    "security/test_security_headers.py::test_no_server_version_leaks": Proof(
        ("version-leak",), TAMPERED
    ),
    "security/test_security_headers.py::test_cors_never_reflects_an_arbitrary_origin_with_credentials": Proof(
        ("reflect-cors",), TAMPERED
    ),
    "security/test_security_headers.py::test_cookies_are_secure_httponly_and_samesite": Proof(
        ("insecure-cookie",), TAMPERED
    ),
    "security/test_security_input.py::test_chat_refuses_the_seeds_malicious_payloads": Proof(
        ("no-input-validation",), EACH_FAULT
    ),
    "security/test_security_input.py::test_booking_refuses_malicious_customer_details": Proof(
        ("no-input-validation",), EACH_FAULT
    ),
    "security/test_security_input.py::test_oversized_bodies_are_refused": Proof(
        ("no-body-limit", "no-input-validation"),
        EACH_FAULT,
        "both together: limit and length check",
    ),
    "security/test_security_input.py::test_malformed_json_is_a_4xx_json_error[*]": Proof(
        ("leaky-500s",), EACH_FAULT
    ),
    "security/test_security_input.py::test_wrong_types_are_a_4xx_json_error": Proof(
        ("leaky-500s",), COVERAGE
    ),
    "security/test_security_rate_limit.py::test_a_burst_past_the_limit_gets_429_with_retry_after": Proof(
        ("no-rate-limit",), EACH_FAULT
    ),
    # api
    "api/test_api_bookings.py::test_create_read_and_cancel_a_booking": Proof(
        ("failed-owner-reads",), TAMPERED, "the read-back; no fault breaks create or cancel"
    ),
    "api/test_api_bookings.py::test_a_guest_booking_is_not_readable_anonymously": Proof(
        ("anonymous-booking-reads",), TAMPERED
    ),
    "api/test_api_bookings.py::test_a_booked_slot_leaves_availability_and_returns_when_cancelled": Proof(
        ("double-booking",), COVERAGE
    ),
    "api/test_api_bookings.py::test_invalid_bookings_are_refused_with_a_json_error": Proof(
        ("leaky-500s",), COVERAGE
    ),
    "api/test_api_bookings.py::test_concurrent_bookings_of_one_slot_yield_exactly_one_201": Proof(
        ("double-booking",), EACH_FAULT
    ),
    "api/test_api_catalogue.py::test_services_are_listed_with_id_and_name": Proof(
        ("database-down",), EACH_FAULT
    ),
    "api/test_api_catalogue.py::test_employees_are_listed_with_id_and_name": Proof(
        ("database-down",), EACH_FAULT
    ),
    "api/test_api_catalogue.py::test_the_availability_overview_answers_json": Proof(
        ("database-down",), EACH_FAULT
    ),
    "api/test_api_catalogue.py::test_availability_lists_free_slots_as_times": Proof(
        ("slot-times-with-seconds",), EACH_FAULT
    ),
    "api/test_api_catalogue.py::test_availability_of_an_unknown_service_is_a_json_404": Proof(
        ("errors-as-200",), TAMPERED
    ),
    "api/test_api_catalogue.py::test_availability_of_a_malformed_date_is_a_json_4xx": Proof(
        ("errors-as-200",), TAMPERED
    ),
    "api/test_api_payments.py::test_the_success_card_pays_once_per_idempotency_key": Proof(
        ("payment-always-declines", "payments-ignore-idempotency-key"), EACH_FAULT
    ),
    "api/test_api_payments.py::test_the_decline_card_is_declined_with_a_json_error": Proof(
        ("payments-accept-any-card",), TAMPERED
    ),
    "api/test_api_payments.py::test_a_card_number_failing_the_luhn_check_is_rejected": Proof(
        ("payments-accept-any-card",), TAMPERED
    ),
    "api/test_api_schema.py::test_read_operations_conform_to_the_openapi_document": Proof(
        ("database-down",), COVERAGE, "the undocumented 503"
    ),
    "api/test_api_schema.py::test_write_operations_conform_to_the_openapi_document": Proof(
        ("leaky-500s",), COVERAGE
    ),
    # database
    "database/test_database.py::test_database_answers_select_1": Proof(
        ("database-down",), DATABASE_DOWN
    ),
    "database/test_database.py::test_expected_tables_and_columns_exist": Proof(
        ("drop-column",), DATABASE
    ),
    "database/test_database.py::test_schema_version_is_the_deployed_one": Proof(
        ("stale-schema",), DATABASE
    ),
    "database/test_database.py::test_verification_queries_hold": Proof(
        ("double-booking",),
        "tests/database/test_suite_local.py::test_a_booking_that_holds_no_slot_fails_the_verification_queries",
        "active_bookings_hold_their_slot, after one booking made without its slot claim",
    ),
    "database/test_database.py::test_representative_queries_latency": Proof(
        ("unindexed-claims",),
        "tests/database/test_suite_local.py::test_a_full_scan_of_a_representative_query_is_named",
    ),
    # e2e (Chromium)
    "e2e/test_booking.py::test_booking_flow_ends_with_a_bk_reference[chromium]": Proof(
        ("broken-confirmation",), BROWSER
    ),
    "e2e/test_mobile.py::test_the_mobile_menu_opens_and_closes[chromium]": Proof(
        ("broken-mobile-menu",), BROWSER
    ),
    "e2e/test_mobile.py::test_a_mobile_service_card_opens_the_mobile_date_and_time[chromium]": Proof(
        ("broken-service-cards",), BROWSER
    ),
    "e2e/test_payment.py::test_the_success_card_pays_the_booking[chromium]": Proof(
        ("payment-always-declines",), BROWSER
    ),
    "e2e/test_payment.py::test_the_decline_card_shows_the_decline_message[chromium]": Proof(
        ("payment-never-declines",), BROWSER
    ),
    # accessibility (Chromium)
    "accessibility/test_axe.py::test_every_page_of_the_booking_flow_passes_axe[chromium-desktop]": Proof(
        ("inaccessible-forms",), BROWSER
    ),
    "accessibility/test_axe.py::test_every_page_of_the_booking_flow_passes_axe[chromium-mobile]": Proof(
        ("inaccessible-forms",), BROWSER
    ),
    "accessibility/test_keyboard.py::test_the_booking_flow_can_be_completed_with_the_keyboard_alone[chromium]": Proof(
        ("broken-service-cards",), BROWSER, "the desktop service cards leave the tab order"
    ),
    "accessibility/test_structure.py::test_headings_alt_text_and_labels_on_the_booking_pages[chromium]": Proof(
        ("inaccessible-forms",), BROWSER
    ),
    # performance
    "performance/test_load.py::test_booking_platform_under_ten_times_normal_traffic": Proof(
        ("database-down",),
        "tests/load/test_local_platform.py::test_a_platform_nobody_can_browse_fails_the_load_test_naming_the_errors",
        "its latency and error verdicts are the load gates' (slow-api: exit 99)",
    ),
    "performance/test_stress.py::test_booking_platform_holds_its_expected_peak": Proof(
        ("slow-api",),
        "tests/load/test_local_platform.py::test_slow_api_breaches_the_load_gate_and_exits_99_naming_it",
    ),
    # features
    "features/api.feature.yaml::Availability lists free slots": Proof(
        ("database-down",),
        FEATURES + "test_a_database_down_fails_the_api_features_reads_and_life_cycle",
    ),
    "features/api.feature.yaml::Create, read and cancel a booking": Proof(
        ("database-down",),
        FEATURES + "test_a_database_down_fails_the_api_features_reads_and_life_cycle",
        "an error at its admin sign-in (503); no fault breaks only the booking's later steps",
    ),
    "features/api.feature.yaml::Anonymous callers cannot create services": Proof(
        ("open-admin-endpoints",),
        FEATURES + "test_open_admin_endpoints_fail_the_api_feature_naming_the_step",
    ),
    "features/booking.feature.yaml::Complete booking flow": Proof(
        ("broken-confirmation",),
        FEATURES + "test_broken_confirmation_fails_the_browser_features_naming_the_step",
    ),
    "features/payment.feature.yaml::Pay a booking with the success card": Proof(
        ("broken-confirmation",),
        FEATURES + "test_broken_confirmation_fails_the_browser_features_naming_the_step",
        "red at its confirmation step; its payment step is not shown red",
    ),
}
