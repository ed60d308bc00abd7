"""The `archiver` command line: thin commands that parse, call the pipeline, and report."""
from __future__ import annotations

import sys

import click

from . import __version__
from .hostgate import DEFAULT_PER_HOST, DEFAULT_PER_PLATFORM_HOST
from .resolve import DEFAULT_THREAD_DEPTH

# Pages at once (so at most 16 requests in flight): the network's waits overlap, while --per-host
# keeps each news site to 2 connections and --per-platform-host each platform host to 4.
DEFAULT_CONCURRENCY = 16


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="archiver")
def cli():
    """Save the social-media posts that news articles embed, as evidence.

    Collect an article (URL or saved HTML), search and annotate the archive in
    Datasette, and publish a read-only copy.
    """


@cli.command()
@click.argument("sources", nargs=-1, required=True, metavar="URL_OR_FILE...")
@click.option("--json", "as_json", is_flag=True, help="Print JSON Lines, one object per embed.")
@click.option("--linked", is_flag=True, help="Also list posts the article only links to in its text.")
def discover(sources, as_json, linked):
    """Find the posts that pages embed, without resolving or storing anything.

    With --json, prints one object per embed: page, platform, url (canonical
    post URL), id, blocked_by, recovered_from, fallback text/author/date.
    """
    from .discover_command import run_discover

    sys.exit(run_discover(sources, as_json=as_json, linked=linked))


def main():  # pragma: no cover - console entry point
    cli()


# Options shared by the commands that fetch.
def fetch_options(f):
    f = click.option("--endpoint", "endpoints", multiple=True, metavar="NAME=URL",
                     help="Point a platform's API at another base URL (scheme and host replaced); "
                          "repeatable. Also ARCHIVER_ENDPOINT_<NAME>. See `archiver endpoints`.")(f)
    f = click.option("--allow-private", is_flag=True, default=None,
                     help="Let URLs found inside fetched content reach loopback and private addresses "
                          "(also ARCHIVER_ALLOW_PRIVATE=1).")(f)
    return f


VIDEO_QUALITIES = ("best", "2160", "1440", "1080", "720", "480", "360", "240", "audio")  # media.ytdlp.QUALITIES


def _proxy_url(ctx, param, value):
    from urllib.parse import urlsplit

    if value and (urlsplit(value).scheme not in ("http", "https", "socks5", "socks5h") or not urlsplit(value).hostname):
        raise click.BadParameter(f"expected http://, https://, socks5:// or socks5h://HOST:PORT, got {value!r}")
    return value


# Options of the commands that ask yt-dlp (collect, worker, recheck).
def ytdlp_options(f):
    f = click.option("--ytdlp-plugin-dir", "ytdlp_plugin_dirs", multiple=True,
                     type=click.Path(file_okay=False, exists=True),
                     help="Also load yt-dlp plugins from this directory (as yt-dlp's --plugin-dirs); "
                          "plugins installed where yt-dlp looks for them load anyway. Repeatable.")(f)
    f = click.option("--cookies", type=click.Path(dir_okay=False, exists=True),
                     help="A Netscape cookies.txt (as browsers' export extensions and yt-dlp write it), "
                          "for platforms that need a login: used by yt-dlp and archiver's own requests.")(f)
    return f


# Options of the commands that download videos (yt-dlp).
def video_options(f):
    f = ytdlp_options(f)
    f = click.option("--proxy", metavar="URL", callback=_proxy_url,
                     help="Send every fetch through this proxy: archiver's own requests and yt-dlp's "
                          "(http://, https://, socks5://). Addresses are still checked first.")(f)
    f = click.option("--no-video", is_flag=True,
                     help="Do not download videos (what the platform says of them and their posters are still saved).")(f)
    f = click.option("--video-quality", type=click.Choice(VIDEO_QUALITIES), default="1080", show_default=True,
                     help="Highest video height to download (best: no limit; audio: the sound only).")(f)
    return f


def _host_limits(ctx, param, values):
    limits = {}
    for value in values:
        host, sep, number = value.partition("=")
        if not sep or not host or not number.isdigit() or not 1 <= int(number) <= 64:
            raise click.BadParameter(f"expected HOST=N with N from 1 to 64, got {value!r}")
        limits[host.strip().lower()] = int(number)
    return limits


