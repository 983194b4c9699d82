import asyncio
import random

from boltwise.ordering import InOrder


def test_items_leave_in_arrival_order_whatever_finishes_first():
    async def run():
        order, left = InOrder(), []

        async def item(n):
            ticket = order.ticket()
            await asyncio.sleep(random.random() / 100)  # work that finishes in any order
            await order.wait(ticket)
            left.append(n)  # the synchronous downstream stages
            order.done(ticket)

        await asyncio.gather(*(item(n) for n in range(50)))
        return left

    random.seed(7)
    assert asyncio.run(run()) == list(range(50))
