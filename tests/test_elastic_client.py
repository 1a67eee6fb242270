"""Connecting to Elasticsearch through the official client, against a local stand-in that answers
``GET /`` the way a real node does (X-Elastic-Product header, error bodies), in each way a cluster
can be unusable. The full backend runs against a real cluster when WATCH_TEST_ES_URL is set."""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.sitegen import free_port
from watch.config import WatchConfig
from watch.demo.server import SiteServer, send
from watch.errors import ConfigError, StoreUnavailable

pytest.importorskip("elasticsearch", reason="the elasticsearch extra is not installed")

from watch.store.elastic_client import check_cluster, connect, es_hosts

ES_JSON = "application/vnd.elasticsearch+json;compatible-with=9"
PRODUCT = {"X-Elastic-Product": "Elasticsearch"}


def info(number: str) -> bytes:
    return json.dumps({"name": "node-1", "cluster_name": "test", "cluster_uuid": "x",
                       "version": {"number": number, "build_flavor": "default"},
                       "tagline": "You Know, for Search"}).encode()  # fmt: skip


def error(kind: str, reason: str, status: int) -> bytes:
    return json.dumps({"error": {"root_cause": [{"type": kind, "reason": reason}], "type": kind,
                                 "reason": reason}, "status": status}).encode()  # fmt: skip


def node(handler: BaseHTTPRequestHandler) -> None:
    """``GET /<mode>/`` answers as a node in that state would."""
    mode = handler.path.strip("/").split("/")[0]
    if mode == "v9":
        send(handler, 200, info("9.1.0"), ES_JSON, PRODUCT)
    elif mode == "v8":  # an 8.x node refuses compatible-with=9
        reason = "Invalid media-type value on headers [Content-Type, Accept]"
        send(handler, 400, error("media_type_header_exception", reason, 400), "application/json",
             PRODUCT)  # fmt: skip
    elif mode == "auth":
        body = error("security_exception", "unable to authenticate user [llwatch]", 401)
        send(handler, 401, body, ES_JSON, PRODUCT | {"WWW-Authenticate": 'Basic realm="security"'})
    elif mode == "not-es":
        send(handler, 200, b'{"hello": "world"}', "application/json")
    elif mode == "slow":
        time.sleep(3)
        with contextlib.suppress(OSError):  # the client gave up and closed the connection
            send(handler, 200, info("9.1.0"), ES_JSON, PRODUCT)


@pytest.fixture(scope="module")
def cluster() -> Iterator[SiteServer]:
    server = SiteServer(None)
    for mode in ("v9", "v8", "auth", "not-es", "slow"):
        server.routes[f"/{mode}/"] = node
    with server:
        yield server


def config(url: str, **extra: object) -> WatchConfig:
    return WatchConfig.load({"WATCH_ES_URL": url, "WATCH_ES_TIMEOUT": 1, **extra}, env={})


def check(url: str) -> dict:
    cfg = config(url)
    return check_cluster(connect(cfg, env={}), cfg)


def test_a_9x_node_is_accepted(cluster: SiteServer) -> None:
    assert check(cluster.url("/v9/"))["version"]["number"] == "9.1.0"


@pytest.mark.parametrize(
    ("mode", "message"),
    [
        ("v8", "it runs an older major version — upgrade the cluster to 9.x"),
        ("auth", "refused the credentials (HTTP 401) — check WATCH_ES_API_KEY"),
        ("not-es", "it is not Elasticsearch (no X-Elastic-Product header)"),
        ("slow", "did not answer within 1s"),
    ],
)
def test_unusable_clusters_say_why_in_one_line(
    cluster: SiteServer, mode: str, message: str
) -> None:
    with pytest.raises(StoreUnavailable, match=r"^Elasticsearch at |^http") as caught:
        check(cluster.url(f"/{mode}/"))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


def test_a_cluster_that_is_down(tmp_path: Path) -> None:
    with pytest.raises(StoreUnavailable, match=r"cannot reach Elasticsearch at .* is it running"):
        check(f"http://127.0.0.1:{free_port()}")


def test_settings_problems_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is not an http"):
        es_hosts(config("es1.example.org:9200"))
    assert es_hosts(config("https://a:9200, https://b:9200")) == [
        "https://a:9200",
        "https://b:9200",
    ]
    with pytest.raises(ConfigError, match="keep one way to log in"):
        connect(config("http://a:9200"), env={"WATCH_ES_API_KEY": "k", "WATCH_ES_USERNAME": "u"})
    with pytest.raises(ConfigError, match=r"WATCH_ES_CA_CERTS=.*no such file"):
        connect(config("https://a:9200", WATCH_ES_CA_CERTS=str(tmp_path / "ca.pem")), env={})


def test_secrets_come_from_the_environment_only() -> None:
    cfg = config("http://a:9200")
    client = connect(cfg, env={"WATCH_ES_API_KEY": "secret-key"})
    assert "secret-key" not in repr(cfg)
    assert client._headers["authorization"] == "ApiKey secret-key"