def _rates(ctx, param, values):
    from .ratelimits import RateError, parse_rate_override

    try:
        return dict(parse_rate_override(value) for value in values)
    except RateError as exc:
        raise click.BadParameter(str(exc)) from None


# Options of the commands that collect (collect, worker).
def collect_options(f):
    f = click.option("--rate", "rates", multiple=True, metavar="HOST=N/PERIOD", callback=_rates,
                     help="Requests per period to a host or a platform (e.g. bluesky=100/1m, "
                          "www.example.fr=30/1m; 'none' lifts a limit, '*' names every platform); "
                          "repeatable, over ARCHIVER_RATES and the platforms' polite defaults.")(f)
    f = click.option("--host-limit", "host_limits", multiple=True, metavar="HOST=N", callback=_host_limits,
                     help="Requests at once to this host instead of --per-host (e.g. a site that "
                          "allows more, an API that wants 1); repeatable.")(f)
    f = click.option("--per-platform-host", default=DEFAULT_PER_PLATFORM_HOST, show_default=True,
                     type=click.IntRange(1, 16),
                     help="Requests at once to any one platform host: an API, a media CDN, a web archive "
                          "(their rate limits apply too, see --rate).")(f)
    f = click.option("--per-host", default=DEFAULT_PER_HOST, show_default=True, type=click.IntRange(1, 16),
                     help="Requests at once to any one news site (for the articles' pages).")(f)
    f = click.option("--concurrency", "-j", default=DEFAULT_CONCURRENCY, show_default=True,
                     type=click.IntRange(1, 64), help="Pages collected at once (each with its own connections).")(f)
    f = click.option("--thread-depth", default=DEFAULT_THREAD_DEPTH, show_default=True, type=click.IntRange(0, 500),
                     help="Parent posts fetched above each embedded post to reach its thread's root (0: none).")(f)
    f = click.option("--linked", is_flag=True, help="Also collect posts that articles link to in their text.")(f)
    return f


def _video(no_video, video_quality, cookies, proxy, ytdlp_plugin_dirs):
    from .media.ytdlp import VideoOptions

    return VideoOptions(video=not no_video, quality=video_quality, cookies=cookies, proxy=proxy,
                        plugin_dirs=tuple(ytdlp_plugin_dirs))


def _sources(sources, from_file) -> list:
    given = list(sources)
    if from_file:
        given += [line.strip() for line in from_file if line.strip() and not line.lstrip().startswith("#")]
    if not given:
        raise click.UsageError("give at least one URL or file, or --from FILE")
    return given


def load_endpoints(overrides):
    from .endpoints import EndpointError, Endpoints

    try:
        return Endpoints(overrides)
    except EndpointError as exc:
        raise click.BadParameter(str(exc), param_hint="--endpoint") from None


