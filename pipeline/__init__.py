"""claims: who said what, about which treaty, and when.

Staged NLP over news articles on spaCy: segment, speakers, quotes, treaties and dates, written as
JSONL records (see `pipeline/record/record.schema.json`). From Python:

    >>> import pipeline
    >>> frames = pipeline.load("out/claims.jsonl")      # pandas DataFrames
    >>> frames.quotes.groupby("speaker").size()
"""

__version__ = "0.1.0"

from .record.frames import Frames, load  # noqa: E402

__all__ = ["Frames", "load", "__version__"]
