"""The old home of the quotes stage, kept so that installs whose `spacy_factories` entry point still
names `pipeline.stages.quotes.finder:make_quote_finder` go on loading. The stage lives in the modules
of this package (see its `__init__`); import from there."""

from __future__ import annotations

from .component import QuoteFinder, make_quote_finder
from .marks import find_quote_spans

__all__ = ["QuoteFinder", "find_quote_spans", "make_quote_finder"]