def _age(ctx, param, value):
    from .timeparse import parse_age

    if value is None:
        return None
    try:
        return parse_age(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@cli.command()
@click.argument("sources", nargs=-1, metavar="URL_OR_FILE...")
@click.option("--from", "from_file", type=click.File("r", encoding="utf-8"),
              help="Read more sources from a file, one per line ('-' for stdin; # starts a comment).")
@click.option("--db", "db_path", default="archive.db", show_default=True, type=click.Path(dir_okay=False),
              help="The archive database.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and the summary.")
@click.option("--no-wayback", is_flag=True,
              help="Do not look for the posts found gone in the Wayback Machine and archive.today.")
@click.option("--save-to-wayback", is_flag=True,
              help="Ask the Wayback Machine's Save Page Now to capture each article and post URL collected "
                   "(spaced by ARCHIVER_SAVE_INTERVAL seconds, default 10; each request recorded in wayback_saves).")
@click.option("--refresh", is_flag=True, help="Collect again the sources this archive has already collected.")
@click.option("--older-than", "older_than", callback=_age, metavar="AGE",
              help="Collect again the sources collected longer ago than AGE (e.g. 7d, 12h, 30m).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary of the run on standard output.")
@collect_options
@video_options
@fetch_options
def collect(sources, from_file, db_path, linked, thread_depth, quiet, endpoints, allow_private, video_quality,
            no_video, cookies, proxy, ytdlp_plugin_dirs, no_wayback, refresh, older_than, as_json, save_to_wayback,
            concurrency, per_host, per_platform_host, host_limits, rates):
    """Collect the posts embedded in articles (URLs or saved HTML files).

    Each page is fetched and kept as evidence, its embeds found (also behind
    consent placeholders), each post resolved on its platform, its media
    downloaded, and everything stored in the archive database. Collecting a page
    again adds no duplicates: it updates capture times and records what changed.

    Each source's state is kept in the archive (table `sources`): run the same
    command again after a stop (Ctrl-C, kill, a crash) and it takes up what is
    not done yet, leaving out what is (unless --refresh or --older-than).
    """
    from .collect_command import run_collect

    sys.exit(run_collect(_sources(sources, from_file), db_path=db_path, endpoints=load_endpoints(endpoints),
                         allow_private=allow_private, linked=linked, quiet=quiet, thread_depth=thread_depth,
                         video=_video(no_video, video_quality, cookies, proxy, ytdlp_plugin_dirs),
                         wayback=not no_wayback, refresh=refresh, older_than=older_than,
                         as_json=as_json, save_to_wayback=save_to_wayback, concurrency=concurrency,
                         per_host=per_host, per_platform_host=per_platform_host, host_limits=host_limits,
                         rates=rates))


BROKER_HELP = "The Redis broker, redis://HOST:PORT/DB (also ARCHIVER_BROKER)."


@cli.command()
@click.argument("sources", nargs=-1, metavar="URL_OR_FILE...")
@click.option("--broker", "broker_url", required=True, envvar="ARCHIVER_BROKER", metavar="URL", help=BROKER_HELP)
@click.option("--from", "from_file", type=click.File("r", encoding="utf-8"),
              help="Read more sources from a file, one per line ('-' for stdin; # starts a comment).")
@click.option("--refresh", is_flag=True, help="Workers collect these again even if their archive has them.")
def enqueue(sources, broker_url, from_file, refresh):
    """Queue sources for `archiver worker`s on any number of machines.

    Start the broker first, e.g. Debian's redis-server (`redis-server --port
    6379`) or a container (`docker run -p 6379:6379 redis:7`). Saved HTML files
    must be readable at the same path on the workers' machines.
    """
    from .worker_command import run_enqueue

    sys.exit(run_enqueue(_sources(sources, from_file), broker_url=broker_url, refresh=refresh))


@cli.command()
@click.option("--broker", "broker_url", required=True, envvar="ARCHIVER_BROKER", metavar="URL", help=BROKER_HELP)
@click.option("--db", "db_path", default="archive.db", show_default=True, type=click.Path(dir_okay=False),
              help="This worker's own archive database (merge the workers' archives with `archiver merge`).")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty, instead of waiting for more.")
@click.option("--quiet", "-q", is_flag=True, help="Print only errors and the summary.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary on standard output when it stops.")
@collect_options
@video_options
@fetch_options
def worker(broker_url, db_path, burst, quiet, as_json, linked, thread_depth, concurrency, per_host, per_platform_host,
           host_limits, rates, endpoints, allow_private, video_quality, no_video, cookies, proxy, ytdlp_plugin_dirs):
    """Collect the sources queued on the broker (`archiver enqueue`) into this worker's archive.

    Run as many as you like, on any machines, each with its own --db. A source
    is taken off the queue only once it is collected: the sources of a worker
    that dies go back to the queue. On SIGTERM (or Ctrl-C) a worker finishes
    the sources in hand, gives back the rest, and exits. Then bring the
    archives together with `archiver merge TARGET.db WORKER.db...`.
    """
    from .worker_command import run_worker

    sys.exit(run_worker(broker_url=broker_url, db_path=db_path, endpoints=load_endpoints(endpoints),
                        allow_private=allow_private, linked=linked, thread_depth=thread_depth,
                        video=_video(no_video, video_quality, cookies, proxy, ytdlp_plugin_dirs),
                        threads=concurrency, per_host=per_host, per_platform_host=per_platform_host,
                        host_limits=host_limits, rates=rates, burst=burst,
                        quiet=quiet, as_json=as_json))


from .merge_command import merge  # noqa: E402  (a command of its own module)

cli.add_command(merge)


@cli.command()
def endpoints():
    """List the platform endpoint names, their defaults and any override in force."""
    from .endpoints import EndpointError, Endpoints

    try:
        current = Endpoints()
    except EndpointError as exc:
        raise click.ClickException(str(exc)) from None
    for name, default in sorted(Endpoints.defaults().items()):
        override = current.overrides.get(name)
        shown = default or "(the post's own server)"
        click.echo(f"{name:12} {shown}" + (f"  -> {override}" if override else ""))


@cli.command()
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False, exists=True), help="The archive database.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", "-p", default=8001, show_default=True, type=int, help="Port to listen on (0: any free one).")
def serve(db_path, host, port):
    """Browse, search and annotate the archive in Datasette."""
    from .serve import serve_archive

    sys.exit(serve_archive(db_path, host=host, port=port))


