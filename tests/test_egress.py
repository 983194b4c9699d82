"""The egress policy, its connection-time resolver and its middleware, without a crawl."""

from ipaddress import ip_address

import pytest
from scrapy import Request
from scrapy.exceptions import CannotResolveHostError, NotConfigured
from scrapy.utils.test import get_crawler
from twisted.internet.address import IPv4Address, IPv6Address
from twisted.internet.error import DNSLookupError

from boltwise import resolver
from boltwise.egress import EgressPolicy, address_reason
from boltwise.middlewares import EgressBlocked, EgressMiddleware
from boltwise.resolver import GuardedResolver
from boltwise.spiders.news import NewsSpider


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("8.8.8.8", None),
        ("2606:4700::1111", None),
        ("127.0.0.1", "loopback"),
        ("127.9.9.9", "loopback"),
        ("::1", "loopback"),
        ("10.1.2.3", "private"),
        ("172.20.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd00:ec2::254", "private"),
        ("169.254.169.254", "link_local"),  # the cloud metadata service
        ("fe80::1", "link_local"),
        ("100.64.0.1", "cgnat"),
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "reserved"),  # documentation
        ("198.18.0.1", "reserved"),  # benchmarking
        ("255.255.255.255", "reserved"),
        # IPv4 inside IPv6: the packets end up at the IPv4 address
        ("::ffff:127.0.0.1", "loopback"),
        ("::ffff:8.8.8.8", None),
        ("2002:7f00:1::", "loopback"),  # 6to4
        ("2002:808:808::1", None),
        ("64:ff9b::a9fe:a9fe", "link_local"),  # NAT64 of 169.254.169.254
        ("64:ff9b::808:808", None),
        ("2001:0:4136:e378:8000:63bf:3fff:fdd2", "reserved"),  # Teredo
    ],
)
def test_address_reason(address, reason):
    assert address_reason(ip_address(address)) == reason


POLICY = EgressPolicy.build(
    allow=["127.0.0.1", "10.0.0.0/8", "intranet.example"],
    ports=["8443"],
    start_urls=["http://news.test:8081/feed.xml", "https://news.test/"],
)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("https://news.test/a", None),  # a name: its address is judged when it resolves
        ("http://news.test/a", None),  # 80 and 443 always: sites redirect between them
        ("http://news.test:8081/a", None),  # a start URL's own port
        ("https://news.test:8443/a", None),  # BOLTWISE_EGRESS_PORTS
        ("http://news.test:8083/a", "port"),
        ("http://news.test:99999/a", "port"),
        ("ftp://news.test/a", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("http:///a", "host"),
        ("http://127.0.0.1/a", None),  # allowed by address
        ("http://127.0.0.2/a", "loopback"),
        ("http://[::ffff:127.0.0.1]/a", None),  # the allowed address, spelt in IPv6
        ("http://[::1]/a", "loopback"),
        ("http://169.254.169.254/latest/meta-data/", "link_local"),
        ("http://10.9.9.9/a", None),  # allowed network
        ("http://a.b.intranet.example/a", None),  # allowed host, with its subdomains
        # what resolvers read as IPv4 addresses (inet_aton), not only the dotted quad
        ("http://0x7f.0.0.2/a", "loopback"),
        ("http://2130706434/a", "loopback"),
        ("http://127.2/a", "loopback"),
        ("http://0177.0.0.2/a", "loopback"),
        ("http://0/a", "unspecified"),
        ("http://1e100.example/a", None),  # a name that starts with a digit is still a name
        ("http://192.0.0.8/a", "reserved"),
        ("http://news.test:0/a", "port"),
    ],
)
def test_url_reason(url, reason):
    assert POLICY.url_reason(url) == reason


@pytest.mark.parametrize("typo", ["10.0.0.0/33", "intranet.example:8080", "intra net", "http://intranet.example"])
def test_an_allow_list_entry_that_is_nothing_is_refused_at_start(typo):
    with pytest.raises(ValueError, match="BOLTWISE_EGRESS_ALLOW"):
        EgressPolicy.build(allow=[typo])


def test_allowed_hosts_may_resolve_anywhere_other_hosts_only_to_public_addresses():
    assert POLICY.address_reason("intranet.example", "192.168.0.9") is None
    assert POLICY.address_reason("news.test", "192.168.0.9") == "private"
    assert POLICY.address_reason("news.test", "93.184.215.14") is None
    assert POLICY.address_reason("notintranet.example", "192.168.0.9") == "private"
    # an IPv4 network does not match IPv6 addresses whose low bits look alike
    assert POLICY.address_reason("news.test", "::a00:1") == "reserved"


class _Receiver:
    def __init__(self):
        self.addresses, self.began, self.completed = [], False, False

    def resolutionBegan(self, resolution):
        self.began = True

    def addressResolved(self, address):
        self.addresses.append(address.host)

    def resolutionComplete(self):
        self.completed = True


