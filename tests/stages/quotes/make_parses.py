"""Rebuild parses.json for the quote rules' unit tests (needs the spaCy model; the tests do not).

    python -m tests.stages.quotes.make_parses ["A new text." ...]

Parses every text already in parses.json, and any given, through the pipeline up to
`claims_speakers`, and keeps what `docs.make_doc` rebuilds a Doc from.
"""

from __future__ import annotations

import json
import sys

from .docs import PARSES


def doc_attributes(doc) -> dict:
    """The attributes `docs.make_doc` passes to `Doc(...)`, plus the earlier stages' output."""
    return {
        "words": [t.text for t in doc],
        "spaces": [bool(t.whitespace_) for t in doc],
        "heads": [t.head.i for t in doc],
        "deps": [t.dep_ for t in doc],
        "tags": [t.tag_ for t in doc],
        "pos": [t.pos_ for t in doc],
        "lemmas": [t.lemma_ for t in doc],
        "sent_starts": [bool(t.is_sent_start) for t in doc],
        "ents": [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_iob_ != "O" else "O" for t in doc],
        "segments": doc._.segments,
        "speaker_mentions": doc._.speaker_mentions,
    }


def main(new_texts: list[str]) -> None:
    from pipeline.config import RunConfig
    from pipeline.run.runner import build_nlp

    nlp = build_nlp(RunConfig(stage="speakers"))
    texts = list(json.loads(PARSES.read_text(encoding="utf-8"))) if PARSES.exists() else []
    texts += [t for t in new_texts if t not in texts]
    out = {text: doc_attributes(nlp(text)) for text in texts}
    PARSES.write_text(json.dumps(out, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
    print(f"{len(out)} texts -> {PARSES}")


if __name__ == "__main__":
    main(sys.argv[1:])
