"""Web helpers that know no app: the address of the person behind a request.

The helpers that name the signed-in account (``signed_in_user``, ``api_user``) are ``portal.web``:
the account is the portal's model.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse_ip(text: str | None) -> IPAddress | None:
    """An address as a proxy may write it: bare, ``[v6]:port`` or ``v4:port``; None when it is not one."""
    text = (text or "").strip()
    if text.startswith("[") and "]" in text:
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def client_address(request: HttpRequest | None) -> str | None:
    """The address of the person behind a request, for limits and logs.

    With no ``TRUSTED_PROXIES`` it is ``REMOTE_ADDR``, and no header is believed: anyone can write
    X-Forwarded-For. When the connection comes from a trusted proxy, ``TRUSTED_PROXY_HEADER`` is read
    from the right (each proxy appends the address it saw) and the first address outside the trusted
    networks is the client, as nginx's ``real_ip_recursive`` does.

    Written here rather than taken from django-ipware: ipware looks at thirty-odd headers by default
    and ranks the addresses a client can write itself, and it matches trusted proxies by string
    prefix rather than by network.
    """
    if request is None:
        return None
    remote = _parse_ip(request.META.get("REMOTE_ADDR"))
    if remote is None:
        return None
    trusted = [ipaddress.ip_network(network, strict=False) for network in settings.TRUSTED_PROXIES]
    client = remote
    if not any(client in network for network in trusted):
        return str(client)
    for hop in reversed(str(request.META.get(settings.TRUSTED_PROXY_HEADER, "")).split(",")):
        address = _parse_ip(hop)
        if address is None:
            break
        client = address
        if not any(client in network for network in trusted):
            break
    return str(client)
