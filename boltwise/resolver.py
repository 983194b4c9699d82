"""The connection-time half of the egress policy: a name resolver that hands a connection only the
addresses the policy allows.

Twisted's HostnameEndpoint (Scrapy's HTTP/1.1 and HTTP/2 download handlers) connects to exactly
the addresses the reactor's name resolver reports, IP literals included. Wrapping that resolver
checks the address actually connected to: a name that resolves to a public address when a
request is checked and to 127.0.0.1 when it connects (DNS rebinding) is refused all the same. A
name left with no allowed address fails to resolve; :meth:`GuardedResolver.refusal` tells the
egress middleware why, so the request is reported as blocked rather than as a DNS error.

The reactor, and so this resolver, is one per process: with several crawlers in one process an
address allowed by one crawler's policy is allowed for all.
"""

from __future__ import annotations

from collections.abc import Sequence

from twisted.internet.interfaces import IAddress, IHostnameResolver, IHostResolution, IResolutionReceiver
from zope.interface import implementer

from boltwise.egress import EgressPolicy


@implementer(IHostnameResolver)
class GuardedResolver:
    def __init__(self, wrapped: IHostnameResolver) -> None:
        self.wrapped = wrapped
        self.policies: list[EgressPolicy] = []
        self._refused: dict[str, tuple[str, str]] = {}  # host -> (address, reason) of its last refusal

    def resolveHostName(
        self,
        resolutionReceiver: IResolutionReceiver,
        hostName: str,
        portNumber: int = 0,
        addressTypes: Sequence[type[IAddress]] | None = None,
        transportSemantics: str = "TCP",
    ) -> IHostResolution:
        return self.wrapped.resolveHostName(
            _Filter(self, resolutionReceiver, hostName), hostName, portNumber, addressTypes, transportSemantics
        )

    def reason(self, host: str, address: str) -> str | None:
        """None when any policy allows ``host`` at ``address``, else the first policy's reason."""
        reasons = [policy.address_reason(host, address) for policy in self.policies]
        return None if not reasons or None in reasons else reasons[0]

    def refusal(self, host: str) -> tuple[str, str] | None:
        """(address, reason) when the last resolution of ``host`` left it no allowed address."""
        return self._refused.get(host)


@implementer(IResolutionReceiver)
class _Filter:
    def __init__(self, guard: GuardedResolver, receiver: IResolutionReceiver, host: str) -> None:
        self.guard, self.receiver, self.host = guard, receiver, host
        self.allowed = 0
        self.refused: tuple[str, str] | None = None

    def resolutionBegan(self, resolutionInProgress: IHostResolution) -> None:
        self.receiver.resolutionBegan(resolutionInProgress)

    def addressResolved(self, address: IAddress) -> None:
        host = getattr(address, "host", "")
        reason = self.guard.reason(self.host, host)
        if reason is None:
            self.allowed += 1
            self.receiver.addressResolved(address)
        else:
            self.refused = (host, reason)

    def resolutionComplete(self) -> None:
        if self.refused is not None and not self.allowed:
            self.guard._refused[self.host] = self.refused
        else:
            self.guard._refused.pop(self.host, None)
        self.receiver.resolutionComplete()


def guard(policy: EgressPolicy) -> GuardedResolver:
    """The reactor's guarded resolver, wrapped around whatever resolver is installed now, with
    ``policy`` among its policies. Called before every download: Scrapy installs its own resolver
    when the crawler process starts, after the crawler was built."""
    from twisted.internet import reactor

    current = reactor.nameResolver
    if not isinstance(current, GuardedResolver):
        current = GuardedResolver(current)
        reactor.installNameResolver(current)
    if policy not in current.policies:
        current.policies.append(policy)
    return current