@cli.command()
@click.option("--dir", "workdir", default="demo-archive", show_default=True, type=click.Path(file_okay=False),
              help="Where the demo's archive is written.")
@click.option("--port", "-p", default=8001, show_default=True, type=int, help="Port for Datasette.")
@click.option("--site-port", default=8002, show_default=True, type=click.IntRange(0, 65535),
              help="Port of the local server that plays the sample sites; their pages' URLs include it, so keep "
                   "it the same to collect into the same archive again (0: any free one).")
@click.option("--no-serve", is_flag=True, help="Collect the sample, print the summary, and stop.")
def demo(workdir, port, site_port, no_serve):
    """Collect the bundled sample articles from a local server and open the archive.

    No network is used: a server on 127.0.0.1 plays the news site and the
    platforms, from recorded responses shipped with archiver.
    """
    from .demo import run_demo

    sys.exit(run_demo(workdir, port=port, site_port=site_port, serve=not no_serve))


@cli.command()
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False, exists=True), help="The archive database.")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default=None,
              help="Write one JSON record per post (with account, media, thread and embedding pages).")
@click.option("--output", "-o", default="-", show_default=True, type=click.Path(dir_okay=False, allow_dash=True),
              help="Where --format output goes ('-' for stdout).")
@click.option("--warc", "warc_path", type=click.Path(dir_okay=False),
              help="Write every capture as WARC request/response records to this .warc.gz file.")
def export(db_path, fmt, output, warc_path):
    """Export the archive: posts as JSON Lines, captures as WARC."""
    if not fmt and not warc_path:
        raise click.UsageError("choose --format jsonl and/or --warc FILE")
    if fmt == "jsonl":
        from .export import export_jsonl

        with click.open_file(output, "w", encoding="utf-8") as out:
            count = export_jsonl(db_path, out)
        click.echo(f"{count} post record(s) written", err=True)
    if warc_path:
        from .warc import export_warc

        count = export_warc(db_path, warc_path, warn=lambda line: click.echo(f"archiver: {line}", err=True))
        click.echo(f"{count} capture(s) written to {warc_path}", err=True)


@cli.command()
@click.argument("post_id")
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False, exists=True), help="The archive database (annotations.db is beside it).")
@click.option("--tag", "tags", multiple=True, help="Add a tag (repeatable).")
@click.option("--untag", "untags", multiple=True, help="Remove a tag (repeatable); the removal is recorded too.")
@click.option("--note", help="Add a note.")
@click.option("--status", help="Set the verification status: unverified, verified, false, misleading, disputed.")
@click.option("--geo", metavar="LAT,LON", help="Place the post on the map, in decimal degrees.")
@click.option("--place", help="A name for the place given with --geo.")
@click.option("--private", is_flag=True, help="Team only: never published, hidden from visitors who are not logged in.")
@click.option("--actor", help="Who is annotating (default: ARCHIVER_ACTOR, else your login name).")
def annotate(post_id, db_path, tags, untags, note, status, geo, place, private, actor):
    """Tag, note, verify or place a post, as the web UI does (same rules, same log)."""
    from .annotate_command import run_annotate

    sys.exit(run_annotate(db_path, post_id, tags=tags, untags=untags, note=note, status=status, geo=geo,
                          place=place, private=private, actor=actor))


@cli.group()
def users():
    """Volunteer logins for `archiver serve` (password hashes in the environment)."""


