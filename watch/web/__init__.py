"""The read-only web app: the researchers' search page and the JSON API (``llwatch serve``)."""

from __future__ import annotations

from watch.web.app import create_app

__all__ = ["create_app"]
