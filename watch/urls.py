"""URL boundary over w3lib: canonical article URLs and the stable ids derived from them."""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote, urlsplit, urlunsplit

from w3lib.url import canonicalize_url

__all__ = ["article_id", "canonical_url", "is_http_url", "is_tracking_param"]

#: Query parameters that only track a click; they never change the page.
TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "gclsrc", "dclid", "msclkid", "yclid", "igshid", "twclid", "ttclid",
        "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "oly_anon_id",
        "oly_enc_id", "vero_id", "wickedid", "rb_clickid", "s_cid", "ncid", "cmpid", "ocid",
        "sr_share", "spm", "share", "at_medium", "at_campaign", "ref_src", "ref_url",
    }
)  # fmt: skip
_TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_", "ga_", "__hs", "at_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
_ID_LENGTH = 32
_STRAY_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")


def is_tracking_param(name: str) -> bool:
    """True for ``utm_*``, ``fbclid``, ``gclid`` and the other click-tracking parameters."""
    low = name.lower()
    return low in TRACKING_PARAMS or low.startswith(_TRACKING_PREFIXES)


def is_http_url(url: str) -> bool:
    """An absolute http(s) URL with a host and, if any, a valid port."""
    try:
        parts = urlsplit(url.strip())  # raises ValueError on a broken IPv6 host
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return False
    return parts.scheme.lower() in _DEFAULT_PORTS and bool(parts.hostname)


def canonical_url(url: str) -> str:
    """The canonical form: lower-case scheme and host, no default port, no fragment, no tracking
    parameters, query sorted and percent-encoding normalised (w3lib). Never raises."""
    url = _STRAY_PERCENT.sub("%25", url.strip())  # a lone '%' is a literal percent sign
    parts = urlsplit(url)
    if not is_http_url(url):
        return url
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    host = f"[{host}]" if ":" in host else host  # IPv6 literal
    port = parts.port if parts.port and parts.port != _DEFAULT_PORTS.get(scheme) else None
    netloc = f"{host}:{port}" if port else host
    path = re.sub(r"/{2,}", "/", parts.path) or "/"
    return canonicalize_url(urlunsplit((scheme, netloc, path, _clean_query(parts.query), "")))


def _clean_query(query: str) -> str:
    """The query without tracking parameters; other pieces kept byte for byte (w3lib sorts them)."""
    pieces = [p for p in query.split("&") if p]
    return "&".join(p for p in pieces if not is_tracking_param(unquote(p.split("=", 1)[0])))


def article_id(canonical: str) -> str:
    """The stable article id: the first 32 hex characters of sha256 of the canonical URL."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:_ID_LENGTH]
