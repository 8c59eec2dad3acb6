"""Numbered error and warning messages, kept in one place (as spaCy does in `spacy/errors.py`).

Each input failure becomes a `ClaimsError` whose `stage` says where it happened; the runner turns it
into one line on stderr (`error: PATH: [E012] message`) and one record in `OUT.errors.jsonl` (with
`"code": "E012"`), and goes on with the other inputs. A message read from `Errors` or `Warnings`
carries its code, as spaCy's do, so a user can look it up in the README and a test can match it.
"""

from __future__ import annotations

import re

#: A message's leading code, as `WithCodes` puts it there.
CODE = re.compile(r"^\[([EW]\d{3})\] ")


class WithCodes(type):
    """`Errors.E012` is the message with its code in front: `[E012] the HTML holds no ...`."""

    def __getattribute__(cls, name: str):
        value = super().__getattribute__(name)
        if re.fullmatch(r"[EW]\d{3}", name):
            return f"[{name}] {value}"
        return value


def code_of(message: str) -> str | None:
    """The code a message starts with (`E012`), or None for a message of no registry."""
    found = CODE.match(message)
    return found.group(1) if found else None


class Errors(metaclass=WithCodes):
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
        "knowledge files and spaCy pipeline on every worker (on CPUs of two kinds, give --precision "
        "fp32 or bf16: auto picks by the CPU)"
    )
    E025 = "the Dask task for {count} article(s) failed on the cluster: {detail}"
    E026 = "internal error: {kind}: {detail} (run again with --debug for the traceback)"
    E027 = "interrupted: {written} record(s) written to {path}; run the same command again to finish"
    E028 = "corrections file {path}: {detail}"
    E029 = "is a folder; give the JSONL file that `claims run -o` wrote"
    E030 = "line {line}: cannot decode the file as UTF-8 ({detail}); is it a claims JSONL run?"
    E031 = (
        "cannot read this knowledge file ({detail}); claims needs every file of its models/ folder: "
        "reinstall claims, or point CLAIMS_MODELS_DIR at a complete models/ folder"
    )
    E032 = (
        "cannot load the trained attribution tagger ({detail}): reinstall claims, rebuild it with "
        "`make train-attribution`, or run with --rules-only"
    )
    E033 = (
        "cannot load the transformer attribution model ({detail}): reinstall claims, rebuild it with "
        "`make train-transformer`, or run with --fast (no transformer) or --rules-only"
    )
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
    E064 = (
        "the article has {chars:,} characters, more than --max-chars {limit:,}: left out (split it, "
        "or raise --max-chars; 0 means no limit)"
    )
    E065 = (
        "the article was still unfinished after --max-seconds {limit:g} ({done} of {total} chunks of "
        "{chunk:,} characters done): left out (split it, or raise --max-seconds; 0 means no limit)"
    )
    # The review loop (pipeline/review): exports, imports, the corrections store.
    E040 = (
        "no record of what was exported for {article}: {sidecar} is missing "
        "(keep the export's .claims folder, or pass --records with the exported JSONL)"
    )
    E041 = "{article}: the text is not the exported text (hash {found}, exported {expected}); import needs it unchanged"
    E042 = "not a Label Studio JSON export ({detail}): export the project as JSON, a list of tasks with annotations"
    E043 = "cannot read the annotations: {detail}"
    E044 = (
        "nothing to import from {path}: neither a brat folder (.ann files) nor a Label Studio export (.json)"
    )
    E045 = "{article} is not in {records}"


class Warnings(metaclass=WithCodes):
    W001 = "{path}: not valid UTF-8, read as {encoding}"
    W002 = "{path}: text changed since review; kept {kept} of {total} corrections whose text still matches"
    W003 = "{path}: id {id!r} is already used by {other}; this article is written as {new!r}"
    W004 = "{path}: ignored the page's date {value!r}, which is not a date"
    W010 = "{path}: no trained attribution tagger there (make train-attribution); the rules run alone"
    W011 = (
        "the attribution tagger was trained over {base}, not {model}; it is left out and the rules run alone"
    )
    # The review loop.
    W040 = "{where}: {label} {ref} has no valid date value (YYYY[-MM[-DD]]); left out"
    W041 = "{where}: quote {ref} is linked to {n} speakers; kept the first"
    W042 = "{where}: region {ref} ({label}) does not fit the text at {start}-{end}; left out"
    W043 = "{where}: {label} {ref} has the same span as {other}; left out"


class ClaimsError(Exception):
    """An input that cannot be processed. `stage` names the pipeline stage that refused it.

    `code` is the kind of failure (`FileNotFound`, `BadJSON`, an exception's name); the message's
    number (`E001`) is `number`.

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
        #: the message's number (`E012`), shown to the user and written to `OUT.errors.jsonl`
        self.number = code_of(message)

    def __str__(self) -> str:
        where = f"{self.path}: " if self.path else ""
        return f"{where}{self.message}"

    def to_record(self) -> dict:
        """The error as one line of `OUT.errors.jsonl`."""
        return {
            "path": self.path,
            "stage": self.stage,
            "code": self.number,
            "error_type": self.code or type(self).__name__,
            "message": self.message,
        }


class InputError(ClaimsError):
    """The input file itself is unusable (missing, empty, binary, malformed)."""


class ModelError(ClaimsError):
    """The spaCy pipeline cannot be loaded."""


class Interrupted(ClaimsError):
    """The run was stopped (Ctrl-C): what was written is kept, and a rerun finishes the rest."""


class RecordError(InputError, ValueError):
    """A claims JSONL file that cannot be read as records: missing, unreadable, or a bad line.

    `line` is the 1-based number of the bad line (None when the file itself is the trouble) and
    `reason` the message without its "line N: " prefix. It is a `ValueError` too, as the readers it
    replaces raised `ValueError` (json's errors) for a bad line.
    """

    def __init__(self, message: str, *, path: str = "", stage: str = "read", code: str = "", line=None):
        super().__init__(message, path=path, stage=stage, code=code)
        self.line = line
        # Every line message is "line N: ..." or "record line N: ..." (E005, E006, E014, E030).
        self.reason = message.partition(": ")[2] if line is not None else message


class KnowledgeError(ClaimsError):
    """A file of `models/` (lexicon, roster, treaty base, the trained tagger) is missing or unreadable.
    The run stops: without the file its output would be quietly worse, not absent."""
