"""The traffic model: [environments.X.load] values, --load-* overrides, the stress steps."""

from __future__ import annotations

import pytest

from pytest_deploygate.load.config import SCHEMA, LoadConfigError, LoadRun, LoadSettings, load_run

WHERE = "environments.toml: [environments.staging.load]"


def test_load_runs_at_ten_times_normal_traffic() -> None:
    settings = LoadSettings.from_mapping({"normal_users": 2, "peak_users": 10}, WHERE)
    assert settings.load_users == 20
    assert load_run(settings, "http://127.0.0.1:1").users == 20


def test_stress_steps_follow_the_seed_from_half_to_twice_the_peak_in_tenths() -> None:
    settings = LoadSettings(peak_users=50)
    assert settings.stress_users() == list(range(25, 101, 5))


def test_stress_steps_end_exactly_at_the_maximum_and_never_step_by_zero() -> None:
    # The seed's Math.floor(users * 0.1) is 0 for fewer than 10 users: an endless loop there.
    assert LoadSettings(peak_users=3).stress_users() == [1, 2, 3, 4, 5, 6]
    assert LoadSettings(peak_users=10, stress_step=0.7).stress_users() == [5, 12, 19, 20]


def test_options_override_the_environment() -> None:
    settings = LoadSettings(normal_users=2).with_options(
        users=7, duration=3, ramp_up=1, processes=2, step_duration=2
    )
    assert (settings.load_users, settings.duration, settings.ramp_up) == (7, 3, 1)
    assert (settings.processes, settings.stress_step_duration) == (2, 2)


def test_every_run_is_bounded_by_run_time_and_a_hard_timeout() -> None:
    run = LoadRun(host="http://127.0.0.1:1", users=4, duration=2.5, ramp_up=2, stop_timeout=1)
    assert run.run_seconds == 3  # whole seconds for --run-time, rounded up
    assert run.spawn_rate == 2
    assert run.hard_timeout == 3 + 1 + run.startup_grace


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"normal_user": 2}, "unknown key 'normal_user'; valid keys: "),
        ({"normal_users": "2"}, "normal_users = '2' is not a whole number"),
        ({"normal_users": 0}, "normal_users must be above 0"),
        ({"duration": "1m"}, "duration = '1m' is not a number; write e.g. 30"),
        ({"think_time": [3]}, "think_time = [3] is not [min, max] seconds"),
        ({"think_time": [3, 1]}, "think_time must be [min, max] with 0 <= min <= max"),
        ({"stress_start": 2.0, "stress_stop": 1.0}, "stress_stop must not be below stress_start"),
    ],
)
def test_a_bad_value_is_one_line_naming_file_table_key_and_fix(
    values: dict[str, object], message: str
) -> None:
    with pytest.raises(LoadConfigError) as caught:
        LoadSettings.from_mapping(values, WHERE)
    assert str(caught.value).startswith(WHERE + ": ")
    assert message in str(caught.value)


def test_a_bad_option_is_refused() -> None:
    with pytest.raises(LoadConfigError, match="command-line options: duration must be above 0"):
        LoadSettings().with_options(duration=0)


def test_the_schema_for_environments_toml_names_every_setting() -> None:
    defaults = LoadSettings()
    table = {key: getattr(defaults, key) for key in SCHEMA}
    table["think_time"] = list(defaults.think_time)  # TOML has arrays, not tuples
    assert LoadSettings.from_mapping(table, WHERE) == defaults
