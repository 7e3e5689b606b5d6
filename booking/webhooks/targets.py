"""Where webhooks may go: https on public addresses only.

Checked when a subscription is made (target_url_problem, without DNS) and again, after
resolving the name, on every delivery (resolve): a name may point somewhere else by then.
BOOKME_WEBHOOKS_ALLOW_LOCAL lifts both rules for development and tests.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext as _


class TargetRefused(Exception):
    """The target's scheme or address is not one BookMe delivers to."""


def allow_local() -> bool:
    return bool(settings.BOOKME_WEBHOOKS_ALLOW_LOCAL)


# IPv6 ranges whose last 32 bits are the IPv4 address a connection reaches.
_IPV4_IN_LAST_32_BITS = [
    ipaddress.IPv6Network("::ffff:0:0/96"),  # IPv4-mapped
    ipaddress.IPv6Network("::ffff:0:0:0/96"),  # IPv4-translated (SIIT)
    ipaddress.IPv6Network("64:ff9b::/96"),  # NAT64, well-known prefix (DNS64 hands it out)
]
# IPv6 ranges leading to IPv4 in a way the address alone does not tell: refused.
_IPV4_UNKNOWABLE = [
    ipaddress.IPv6Network("::/96"),  # IPv4-compatible (deprecated)
    ipaddress.IPv6Network("64:ff9b:1::/48"),  # NAT64, local use: the operator's layout
    ipaddress.IPv6Network("2001::/32"),  # Teredo: a tunnel to a host behind NAT
]


def is_public_address(address: str) -> bool:
    """Only addresses on the public internet: no loopback, private, link-local (cloud
    metadata), multicast or reserved ones, including IPv4 reached through IPv6."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in _IPV4_UNKNOWABLE):
            return False
        if any(ip in network for network in _IPV4_IN_LAST_32_BITS):
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
    return ip.is_global and not ip.is_multicast


def target_url_problem(url: str) -> str | None:
    """Why BookMe will not deliver to `url` (a message for the person who typed it), or None.

    Checked without DNS (a slow resolver must not hold a request); the address a name
    resolves to is checked on every delivery instead.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return _("Enter a valid URL.")
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host:
        return _("Enter a valid URL.")
    if parts.username is not None or parts.password is not None:
        return _("The URL must not contain a user name or password.")
    if port == 0:
        return _("Enter a valid URL.")
    if allow_local():
        return None
    if parts.scheme != "https":
        return _("The URL must start with https://.")
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return _("The URL must point to a public address.")
    try:
        if not is_public_address(host):
            return _("The URL must point to a public address.")
    except ValueError:
        pass  # a name, not an address: resolved and checked when delivering
    return None


def resolve(host: str, port: int) -> str:
    """The address to connect to; TargetRefused if any address of the name is not public
    (a name that also points inside is refused rather than raced)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        raise TargetRefused(f"Cannot resolve {host}: {exc}") from exc
    addresses = [str(info[4][0]) for info in infos]
    if not addresses:
        raise TargetRefused(f"Cannot resolve {host}.")
    if not allow_local() and not all(is_public_address(a) for a in addresses):
        raise TargetRefused(f"{host} resolves to an address that is not public.")
    return addresses[0]
