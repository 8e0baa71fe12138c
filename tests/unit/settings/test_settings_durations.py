"""The duration type: every duration variable reads `30s`/`5m`/`1h30m`/`3d` (and a bare number
as seconds), is a timedelta inside, and refuses anything else with an error naming the variable."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from settings import format_duration, load_settings, parse_duration
from tests.support.worker_process import settings_env

# Every duration setting: the variable people set (README) → the attribute code reads.
DURATION_VARIABLES = [
    ("DISPATCH_INTERVAL_SECONDS", "dispatch_interval"),
    ("DISPATCH_INLINE_TIMEOUT_SECONDS", "dispatch_inline_timeout"),
    ("DISPATCH_MAX_AGE", "dispatch_max_age"),
    ("INGEST_BATCH_WINDOW", "ingest_batch_window"),
    ("RECOVER_INTERVAL", "recover_interval"),
    ("RECOVER_WINDOW", "recover_window"),
    ("RUN_PHASE_TIMEOUT", "run_phase_timeout"),
    ("RUN_RETRY_WINDOW", "run_retry_window"),
    ("RUN_CI_TIMEOUT", "run_ci_timeout"),
    ("RUN_RECONCILE_INTERVAL", "run_reconcile_interval"),
    ("LLM_TIMEOUT", "llm_timeout"),
    ("RUN_FEEDBACK_WINDOW", "run_feedback_window"),
    ("NOTIFY_GROUP_WAIT", "notify_group_wait"),
    ("NOTIFY_GROUP_INTERVAL", "notify_group_interval"),
    ("NOTIFY_CHECK_WAIT", "notify_check_wait"),
    ("NOTIFY_REPEAT_INTERVAL", "notify_repeat_interval"),
    ("CI_FAILURE_REOPEN_WINDOW", "ci_failure_reopen_window"),
    ("BLOCKED_ACK_TIMEOUT", "blocked_ack_timeout"),
    ("WEBHOOK_RETENTION", "webhook_retention"),
    ("REJECTED_RETENTION", "rejected_retention"),
    ("LOG_RETENTION", "log_retention"),
]

VALID = [
    ("30s", timedelta(seconds=30)),
    ("5m", timedelta(minutes=5)),
    ("3d", timedelta(days=3)),
    ("1h30m", timedelta(minutes=90)),
    ("1d12h", timedelta(hours=36)),
    ("1h 30m", timedelta(minutes=90)),
    ("500ms", timedelta(milliseconds=500)),
    ("2w", timedelta(weeks=2)),
    ("1.5h", timedelta(minutes=90)),
    (" 5 m ", timedelta(minutes=5)),
    ("0s", timedelta(0)),
    ("30", timedelta(seconds=30)),  # a bare number is seconds: the old …_SECONDS values
    ("0.5", timedelta(milliseconds=500)),
]

INVALID = ["", "soon", "h", "4 hours", "-1s", "4x", "1m5", "m5", "1e3s", "5s,", "1..5s", "-2"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        *VALID,
        ("90s", timedelta(seconds=90)),
        ("4h", timedelta(hours=4)),
        ("10d", timedelta(days=10)),
    ],
)
def test_parse_duration_accepts_units(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", INVALID)
def test_parse_duration_rejects_garbage(text: str) -> None:
    with pytest.raises(ValueError):
        parse_duration(text)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No duration variable from the machine: each test sets the one it reads."""
    for name, _ in DURATION_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    for name in ("NOTIFY_GROUP_WINDOW", "BLOCKED_ESCALATION_DELAYS", "DISPATCH_INTERVAL"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize(("variable", "attribute"), DURATION_VARIABLES)
@pytest.mark.parametrize(("text", "expected"), VALID, ids=[t for t, _ in VALID])
def test_duration_variable_reads_every_spelling(
    clean_env: pytest.MonkeyPatch, variable: str, attribute: str, text: str, expected: timedelta
) -> None:
    clean_env.setenv(variable, text)
    assert getattr(load_settings(), attribute) == expected


@pytest.mark.parametrize(
    ("variable", "text"),
    [
        (variable, text)
        for variable, _ in DURATION_VARIABLES
        for text in INVALID
        if text or variable != "RECOVER_INTERVAL"  # empty: no schedule (tested below)
    ],
)
def test_duration_variable_refuses_garbage_naming_it(
    clean_env: pytest.MonkeyPatch, variable: str, text: str
) -> None:
    clean_env.setenv(variable, text)
    with pytest.raises(ValidationError, match="not a duration") as caught:
        load_settings()
    assert variable.lower() in str(caught.value)  # pydantic names the variable as it was set


def test_duration_too_long_is_refused(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("WEBHOOK_RETENTION", "9" * 40 + "d")
    with pytest.raises(ValidationError, match="webhook_retention(.|\n)*too long"):
        load_settings()


@pytest.mark.parametrize(
    ("variable", "text", "attribute", "expected"),
    [
        # The names and plain-number values of earlier releases keep working.
        ("DISPATCH_INTERVAL_SECONDS", "2", "dispatch_interval", timedelta(seconds=2)),
        ("DISPATCH_INTERVAL_SECONDS", "0.5", "dispatch_interval", timedelta(milliseconds=500)),
        ("DISPATCH_INLINE_TIMEOUT_SECONDS", "1", "dispatch_inline_timeout", timedelta(seconds=1)),
        ("NOTIFY_GROUP_WINDOW", "1m", "notify_group_interval", timedelta(minutes=1)),
        ("RECOVER_INTERVAL", "", "recover_interval", None),
        ("RECOVER_INTERVAL", "  ", "recover_interval", None),
    ],
)
def test_duration_earlier_spellings_still_read(
    clean_env: pytest.MonkeyPatch,
    variable: str,
    text: str,
    attribute: str,
    expected: timedelta | None,
) -> None:
    clean_env.setenv(variable, text)
    assert getattr(load_settings(), attribute) == expected


def test_duration_defaults_are_timedeltas(clean_env: pytest.MonkeyPatch) -> None:
    conf = load_settings()
    assert conf.dispatch_interval == timedelta(seconds=2)
    assert conf.dispatch_inline_timeout == timedelta(seconds=3)
    assert conf.dispatch_max_age == timedelta(days=3)
    assert conf.ingest_batch_window == timedelta(milliseconds=2)
    assert conf.recover_interval is None
    assert conf.blocked_escalation_delays == (
        timedelta(hours=4),
        timedelta(hours=24),
        timedelta(hours=72),
    )


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.5, timedelta(milliseconds=500)),
        (3, timedelta(seconds=3)),
        (timedelta(minutes=2), timedelta(minutes=2)),
        ("2m", timedelta(minutes=2)),
    ],
)
def test_duration_from_python_values(value: object, expected: timedelta) -> None:
    assert load_settings(dispatch_interval=value).dispatch_interval == expected


