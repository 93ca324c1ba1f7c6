"""Live meetings first: a login's step waits while a live command runs, but never long."""

from __future__ import annotations

import asyncio

from server import live_first


async def test_a_step_goes_at_once_when_no_live_command_runs() -> None:
    step = asyncio.ensure_future(live_first.turn())
    await asyncio.sleep(0)
    assert step.done()


async def test_a_step_waits_until_the_live_commands_have_finished() -> None:
    first_done = asyncio.Event()
    second_done = asyncio.Event()

    async def command(done: asyncio.Event) -> None:
        async with live_first.running():
            await done.wait()

    commands = [
        asyncio.ensure_future(command(first_done)),
        asyncio.ensure_future(command(second_done)),
    ]
    await asyncio.sleep(0)
    step = asyncio.ensure_future(live_first.turn())
    for _ in range(3):
        await asyncio.sleep(0)
    assert not step.done()
    first_done.set()
    await commands[0]
    await asyncio.sleep(0)
    assert not step.done()  # one command still runs
    second_done.set()
    await commands[1]
    await asyncio.wait_for(step, 5)


async def test_a_step_is_never_starved_by_a_command_that_does_not_end() -> None:
    never = asyncio.Event()

    async def command() -> None:
        async with live_first.running():
            await never.wait()

    stuck = asyncio.ensure_future(command())
    await asyncio.sleep(0)
    # Goes on after its bounded wait although the command still runs.
    await asyncio.wait_for(live_first.turn(), 5)
    assert not stuck.done()
    stuck.cancel()
    await asyncio.gather(stuck, return_exceptions=True)
    # A cancelled command no longer counts.
    step = asyncio.ensure_future(live_first.turn())
    await asyncio.sleep(0)
    assert step.done()
