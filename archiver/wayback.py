"""The Wayback Machine and archive.today as sources for posts the platforms no longer give.

For a post, the URLs it was known by (its own, twitter.com and x.com, mobile hosts,
the syndication answer's URL) are looked up in the Wayback Machine's CDX API
(`/cdx/search/cdx`) and in archive.today's timemap (`/timemap/<url>`, RFC 7089
link format). Every capture found is a `mementos` row; every lookup a
`memento_lookups` row (with its error, if the answer could not be read). The
earliest usable memento is then fetched raw (`/web/<timestamp>id_/<url>`), kept
as a capture (evidence), and the text, author, time and media it shows are
recovered from it: the post's text is filled only where the platform's own
words are missing (text_source 'wayback' or 'archive-today'); otherwise what the
memento said stays on its row.

Both archives' endpoints are replaceable (`--endpoint wayback=URL`,
`--endpoint archive-today=URL`): the scheme and host are replaced, the paths
kept. Every request goes through the run's Fetcher and its address guard.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Callable, Iterable, Optional
from urllib.parse import parse_qs, quote, urlsplit

from .http import BodyStore, Capture, Fetcher, env_flag, utc_now
from .models import Account, MediaItem, Post, PostRef
from .store import Store, latin_for

ARCHIVES = ("wayback", "archive-today")
ARCHIVE_NAMES = {"wayback": "the Wayback Machine", "archive-today": "archive.today"}
GONE_OR_UNKNOWN = ("deleted", "unavailable", "unresolved")
CDX_LIMIT = 50  # captures listed per URL asked
MEMENTO_TRIES = 3  # mementos fetched per post before giving up on recovering it
MAX_TEXT = 20_000
_OFFLINE = "ARCHIVER_OFFLINE"
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_TIMESTAMP = re.compile(r"^\d{4,14}$")


# -- URLs ------------------------------------------------------------------------
def url_variants(post: dict) -> list[str]:
    """The URLs a post was known by: its own, and for X every host it was served from."""
    url = post.get("url") or ""
    platform, native = post.get("platform"), post.get("native_id") or ""
    found = [url] if url.startswith(("http://", "https://")) else []
    if platform == "x" and native.isdigit():
        handles = []
        path_user = re.search(r"(?:twitter|x)\.com/([A-Za-z0-9_]{1,30})/status", url, re.I)
        for handle in (path_user.group(1) if path_user else None, post.get("author_handle")):
            if handle and handle.lower() not in ("i", "web") and handle not in handles:
                handles.append(handle)
        for handle in handles:
            for host in ("twitter.com", "x.com", "mobile.twitter.com"):
                found.append(f"https://{host}/{handle}/status/{native}")
        found += [f"https://twitter.com/i/web/status/{native}", f"https://x.com/i/status/{native}"]
        # The syndication answer (what embeds render from): its token varies, so its id prefix is asked.
        found.append(f"https://cdn.syndication.twimg.com/tweet-result?id={native}")
    seen, unique = set(), []
    for candidate in found:
        key = re.sub(r"^https?://(www\.)?", "", candidate).lower().rstrip("/")
        if key not in seen:
            seen.add(key)
            unique.append(candidate)
    return unique


ARCHIVE_HOSTS = {"wayback": ("web.archive.org",),
                 "archive-today": ("archive.ph", "archive.today", "archive.is", "archive.li", "archive.vn",
                                   "archive.fo", "archive.md")}


def public_base(archive: str) -> str:
    from .endpoints import WEB_ARCHIVE_ENDPOINTS

    return WEB_ARCHIVE_ENDPOINTS[archive]


def is_archive_host(archive: str, url: str, also: Optional[str] = None) -> bool:
    """Whether url is on the archive's public hosts (or on `also`, its endpoint in force)."""
    host = (urlsplit(url).hostname or "").lower()
    if also and host == (urlsplit(also).hostname or "").lower():
        return True
    return host in ARCHIVE_HOSTS.get(archive, ())


def is_syndication(url: str) -> bool:
    return "cdn.syndication.twimg.com/tweet-result" in (url or "").lower()


