"""The article index on Elasticsearch: versioned indices behind one alias, created, migrated
and reported on through the official client.

Readers and writers only ever name the alias ``<prefix>-articles``; it points at one concrete
index ``<prefix>-articles-v<N>``, N being the mapping version (``_meta.llwatch_mapping_version``).
``migrate`` builds the next index with the new mapping, copies every document into it with
``_reindex`` (on the cluster, no data through llwatch), then moves the alias in one atomic
``_aliases`` call: searches never see a missing or half-filled index. The caller holds the data
dir's crawl lock meanwhile, so no crawl writes to the old index during the copy.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from watch.store.elastic_docs import alias_name, index_name

__all__ = ["IndexStatus", "alias_name", "index_name", "init_index", "migrate_index", "read_status"]


def mapping_version(mapping: dict[str, Any]) -> int:
    return int(mapping.get("mappings", {}).get("_meta", {}).get("llwatch_mapping_version", 1))


@dataclass
class IndexStatus:
    alias: str
    index: str = ""  # the concrete index the alias points at ("" when there is none)
    version: int = 0  # its mapping version
    wanted: int = 0  # the mapping version of this llwatch
    documents: int = 0
    health: str = ""  # green / yellow / red

    @property
    def problem(self) -> str:
        """What the operator must do, or ""."""
        if not self.index:
            return f"no index behind {self.alias} — run `llwatch index init`"
        if self.version < self.wanted:
            return (
                f"{self.index} has mapping v{self.version}, this llwatch wants v{self.wanted} — "
                "run `llwatch index migrate`"
            )
        if self.version > self.wanted:
            return f"{self.index} has mapping v{self.version}, newer than this llwatch — upgrade it"
        if self.health == "red":
            return f"{self.index} is red: some primary shards are not allocated"
        return ""


def _current(client: Any, alias: str) -> str:
    """The index the alias points at, or ""."""
    if not client.indices.exists_alias(name=alias):
        return ""
    found = client.indices.get_alias(name=alias)
    return sorted(dict(found.body if hasattr(found, "body") else found))[-1]


def init_index(client: Any, prefix: str, mapping: dict[str, Any]) -> str:
    """Create the index of this mapping version and point the alias at it (nothing to do when
    the alias exists already). Returns what was done, in words."""
    alias = alias_name(prefix)
    current = _current(client, alias)
    if current:
        return f"{alias} already points at {current}: nothing to do"
    name = index_name(prefix, mapping_version(mapping))
    if client.indices.exists(index=name):
        client.indices.put_alias(index=name, name=alias)
        return f"{name} existed without the alias: {alias} now points at it"
    client.indices.create(
        index=name,
        settings=mapping.get("settings", {}),
        mappings=mapping["mappings"],
        aliases={alias: {"is_write_index": True}},
    )
    return f"created {name} with {alias} pointing at it"


def migrate_index(client: Any, prefix: str, mapping: dict[str, Any]) -> str:
    """Copy the documents into a new index with this mapping and swap the alias atomically."""
    alias = alias_name(prefix)
    current = _current(client, alias)
    if not current:
        return init_index(client, prefix, mapping)
    old_version = int(current.rsplit("-v", 1)[-1]) if "-v" in current else 0
    target = index_name(prefix, max(mapping_version(mapping), old_version + 1))
    if client.indices.exists(index=target):
        client.indices.delete(index=target)  # a copy left by a migration that did not finish
    client.indices.create(
        index=target, settings=mapping.get("settings", {}), mappings=mapping["mappings"]
    )
    copied = client.reindex(
        source={"index": current},
        dest={"index": target, "op_type": "index"},
        wait_for_completion=True,
        refresh=True,
    )
    body = dict(copied.body if hasattr(copied, "body") else copied)
    failures = body.get("failures") or []
    if failures:
        client.indices.delete(index=target)
        first = failures[0].get("cause", {}).get("reason", str(failures[0]))[:200]
        return (
            f"migration stopped: {len(failures)} document(s) could not be copied ({first}); "
            f"{alias} still points at {current}"
        )
    client.indices.update_aliases(
        actions=[
            {"remove": {"index": current, "alias": alias}},
            {"add": {"index": target, "alias": alias, "is_write_index": True}},
        ]
    )
    return (
        f"copied {body.get('total', 0)} documents from {current} to {target}; {alias} now points at "
        f"{target} ({current} kept: delete it when satisfied)"
    )


def read_status(client: Any, prefix: str, mapping: dict[str, Any]) -> IndexStatus:
    """Where the alias points, the mapping version there and here, documents, health."""
    alias = alias_name(prefix)
    status = IndexStatus(alias, wanted=mapping_version(mapping))
    status.index = _current(client, alias)
    if not status.index:
        return status
    got = client.indices.get_mapping(index=status.index)
    body = dict(got.body if hasattr(got, "body") else got)
    meta = body.get(status.index, {}).get("mappings", {}).get("_meta", {})
    status.version = int(meta.get("llwatch_mapping_version", 0))
    counted = client.count(index=alias)
    status.documents = int(dict(counted.body if hasattr(counted, "body") else counted)["count"])
    health = client.cluster.health(index=status.index)
    status.health = str(dict(health.body if hasattr(health, "body") else health).get("status", ""))
    return status
