"""Fetching one web page safely: http(s) only, timeouts, a size cap and a redirect limit.

- Only http and https, no credentials in the URL; every redirect hop is checked again.
- Only globally routable addresses unless `fetch_allow_private` (`is_public`): the host is
  resolved, every address must be global, and so must each IPv4 address an IPv6 form wraps
  (IPv4-mapped, 6to4, Teredo, NAT64); the connection goes to the address that was checked (Host header and TLS SNI keep the name), so a second DNS answer
  cannot point it elsewhere. Proxy and .netrc settings from the environment are ignored.
- httpx timeouts apply per network operation; a total deadline is checked after every read
  (a server dripping one byte every 0.5 s otherwise ran 501 s).
- The size cap counts decoded bytes. gzip/deflate are inflated here with a bounded zlib
  (httpx inflates a whole network chunk at once: 257 MB peak for a gzip bomb, 4 MB here).
- Content-Type must be a page type; octet-stream or none is left to content sniffing.
Hand-written around httpx because no maintained library does the address pinning and the
bounded inflate together.
"""

from __future__ import annotations

import ipaddress
import socket
import time
import zlib
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit, urlunsplit

from rag.core.config import IngestSettings
from rag.core.errors import FetchError

PAGE_TYPES = {"text/html", "application/xhtml+xml", "application/octet-stream", ""}
USER_AGENT = "rag-news-ingest/0.1 (+offline Q&A over news articles)"


@dataclass(frozen=True)
class Fetched:
    url: str  # the final URL, after redirects
    content_type: str  # media type, lower case, without parameters
    body: bytes
    redirects: int


# RFC 6052's well-known NAT64 prefix: the last 32 bits are the IPv4 address reached.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """Globally routable, and so is every IPv4 address the IPv6 form wraps. `is_global` alone
    is not enough on Python 3.11: it holds for fec0::/10 (site-local), ff02::1 (multicast)
    and 2002:7f00:1::1 (6to4 around 127.0.0.1)."""
    if ip.version == 6:
        if ip in _NAT64:
            return is_public(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
        if ip.ipv4_mapped is not None:
            return is_public(ip.ipv4_mapped)
        wrapped = [w for w in (ip.sixtofour, *(ip.teredo or ())) if w is not None]
        if ip.is_site_local or not all(is_public(w) for w in wrapped):
            return False
    return ip.is_global and not (ip.is_multicast or ip.is_loopback or ip.is_link_local or ip.is_private
                                 or ip.is_reserved or ip.is_unspecified)


def _checked_address(host: str, port: int, allow_private: bool) -> str:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve {host}: {exc.strerror or exc}") from None
    addresses = [ipaddress.ip_address(info[4][0]) for info in infos]
    for ip in addresses:
        if not allow_private and not is_public(ip):
            raise FetchError(f"refusing to fetch from the non-public address {ip} of {host} "
                             f"(RAG_INGEST__FETCH_ALLOW_PRIVATE=true allows it)")
    return str(addresses[0])


def _pinned(url: str, allow_private: bool) -> tuple[str, str, str]:
    """(URL with the checked address, Host header, TLS server name) for one hop."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs can be added, not {parts.scheme or 'a bare name'!r}")
    if not parts.hostname:
        raise FetchError(f"{url!r} has no host name")
    if parts.username is not None or parts.password is not None:
        raise FetchError("URLs with credentials (user:password@) are not fetched")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    ip = _checked_address(parts.hostname, port, allow_private)
    netloc = f"[{ip}]:{port}" if ":" in ip else f"{ip}:{port}"
    host_header = parts.hostname if parts.port is None else f"{parts.hostname}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")), host_header, parts.hostname


def _inflater(encoding: str):
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return None
    if encoding in ("gzip", "x-gzip", "deflate"):
        return zlib.decompressobj(47)  # 32 + 15: gzip or zlib header, detected
    raise FetchError(f"unsupported Content-Encoding {encoding!r}")


def _read_body(response, cap: int, over_deadline) -> bytes:
    length = response.headers.get("content-length", "")
    if length.isdigit() and int(length) > cap:
        raise FetchError(f"the page is {int(length) / 1048576:.1f} MB, over the {cap / 1048576:g} MB limit "
                         f"(RAG_INGEST__FETCH_MAX_MB)")
    inflater = _inflater(response.headers.get("content-encoding", ""))
    body = bytearray()
    for raw in response.iter_raw():  # per network read: no re-chunking that hides slow drips
        over_deadline()
        if inflater is None:
            body += raw
        else:
            data = raw
            while data and len(body) <= cap:
                body += inflater.decompress(data, cap + 1 - len(body))
                data = inflater.unconsumed_tail
        if len(body) > cap:
            raise FetchError(f"the page is over the {cap / 1048576:g} MB limit (RAG_INGEST__FETCH_MAX_MB)")
    if inflater is not None:
        body += inflater.flush()
        if len(body) > cap:
            raise FetchError(f"the page is over the {cap / 1048576:g} MB limit (RAG_INGEST__FETCH_MAX_MB)")
    return bytes(body)


def fetch(url: str, limits: IngestSettings) -> Fetched:
    """GET one page within `limits`; raises FetchError naming `url` and what went wrong."""
    try:
        return _get(url, limits)
    except FetchError as exc:
        raise FetchError(f"{url}: {exc}") from None


def _get(url: str, limits: IngestSettings) -> Fetched:
    import httpx

    started = time.monotonic()
    cap = int(limits.fetch_max_mb * 1048576)

    def over_deadline() -> None:
        if time.monotonic() - started > limits.fetch_deadline_s:
            raise FetchError(f"no complete answer within {limits.fetch_deadline_s:g} s "
                             f"(RAG_INGEST__FETCH_DEADLINE_S)")

    timeout = httpx.Timeout(limits.fetch_timeout_s, connect=min(limits.fetch_timeout_s, 5.0))
    try:
        with httpx.Client(follow_redirects=False, trust_env=False, timeout=timeout) as client:
            for hop in range(limits.fetch_max_redirects + 1):
                target, host, server_name = _pinned(url, limits.fetch_allow_private)
                request = client.build_request("GET", target, headers={
                    "Host": host, "User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate",
                    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.1"},
                    extensions={"sni_hostname": server_name})
                response = client.send(request, stream=True)
                try:
                    over_deadline()
                    if response.is_redirect:
                        location = response.headers.get("location")
                        if not location:
                            raise FetchError(f"redirect {response.status_code} without a Location")
                        url = urljoin(url, location)  # relative to the name, not the pinned address
                        continue
                    if response.status_code != 200:
                        raise FetchError(f"the server answered HTTP {response.status_code}"
                                         + (f" (redirected to {url})" if hop else ""))
                    ctype = response.headers.get("content-type", "").split(";")[0].strip().lower()
                    if ctype not in PAGE_TYPES:
                        raise FetchError(f"not a web page (Content-Type {ctype}); save other files into the "
                                         f"documents folder instead")
                    return Fetched(url, ctype, _read_body(response, cap, over_deadline), hop)
                finally:
                    response.close()
            raise FetchError(f"more than {limits.fetch_max_redirects} redirects (RAG_INGEST__FETCH_MAX_REDIRECTS)")
    except httpx.TimeoutException:
        raise FetchError(f"timed out after {limits.fetch_timeout_s:g} s (RAG_INGEST__FETCH_TIMEOUT_S)") from None
    except httpx.HTTPError as exc:
        raise FetchError(f"{type(exc).__name__}: {exc}") from None
    except zlib.error as exc:
        raise FetchError(f"a broken compressed body ({exc})") from None