def wayback_time(timestamp: str) -> Optional[str]:
    """'20230524091500' -> '2023-05-24T09:15:00Z' (shorter timestamps padded), None if not a timestamp."""
    if not _TIMESTAMP.match(timestamp or ""):
        return None
    padded = (timestamp + "0101000000"[len(timestamp) - 4:]) if len(timestamp) < 14 else timestamp
    try:
        moment = datetime.strptime(padded[:14], "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def http_time(text: str) -> Optional[str]:
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# -- reading the archives' answers ---------------------------------------------------
@dataclass
class Memento:
    archive: str
    original_url: str
    memento_url: str  # the capture as a reader opens it
    raw_url: Optional[str]  # the capture's own bytes, without the archive's banner (Wayback's id_)
    captured_at: Optional[str]
    status_code: Optional[int] = None
    mime: Optional[str] = None
    digest: Optional[str] = None
    length: Optional[int] = None


class UnreadableAnswer(ValueError):
    pass


def _int(value) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def parse_cdx(body: bytes, wayback: str) -> list[Memento]:
    """A CDX answer: plain text (urlkey timestamp original mimetype statuscode digest length per line)
    or JSON (a header row, then rows). UnreadableAnswer when it is neither."""
    text = (body or b"").decode("utf-8", "replace").strip()
    rows: list[list[str]] = []
    if not text:
        return []
    if text.startswith("<"):
        raise UnreadableAnswer(f"CDX answer is markup, not an index: {text[:80]!r}")
    if text.startswith("["):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise UnreadableAnswer(f"CDX answer is not JSON: {exc}") from None
        if not isinstance(data, list) or not all(isinstance(r, list) for r in data):
            raise UnreadableAnswer("CDX answer is not a list of rows")
        if not data:
            return []
        header = [str(h) for h in data[0]]
        fields = ["urlkey", "timestamp", "original", "mimetype", "statuscode", "digest", "length"]
        rows = [[str(dict(zip(header, r)).get(f, "")) for f in fields] for r in data[1:]]
    else:
        for line in text.splitlines():
            parts = line.split()
            if not parts:
                break  # a blank line: what follows is a resume key
            if len(parts) < 3 or not wayback_time(parts[1]):
                raise UnreadableAnswer(f"CDX answer has a line that is not a capture: {line[:120]!r}")
            rows.append((parts + [""] * 7)[:7])
    found, seen = [], set()
    for _key, timestamp, original, mime, status, digest, length in rows:
        captured = wayback_time(timestamp)
        if not captured or not original.startswith(("http://", "https://")) and "://" in original:
            continue
        if not original.startswith(("http://", "https://")):
            original = "http://" + original
        if (timestamp, original) in seen:  # the CDX lists a capture once per index it is in
            continue
        seen.add((timestamp, original))
        found.append(Memento("wayback", original, f"{wayback}/web/{timestamp}/{original}",
                             f"{wayback}/web/{timestamp}id_/{original}", captured, _int(status),
                             mime if mime and mime != "-" else None, digest or None, _int(length)))
    return found


_LINK = re.compile(r'<([^>]*)>((?:\s*;\s*[A-Za-z_-]+\s*=\s*(?:"[^"]*"|[^;,\s]*))*)\s*(?:,|$)')
_PARAM = re.compile(r'([A-Za-z_-]+)\s*=\s*(?:"([^"]*)"|([^;,\s]*))')


def parse_link_format(text: str) -> list[tuple[str, dict]]:
    """RFC 6690/7089 links: [(url, {rel, datetime, …})]."""
    links = []
    for match in _LINK.finditer(text or ""):
        params = {m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
                  for m in _PARAM.finditer(match.group(2))}
        links.append((match.group(1).strip(), params))
    return links


def parse_timemap(body: bytes, archive: str, original: str) -> list[Memento]:
    """archive.today's (or any Memento) timemap: every link whose rel names a memento."""
    text = (body or b"").decode("utf-8", "replace").strip()
    if not text:
        return []
    links = parse_link_format(text) if text.startswith("<") and not text[:9].lower().startswith(("<!", "<html")) else []
    if not links:
        raise UnreadableAnswer(f"timemap is not in link format: {text[:80]!r}")
    found = []
    for url, params in links:
        rels = (params.get("rel") or "").split()
        if "memento" not in rels or not url.startswith(("http://", "https://")):
            continue
        found.append(Memento(archive, original, url, None, http_time(params.get("datetime") or "")))
    return found


# -- recovering a post from a memento ------------------------------------------------
@dataclass
class Recovered:
    text: Optional[str] = None
    author_handle: Optional[str] = None
    author_name: Optional[str] = None
    created_at: Optional[str] = None
    media: list = field(default_factory=list)  # image URLs as the memento names them

    @property
    def usable(self) -> bool:
        return bool(self.text)


def _clean(text) -> Optional[str]:
    if not isinstance(text, str):
        return None
    text = _CONTROL.sub("", text).strip()
    return text[:MAX_TEXT] or None


_NOT_A_POST_TITLE = re.compile(r"^(wayback machine|internet archive|page not found|twitter|x|"
                               r"log in|sign up|something went wrong)\b", re.I)


def recover_text(post: dict, memento: Memento, capture: Capture) -> Recovered:
    """What the memento's bytes say of the post; UnreadableAnswer when they say nothing of it."""
    body = capture.body or b""
    if not body.strip():
        raise UnreadableAnswer("the memento is empty")
    if is_syndication(memento.original_url) or body.lstrip()[:1] == b"{":
        return _from_syndication(post, body)
    return _from_html(post, memento, body)


def _from_syndication(post: dict, body: bytes) -> Recovered:
    from .platforms import x

    try:
        data = json.loads(body.decode("utf-8", "replace"))
    except ValueError as exc:
        raise UnreadableAnswer(f"the memento is not JSON: {exc}") from None
    if not isinstance(data, dict):
        raise UnreadableAnswer("the memento is JSON but not a post")
    ref = PostRef("x", post["native_id"], post.get("url") or "")
    try:
        parsed = x.parse_tweet_result(data, ref, Post("x", post["native_id"], ref.url))
    except (TypeError, KeyError, IndexError, AttributeError, ValueError, RecursionError) as exc:
        raise UnreadableAnswer(f"the memento's post could not be read ({exc.__class__.__name__})") from None
    if parsed.status != "ok" or not parsed.text:
        raise UnreadableAnswer(f"the memento holds no post text ({parsed.status_detail or parsed.status})")
    return Recovered(_clean(parsed.text), parsed.account.handle if parsed.account else None,
                     parsed.account.display_name if parsed.account else None, parsed.created_at,
                     [m.source_url for m in parsed.media if m.kind == "photo" and m.source_url])


def _meta(tree, *names) -> Optional[str]:
    for name in names:
        for attr in ("property", "name", "itemprop"):
            node = tree.css_first(f'meta[{attr}="{name}"]')
            if node is not None and _clean(node.attributes.get("content")):
                return _clean(node.attributes.get("content"))
    return None


def _from_html(post: dict, memento: Memento, body: bytes) -> Recovered:
    from selectolax.lexbor import LexborHTMLParser

    from .textdecode import decode_document

    text, _encoding, _warning = decode_document(body[:5_000_000])
    try:
        tree = LexborHTMLParser(text)
    except Exception as exc:  # noqa: BLE001 - the parser's own refusal of hostile bytes
        raise UnreadableAnswer(f"the memento could not be parsed ({exc.__class__.__name__})") from None
    found = Recovered()
    # X and Twitter's server-rendered permalink pages (until 2020), then any page's own description.
    for selector in (".permalink-tweet .js-tweet-text", "p.tweet-text", '[data-testid="tweetText"]'):
        node = tree.css_first(selector)
        if node is not None and _clean(node.text(separator="")):
            found.text = _clean(node.text(separator=""))
            break
    description = _meta(tree, "og:description", "twitter:description", "description")
    title = _meta(tree, "og:title", "twitter:title")
    if not found.text and description:
        found.text = description.strip("“”\"")
    if not found.text:
        raise UnreadableAnswer("the memento shows no post text")
    if title and not _NOT_A_POST_TITLE.match(title):
        name = re.split(r"\s+(?:on (?:Twitter|X)|\(@[^)]*\))", title)[0].strip()
        found.author_name = _clean(name) if name and name != found.text else None
    handle = re.search(r"(?:twitter|x)\.com/([A-Za-z0-9_]{1,30})/status", memento.original_url, re.I)
    if handle and handle.group(1).lower() not in ("i", "web"):
        found.author_handle = handle.group(1)
    published = _meta(tree, "article:published_time", "og:article:published_time")
    if published:
        from .timeparse import parse_iso

        found.created_at = parse_iso(published)
    image = _meta(tree, "og:image", "twitter:image")
    if image and image.startswith(("http://", "https://")) and "profile_images" not in image:
        found.media.append(image)
    return found


# -- the run -------------------------------------------------------------------------
@dataclass
class PostRecovery:
    post_id: str
    found: int = 0
    recovered_from: Optional[str] = None  # the memento URL the text came from
    archive: Optional[str] = None
    text_kept: bool = False  # recovered, but the platform's own words stay on the post
    problems: list = field(default_factory=list)


@dataclass
class RecoverReport:
    posts: list = field(default_factory=list)

    def counts(self) -> dict:
        return {"posts": len(self.posts), "with_mementos": sum(1 for p in self.posts if p.found),
                "mementos": sum(p.found for p in self.posts),
                "recovered": sum(1 for p in self.posts if p.recovered_from),
                "problems": sum(len(p.problems) for p in self.posts)}

    def summary(self) -> str:
        c = self.counts()
        return (f"{c['posts']} post(s) looked up in web archives: {c['mementos']} capture(s) found for "
                f"{c['with_mementos']}, text recovered for {c['recovered']}"
                + (f"; {c['problems']} problem(s)" if c["problems"] else ""))

    def as_json(self) -> dict:
        return {**self.counts(), "results": [
            {"post_id": p.post_id, "mementos": p.found, "recovered_from": p.recovered_from, "archive": p.archive,
             "text_kept": p.text_kept, "problems": p.problems} for p in self.posts]}


def select_posts(store: Store, post_ids: Iterable[str] = (), statuses: Iterable[str] = GONE_OR_UNKNOWN,
                 limit: Optional[int] = None) -> list[dict]:
    post_ids, statuses = list(post_ids), list(statuses)
    if post_ids:
        marks = ", ".join("?" for _ in post_ids)
        return [dict(r) for r in store.db.query(f"select * from posts where id in ({marks}) order by id", post_ids)]
    sql = "select * from posts"
    params: list = []
    if statuses:
        sql += f" where status in ({', '.join('?' for _ in statuses)})"
        params = statuses
    sql += " order by id" + (f" limit {int(limit)}" if limit else "")
    return [dict(r) for r in store.db.query(sql, params)]


class WebArchives:
    """Looks posts up in the Wayback Machine and archive.today, and recovers them from their mementos."""

    def __init__(self, store: Store, endpoints, *, fetcher: Optional[Fetcher] = None,
                 allow_private: Optional[bool] = None, archives: Iterable[str] = ARCHIVES,
                 warn: Callable[[str], None] = lambda line: None):
        self.store = store
        self.endpoints = endpoints
        self.fetcher = fetcher or Fetcher(bodies=BodyStore(store.bodies_dir), record=store.record_capture,
                                          allow_private=allow_private)
        self.archives = tuple(archives)
        self.warn = warn

    # -- endpoints ----------------------------------------------------------------
    def base(self, archive: str) -> Optional[str]:
        """The archive's base URL (override applied), or None when offline and not pointed anywhere."""
        from .endpoints import WEB_ARCHIVE_ENDPOINTS

        if env_flag(_OFFLINE) and not self.endpoints.is_overridden(archive):
            return None
        return self.endpoints.url(archive, WEB_ARCHIVE_ENDPOINTS[archive]).rstrip("/")

    def fetch(self, archive: str, url: str, kind: str, accept: str) -> Capture:
        """GET an archive's URL, pointed at its endpoint when the user replaced it (scheme and host)."""
        on_archive = is_archive_host(archive, url)
        if on_archive:
            url = self.endpoints.url(archive, url)
        return self.fetcher.fetch(url, kind=kind, trusted=self.endpoints.is_overridden(archive)
                                  and is_archive_host(archive, url, self.base(archive)), accept=accept,
                                  endpoint=archive if on_archive else None)

    # -- looking up ----------------------------------------------------------------
    def lookup(self, post: dict, result: PostRecovery) -> None:
        for archive in self.archives:
            base = self.base(archive)
            if base is None:
                result.problems.append(f"{ARCHIVE_NAMES[archive]}: not asked ({_OFFLINE} is set and endpoint "
                                       f"{archive!r} is not configured)")
                continue
            for variant in url_variants(post):
                if archive == "archive-today" and is_syndication(variant):
                    continue  # archive.today keeps pages, not the API answers they render from
                self._lookup_one(archive, base, post, variant, result)

    def _lookup_one(self, archive: str, base: str, post: dict, variant: str, result: PostRecovery) -> None:
        if archive == "wayback":
            asked = variant.split("://", 1)[-1]
            query = f"url={quote(asked, safe='')}&limit={CDX_LIMIT}"
            if is_syndication(variant):
                query += "&matchType=prefix"
            url = f"{base}/cdx/search/cdx?{query}"
            capture = self.fetch(archive, url, "memento-lookup", "text/plain, application/json;q=0.9")
        else:
            url = f"{base}/timemap/{variant}"
            capture = self.fetch(archive, url, "memento-lookup", "application/link-format, text/plain;q=0.9")
        error, mementos = None, []
        if capture.status_code == 404 and archive == "archive-today":
            pass  # archive.today answers 404 for a URL it never captured
        elif not capture.ok:
            said = (capture.body or b"")[:200].decode("utf-8", "replace").strip()
            error = (capture.error or f"HTTP {capture.status_code}") + (f": {said}" if said and len(said) < 200 else "")
        else:
            try:
                mementos = (parse_cdx(capture.body, public_base("wayback")) if archive == "wayback"
                            else parse_timemap(capture.body, archive, variant))
            except UnreadableAnswer as exc:
                error = str(exc)
        if archive == "wayback" and is_syndication(variant):
            native = post.get("native_id")
            mementos = [m for m in mementos if parse_qs(urlsplit(m.original_url).query).get("id") == [native]]
        if error:
            result.problems.append(f"{ARCHIVE_NAMES[archive]}: {variant}: {error}")
        now = utc_now()
        with self.store.db.conn:
            self.store.db["memento_lookups"].insert({
                "post_id": post["id"], "archive": archive, "url": variant, "looked_up_at": now,
                "capture_id": capture.id, "found": len(mementos), "error": error})
            for memento in mementos:
                self._save_memento(post["id"], variant, memento, capture.id, now)
        result.found += len(mementos)

    def _save_memento(self, post_id: str, variant: str, memento: Memento, capture_id: Optional[int], now: str) -> None:
        row = {"post_id": post_id, "archive": memento.archive, "url": variant, "original_url": memento.original_url,
               "memento_url": memento.memento_url, "raw_url": memento.raw_url, "captured_at": memento.captured_at,
               "status_code": memento.status_code, "mime": memento.mime, "digest": memento.digest,
               "length": memento.length, "lookup_capture_id": capture_id, "found_at": now, "last_seen_at": now}
        if self.store._insert_new("mementos", row, ("post_id", "archive", "memento_url")) is None:
            self.store.db.execute("update mementos set last_seen_at = ? where post_id = ? and archive = ? and "
                                  "memento_url = ?", [now, post_id, memento.archive, memento.memento_url])

    # -- recovering ------------------------------------------------------------------
    def candidates(self, post_id: str) -> list[dict]:
        """Mementos worth fetching, earliest first: captures that answered 200 (or whose status the index
        does not say), Wayback's before archive.today's at the same moment; none tried and failed before."""
        return [dict(r) for r in self.store.db.query(
            "select * from mementos where post_id = ? and coalesce(status_code, 200) between 200 and 299 "
            "and capture_id is null order by captured_at is null, captured_at, archive = 'archive-today', id",
            [post_id])]

    def recover(self, post: dict, result: PostRecovery) -> None:
        if self.store.db.execute("select 1 from mementos where post_id = ? and recovered = 1", [post["id"]]).fetchone():
            return  # recovered by an earlier run: its mementos stay listed, no other one is fetched
        rows = [r for r in self.candidates(post["id"]) if r["archive"] in self.archives and self.base(r["archive"])]
        for row in rows[:MEMENTO_TRIES]:
            url = row["raw_url"] or row["memento_url"]
            capture = self.fetch(row["archive"], url, "memento", "text/html,application/json;q=0.9,*/*;q=0.5")
            error, found = None, None
            if not capture.ok:
                error = capture.error or f"HTTP {capture.status_code}"
            else:
                try:
                    found = recover_text(post, _memento_of(row), capture)
                except UnreadableAnswer as exc:
                    error = str(exc)
                except Exception as exc:  # noqa: BLE001 - hostile bytes must not stop the batch
                    error = f"the memento could not be read ({exc.__class__.__name__}: {str(exc)[:200]})"
            with self.store.db.conn:
                self.store.db["mementos"].update(row["id"], {
                    "capture_id": capture.id, "fetched_at": utc_now(), "error": error,
                    "text": found.text if found else None,
                    "author_handle": found.author_handle if found else None,
                    "author_name": found.author_name if found else None,
                    "created_at": found.created_at if found else None})
            if error:
                result.problems.append(f"{ARCHIVE_NAMES.get(row['archive'], row['archive'])}: {row['memento_url']}: "
                                       f"{error}")
                continue
            self.store.db["mementos"].update(row["id"], {"recovered": 1})
            result.recovered_from, result.archive = row["memento_url"], row["archive"]
            result.text_kept = not self._apply(post, row, found, capture)
            return

    def _apply(self, post: dict, row: dict, found: Recovered, capture: Capture) -> bool:
        """The recovered words onto the post where the platform's are missing; True when its text was set."""
        current = self.store.db["posts"].get(post["id"])
        update, changes = {}, {}
        takes_text = current.get("text") is None or current.get("text_source") in (None, "embed")
        if takes_text and found.text and found.text != current.get("text"):
            update.update({"text": found.text, "text_source": row["archive"]})
            changes["text"] = [current.get("text"), found.text]
            changes["text_source"] = [current.get("text_source"), row["archive"]]
        for column, value in (("author_handle", found.author_handle), ("author_name", found.author_name),
                              ("created_at", found.created_at)):
            if value and not current.get(column):
                update[column] = value
                changes[column] = [None, value]
        if found.author_handle and not current.get("account_id"):
            account = Account(platform=current["platform"], handle=found.author_handle,
                              display_name=found.author_name)
            update["account_id"] = self.store.upsert_account(account, utc_now())
        if not update:
            return False
        now = utc_now()
        kept = {**current, **update}
        update["latin"] = latin_for(kept.get("text"), kept.get("author_name"), kept.get("transcript"))
        with self.store.db.conn:
            self.store.db["posts"].update(post["id"], update)
            self.store.db["post_versions"].insert({
                "post_id": post["id"], "captured_at": now, "changes": json.dumps(changes, ensure_ascii=False),
                "status": current["status"], "text": kept.get("text"), "capture_id": capture.id,
                "previous_capture_id": current.get("capture_id")})
            if found.media and not self.store.db.execute(
                    "select 1 from post_media where post_id = ?", [post["id"]]).fetchone():
                self.store._replace_media(Post(current["platform"], current["native_id"], current["url"] or "",
                                               media=[MediaItem("photo", self._archived_image(row, u))
                                                      for u in found.media[:10]]))
        return "text" in changes

    def _archived_image(self, row: dict, url: str) -> str:
        """An image as the archive kept it (Wayback's im_ capture nearest the memento), else as named."""
        if row["archive"] == "wayback" and row.get("memento_url"):
            match = re.search(r"/web/(\d{4,14})", row["memento_url"])
            if match:
                return f"{public_base('wayback')}/web/{match.group(1)}im_/{url}"
        return url

    def run(self, posts: Iterable[dict], progress: Callable[[PostRecovery], None] = lambda r: None) -> RecoverReport:
        report = RecoverReport()
        for post in posts:
            result = PostRecovery(post["id"])
            self.lookup(post, result)
            self.recover(post, result)
            for problem in result.problems:
                self.warn(f"{post['id']}: {problem}")
            report.posts.append(result)
            progress(result)
        return report


def _memento_of(row: dict) -> Memento:
    return Memento(row["archive"], row.get("original_url") or row.get("url") or "", row["memento_url"],
                   row.get("raw_url"), row.get("captured_at"), row.get("status_code"))


def gone_posts(store: Store, post_ids: Iterable[str]) -> list[dict]:
    """Of the given posts, those the platforms no longer give (for collect)."""
    ids = list(dict.fromkeys(post_ids))
    if not ids:
        return []
    marks = ", ".join("?" for _ in ids)
    return [dict(r) for r in store.db.query(
        f"select * from posts where id in ({marks}) and status in ('deleted', 'unavailable', 'unresolved') "
        "and not exists (select 1 from mementos m where m.post_id = posts.id and m.recovered = 1)", ids)]
