"""A name resolver for live crawl tests (``-s TWISTED_DNS_RESOLVER=tests.fakedns.HostsResolver``).

Answers from the ``BOLTWISE_TEST_HOSTS`` environment variable, never from the system's DNS:
``news.test=127.0.0.1,internal.news.test=127.0.0.2``. A name with several answers separated by
``|`` gets them in turn, one per lookup (``rebind.news.test=127.0.0.1|127.0.0.2``), as a DNS server
that rebinds a name between the check and the connection would.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

from scrapy.resolver import HostResolution
from twisted.internet.address import IPv4Address
from twisted.internet.interfaces import IHostnameResolver
from zope.interface import implementer


@implementer(IHostnameResolver)
class HostsResolver:
    def __init__(self, reactor, table: dict[str, Iterator[str]]) -> None:
        self.reactor = reactor
        self.table = table

    @classmethod
    def from_crawler(cls, crawler, reactor) -> HostsResolver:
        table = {}
        for entry in filter(None, os.environ.get("BOLTWISE_TEST_HOSTS", "").split(",")):
            name, _, answers = entry.partition("=")
            table[name] = itertools.cycle(answers.split("|"))
        return cls(reactor, table)

    def install_on_reactor(self) -> None:
        self.reactor.installNameResolver(self)

    def resolveHostName(
        self, resolutionReceiver, hostName, portNumber=0, addressTypes=None, transportSemantics="TCP"
    ):
        resolutionReceiver.resolutionBegan(HostResolution(hostName))
        answers = self.table.get(hostName)
        if answers is not None:
            resolutionReceiver.addressResolved(IPv4Address("TCP", next(answers), portNumber))
        resolutionReceiver.resolutionComplete()
        return resolutionReceiver