@users.command("add")
@click.argument("name")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input instead of prompting.")
def users_add(name, password_stdin):
    """Hash a password for NAME and print the line that makes NAME a user of `archiver serve`."""
    from .passwords import hash_password
    from .users import env_line

    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt(f"Password for {name}", hide_input=True, confirmation_prompt=True)
    try:
        click.echo(env_line(name, hash_password(password)))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Put this line in the environment of `archiver serve`; {name.strip().lower()} then logs in "
               "with that password (only the hash is kept).", err=True)


@users.command("list")
def users_list():
    """List the users the environment defines."""
    from .users import password_hashes

    for name in sorted(password_hashes()):
        click.echo(name)


@cli.command()
@click.argument("outdir", type=click.Path(file_okay=False))
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False, exists=True), help="The archive database.")
@click.option("--annotations", "annotations_path", type=click.Path(dir_okay=False),
              help="The annotations database (default: annotations.db beside the archive).")
@click.option("--media", is_flag=True, help="Copy the full media files, not only thumbnails.")
@click.option("--include-private", is_flag=True,
              help="Also publish private annotations and the event log with its actors.")
@click.option("--force", is_flag=True, help="Replace OUTDIR if it exists.")
def publish(outdir, db_path, annotations_path, media, include_private, force):
    """Write a self-contained, read-only copy of the archive to OUTDIR.

    One database (posts, pages, embeds, accounts, media metadata, public
    annotations, full-text search), thumbnails, Datasette configuration, an
    inspect file, a MANIFEST of SHA-256 sums, a README and a Dockerfile.
    """
    from .publish import PublishError, publish as run_publish

    try:
        result = run_publish(db_path, outdir, annotations_path=annotations_path, media=media,
                             include_private=include_private, force=force)
    except PublishError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"Published {result.counts.get('posts', 0)} post(s) to {result.outdir}", err=True)
    click.echo(f"Serve it read-only with:\n  cd {result.outdir} && {result.serve_command}", err=True)


@cli.command()
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False, exists=True), help="The archive database.")
def verify(db_path):
    """Re-hash every stored body, media file and thumbnail against the database,
    and check the hash chain of the annotation log beside it.

    Reports each file that is missing or whose bytes changed, and each
    annotation event changed or removed since it was recorded (also when the
    log's triggers were dropped); the exit status is 1 when anything is.
    Given the archive.db of a published bundle, checks every file against its
    MANIFEST and its public annotation log against the published hash chain.
    """
    from .verify import verify_archive

    report = verify_archive(db_path)
    for problem in [*report.problems, *report.log_problems]:
        click.echo(f"archiver: {problem}", err=True)
    click.echo(f"{report.checked} file(s) checked, {len(report.problems)} missing or altered; "
               f"{report.events_checked} annotation event(s) checked, {len(report.log_problems)} problem(s)", err=True)
    if report.chain_head:
        click.echo(f"the annotation log's chain ends at event {report.chain_head[0]} with hash {report.chain_head[1]}"
                   " (compare it with the head the archive's publisher gave)", err=True)
    sys.exit(0 if report.ok else 1)


def _names(values):
    """--platform x --platform telegram, or --platform x,telegram."""
    return tuple(dict.fromkeys(n.strip().lower() for v in values for n in v.split(",") if n.strip()))


@cli.command()
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False, exists=True), help="The archive database.")
@click.option("--older-than", default="0", show_default=True, callback=_age, metavar="AGE",
              help="Only posts last asked about longer ago than this: 30m, 24h, 7d, 2w (0: every post).")
@click.option("--platform", "platforms", multiple=True, metavar="NAME",
              help="Only posts of this platform (repeatable, or comma-separated).")
@click.option("--status", "statuses", multiple=True, metavar="STATUS",
              help="Only posts with this status: ok, deleted, unavailable, unresolved (repeatable, or comma-separated).")
@click.option("--limit", type=click.IntRange(1), help="At most this many posts, the longest unasked first.")
@click.option("--workers", default=4, show_default=True, type=click.IntRange(1, 32),
              help="Posts asked about at once.")
@click.option("--per-host", default=2, show_default=True, type=click.IntRange(1, 16),
              help="Requests at once to any one host.")
