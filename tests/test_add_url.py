"""`rag add URL` against a real HTTP server on 127.0.0.1 serving news pages."""

from __future__ import annotations

import gzip
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from rag.assistant import Assistant
from rag.cli import main
from rag.core.config import IngestSettings
from rag.core.errors import FetchError
from rag.ingest.fetch import fetch
from tests import writers

PRIVATE_OK = IngestSettings(fetch_allow_private=True)


class _Site(BaseHTTPRequestHandler):
    def log_message(self, *args):  # keep the test output clean
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key.replace("_", "-"), value)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        routes = {
            "/politik/radwege": lambda: self._send(200, writers.ARTICLE_PAGE.encode()),
            "/schuhe/herren": lambda: self._send(200, writers.SHOP_PAGE.encode()),
            "/kurz": lambda: self._send(301, b"", Location="/politik/radwege"),
            "/kurz-kaputt": lambda: self._send(301, b"", Location="/fehlt"),
            "/schleife": lambda: self._send(302, b"", Location="/schleife"),
            "/bild.png": lambda: self._send(200, b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png"),
            "/gross": lambda: self._send(200, b"<html>" + b"x" * (3 << 20), "text/html"),
            "/bombe": lambda: self._send(200, gzip.compress(b" " * (50 << 20)), "text/html", Content_Encoding="gzip"),
        }
        if self.path == "/tropfen":  # one byte every 0.3 s, never finishing within the deadline
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            try:
                for _ in range(40):
                    self.wfile.write(b"<")
                    self.wfile.flush()
                    time.sleep(0.3)
            except OSError:
                pass
            return
        routes.get(self.path, lambda: self._send(404, b"not found"))()


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def cli_env(hashing_settings, monkeypatch):
    p = hashing_settings.paths
    for key, value in {"RAG_PATHS__SEEDS_DIR": str(p.seeds_dir), "RAG_PATHS__INDEX_DIR": str(p.index_dir),
                       "RAG_EMBEDDING__BACKEND": "hashing", "RAG_EMBEDDING__DIM": "256",
                       "RAG_INGEST__FETCH_ALLOW_PRIVATE": "true"}.items():
        monkeypatch.setenv(key, value)
    return hashing_settings


def test_add_url_stores_the_article_that_remembers_its_url_and_date(site, cli_env, capsys):
    url = f"{site}/politik/radwege"
    assert main(["add", url, "--then-index"]) == 0
    out = capsys.readouterr()
    assert "Added web/stadtrat-beschliesst-neues-radwegenetz-fuer-muenster-" in out.out
    assert "(2024-10-03)" in out.out and out.err == ""
    stored = list((cli_env.paths.seeds_dir / "web").glob("*.md"))
    assert len(stored) == 1
    content = stored[0].read_text(encoding="utf-8")
    assert content.startswith(f"---\nurl: {url}\ntitle: Stadtrat beschließt neues Radwegenetz für Münster\n"
                              "date: '2024-10-03'\ndate_source: metadata\n---\n")
    assert "Redaktionsschluss" not in content and "Cookies" not in content  # boilerplate stays behind

    assistant = Assistant.from_settings(cli_env)
    answer = assistant.ask("Wie viele Kilometer neue Radwege sollen in Münster entstehen?")
    cited = [c for c in answer.to_json()["citations"] if c["source"].startswith("web/")]
    assert cited and cited[0]["url"] == url and cited[0]["date"] == "2024-10-03"
    assert cited[0]["date_source"] == "metadata"
    # Offsets are into the article text: the front matter is not part of it.
    doc_text = next(c for c in assistant.index().chunks if c.source == cited[0]["source"] and c.start == 0).text
    assert doc_text.startswith("Stadtrat beschließt")


def test_adding_the_same_url_again_replaces_its_file(site, cli_env, capsys):
    url = f"{site}/politik/radwege"
    assert main(["add", url]) == 0 and main(["add", url]) == 0
    assert len(list((cli_env.paths.seeds_dir / "web").glob("*.md"))) == 1


def test_a_page_that_is_not_an_article_is_refused_with_a_clear_message(site, cli_env, capsys):
    assert main(["add", f"{site}/schuhe/herren"]) == 2
    err = capsys.readouterr().err
    assert "is not a news article" in err and "nothing was added" in err
    assert not (cli_env.paths.seeds_dir / "web").exists() or not any((cli_env.paths.seeds_dir / "web").iterdir())


def test_each_failing_url_is_named_and_the_others_still_added(site, cli_env, capsys):
    # Issue 32, item 11: "error: the server answered HTTP 404" did not say which URL failed.
    missing, moved, good = f"{site}/fehlt", f"{site}/kurz-kaputt", f"{site}/politik/radwege"
    assert main(["add", missing, good, moved]) == 2
    out = capsys.readouterr()
    errors = out.err.strip().splitlines()
    assert errors[0] == f"error: {missing}: the server answered HTTP 404"
    assert errors[1] == f"error: {moved}: the server answered HTTP 404 (redirected to {site}/fehlt)"
    assert len(errors) == 2 and "Added web/stadtrat" in out.out


def test_redirects_are_followed_up_to_the_limit(site):
    assert fetch(f"{site}/kurz", PRIVATE_OK).url == f"{site}/politik/radwege"
    with pytest.raises(FetchError, match="more than 5 redirects"):
        fetch(f"{site}/schleife", PRIVATE_OK)


@pytest.mark.parametrize("path, message", [
    ("/bild.png", "not a web page (Content-Type image/png)"),
    ("/gross", "over the 2 MB limit"),
    ("/bombe", "over the 2 MB limit"),
    ("/fehlt", "HTTP 404"),
])
def test_fetch_refuses_wrong_types_oversized_bodies_and_errors(site, path, message):
    with pytest.raises(FetchError, match=message.replace("(", r"\(").replace(")", r"\)")):
        fetch(f"{site}{path}", IngestSettings(fetch_allow_private=True, fetch_max_mb=2))


def test_a_slow_drip_stops_at_the_deadline(site):
    started = time.monotonic()
    with pytest.raises(FetchError, match="no complete answer within 1 s"):
        fetch(f"{site}/tropfen", IngestSettings(fetch_allow_private=True, fetch_deadline_s=1, fetch_timeout_s=5))
    assert time.monotonic() - started < 3


@pytest.mark.parametrize("url, message", [
    ("file:///etc/passwd", "only http and https"),
    ("ftp://example.org/a", "only http and https"),
    ("http://user:pw@example.org/", "credentials"),
])
def test_only_plain_http_urls_are_fetched(url, message):
    with pytest.raises(FetchError, match=message):
        fetch(url, PRIVATE_OK)


def test_local_addresses_are_refused_by_default(site):
    with pytest.raises(FetchError, match="non-public address 127.0.0.1"):
        fetch(f"{site}/politik/radwege", IngestSettings())


# Issue 32, item 10: only globally routable addresses, also when an IPv6 form wraps an IPv4 one.
NOT_PUBLIC = [
    "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "0.0.0.0", "255.255.255.255",
    "100.64.0.1", "100.127.255.254",  # carrier-grade NAT (shared address space)
    "198.18.0.1", "240.0.0.1", "224.0.0.1",
    "::1", "::", "fe80::1", "fc00::1", "fd12:3456::1", "ff02::1", "ff0e::1", "2001:db8::1",
    "fec0::1", "fec0:1::abcd",  # site-local (deprecated; Python 3.11 calls it global)
    "2002:7f00:1::1", "2002:c0a8:101::1", "2002:a00:1::1",  # 6to4 around 127.0.0.1, 192.168.1.1, 10.0.0.1
    "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::ffff:100.64.0.1",  # IPv4-mapped
    "2001:0:4136:e378:8000:63bf:3f57:fefe",  # Teredo, client 192.168.1.1
    "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe",  # NAT64 around 127.0.0.1, 169.254.169.254
]


@pytest.mark.parametrize("address", NOT_PUBLIC)
def test_only_globally_routable_addresses_are_fetched(address):
    host = f"[{address}]" if ":" in address else address
    with pytest.raises(FetchError, match="non-public address"):
        fetch(f"http://{host}:9/artikel", IngestSettings(fetch_timeout_s=1))


@pytest.mark.parametrize("address", ["8.8.8.8", "2606:4700::1111", "2002:808:808::1", "::ffff:8.8.8.8",
                                     "64:ff9b::808:808"])
def test_public_addresses_and_their_wrapped_forms_are_allowed(address):
    import ipaddress

    from rag.ingest.fetch import is_public

    assert is_public(ipaddress.ip_address(address))
