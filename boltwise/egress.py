"""Where the crawler may connect: the egress policy.

By default a request may use only ``http``/``https``, only port 80, 443 or a port one of the start
URLs names, and only a public address: never loopback, private, link-local (cloud metadata at
169.254.169.254), carrier-grade NAT, multicast or otherwise reserved addresses, IPv4 and IPv6
alike, IPv4 addresses inside IPv6 ones (mapped, 6to4, Teredo, NAT64) included. The allow-list
opens addresses (CIDRs) and host names a user really means to crawl.

Plain data in, a reason out (None: allowed). :class:`boltwise.middlewares.EgressMiddleware` applies
:meth:`EgressPolicy.url_reason` to every request, and :mod:`boltwise.resolver` applies
:meth:`EgressPolicy.address_reason` to every address a host name resolves to, as the connection is
made.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass
from ipaddress import IPv4Address, IPv4Network, IPv6Address, IPv6Network, ip_address, ip_network
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}

# Python's is_private leaves these out, and is_global calls them public: 6to4 and NAT64 addresses
# carry an IPv4 address that the packets end up at, and multicast is no host to fetch pages from
_CGNAT = ip_network("100.64.0.0/10")
_NAT64 = ip_network("64:ff9b::/96")
# RFC 1918 and IPv6 unique-local: "private" in the narrow sense; Python's is_private also covers
# documentation, benchmarking and future-use ranges, which are reported as "reserved"
_PRIVATE = tuple(map(ip_network, ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")))
_IETF = ip_network("192.0.0.0/24")  # protocol assignments: Python's is_global lets 192.0.0.8 through
_HOST_NAME = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?")


def address_reason(address: IPv4Address | IPv6Address) -> str | None:
    """Why ``address`` is not a public address to fetch from (None when it is one)."""
    if isinstance(address, IPv6Address) and (embedded := _embedded_ipv4(address)) is not None:
        return address_reason(embedded)  # where the packets end up
    for reason, hit in (
        ("unspecified", address.is_unspecified),  # 0.0.0.0 and :: reach this very machine
        ("loopback", address.is_loopback),
        ("link_local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("cgnat", address in _CGNAT),
        ("private", any(address in network for network in _PRIVATE if network.version == address.version)),
    ):
        if hit:
            return reason
    if address.is_global and not address.is_reserved and address not in _IETF:
        return None
    return "reserved"


def _embedded_ipv4(address: IPv6Address) -> IPv4Address | None:
    """The IPv4 address an IPv4-mapped, 6to4, Teredo or NAT64 address delivers to."""
    if address.ipv4_mapped is not None:  # ::ffff:127.0.0.1 is 127.0.0.1
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]  # the client behind the tunnel
    if address in _NAT64:
        return IPv4Address(int(address) & 0xFFFFFFFF)
    return None


@dataclass(frozen=True)
class EgressPolicy:
    schemes: frozenset[str] = frozenset(DEFAULT_PORTS)
    ports: frozenset[int] = frozenset(DEFAULT_PORTS.values())
    networks: tuple[IPv4Network | IPv6Network, ...] = ()  # allowed whatever they are
    hosts: tuple[str, ...] = ()  # allowed, with their subdomains, whatever they resolve to

    @classmethod
    def build(
        cls,
        allow: Iterable[str] = (),
        ports: Iterable[int | str] = (),
        start_urls: Iterable[str] = (),
        schemes: Iterable[str] = DEFAULT_PORTS,
    ) -> EgressPolicy:
        """``allow``: CIDRs, addresses and host names; ``ports``: more ports than 80, 443 and
        those the ``start_urls`` name explicitly."""
        networks, hosts = [], []
        for entry in (e.strip().lower() for e in allow):
            if not entry:
                continue
            try:
                networks.append(ip_network(entry, strict=False))
            except ValueError:
                if not _HOST_NAME.fullmatch(entry.strip(".")):  # a typo must not pass for a host name
                    raise ValueError(
                        f"BOLTWISE_EGRESS_ALLOW: {entry!r} is no CIDR, address or host name"
                    ) from None
                hosts.append(entry.strip("."))
        named = set()
        for url in start_urls:
            try:
                port = urlsplit(url).port
            except ValueError:
                continue  # a start URL with a broken port is refused when it is requested
            if port:
                named.add(port)
        return cls(
            schemes=frozenset(s.lower() for s in schemes),
            ports=frozenset({*DEFAULT_PORTS.values(), *named, *(int(p) for p in ports)}),
            networks=tuple(networks),
            hosts=tuple(hosts),
        )

    def url_reason(self, url: str) -> str | None:
        """Why ``url`` may not be fetched, as far as the URL alone tells (None: it may, if the
        address its host resolves to is allowed too)."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in self.schemes:
            return "scheme"
        try:
            port = parts.port if parts.port is not None else DEFAULT_PORTS.get(parts.scheme.lower())
        except ValueError:
            return "port"
        if port not in self.ports:
            return "port"
        host = (parts.hostname or "").lower()
        if not host:
            return "host"
        literal = _ip_literal(host)
        if literal is None:
            return None  # a name: its addresses are checked as it is resolved
        return self.address_reason(host, literal)

    def address_reason(self, host: str, address: str | IPv4Address | IPv6Address) -> str | None:
        """Why ``host`` may not be reached at ``address`` (None: it may)."""
        host = host.lower().rstrip(".")
        if any(host == h or host.endswith("." + h) for h in self.hosts):
            return None
        try:
            parsed = ip_address(address) if isinstance(address, str) else address
        except ValueError:
            return "reserved"  # not an IP address at all: nothing we know how to judge
        if isinstance(parsed, IPv6Address) and parsed.ipv4_mapped is not None:
            parsed = parsed.ipv4_mapped  # ::ffff:127.0.0.1 is 127.0.0.1, for the allow-list too
        if any(parsed in network for network in self.networks if network.version == parsed.version):
            return None
        return address_reason(parsed)


def _ip_literal(host: str) -> IPv4Address | IPv6Address | None:
    """The address a host spelt as an IP address stands for, in the spellings resolvers accept
    (``127.1``, ``0x7f.0.0.1``, ``2130706433``, ``0177.0.0.1``: what inet_aton reads)."""
    try:
        return ip_address(host)
    except ValueError:
        pass
    if not all(part.isalnum() for part in host.split(".")) or not host[0].isdigit():
        return None  # a name that starts with a letter is a name, even "a1.example"
    try:
        return IPv4Address(socket.inet_aton(host))
    except OSError:
        return None