@click.option("--every", callback=_age, metavar="AGE",
              help="Keep running: recheck again every AGE (24h, 7d…) until interrupted.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary.")
@click.option("--no-video", is_flag=True,
              help="Do not ask yt-dlp about video posts (their oEmbed answer alone says whether they are gone).")
@ytdlp_options
@fetch_options
def recheck(db_path, older_than, platforms, statuses, limit, workers, per_host, every, as_json, quiet, no_video,
            cookies, ytdlp_plugin_dirs, endpoints, allow_private):
    """Ask the platforms again about posts already in the archive (not their pages).

    Each change (edited text, counts, deleted, suspended account) is stored as
    a post_versions row with its capture; each check as a post_checks row. For
    a schedule, run it from cron (`0 3 * * * archiver recheck --db … --older-than 20h -q`)
    or leave it running with --every 24h.
    """
    from .recheck import RecheckOptions
    from .recheck_command import run_recheck

    statuses = _names(statuses)
    unknown = sorted(set(statuses) - {"ok", "deleted", "unavailable", "unresolved"})
    if unknown:
        raise click.BadParameter(f"unknown status(es): {', '.join(unknown)}", param_hint="--status")
    from .platforms import BY_NAME

    platforms = _names(platforms)
    unknown = sorted(set(platforms) - set(BY_NAME))
    if unknown:
        raise click.BadParameter(f"unknown platform(s): {', '.join(unknown)} (known: {', '.join(sorted(BY_NAME))})",
                                 param_hint="--platform")
    from .media.ytdlp import VideoOptions

    # Only what yt-dlp says of a video (its files are collect's): a removed one in the platform's words.
    video = None if no_video else VideoOptions(video=False, cookies=cookies, plugin_dirs=tuple(ytdlp_plugin_dirs))
    options = RecheckOptions(older_than=older_than, platforms=platforms, statuses=statuses, limit=limit,
                             workers=workers, per_host=per_host, video=video)
    sys.exit(run_recheck(db_path=db_path, endpoints=load_endpoints(endpoints), options=options,
                         allow_private=allow_private, as_json=as_json, quiet=quiet,
                         every=every.total_seconds() if every else None))


@cli.command()
@click.argument("post_ids", nargs=-1, metavar="[POST_ID]...")
@click.option("--db", "db_path", default="archive.db", show_default=True,
              type=click.Path(dir_okay=False, exists=True), help="The archive database.")
@click.option("--status", "statuses", multiple=True, metavar="STATUS",
              help="Posts with this status, when no post id is given (repeatable, or comma-separated; "
                   "default: deleted, unavailable, unresolved).")
@click.option("--all", "every_post", is_flag=True, help="Every post, whatever its status.")
@click.option("--archive", "archives", multiple=True, type=click.Choice(["wayback", "archive-today"]),
              help="Ask only this web archive (repeatable; default: both).")
@click.option("--limit", type=click.IntRange(1), help="At most this many posts.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON object on stdout.")
@click.option("--quiet", "-q", is_flag=True, help="Print only the summary.")
@fetch_options
def recover(post_ids, db_path, statuses, every_post, archives, limit, as_json, quiet, endpoints, allow_private):
    """Look for posts in the Wayback Machine and archive.today, and recover what they kept.

    Each capture found is a `mementos` row. The earliest usable one is fetched
    (kept as a capture) and the text, author, time and images it shows are
    recovered, marked text_source 'wayback' or 'archive-today', where the
    platform's own words are missing; they never replace them.
    """
    from .recover_command import run_recover
    from .wayback import GONE_OR_UNKNOWN

    statuses = _names(statuses)
    unknown = sorted(set(statuses) - {"ok", "deleted", "unavailable", "unresolved"})
    if unknown:
        raise click.BadParameter(f"unknown status(es): {', '.join(unknown)}", param_hint="--status")
    if every_post:
        statuses = ()
    elif not statuses:
        statuses = GONE_OR_UNKNOWN
    sys.exit(run_recover(db_path=db_path, endpoints=load_endpoints(endpoints), post_ids=post_ids, statuses=statuses,
                         limit=limit, archives=tuple(archives) or None, allow_private=allow_private,
                         as_json=as_json, quiet=quiet))
