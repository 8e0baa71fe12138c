"""The group commit writes a batch as soon as nothing else is on its way (every request in flight
has submitted), instead of waiting out its window; while a request is still coming, it waits."""

from __future__ import annotations

import asyncio
import time

from delivery.group_commit import GroupCommit

WINDOW = 0.5


async def test_a_lone_item_is_written_without_waiting_out_the_window() -> None:
    batches: list[list[int]] = []

    async def write(items: list[int]) -> list[int]:
        batches.append(items)
        return items

    commit: GroupCommit[int, int] = GroupCommit(
        write, window=WINDOW, complete=lambda items: items >= 1
    )
    started = time.monotonic()
    assert await commit.submit(7) == 7
    assert time.monotonic() - started < WINDOW / 2
    assert batches == [[7]]


async def test_the_batch_waits_for_a_request_still_coming_then_goes_with_it() -> None:
    batches: list[list[int]] = []
    coming = 2  # requests in flight

    async def write(items: list[int]) -> list[int]:
        batches.append(items)
        return items

    commit: GroupCommit[int, int] = GroupCommit(
        write, window=WINDOW, complete=lambda items: items >= coming
    )
    started = time.monotonic()
    first = asyncio.ensure_future(commit.submit(1))
    await asyncio.sleep(0.05)
    assert batches == []  # the second request has not submitted yet
    assert await commit.submit(2) == 2 and await first == 1
    assert time.monotonic() - started < WINDOW / 2
    assert batches == [[1, 2]]


async def test_without_a_word_on_what_is_coming_the_window_is_waited_out() -> None:
    async def write(items: list[int]) -> list[int]:
        return items

    commit: GroupCommit[int, int] = GroupCommit(write, window=0.2)
    started = time.monotonic()
    assert await commit.submit(1) == 1
    assert time.monotonic() - started >= 0.2
