"""`hookflow silence add|list|expire` and `hookflow notify test` against the real API (ASGI,
real PostgreSQL): the silence the CLI creates is the one `notify test` names."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import httpx

from cli.main import build_parser
from cli.notify import notify_test
from cli.silence import silence_command
from settings import Settings


def parse(*argv: str) -> argparse.Namespace:
    return build_parser().parse_args(list(argv))


async def run(api: httpx.AsyncClient, settings: Settings, *argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = await silence_command(parse(*argv), settings, http=api, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


async def test_silence_add_list_expire_and_notify_test_names_it(
    api: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    code, out, err = await run(
        api,
        settings,
        "silence",
        "add",
        "repo=acme/api",
        'type="ci_failure"',
        "--duration",
        "2h",
        "--comment",
        "flaky week",
        "--author",
        "ops",
    )
    assert code == 0, err
    created = json.loads(out)
    assert created["matchers"] == ['repo="acme/api"', 'type="ci_failure"']
    assert created["createdBy"] == "ops" and created["state"] == "active"

    code, out, _ = await run(api, settings, "silence", "list", "--state", "active")
    assert code == 0 and [s["id"] for s in json.loads(out)["data"]] == [created["id"]]

    args = parse("notify", "test", "--labels", "repo=acme/api,type=ci_failure")
    text, problems = io.StringIO(), io.StringIO()
    assert await notify_test(args, settings, out=text, err=problems, http=api) == 0
    assert f"default (route): silenced by {created['id']}" in text.getvalue()
    assert problems.getvalue() == ""
    args = parse("notify", "test", "--labels", "repo=acme/web,type=ci_failure")
    text = io.StringIO()
    assert await notify_test(args, settings, out=text, err=problems, http=api) == 0
    assert "default (route): sent via logfile" in text.getvalue()

    code, out, _ = await run(api, settings, "silence", "expire", created["id"])
    assert code == 0 and json.loads(out)["state"] == "expired"
    code, _, err = await run(api, settings, "silence", "expire", created["id"])
    assert code == 1 and "already expired" in err


async def test_silence_add_refuses_bad_matchers_and_durations_before_calling(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    for argv, message in [
        (("repo~acme", "--duration", "2h"), "bad matcher"),
        (("repo=acme/api", "--duration", "2 hours"), "not a duration"),
        (("repo=acme/api", "--duration", "0s"), "longer than 0s"),
    ]:
        code, _, err = await run(api, settings, "silence", "add", *argv, "--comment", "x")
        assert code == 2 and message in err, err
    code, out, _ = await run(api, settings, "silence", "list")
    assert json.loads(out)["count"] == 0


async def test_notify_test_prints_json_and_refuses_unknown_labels(settings: Settings) -> None:
    args = parse("notify", "test", "--labels", "repo=acme/api", "--json", "--no-silences")
    out, err = io.StringIO(), io.StringIO()
    assert await notify_test(args, settings, out=out, err=err) == 0
    plan = json.loads(out.getvalue())
    assert plan["receivers"][0]["receiver"] == "default"
    assert plan["timing"]["group_interval_seconds"] == 300
    bad = parse("notify", "test", "--labels", "colour=red", "--no-silences")
    assert await notify_test(bad, settings, out=out, err=err) == 2
    assert "bad label" in err.getvalue()
