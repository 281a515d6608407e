"""The client's address, as far as it can be trusted.

``X-Forwarded-For`` is written by whoever sends the request, so it is believed only as far as
the proxies Tandem is told about: ``TRUSTED_PROXY_COUNT`` (how many proxies in front of Tandem
append to the header) or ``TRUSTED_PROXIES`` (their addresses or networks). With neither set
(the default) the header is ignored and the address is the connection's own (``REMOTE_ADDR``).
"""

from __future__ import annotations

import ipaddress
from collections.abc import Sequence

from django.conf import settings
from django.http import HttpRequest

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _networks(entries: Sequence[str]) -> list[Network]:
    return [ipaddress.ip_network(entry, strict=False) for entry in entries]


def _is_trusted(address: str, networks: Sequence[Network]) -> bool:
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(parsed in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    remote = str(request.META.get("REMOTE_ADDR") or "unknown")
    count: int = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    proxies = _networks(getattr(settings, "TRUSTED_PROXIES", []))
    forwarded = [
        hop.strip()
        for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
        if hop.strip()
    ]
    if not forwarded or (not count and not proxies):
        return remote
    if proxies:
        # Walk back from the nearest hop while each hop is one of our proxies.
        if not _is_trusted(remote, proxies):
            return remote
        for hop in reversed(forwarded):
            if not _is_trusted(hop, proxies):
                return hop
        return forwarded[0]
    # TRUSTED_PROXY_COUNT: the last `count` hops were added by our proxies; the one before the
    # first of them is the client. Fewer hops than proxies means the header was not theirs.
    if len(forwarded) < count:
        return remote
    return forwarded[-count]
