"""The connection to an Elasticsearch cluster: the official client, configured from WATCH_ES_*,
and a first check that turns every way of failing into one clear line.

Secrets never live in the config object (it is printed and logged): ``WATCH_ES_API_KEY``, or
``WATCH_ES_USERNAME`` with ``WATCH_ES_PASSWORD``, are read from the environment when connecting.
The client is the official ``elasticsearch`` package, 9.x (``pip install 'llwatch[elasticsearch]'``);
it speaks to Elasticsearch 9 servers only (it sends ``compatible-with=9``, which 8.x refuses), so
the server's major version is checked first.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from watch.config import WatchConfig
from watch.errors import ConfigError, StoreUnavailable

__all__ = [
    "ES_OFFLINE",
    "SUPPORTED_MAJOR",
    "check_cluster",
    "cluster_problem",
    "connect",
    "es_hosts",
]

#: The server major version the installed client supports.
SUPPORTED_MAJOR = 9
#: The Scrapy setting by which a crawl tells its stores that the cluster failed the run-start
#: check (its value says why): they write to the outbox without stalling on the cluster.
ES_OFFLINE = "WATCH_ES_OFFLINE"


def es_hosts(config: WatchConfig) -> list[str]:
    """The node URLs of WATCH_ES_URL (comma-separated), each checked to be http(s)."""
    hosts = [h.strip() for h in config.es_url.split(",") if h.strip()]
    for host in hosts:
        if not host.startswith(("http://", "https://")):
            raise ConfigError(
                f"WATCH_ES_URL={config.es_url}: {host!r} is not an http(s) URL — "
                "write e.g. https://es1.example.org:9200"
            )
    return hosts


def connect(config: WatchConfig, env: Mapping[str, str] | None = None) -> Any:
    """An ``elasticsearch.Elasticsearch`` client for WATCH_ES_URL (no request sent yet)."""
    env = os.environ if env is None else env
    try:
        from elasticsearch import Elasticsearch
    except ImportError:
        raise ConfigError(
            "WATCH_ES_URL is set but the Elasticsearch client is not installed — "
            "pip install 'llwatch[elasticsearch]'"
        ) from None
    # a timeout is not retried: a slow cluster costs one WATCH_ES_TIMEOUT, not three (the
    # crawl's writes have their own retries with backoff); a dead node is (the next node)
    options: dict[str, Any] = {"request_timeout": config.es_timeout, "max_retries": 2,
                               "retry_on_timeout": False}  # fmt: skip
    api_key = env.get("WATCH_ES_API_KEY", "")
    user, password = env.get("WATCH_ES_USERNAME", ""), env.get("WATCH_ES_PASSWORD", "")
    if api_key and user:
        raise ConfigError(
            "both WATCH_ES_API_KEY and WATCH_ES_USERNAME are set — keep one way to log in"
        )
    if api_key:
        options["api_key"] = api_key
    elif user:
        options["basic_auth"] = (user, password)
    if config.es_ca_certs:
        if not os.path.isfile(config.es_ca_certs):
            raise ConfigError(
                f"WATCH_ES_CA_CERTS={config.es_ca_certs}: no such file — give the cluster's "
                "CA certificate (PEM)"
            )
        options["ca_certs"] = config.es_ca_certs
    return Elasticsearch(es_hosts(config), **options)


def check_cluster(client: Any, config: WatchConfig) -> dict[str, Any]:
    """The cluster's ``GET /`` answer; StoreUnavailable with one clear line when it cannot be
    used: unreachable, slow, wrong credentials, not Elasticsearch, or the wrong major version."""
    from elasticsearch import ApiError, TransportError, UnsupportedProductError

    where = config.es_url
    try:
        info = client.info()
    except UnsupportedProductError:
        raise StoreUnavailable(
            f"{where} answered, but it is not Elasticsearch (no X-Elastic-Product header) — "
            "check WATCH_ES_URL"
        ) from None
    except (ApiError, TransportError) as exc:
        raise StoreUnavailable(
            cluster_problem(exc, config.es_index, where, config.es_timeout)
        ) from None
    body = dict(info.body if hasattr(info, "body") else info)
    number = str(body.get("version", {}).get("number", "?"))
    if number.split(".")[0] != str(SUPPORTED_MAJOR):
        raise StoreUnavailable(
            f"Elasticsearch at {where} is version {number}; llwatch's client supports "
            f"{SUPPORTED_MAJOR}.x only — upgrade the cluster (or use the embedded store: unset "
            "WATCH_ES_URL)"
        )
    return body


def cluster_problem(exc: Exception, alias: str, where: str = "", timeout: float = 0) -> str:
    """One line for a failed request to the cluster (at ``where``, when known): what went
    wrong and what to do."""
    from elasticsearch import (
        ApiError,
        AuthenticationException,
        AuthorizationException,
        ConnectionTimeout,
    )

    from watch.store.elastic_delivery import api_reason

    at = f" at {where}" if where else ""
    if isinstance(exc, AuthenticationException):
        return (f"Elasticsearch{at} refused the credentials (HTTP 401) — check "
                "WATCH_ES_API_KEY or WATCH_ES_USERNAME/WATCH_ES_PASSWORD")  # fmt: skip
    if isinstance(exc, AuthorizationException):
        return (f"Elasticsearch{at}: these credentials may not use {alias} (HTTP 403) — grant "
                "the monitor privilege and the read and index privileges on it")  # fmt: skip
    if isinstance(exc, ConnectionTimeout):
        within = f"within {timeout:g}s" if timeout else "in time"
        return (f"Elasticsearch{at} did not answer {within} — is the cluster overloaded? "
                "(WATCH_ES_TIMEOUT)")  # fmt: skip
    if isinstance(exc, ApiError):
        text = f"{exc} {json.dumps(exc.body, default=str)}"
        if exc.meta.status == 404 and "index_not_found" in text:
            return f"the index {alias} does not exist — run `llwatch index init`"
        if exc.meta.status in (400, 406) and "media_type" in text:
            return (f"Elasticsearch{at} refuses the {SUPPORTED_MAJOR}.x client's requests "
                    f"(compatible-with={SUPPORTED_MAJOR}): it runs an older major version — "
                    f"upgrade the cluster to {SUPPORTED_MAJOR}.x (or unset WATCH_ES_URL)")  # fmt: skip
        if ("too_many" in text and "clauses" in text) or "maxClauseCount" in text:
            return ("the query expands to more terms than the cluster allows "
                    "(indices.query.bool.max_clause_count) — narrow it")  # fmt: skip
        return f"Elasticsearch{at} answered HTTP {exc.meta.status}: {api_reason(exc)[:200]}"
    return f"cannot reach Elasticsearch{at} ({_first_line(exc)}) — is it running? (WATCH_ES_URL)"


def _first_line(exc: Exception) -> str:
    return str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
