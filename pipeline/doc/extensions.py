"""The `Doc._` attributes the stages read and write, declared in one place.

Values are plain JSON-able dicts and lists with character offsets into `doc.text`, so docs cross
process boundaries (`nlp.pipe(n_process=...)`) and a stage can start from a corrected record.
"""

from __future__ import annotations

import functools
import traceback

from spacy.tokens import Doc

DOC_ATTRIBUTES = {
    "meta": "article metadata: title, author, date (YYYY[-MM[-DD]]), url",
    "segments": "paragraphs: [{start, end, kind: title|byline|body|boilerplate}]",
    "author": "the author's voice: {name, source: meta|byline|text|unknown}",
    "speaker_mentions": "[{start, end, text, name, kind, gender}] names, titles and resolved pronouns",
    "quotes": "[{start, end, kind, speaker, cue, ...}] attributed quotes, direct and indirect",
    "sentence_speakers": "[{start, end, speaker: {name}}] for body sentences",
    "treaty_mentions": "[{start, end, text, treaty, name, how}] treaty mentions linked to the base",
    "error": "{stage, error_type, message} when a stage failed on this doc (the run goes on)",
    "treaty_dates": "[{value, start, end, text, treaty_mention, event}] dates of treaty events",
}


def register_extensions() -> None:
    """Declare every `Doc._` attribute once (safe to call repeatedly)."""
    for name in DOC_ATTRIBUTES:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)


register_extensions()


def stage_error(stage: str, err: Exception, message: str | None = None) -> dict:
    """The `doc._.error` of a stage that failed on a doc: plain data, so it crosses processes."""
    return {
        "stage": stage,
        "error_type": type(err).__name__,
        "message": str(err) if message is None else message,
        "traceback": "".join(traceback.format_exception(err)),
    }


def guarded(stage: str):
    """Wrap a component's `__call__` so a failure marks the doc instead of dropping it from `nlp.pipe`.

    spaCy's pipe drops a doc whose component raised (after calling the error handler); we need one
    record per input, so the doc goes on carrying `doc._.error` and later stages leave it alone.
    """

    def wrap(call):
        @functools.wraps(call)
        def inner(self, doc: Doc) -> Doc:
            if doc._.error is not None:
                return doc
            try:
                return call(self, doc)
            except Exception as err:  # noqa: BLE001 - reported per article by the runner
                doc._.error = stage_error(stage, err)
                return doc

        return inner

    return wrap
