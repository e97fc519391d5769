"""The Scrapy side of benches/crawl_vs_scrapy.sh: the same site, the same selectors as
benches/crawl_site.py's profile, politeness off, every item written as JSON lines.

  scrapy runspider scrapy_bench.py -a start=URL -s FEEDS='{"items.jsonl": {"format": "jsonlines"}}'
"""
import scrapy


class BenchSpider(scrapy.Spider):
    name = "bench"
    custom_settings = {
        "ROBOTSTXT_OBEY": True,
        "CONCURRENT_REQUESTS": 16,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "DOWNLOAD_DELAY": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "LOG_LEVEL": "INFO",  # the closing stats (response count, elapsed time) are INFO
        "TELNETCONSOLE_ENABLED": False,
        "HTTPCACHE_ENABLED": False,
        # From Scrapy's "broad crawls" advice, where it does not change the work: no cookie jar
        # (salwatch keeps none either). Retries and redirects stay on, as in salwatch.
        "COOKIES_ENABLED": False,
    }

    def __init__(self, start, **kw):
        super().__init__(**kw)
        self.start_urls = [start]

    def parse(self, response):
        for href in response.css("a.ad-link::attr(href)").getall():
            yield response.follow(href, self.parse_ad)
        for href in response.css("a.next::attr(href)").getall():
            yield response.follow(href, self.parse)

    def parse_ad(self, response):
        first = lambda q: response.css(q).get()  # noqa: E731
        seller_link = first(".seller a::attr(href)")
        yield {
            "url": response.url,
            "listing_id": first("article.ad::attr(data-id)"),
            "title": " ".join(response.css("h1.ad-title ::text").getall()).strip(),
            "price": " ".join(response.css(".ad-price ::text").getall()).strip(),
            "description": " ".join(response.css(".ad-body ::text").getall()).strip(),
            "seller": " ".join(response.css(".seller a ::text").getall()).strip(),
            "seller_link": response.urljoin(seller_link) if seller_link else None,
            "posted": first("time.posted::attr(datetime)"),
            "images": [response.urljoin(u) for u in response.css("img.photo::attr(src)").getall()],
            "breadcrumb": [t.strip() for t in response.css("ol.crumbs li::text").getall()],
            "contacts": [t.strip() for t in response.css(".phone::text").getall()],
            "text_length": len(" ".join(response.css("body ::text").getall())),
        }
