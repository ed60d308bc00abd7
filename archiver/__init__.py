"""archiver: save the social-media posts that news articles embed, as evidence."""

__version__ = "0.1.0"
USER_AGENT = f"archiver/{__version__} (+evidence archiver for embedded social-media posts)"
