"""llwatch: the global watch on lifelong learning (collect, understand, index, serve)."""

from watch.config import VERSION as __version__

__all__ = ["__version__"]
