"""A yt-dlp extractor plugin for the tests: YouTube, Vimeo, TikTok, Instagram, Facebook, Reddit and X
answered from recorded info JSON instead of the platforms.

Each class subclasses yt-dlp's own extractor and gives a plugin_name, which is how
yt-dlp lets a plugin override a built-in extractor: the URL patterns stay yt-dlp's,
only the answer comes from tests/fixtures/ytdlp/<extractor>/<id>.json. "{server}" in
a recorded URL is replaced by ARCHIVER_TEST_MEDIA_SERVER (the tests' local HTTP
server), so formats, subtitles and thumbnails are fetched for real, through the
archiver's guard. A recorded {"error": ...} is raised as the platform's refusal.
Nothing here reaches the network: a URL without a recording is refused, and so is
every URL while ARCHIVER_TEST_MEDIA_SERVER is not set (other tests of the run).
"""
import json
import os
from pathlib import Path

from yt_dlp.extractor.facebook import FacebookIE
from yt_dlp.extractor.instagram import InstagramIE
from yt_dlp.extractor.reddit import RedditIE
from yt_dlp.extractor.tiktok import TikTokIE
from yt_dlp.extractor.twitter import TwitterIE
from yt_dlp.extractor.vimeo import VimeoIE
from yt_dlp.extractor.youtube import YoutubeIE
from yt_dlp.utils import ExtractorError, GeoRestrictedError

RECORDINGS = Path(__file__).resolve().parents[4] / "fixtures" / "ytdlp"


def _fill(value, server):
    if isinstance(value, str):
        return value.replace("{server}", server)
    if isinstance(value, list):
        return [_fill(v, server) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, server) for k, v in value.items()}
    return value


def _real_initialize(self):
    pass  # no consent cookies, no login: nothing to ask


def _real_extract(self, url):
    video_id = self._match_id(url)
    path = RECORDINGS / self._RECORDED / f"{video_id}.json"
    server = os.environ.get("ARCHIVER_TEST_MEDIA_SERVER")
    # Only the tests that serve the media replay (loaded once, the plugin stays for the whole test run).
    if not path.is_file() or not server:
        raise ExtractorError(f"not fetched: offline, no recorded answer for {video_id}", expected=True)
    data = json.loads(path.read_text(encoding="utf-8"))
    if "error" in data:
        if data.get("geo"):
            raise GeoRestrictedError(data["error"], countries=data.get("countries"))
        raise ExtractorError(data["error"], expected=True, video_id=video_id)
    return _fill(data, server)


# The built-in extractor comes first: yt-dlp overrides the class right after the plugin in its MRO.
class ReplayYoutubeIE(YoutubeIE, plugin_name="archiver_replay"):
    _RECORDED = "youtube"
    _real_initialize = _real_initialize
    _real_extract = _real_extract


class ReplayVimeoIE(VimeoIE, plugin_name="archiver_replay"):
    _RECORDED = "vimeo"
    _real_initialize = _real_initialize
    _real_extract = _real_extract


class ReplayTikTokIE(TikTokIE, plugin_name="archiver_replay"):
    _RECORDED = "tiktok"
    _real_initialize = _real_initialize
    _real_extract = _real_extract


class ReplayInstagramIE(InstagramIE, plugin_name="archiver_replay"):
    _RECORDED = "instagram"
    _real_initialize = _real_initialize
    _real_extract = _real_extract


class ReplayFacebookIE(FacebookIE, plugin_name="archiver_replay"):
    _RECORDED = "facebook"
    _real_initialize = _real_initialize
    _real_extract = _real_extract


class ReplayRedditIE(RedditIE, plugin_name="archiver_replay"):
    _RECORDED = "reddit"
    _real_initialize = _real_initialize
    _real_extract = _real_extract


class ReplayTwitterIE(TwitterIE, plugin_name="archiver_replay"):
    _RECORDED = "twitter"
    _real_initialize = _real_initialize
    _real_extract = _real_extract
