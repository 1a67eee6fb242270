"""Scrapy settings of llwatch (``scrapy.cfg`` points here; ``llwatch crawl`` uses it too).

The ``WATCH_*`` defaults live in :data:`watch.config.DEFAULTS`; here they are read from the
environment once, and the Scrapy settings derived from them (User-Agent, timeouts, throttling) are
set, so ``scrapy crawl feeds`` from the repository root behaves like ``llwatch crawl``. Override any
of them with ``scrapy crawl feeds -s WATCH_DATA_DIR=...`` or the environment variable.
"""

from watch.config import WatchConfig

BOT_NAME = "llwatch"
SPIDER_MODULES = ["spiders"]
NEWSPIDER_MODULE = "spiders"

# Politeness: robots.txt obeyed, AutoThrottle adapts the delay to each site's latency.
ROBOTSTXT_OBEY = True
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False  # no listening port on a crawl server
REDIRECT_MAX_TIMES = 5
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]

# Current Scrapy API: asyncio reactor, UTF-8 feeds, request fingerprints of 2.7+.
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "INFO"

# The pipelines, in order: normalize -> dedupe -> language -> topics (+ countries) -> relevance -> store.
ITEM_PIPELINES = {
    "pipelines.normalize.NormalizePipeline": 100,
    "pipelines.dedupe.DedupePipeline": 200,
    "pipelines.language.LanguagePipeline": 300,
    "pipelines.topics.TopicsPipeline": 400,
    "pipelines.relevance.RelevancePipeline": 500,
    "pipelines.store.StorePipeline": 900,
}

# The SSRF guard runs before robots.txt is fetched (RobotsTxtMiddleware is at 100).
DOWNLOADER_MIDDLEWARES = {
    "spiders.guard.PrivateAddressGuard": 50,
}

EXTENSIONS = {
    "watch.ext.CrawlProgress": 500,
}

# WATCH_* values (from the environment or defaults) and the Scrapy settings derived from them.
globals().update(WatchConfig.load().as_settings())
