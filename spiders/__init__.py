"""llwatch spiders: thin Scrapy adapters over the logic in ``watch``."""
