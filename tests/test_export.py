"""`archiver export --format jsonl`: every record of a many-platform archive matches schemas/."""
import io
import json
from pathlib import Path

import jsonschema
import pytest
from referencing import Registry, Resource

from archiver.collect import Collector
from archiver.endpoints import Endpoints
from archiver.export import export_jsonl
from archiver.store import Store
from conftest import run_archiver
from server import Answer

SCHEMAS = Path(__file__).parent.parent / "schemas"

PAGE = """<!doctype html><html lang="fr"><head><title>Direct : la frontière</title>
<meta property="og:site_name" content="Test Daily"></head><body>
<blockquote class="twitter-tweet"><p>Post 22</p>&mdash; Cyrille Amoursky (@AmourskyCyrille)
 <a href="https://twitter.com/AmourskyCyrille/status/1700000000000000022">May 23, 2023</a></blockquote>
<script async src="https://telegram.org/js/telegram-widget.js?22" data-telegram-post="WarFakes/1234"></script>
<iframe src="https://mastodon.example/@osint/111000000000002/embed" class="mastodon-embed"></iframe>
<blockquote class="bluesky-embed" data-bluesky-uri="at://did:plc:alice123/app.bsky.feed.post/3kquote00000f"><p>Video</p></blockquote>
<iframe src="https://www.youtube-nocookie.com/embed/aqz-KE-bpKQ"></iframe>
<blockquote class="reddit-embed-bq"><a href="https://www.reddit.com/r/UkraineWarVideoReport/comments/13pabcd/c/">Convoy</a></blockquote>
<blockquote class="instagram-media" data-instgrm-permalink="https://www.instagram.com/p/Cabc123xyz/"><p>Smoke over the port</p></blockquote>
<blockquote class="twitter-tweet"><p>Gone since</p>&mdash; Someone (@someone)
 <a href="https://twitter.com/someone/status/1700000000000000099">May 24, 2023</a></blockquote>
</body></html>"""


def platforms(server):
    server.routes["/article"] = Answer(body=PAGE.encode())
    server.syndication()
    server.routes["/WarFakes/1234"] = server.fixture("telegram", "widget-warfakes-1234.html", content_type="text/html")
    server.routes["/api/v1/statuses/111000000000002"] = server.fixture("mastodon", "status-111000000000002.json")
    server.routes["/api/v1/statuses/111000000000002/context"] = server.fixture("mastodon", "context-111000000000002.json")
    server.by_query("/xrpc/app.bsky.feed.getPostThread", "uri", {
        "at://did:plc:alice123/app.bsky.feed.post/3kquote00000f": server.fixture("bluesky", "thread-3kquote00000f.json")})
    server.by_query("/oembed", "url", {"https://www.youtube.com/watch?v=aqz-KE-bpKQ":
                                       server.fixture("youtube", "youtube-aqz-KE-bpKQ.json")})
    server.routes["/comments/13pabcd/.json"] = server.fixture("reddit", "comments-13pabcd.json")


def archive(server, db_path):
    platforms(server)
    endpoints = Endpoints([f"{n}={server.base}" for n in Endpoints.defaults()], environ={})
    collector = Collector(Store(db_path), endpoints=endpoints, allow_private=True, thread_depth=10)
    collector.fetcher.retries, collector.fetcher.backoff = 1, 0.01
    collector.collect([server.url("/article")])
    out = io.StringIO()
    count = export_jsonl(db_path, out)
    records = [json.loads(line) for line in out.getvalue().splitlines()]
    assert count == len(records)
    return records


@pytest.fixture(scope="module")
def validators():
    schemas = {name: json.loads((SCHEMAS / f"{name}.schema.json").read_text()) for name in ("post", "page")}
    registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas.values()])
    for schema in schemas.values():
        jsonschema.Draft202012Validator.check_schema(schema)
    return {name: jsonschema.Draft202012Validator(s, registry=registry, format_checker=jsonschema.FormatChecker())
            for name, s in schemas.items()}


def test_every_exported_record_matches_the_schemas(server, db_path, validators):
    records = archive(server, db_path)
    for record in records:
        errors = sorted(validators["post"].iter_errors(record), key=lambda e: list(e.path))
        assert not errors, (record["id"], [f"{list(e.path)}: {e.message}" for e in errors])
        for page in record["pages"]:
            validators["page"].validate(page)
    by_id = {r["id"]: r for r in records}
    assert {r["platform"] for r in records} >= {"x", "telegram", "mastodon", "bluesky", "youtube", "reddit",
                                                "instagram"}
    thread = by_id["x:1700000000000000022"]["thread"]
    assert thread["posts"] == ["x:1700000000000000020", "x:1700000000000000021", "x:1700000000000000022"]
    assert thread["position"] == 3
    page = by_id["telegram:warfakes/1234"]["pages"][0]
    assert page["site_name"] == "Test Daily" and page["embed"]["position"] == 1
    assert by_id["instagram:Cabc123xyz"]["status"] == "unavailable"  # oEmbed said 404: the page's text is kept
    assert by_id["instagram:Cabc123xyz"]["text"] == "Smoke over the port"
    assert by_id["x:1700000000000000099"]["text_source"] == "embed"
    assert by_id["bluesky:3kquote00000f"]["thread"]["quote_of_id"] == "bluesky:3kquoted000e"
    assert by_id["x:1700000000000000022"]["account"]["handle"] == "AmourskyCyrille"
    assert by_id["x:1700000000000000021"]["pages"] == []  # a parent fetched for context, not embedded


def test_a_record_that_breaks_the_schema_is_caught(validators):
    with pytest.raises(jsonschema.ValidationError):
        validators["post"].validate({"id": "x:1", "platform": "myspace"})


def test_export_command(server, db_path):
    archive(server, db_path)
    result = run_archiver("export", "--db", db_path, "--format", "jsonl")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert f"{len(lines)} post record(s) written" in result.stderr
    assert all(json.loads(line)["id"] for line in lines)