@pytest.mark.parametrize("value", [True, -1, float("nan"), float("inf"), timedelta(seconds=-1), []])
def test_duration_refuses_python_values_that_are_not_durations(value: object) -> None:
    with pytest.raises(ValidationError, match="dispatch_interval(.|\n)*not a duration"):
        load_settings(dispatch_interval=value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4h,24h,72h", (timedelta(hours=4), timedelta(hours=24), timedelta(hours=72))),
        (" 30m , 1h30m ,", (timedelta(minutes=30), timedelta(minutes=90))),
        ("90", (timedelta(seconds=90),)),
    ],
)
def test_duration_list_reads_a_comma_list(
    clean_env: pytest.MonkeyPatch, text: str, expected: tuple[timedelta, ...]
) -> None:
    clean_env.setenv("BLOCKED_ESCALATION_DELAYS", text)
    assert load_settings().blocked_escalation_delays == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "at least one duration"), (" , ", "at least one duration"), ("4h,soon", "'soon'")],
)
def test_duration_list_refuses_garbage_naming_it(
    clean_env: pytest.MonkeyPatch, text: str, message: str
) -> None:
    clean_env.setenv("BLOCKED_ESCALATION_DELAYS", text)
    with pytest.raises(ValidationError, match=message) as caught:
        load_settings()
    assert "blocked_escalation_delays" in str(caught.value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (timedelta(0), "0s"),
        (timedelta(milliseconds=2), "2ms"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(hours=36), "1d12h"),
        (timedelta(days=30), "30d"),
        (timedelta(microseconds=1500), "0.0015s"),
    ],
)
def test_format_duration_is_compact(value: timedelta, text: str) -> None:
    assert format_duration(value) == text


@given(st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=100_000)))
def test_format_duration_reads_back(value: timedelta) -> None:
    assert parse_duration(format_duration(value)) == value


def test_settings_survive_the_environment_round_trip(
    clean_env: pytest.MonkeyPatch,
) -> None:
    """What tests hand a worker process (settings_env) loads back to the same durations."""
    conf = load_settings(
        dispatch_interval=timedelta(milliseconds=500),
        recover_interval="15m",
        blocked_escalation_delays="1m,1h30m",
        notify_group_window="7s",
    )
    for name, value in settings_env(conf).items():
        clean_env.setenv(name, value)
    again = load_settings()
    for _, attribute in DURATION_VARIABLES:
        assert getattr(again, attribute) == getattr(conf, attribute), attribute
    assert again.blocked_escalation_delays == (timedelta(minutes=1), timedelta(minutes=90))
