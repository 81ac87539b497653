"""statusgen: a static status page from Markdown incident files, published to object storage."""

__version__ = "0.1.0"
