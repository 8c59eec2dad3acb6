"""Numbered error and warning messages, kept in one place (as spaCy does in `spacy/errors.py`).

Each input failure becomes a `ClaimsError` whose `stage` says where it happened; the runner turns it
into one line on stderr and one record in `OUT.errors.jsonl`, and goes on with the other inputs.
"""

from __future__ import annotations


class Errors:
    E001 = "no such file or directory"
    E002 = "the file is empty"
    E003 = "the file looks binary (it holds NUL or control bytes), not text"
    E004 = "cannot decode the file as UTF-8, cp1252 or latin-1"
    E005 = "line {line}: not valid JSON ({detail})"
    E006 = "line {line}: the record has no 'text' string"
    E007 = "metadata sidecar {sidecar} is not a JSON object ({detail})"
    E008 = "bad date {value!r}: use YYYY, YYYY-MM or YYYY-MM-DD"
    E009 = "cannot load spaCy pipeline {name!r}: it is not installed (pip install it, or pick another with --model)"
    E010 = "corrections file {path}: line {line} is not valid JSON ({detail})"
    E011 = "cannot write {path}: {detail}"
    E012 = "the HTML holds no article text that could be extracted"
    E013 = "unsupported file type {suffix!r} (use .txt, .html or .jsonl)"
    E014 = "record line {line}: {detail}"
    E015 = "the article failed in stage {stage}: {detail}"
    E016 = "cannot load spaCy pipeline {name!r}: {detail}"
    E017 = "cannot read the file: {detail}"
    E018 = "metadata field {key!r} must be a string or a number, not {kind}"
    E019 = "line {line}: 'meta' must be a JSON object, not {kind}"
    E020 = "corrections file {path}: line {line} is not a JSON object"
    E021 = "corrections need the review package (pipeline.review), which is not installed: {detail}"
    E022 = "cannot connect to the Dask scheduler at {address}: {detail}"
    E023 = "the Dask engine needs dask[distributed]: pip install 'dask[distributed]' ({detail})"
    E024 = (
        "a Dask worker runs claims {worker}, this machine {local}: install the same claims, "
        "knowledge files and spaCy pipeline on every worker"
    )
    E025 = "the Dask task for {count} article(s) failed on the cluster: {detail}"
    E026 = "internal error: {kind}: {detail} (run again with --debug for the traceback)"
    E027 = "interrupted: {written} record(s) written to {path}; run the same command again to finish"
    E028 = "corrections file {path}: {detail}"
    # E060-E069: one writer per output, hostile input files, bounded work (issue 14).
    E060 = (
        "{path} is being written by another claims process (pid {pid}; lock {lock}): "
        "wait for it to finish, or pass --wait to start when it is done"
    )
    E061 = "cannot lock {lock}: {detail} (is it on a filesystem without locks?)"
    E062 = "{where}: {detail}; nothing was imported"
    E063 = (
        "this is Label Studio's JSON-MIN export, which keeps no relations (so no quote keeps its "
        "speaker) and no region ids: in Label Studio open the project, click Export, choose 'JSON' "
        "(not 'JSON-MIN'), click Export, and import the file it downloads"
    )


class Warnings:
    W001 = "{path}: not valid UTF-8, read as {encoding}"
    W002 = "{path}: text changed since review; kept {kept} of {total} corrections whose text still matches"
    W003 = "{path}: id {id!r} is already used by {other}; this article is written as {new!r}"
    W004 = "{path}: ignored the page's date {value!r}, which is not a date"
    W010 = "{path}: no trained attribution tagger there (make train-attribution); the rules run alone"
    W011 = (
        "the attribution tagger was trained over {base}, not {model}; it is left out and the rules run alone"
    )


class ClaimsError(Exception):
    """An input that cannot be processed. `stage` names the pipeline stage that refused it.

    `traceback` holds the formatted traceback of an unexpected failure (shown with --debug); it is
    text, not a frame object, so the error pickles across processes and Dask workers.
    """

    traceback: str | None = None

    def __init__(self, message: str, *, path: str = "", stage: str = "ingest", code: str = ""):
        super().__init__(message)
        self.message = message
        self.path = path
        self.stage = stage
        self.code = code

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message}"

    def to_record(self) -> dict:
        """The error as one line of `OUT.errors.jsonl`."""
        return {
            "path": self.path,
            "stage": self.stage,
            "error_type": self.code or type(self).__name__,
            "message": self.message,
        }


class InputError(ClaimsError):
    """The input file itself is unusable (missing, empty, binary, malformed)."""


class ModelError(ClaimsError):
    """The spaCy pipeline cannot be loaded."""


class Interrupted(ClaimsError):
    """The run was stopped (Ctrl-C): what was written is kept, and a rerun finishes the rest."""
