"""Media: download, keep, describe and check the pictures, videos and sounds of posts.

One module per job:

- collector: the media stage of a collect (every post_media row and avatar not yet saved)
- files: the content-addressed media store on disk
- image: Pillow's facts about an image, its thumbnail and perceptual hash
- exif: the EXIF facts worth keeping (camera, time, place), each checked
- phash: the 64-bit difference hash and the distance between two
- video: ffprobe's facts about a video or audio file, and its first frame
- keyframes: frames at a video's scene changes (at most 20), each kept with its dHash
- ytdlp: yt-dlp as a library: what a video platform says about a post, and its video downloaded
- ytdlp_network: yt-dlp's requests under the archiver's address guard and size cap
- gallery: gallery-dl for the photos yt-dlp does not give (an Instagram photo post)
- transcripts: subtitles and automatic captions kept as files, their text for search

The media types themselves (sniffing bytes, extensions) live in the web plugin,
datasette_embed_archive.mediatype, which the collector and the web face share.
"""