class _Resolver:
    """A name resolver that answers from a table, as the system's would."""

    def __init__(self, table):
        self.table = table

    def resolveHostName(self, receiver, hostName, portNumber=0, addressTypes=None, transportSemantics="TCP"):
        receiver.resolutionBegan(None)
        for host in self.table.get(hostName, []):
            cls = IPv6Address if ":" in host else IPv4Address
            receiver.addressResolved(cls("TCP", host, portNumber))
        receiver.resolutionComplete()
        return receiver


def test_guarded_resolver_hands_on_only_allowed_addresses():
    guard = GuardedResolver(
        _Resolver({"mixed.test": ["127.0.0.2", "93.184.215.14"], "internal.test": ["10.0.0.5", "::1"]})
    )
    guard.policies.append(EgressPolicy.build())
    mixed = _Receiver()
    guard.resolveHostName(mixed, "mixed.test", 80)
    assert mixed.addresses == ["93.184.215.14"] and mixed.began and mixed.completed
    assert guard.refusal("mixed.test") is None  # it had an allowed address: no refusal to report
    internal = _Receiver()
    guard.resolveHostName(internal, "internal.test", 80)
    assert internal.addresses == [] and internal.completed  # the connection gets nothing to connect to
    assert guard.refusal("internal.test") == ("::1", "loopback")
    # several crawlers in one process: an address any of their policies allows is allowed
    guard.policies.append(EgressPolicy.build(allow=["10.0.0.0/8"]))
    again = _Receiver()
    guard.resolveHostName(again, "internal.test", 80)
    assert again.addresses == ["10.0.0.5"] and guard.refusal("internal.test") is None


def middleware(**settings):
    crawler = get_crawler(NewsSpider, settings_dict=settings)
    crawler.spider = NewsSpider.from_crawler(crawler, feed="http://news.test:8081/feed.xml")
    crawler.stats.open_spider()
    return crawler, EgressMiddleware.from_crawler(crawler)


def test_middleware_refuses_by_url_and_counts_per_reason(caplog):
    crawler, mw = middleware()
    assert mw.process_request(Request("http://news.test:8081/a")) is None  # the start URL's port
    with pytest.raises(EgressBlocked) as blocked:
        mw.process_request(Request("http://news.test:8083/a"))
    assert blocked.value.reason == "port"
    for _ in range(3):
        with pytest.raises(EgressBlocked):
            mw.process_request(Request("http://127.0.0.1:8081/x"))
    assert crawler.stats.get_value("boltwise/egress/blocked/port") == 1
    assert crawler.stats.get_value("boltwise/egress/blocked/loopback") == 3
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert warnings == [  # once per host and reason, with the URL
        "Egress blocked (port not allowed: news.test): http://news.test:8083/a",
        "Egress blocked (loopback address: 127.0.0.1): http://127.0.0.1:8081/x",
    ]


def test_middleware_names_the_refused_address_of_a_failed_resolution(monkeypatch):
    crawler, mw = middleware(BOLTWISE_EGRESS_ALLOW="127.0.0.1")
    guard = GuardedResolver(_Resolver({"internal.news.test": ["127.0.0.2"], "news.test": ["127.0.0.1"]}))
    monkeypatch.setattr(resolver, "guard", lambda policy: guard.policies.append(policy) or guard)
    request = Request("http://internal.news.test:8081/x")
    assert mw.process_request(request) is None  # a name: nothing to refuse yet
    guard.resolveHostName(_Receiver(), "internal.news.test", 8081)  # as the connection does
    with pytest.raises(EgressBlocked) as blocked:
        mw.process_exception(request, CannotResolveHostError("no results for hostname lookup"))
    assert blocked.value.reason == "loopback" and "internal.news.test at 127.0.0.2" in str(blocked.value)
    # a name that really does not resolve stays a DNS error, for the retry middleware to retry
    guard.resolveHostName(_Receiver(), "gone.news.test", 8081)
    assert mw.process_exception(Request("http://gone.news.test:8081/"), DNSLookupError("nope")) is None
    assert crawler.stats.get_value("boltwise/egress/blocked/loopback") == 1


def test_a_proxy_on_a_private_address_is_named_when_it_is_refused(monkeypatch):
    _, mw = middleware()
    guard = GuardedResolver(_Resolver({"proxy.corp": ["10.1.1.1"]}))
    monkeypatch.setattr(resolver, "guard", lambda policy: guard.policies.append(policy) or guard)
    request = Request("http://news.test:8081/a", meta={"proxy": "http://proxy.corp:3128"})
    assert mw.process_request(request) is None
    guard.resolveHostName(_Receiver(), "proxy.corp", 3128)  # the proxy is what the connection resolves
    with pytest.raises(EgressBlocked, match=r"private address: proxy\.corp at 10\.1\.1\.1"):
        mw.process_exception(request, CannotResolveHostError("no results for hostname lookup"))


def test_off_when_disabled():
    crawler = get_crawler(NewsSpider, settings_dict={"BOLTWISE_EGRESS_ENABLED": False})
    with pytest.raises(NotConfigured):
        EgressMiddleware.from_crawler(crawler)
