"""Handing items on in the order they arrived, whatever order their work finishes in."""

from __future__ import annotations

import asyncio


class InOrder:
    """Tickets in arrival order; a holder waits for its turn, then passes it on with :meth:`done`.

    The extraction stage finishes pages in whatever order the worker processes do; handing them
    on in arrival order makes everything downstream (dedup above all) decide the same way every
    run. Downstream stages must not suspend between taking and passing the turn, which holds for
    the synchronous cleaning and dedup stages: they run before the next item resumes.
    """

    def __init__(self) -> None:
        self._issued = 0
        self._turn = 0
        self._waiting: dict[int, asyncio.Future[None]] = {}

    def ticket(self) -> int:
        self._issued += 1
        return self._issued - 1

    async def wait(self, ticket: int) -> None:
        if ticket != self._turn:
            future = asyncio.get_running_loop().create_future()
            self._waiting[ticket] = future
            await future

    def done(self, ticket: int) -> None:
        if ticket != self._turn:
            raise RuntimeError(f"ticket {ticket} is done out of turn (turn {self._turn})")
        self._turn += 1
        future = self._waiting.pop(self._turn, None)
        if future is not None and not future.done():
            future.set_result(None)
