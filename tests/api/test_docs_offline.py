"""``/docs`` works without internet: the Swagger UI page names only this server's URLs, and
this server answers each of them with the file's own content type (no CDN)."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from fastapi.testclient import TestClient

from fintrack_api.app import create_app
from tests.api.conftest import SECRET, Api
from tests.conftest import SmallBook

LINKED = re.compile(r"""(?:src|href)=["']([^"']+)["']""")
ASSET_TYPES = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css",
               "favicon.png": "image/png"}


def linked_urls(html: str) -> list[str]:
    """Every URL the page loads: script src, style sheet and icon href, and the URLs its
    start-up script hands Swagger UI (the schema, the OAuth2 redirect)."""
    found = LINKED.findall(html)
    found += re.findall(r"""(?:url|oauth2RedirectUrl):\s*['"]([^'"]+)['"]""", html)
    return found


def test_the_docs_page_loads_only_same_origin_assets_and_each_is_served(api: Api) -> None:
    page = api.client.get("/docs")
    assert page.status_code == 200
    urls = linked_urls(page.text)
    assert "/docs/assets/swagger-ui-bundle.js" in urls
    assert "/docs/assets/swagger-ui.css" in urls
    assert "/openapi.json" in urls
    off_site = [u for u in urls if urlsplit(u).netloc or u.startswith("//")]
    assert off_site == []
    assets = {u.rsplit("/", 1)[1]: u for u in urls if u.startswith("/docs/assets/")}
    assert set(assets) == set(ASSET_TYPES)
    for name, url in assets.items():
        answer = api.client.get(url)
        assert answer.status_code == 200, url
        assert answer.headers["content-type"].startswith(ASSET_TYPES[name]), url
        assert len(answer.content) > 1000, url  # the real file, not an empty answer
    assert b"SwaggerUIBundle" in api.client.get(assets["swagger-ui-bundle.js"]).content


def test_only_the_listed_docs_assets_are_served(api: Api) -> None:
    for name in ("redoc.standalone.js", "..%2F__init__.py", "nothing.js"):
        answer = api.client.get(f"/docs/assets/{name}")
        assert answer.status_code == 404, name
        assert answer.headers["content-type"] == "application/problem+json"


def test_behind_a_proxy_prefix_the_page_names_its_assets_under_that_prefix(
        small_book: SmallBook) -> None:
    with TestClient(create_app(small_book.db, secret=SECRET), root_path="/fintrack") as client:
        page = client.get("/docs")
    urls = linked_urls(page.text)
    assert "/fintrack/docs/assets/swagger-ui-bundle.js" in urls
    assert "/fintrack/openapi.json" in urls


def test_the_docs_routes_stay_out_of_the_openapi_document(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p.startswith("/docs")]
