"""The SSRF guard: a downloader middleware that refuses requests to private addresses.

A feed on a public host can list entries (or redirect) to ``http://169.254.169.254/`` (cloud
metadata), ``http://127.0.0.1:...`` or a machine of the crawl server's own network. Such requests
are refused before anything is sent (robots.txt included: the guard runs before the robots
middleware), unless the source itself lives on such an address (an intranet feed may link to its
intranet) or the operator sets ``WATCH_ALLOW_PRIVATE=1``. A redirect is a new request and is
checked again. Host names are resolved (asynchronously, cached for the run); a name that does not
resolve is left to fail in the download as usual.

Limit: the name is resolved again when connecting, so a DNS server that answers differently the
second time (DNS rebinding) is not caught; a crawl server that must be safe against it should also
block private ranges at its firewall.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from typing import Any
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

__all__ = ["PrivateAddressGuard", "is_private_address"]


def is_private_address(address: str) -> bool:
    """True for loopback, private, link-local, shared, reserved and other non-global addresses."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


class PrivateAddressGuard:
    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private
        self._resolved: dict[str, list[str]] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PrivateAddressGuard:
        return cls(crawler.settings.getbool("WATCH_ALLOW_PRIVATE"))

    async def process_request(self, request: Request, spider: Any = None) -> None:
        origin = request.meta.get("watch_source")
        if self.allow_private or not origin:
            return
        host = urlsplit(request.url).hostname or ""
        private = [a for a in await self._addresses(host) if is_private_address(a)]
        if not private:
            return
        origin_host = urlsplit(origin).hostname or ""
        if any(is_private_address(a) for a in await self._addresses(origin_host)):
            return  # the source itself lives on a private address
        raise IgnoreRequest(
            f"refused: {host} is a private address ({private[0]}) and the source is not"
            " (SSRF guard; set WATCH_ALLOW_PRIVATE=1 to allow)"
        )

    async def _addresses(self, host: str) -> list[str]:
        if not host:
            return []
        if host not in self._resolved:
            try:
                ipaddress.ip_address(host.strip("[]"))
                self._resolved[host] = [host.strip("[]")]
            except ValueError:
                loop = asyncio.get_running_loop()
                try:
                    infos = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
                    self._resolved[host] = sorted({str(info[4][0]) for info in infos})
                except (OSError, UnicodeError):
                    self._resolved[host] = []
        return self._resolved[host]
