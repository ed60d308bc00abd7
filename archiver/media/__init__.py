"""Media: download, keep, describe and check the pictures, videos and sounds of posts.

One module per job:

- collector: the media stage of a collect (every post_media row and avatar not yet saved)
- files: the content-addressed media store on disk
- image: Pillow's facts about an image, its thumbnail and perceptual hash
- exif: the EXIF facts worth keeping (camera, time, place), each checked
- phash: the 64-bit difference hash and the distance between two
- video: ffprobe's facts about a video or audio file, and its first frame

The media types themselves (sniffing bytes, extensions) live in the web plugin,
datasette_embed_archive.mediatype, which the collector and the web face share.
"""
