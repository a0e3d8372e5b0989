"""Where a webhook may go: HTTPS to public addresses; in development and tests also plain
HTTP to this machine (loopback). Private, link-local, shared, reserved and multicast addresses
are refused when an endpoint is registered and again before every delivery, with the host
resolved each time and every address it resolves to checked (a host that resolves to one
public and one private address is refused)."""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import SplitResult, urlsplit

from service.core.settings import get_settings

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedUrl(Exception):
    """Why a URL may not receive webhooks: ``code`` for machines, the message for people."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True, slots=True)
class Destination:
    """A checked URL: its parts and the addresses its host resolved to, all allowed."""

    url: SplitResult
    host: str
    port: int
    addresses: tuple[IPAddress, ...]


def loopback_allowed() -> bool:
    """Development and tests may send to this machine; production never does."""
    return get_settings().environment in ("development", "test")


def _plain(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def address_problem(address: IPAddress, *, allow_loopback: bool) -> str | None:
    """None when webhooks may go to ``address``; else what kind of address it is."""
    plain = _plain(address)
    if plain.is_loopback:
        return None if allow_loopback else "loopback"
    if plain.is_link_local:
        return "link-local"
    if plain.is_private:
        return "private"
    if plain.is_multicast or plain.is_unspecified or plain.is_reserved:
        return "reserved"
    if not plain.is_global:
        return "not public"
    return None


def resolve(host: str, port: int) -> tuple[IPAddress, ...]:
    """Every address ``host`` resolves to now (a literal address is itself)."""
    try:
        return (ipaddress.ip_address(host),)
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as unresolved:
        raise RefusedUrl("unresolvable", f"The host {host} does not resolve.") from unresolved
    addresses: list[IPAddress] = []
    for *_, sockaddr in found:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise RefusedUrl("unresolvable", f"The host {host} does not resolve.")
    return tuple(addresses)


def parse(url: str) -> tuple[SplitResult, str, int]:
    """The URL's parts, host and port, or why it is no webhook URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        raise RefusedUrl("invalid_url", "This is not a URL.") from None
    host = parts.hostname
    if parts.scheme not in ("https", "http") or not host:
        raise RefusedUrl("invalid_url", "Write a full URL such as https://hooks.example.com/in.")
    if parts.username is not None or parts.password is not None:
        raise RefusedUrl("invalid_url", "A webhook URL carries no user name or password.")
    if parts.fragment:
        raise RefusedUrl("invalid_url", "A webhook URL has no #fragment.")
    return parts, host, port or (443 if parts.scheme == "https" else 80)


def check_destination(url: str) -> Destination:
    """The URL checked now: parsed, its host resolved, every address allowed; plain HTTP only
    to loopback where loopback is allowed."""
    allow_loopback = loopback_allowed()
    parts, host, port = parse(url)
    addresses = resolve(host, port)
    for address in addresses:
        problem = address_problem(address, allow_loopback=allow_loopback)
        if problem is not None:
            raise RefusedUrl(
                "address_refused",
                f"The host {host} resolves to {address}, a {problem} address: webhooks go "
                "only to public addresses.",
            )
    if parts.scheme != "https" and not all(_plain(a).is_loopback for a in addresses):
        raise RefusedUrl("https_required", "Webhooks go over HTTPS (https://...).")
    return Destination(parts, host, port, addresses)
