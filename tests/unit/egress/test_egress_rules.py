"""The egress proxy's pure rules as tables: which addresses it connects to (no connection is
opened: private, link-local and metadata addresses are only ever looked at here), how
RUN_AGENT_ALLOW_HOSTS entries parse and match, and the decision with a stand-in resolver."""

from __future__ import annotations

import ipaddress

import pytest

from egress.addresses import address_problem, embedded_ipv4
from egress.allowlist import AllowEntry, matching_entry, parse_allow_hosts, split_host_port
from egress.policy import NOT_LISTED, EgressPolicy
from settings import load_settings

# Public addresses of the worker itself (its interfaces, Temporal's host): refused all the same.
OWN = frozenset({ipaddress.ip_address("93.184.215.99"), ipaddress.ip_address("2606:4700::7")})


@pytest.mark.parametrize(
    ("address", "problem"),
    [
        ("93.184.215.14", None),  # public
        ("2606:4700::6810:84e5", None),
        ("127.0.0.1", "loopback"),
        ("127.8.9.10", "loopback"),
        ("::1", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("::", "unspecified"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("fd12:3456::1", "private"),
        ("169.254.10.20", "link-local"),
        ("fe80::1", "link-local"),
        ("169.254.169.254", "a cloud metadata address"),
        ("169.254.170.2", "a cloud metadata address"),
        ("fd00:ec2::254", "a cloud metadata address"),
        ("100.100.100.200", "a cloud metadata address"),
        ("100.64.0.1", "not a public address"),  # carrier-grade NAT
        ("224.0.0.1", "multicast"),
        ("ff02::1", "multicast"),
        ("240.0.0.1", "reserved"),
        ("192.0.2.1", "private"),  # documentation range
        ("203.0.113.7", "private"),  # documentation range
        ("93.184.215.99", "the worker's own address"),
        ("2606:4700::7", "the worker's own address"),
        ("::ffff:93.184.215.99", "the worker's own address"),
        ("::ffff:127.0.0.1", "loopback (inside ::ffff:7f00:1)"),
        ("::ffff:169.254.169.254", "a cloud metadata address (inside ::ffff:a9fe:a9fe)"),
        ("64:ff9b::a00:1", "private (inside 64:ff9b::a00:1)"),  # NAT64 of 10.0.0.1
        ("2002:7f00:1::", "loopback (inside 2002:7f00:1::)"),  # 6to4 of 127.0.0.1
        ("::7f00:1", "loopback (inside ::7f00:1)"),  # IPv4-compatible
        ("::ffff:93.184.215.14", None),
    ],
)
def test_address_problem_refuses_every_non_public_or_own_address(
    address: str, problem: str | None
) -> None:
    assert address_problem(ipaddress.ip_address(address), OWN) == problem


def test_embedded_ipv4_only_for_ipv6_forms_that_carry_one() -> None:
    assert embedded_ipv4(ipaddress.ip_address("1.2.3.4")) is None
    assert embedded_ipv4(ipaddress.ip_address("2606:4700::1")) is None
    assert str(embedded_ipv4(ipaddress.ip_address("::ffff:1.2.3.4"))) == "1.2.3.4"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", ()),
        ("api.openai.com", (AllowEntry("api.openai.com", None),)),
        ("API.OpenAI.com.", (AllowEntry("api.openai.com", None),)),
        ("llm.internal:8443", (AllowEntry("llm.internal", 8443),)),
        ("*.anthropic.com", (AllowEntry("*.anthropic.com", None),)),
        ("*.example.com:8080", (AllowEntry("*.example.com", 8080),)),
        ("127.0.0.1:11434", (AllowEntry("127.0.0.1", 11434),)),
        ("[::1]:8080", (AllowEntry("::1", 8080),)),
        ("[2001:DB8::1]", (AllowEntry("2001:db8::1", None),)),
        ("bücher.example", (AllowEntry("xn--bcher-kva.example", None),)),
        (
            "a.com, b.com:444\nc.com",
            tuple(map(parse_allow_hosts, ["a.com"]))[0]
            + (AllowEntry("b.com", 444), AllowEntry("c.com", None)),
        ),
    ],
)
def test_allow_hosts_parse(text: str, expected: tuple[AllowEntry, ...]) -> None:
    assert parse_allow_hosts(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "host:0",
        "host:70000",
        "host:http",
        "*.com",
        "*",
        "bad_host!",
        "[::1",
        "[::1]x",
        "a..b",
        "-a.com",
        "https://api.openai.com",
    ],
)
def test_allow_hosts_refuses_malformed_entries_naming_them(text: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_allow_hosts(f"ok.example, {text}")
    assert repr(text) in str(caught.value) and "RUN_AGENT_ALLOW_HOSTS" in str(caught.value)


def test_settings_refuse_a_malformed_allow_list_at_start_up() -> None:
    with pytest.raises(ValueError, match="RUN_AGENT_ALLOW_HOSTS entry 'x:y'"):
        load_settings(run_agent_allow_hosts="api.openai.com,x:y")
    settings = load_settings(run_agent_allow_hosts="api.openai.com, *.anthropic.com")
    assert [str(e) for e in settings.run_agent_allow_entries] == [
        "api.openai.com",
        "*.anthropic.com",
    ]
    assert settings.run_agent_network == "proxy"  # the default


ENTRIES = parse_allow_hosts("api.openai.com, *.anthropic.com, llm.internal:8443, localhost:9000")


@pytest.mark.parametrize(
    ("host", "port", "entry"),
    [
        ("api.openai.com", 443, "api.openai.com"),
        ("api.openai.com", 80, "api.openai.com"),
        ("api.openai.com", 22, None),  # a bare host allows 80 and 443 only
        ("openai.com", 443, None),
        ("evil-api.openai.com", 443, None),
        ("api.anthropic.com", 443, "*.anthropic.com"),
        ("a.b.anthropic.com", 443, "*.anthropic.com"),
        ("anthropic.com", 443, None),  # the wildcard names what is below the domain
        ("xanthropic.com", 443, None),
        ("llm.internal", 8443, "llm.internal:8443"),
        ("llm.internal", 443, None),
        ("localhost", 9000, "localhost:9000"),
    ],
)
def test_allow_list_matches(host: str, port: int, entry: str | None) -> None:
    found = matching_entry(ENTRIES, host, port)
    assert (str(found) if found else None) == entry


@pytest.mark.parametrize(
    ("authority", "expected"),
    [
        ("example.com:443", ("example.com", 443)),
        ("[::1]:8443", ("::1", 8443)),
        ("::1", ("::1", None)),
        ("example.com", ("example.com", None)),
    ],
)
def test_split_host_port(authority: str, expected: tuple[str, int | None]) -> None:
    assert split_host_port(authority) == expected


def resolver(table: dict[str, list[str]]):
    async def resolve(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
        if host not in table:
            raise OSError("Name or service not known")
        return [ipaddress.ip_address(a) for a in table[host]]

    return resolve


DNS = {
    "api.openai.com": ["162.159.140.245"],
    "rebind.anthropic.com": ["104.18.0.1", "127.0.0.1"],
    "meta.anthropic.com": ["169.254.169.254"],
    "llm.internal": ["10.0.0.5"],
    "localhost": ["127.0.0.1"],
}


@pytest.mark.parametrize(
    ("host", "port", "allowed", "reason_part", "address"),
    [
        ("api.openai.com", 443, True, "listed as api.openai.com", "162.159.140.245"),
        ("API.OPENAI.COM.", 443, True, "listed as", "162.159.140.245"),
        ("example.org", 443, False, NOT_LISTED, None),
        ("rebind.anthropic.com", 443, False, "resolves to 127.0.0.1 (loopback)", None),
        ("meta.anthropic.com", 80, False, "cloud metadata", None),
        ("nx.anthropic.com", 443, False, "does not resolve", None),
        ("llm.internal", 8443, True, "listed as llm.internal:8443", "10.0.0.5"),  # exact entry
        ("localhost", 9000, True, "listed as localhost:9000", "127.0.0.1"),
        ("localhost", 443, False, NOT_LISTED, None),
        ("127.0.0.1", 9000, False, NOT_LISTED, None),  # the literal is not the listed name
        ("bad host", 443, False, "not a host name", None),
    ],
)
async def test_policy_decides_on_the_resolved_address(
    host: str, port: int, allowed: bool, reason_part: str, address: str | None
) -> None:
    policy = EgressPolicy(ENTRIES, OWN, resolver(DNS))
    decision = await policy.decide(host, port)
    assert decision.allowed is allowed and reason_part in decision.reason
    assert (str(decision.address) if decision.address else None) == address


async def test_hookflows_own_services_are_refused_even_when_listed_exactly() -> None:
    entries = parse_allow_hosts("localhost:7233, llm.internal:8443, api.openai.com")
    services = frozenset(
        {(ipaddress.ip_address("127.0.0.1"), 7233), (ipaddress.ip_address("10.0.0.5"), 8443)}
    )
    policy = EgressPolicy(entries, OWN, resolver(DNS), services=services)
    for host, port in (("localhost", 7233), ("llm.internal", 8443)):
        decision = await policy.decide(host, port)
        assert not decision.allowed and "is hookflow's own service" in decision.reason, host
    assert (await policy.decide("api.openai.com", 443)).allowed
