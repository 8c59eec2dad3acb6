"""Read brat standoff annotations (`.ann` + `.txt`) into gold attributions.

Two folder layouts are understood by `load_gold`:

* **PolNeAR** (`folder/text/<stem>.txt`, `folder/attributions/<stem>_<annotator>.ann`): one
  annotator's file is chosen per article exactly as `shared/tools/polnear_score.py` chooses it,
  and each brat event with a `Content` argument becomes one attribution.
* **flat** (`folder/<stem>.txt` + `folder/<stem>.ann`, as brat or INCEpTION export them): the
  `.ann` may hold PolNeAR-style events, or the project's own format, where a text-bound `Quote`
  is linked to its `Speaker` and `Cue` spans by relations
  (`R1<TAB>Speaker Arg1:<quote> Arg2:<speaker>`, `R2<TAB>Cue Arg1:<quote> Arg2:<cue>`).

Offsets are `str` indices into the text read as UTF-8 with Python's default newline handling,
as the official scorer reads it.
"""

from __future__ import annotations

import glob
import os
import re
from dataclasses import dataclass, field

Span = tuple[int, int]

#: Annotation kinds this module parses, keyed by the first character of the id.
_ID_RE = re.compile(r"^(?:[TERAMN#]\d+|\*)$")
#: A line that starts like an annotation id followed by whitespace: it must be a real annotation line.
_ID_PREFIX_RE = re.compile(r"^[TERAMN#]\d+(?:\s|$)")
_FRAGMENT_RE = re.compile(r"^\s*(\d+)\s+(\d+)\s*$")
_TRAILING_DIGITS_RE = re.compile(r"\d+$")

#: Event roles (digits stripped) that make up a PolNeAR attribution.
CONTENT_ROLE, SOURCE_ROLE, CUE_ROLE = "Content", "Source", "Cue"
#: Entity and relation types of the project's own export format.
QUOTE_TYPE, SPEAKER_TYPE, CUE_TYPE = "Quote", "Speaker", "Cue"


@dataclass
class TextBound:
    """A text-bound annotation `T<n>`: a typed span, possibly made of several fragments."""

    id: str
    type: str
    spans: list[Span]
    text: str = ""


@dataclass
class Event:
    """An event `E<n>`: a typed trigger (a text-bound id) and (role, id) arguments in file order."""

    id: str
    type: str
    trigger: str
    args: list[tuple[str, str]] = field(default_factory=list)

    def arg_ids(self, role: str) -> list[str]:
        """Ids of the arguments whose role, with trailing digits removed (`Source2`), is `role`."""
        return [aid for r, aid in self.args if base_role(r) == role]


@dataclass
class Relation:
    """A binary relation `R<n>`: a type and its (role, id) arguments, usually `Arg1` and `Arg2`."""

    id: str
    type: str
    args: list[tuple[str, str]] = field(default_factory=list)

    def arg(self, role: str) -> str | None:
        """The id of the argument named `role` (e.g. `Arg1`), or None."""
        for r, aid in self.args:
            if r == role:
                return aid
        return None

    @property
    def arg1(self) -> str | None:
        return self.arg("Arg1")

    @property
    def arg2(self) -> str | None:
        return self.arg("Arg2")


@dataclass
class Attribute:
    """An attribute `A<n>` (or legacy `M<n>`) on an annotation; `value` is None for binary flags."""

    id: str
    name: str
    target: str
    value: str | None = None


@dataclass
class Note:
    """An annotator note `#<n>` attached to an annotation."""

    id: str
    type: str
    target: str
    text: str = ""


@dataclass
class Annotation:
    """Everything parsed from one `.ann` file, in file order."""

    path: str
    entities: dict[str, TextBound] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    attributes: list[Attribute] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)

    def spans_of(self, ann_id: str) -> list[Span]:
        """Fragments of the text-bound annotation `ann_id`; ValueError naming the file if unknown."""
        try:
            return self.entities[ann_id].spans
        except KeyError:
            raise ValueError(f"{self.path}: reference to unknown text-bound annotation {ann_id!r}") from None


@dataclass
class GoldAttribution:
    """One gold attribution: content, source and cue fragments as (start, end) str offsets."""

    content: list[Span]
    source: list[Span] = field(default_factory=list)
    cue: list[Span] = field(default_factory=list)
    id: str = ""


@dataclass
class GoldDoc:
    """One gold article: its text and its attributions (in `.ann` order)."""

    text: str
    attributions: list[GoldAttribution] = field(default_factory=list)
    ann_path: str = ""


def base_role(role: str) -> str:
    """An event role without its trailing digits: `Source2` -> `Source`."""
    return _TRAILING_DIGITS_RE.sub("", role)


# --------------------------------------------------------------------------------------------
# .ann parsing
# --------------------------------------------------------------------------------------------


def _parse_spans(spec: str) -> list[Span]:
    """Parse `start end[;start end...]` into fragments; ValueError if malformed."""
    spans = []
    for frag in spec.split(";"):
        m = _FRAGMENT_RE.match(frag)
        if not m:
            raise ValueError(f"bad span fragment {frag!r}")
        start, end = int(m.group(1)), int(m.group(2))
        if start > end:
            raise ValueError(f"span fragment {frag!r} ends before it starts")
        spans.append((start, end))
    return spans


def _parse_args(tokens: list[str]) -> list[tuple[str, str]]:
    """Parse `Role:Id` tokens into (role, id) pairs; ValueError if one is malformed."""
    args = []
    for tok in tokens:
        role, sep, aid = tok.partition(":")
        if not sep or not role or not aid or ":" in aid:
            raise ValueError(f"bad argument {tok!r} (expected Role:Id)")
        args.append((role, aid))
    return args


def _parse_textbound(fields: list[str]) -> TextBound:
    if len(fields) < 2:
        raise ValueError("text-bound annotation without a 'Type start end' field")
    type_, _, spec = fields[1].partition(" ")
    if not type_ or not spec:
        raise ValueError("text-bound annotation needs 'Type start end'")
    text = "\t".join(fields[2:])
    return TextBound(fields[0], type_, _parse_spans(spec), text)


def _parse_event(fields: list[str]) -> Event:
    if len(fields) < 2 or not fields[1].split():
        raise ValueError("event without 'Type:Trigger' field")
    args = _parse_args(fields[1].split())
    (type_, trigger), rest = args[0], args[1:]
    return Event(fields[0], type_, trigger, rest)


def _parse_relation(fields: list[str]) -> Relation:
    tokens = fields[1].split() if len(fields) > 1 else []
    if len(tokens) < 3:
        raise ValueError("relation needs 'Type Arg1:Id Arg2:Id'")
    return Relation(fields[0], tokens[0], _parse_args(tokens[1:]))


def _parse_attribute(fields: list[str]) -> Attribute:
    tokens = fields[1].split() if len(fields) > 1 else []
    if len(tokens) not in (2, 3):
        raise ValueError("attribute needs 'Name Target [Value]'")
    return Attribute(fields[0], tokens[0], tokens[1], tokens[2] if len(tokens) == 3 else None)


def _parse_note(fields: list[str]) -> Note:
    tokens = fields[1].split() if len(fields) > 1 else []
    if len(tokens) != 2:
        raise ValueError("note needs 'Type Target'")
    return Note(fields[0], tokens[0], tokens[1], "\t".join(fields[2:]))


def _expected_text_length(entity: TextBound) -> int:
    """Length of a text-bound annotation's text: its fragments joined by single spaces."""
    return sum(end - start for start, end in entity.spans) + len(entity.spans) - 1


def read_ann(path: str | os.PathLike) -> Annotation:
    """Parse one brat `.ann` file.

    Understood lines: text-bound `T` (with `;`-separated fragments), events `E` (roles may carry
    digits such as `Source2`; see `base_role`), relations `R`, attributes `A`/`M` and notes `#`.
    Normalisations (`N`) and equivalences (`*`) are recognised and ignored.

    A span text that holds line breaks is written by brat over several lines: while a text-bound
    annotation's text is shorter than its fragments (joined by spaces), the following lines that do
    not start with an annotation id are appended to it. Other blank lines and lines that do not start
    with an annotation id are skipped. A line that starts with an id but cannot be parsed (including
    an id followed by a space instead of a tab) raises a `ValueError` naming the file and the 1-based
    line number.
    """
    path = os.fspath(path)
    ann = Annotation(path)
    pending: TextBound | None = None  # text-bound annotation whose text continues on the next line(s)
    with open(path, encoding="utf-8") as fh:
        for lineno, raw in enumerate(fh, 1):
            line = raw.rstrip("\r\n")
            fields = line.split("\t")
            if pending is not None and not _ID_RE.match(fields[0]):
                pending.text += "\n" + line
                pending = pending if len(pending.text) < _expected_text_length(pending) else None
                continue
            pending = None
            if not _ID_RE.match(fields[0]):
                if _ID_PREFIX_RE.match(line):
                    raise ValueError(
                        f"{path}:{lineno}: malformed annotation line (no tab after the id): {line!r}"
                    )
                continue
            kind = fields[0][0]
            try:
                if kind == "T":
                    entity = _parse_textbound(fields)
                    ann.entities[entity.id] = entity
                    if len(entity.text) < _expected_text_length(entity):
                        pending = entity
                elif kind == "E":
                    ann.events.append(_parse_event(fields))
                elif kind == "R":
                    ann.relations.append(_parse_relation(fields))
                elif kind in "AM":
                    ann.attributes.append(_parse_attribute(fields))
                elif kind == "#":
                    ann.notes.append(_parse_note(fields))
                # N (normalisation) and * (equivalence) are not needed here.
            except ValueError as exc:
                raise ValueError(f"{path}:{lineno}: malformed line ({exc}): {line!r}") from None
    return ann


# --------------------------------------------------------------------------------------------
# From annotations to gold attributions
# --------------------------------------------------------------------------------------------


def attributions_from_events(ann: Annotation) -> list[GoldAttribution]:
    """PolNeAR-style attributions: one per event that has a `Content` argument, in file order.

    Fragments of several arguments with the same role (`Content`, `Content2`) are concatenated in
    argument order; events without content are dropped, as the official scorer drops them.
    """
    out = []
    for ev in ann.events:
        content = [sp for aid in ev.arg_ids(CONTENT_ROLE) for sp in ann.spans_of(aid)]
        if not content:
            continue
        source = [sp for aid in ev.arg_ids(SOURCE_ROLE) for sp in ann.spans_of(aid)]
        cue = [sp for aid in ev.arg_ids(CUE_ROLE) for sp in ann.spans_of(aid)]
        out.append(GoldAttribution(content, source, cue, id=ev.id))
    return out


def attributions_from_quotes(ann: Annotation) -> list[GoldAttribution]:
    """Project-format attributions: one per `Quote` entity, in file order.

    A relation typed `Speaker` (or `Cue`) that links a Quote to another entity adds that entity's
    fragments to the quote's source (or cue). The quote may be either argument. A relation of
    another type counts too when the other entity is typed `Speaker` or `Cue`.
    """
    quotes = {tid: ent for tid, ent in ann.entities.items() if ent.type == QUOTE_TYPE}
    sources: dict[str, list[Span]] = {tid: [] for tid in quotes}
    cues: dict[str, list[Span]] = {tid: [] for tid in quotes}
    for rel in ann.relations:
        ids = [aid for _, aid in rel.args]
        quote_ids = [aid for aid in ids if aid in quotes]
        if not quote_ids:
            continue
        quote_id = quote_ids[0]
        for other in ids:
            if other == quote_id:
                continue
            other_type = ann.entities[other].type if other in ann.entities else None
            role = rel.type if rel.type in (SPEAKER_TYPE, CUE_TYPE) else other_type
            if role == SPEAKER_TYPE:
                sources[quote_id].extend(ann.spans_of(other))
            elif role == CUE_TYPE:
                cues[quote_id].extend(ann.spans_of(other))
    return [GoldAttribution(list(q.spans), sources[tid], cues[tid], id=tid) for tid, q in quotes.items()]


def attributions_from_ann(ann: Annotation) -> list[GoldAttribution]:
    """All attributions of an annotation: PolNeAR events first, then project-format quotes."""
    return attributions_from_events(ann) + attributions_from_quotes(ann)


# --------------------------------------------------------------------------------------------
# Folders
# --------------------------------------------------------------------------------------------


def read_text(path: str | os.PathLike) -> str:
    """Read an article text as the scorer does (UTF-8, default newline translation)."""
    with open(path, encoding="utf-8") as fh:
        return fh.read()


def read_first_annotators(metadata: str | os.PathLike) -> dict[str, str]:
    """Map article stem -> first annotator listed in PolNeAR's `metadata.tsv`.

    Columns are `compartment, filename, level, annotators, ...`, annotators separated by `|`; the
    header row (compartment == "compartment") and short rows are skipped, and a later row for the
    same file wins, as in the scorer.
    """
    first = {}
    with open(metadata, encoding="utf-8") as fh:
        for line in fh:
            cols = line.rstrip("\n").split("\t")
            if len(cols) > 3 and cols[0] != "compartment":
                first[cols[1]] = cols[3].split("|")[0]
    return first


def choose_annotation(stem: str, candidates: list[str], first_annotator: dict[str, str]) -> str:
    """Pick one `.ann` among `candidates` (sorted paths) for `stem`, as the scorer does.

    The file of the article's first annotator in the metadata wins; otherwise the first path.
    """
    suffix = f"_{first_annotator.get(stem, '')}.ann"
    picked = [path for path in candidates if path.endswith(suffix)]
    return (picked or candidates)[0]


def is_polnear_layout(folder: str | os.PathLike) -> bool:
    """True when `folder` has PolNeAR's `text/` and `attributions/` subfolders."""
    return os.path.isdir(os.path.join(folder, "text")) and os.path.isdir(os.path.join(folder, "attributions"))


def _find_metadata(folder: str, metadata: str | os.PathLike | None) -> str | None:
    if metadata is not None:
        if not os.path.exists(metadata):
            raise FileNotFoundError(f"metadata file not found: {metadata}")
        return os.fspath(metadata)
    guess = os.path.join(os.path.dirname(os.path.abspath(folder)), "metadata.tsv")
    return guess if os.path.exists(guess) else None


def polnear_pairs(
    folder: str | os.PathLike, metadata: str | os.PathLike | None = None
) -> list[tuple[str, str, str]]:
    """(stem, text path, chosen .ann path) for every article of a PolNeAR-layout folder.

    Articles without any `.ann` are left out. See `load_gold` for how `metadata` is found.
    """
    folder = os.fspath(folder)
    meta = _find_metadata(folder, metadata)
    first = read_first_annotators(meta) if meta else {}
    pairs = []
    for text_path in sorted(glob.glob(os.path.join(folder, "text", "*.txt"))):
        stem = os.path.basename(text_path)[:-4]
        # Same (unescaped) pattern as the scorer, so both see the same candidates.
        candidates = sorted(glob.glob(os.path.join(folder, "attributions", stem + "_*.ann")))
        if candidates:
            pairs.append((stem, text_path, choose_annotation(stem, candidates, first)))
    return pairs


def flat_pairs(folder: str | os.PathLike) -> list[tuple[str, str, str]]:
    """(stem, text path, .ann path) for every `<stem>.txt` with a matching `<stem>.ann`."""
    folder = os.fspath(folder)
    pairs = []
    for text_path in sorted(glob.glob(os.path.join(folder, "*.txt"))):
        ann_path = text_path[:-4] + ".ann"
        if os.path.exists(ann_path):
            pairs.append((os.path.basename(text_path)[:-4], text_path, ann_path))
    return pairs


def load_gold(folder: str | os.PathLike, metadata: str | os.PathLike | None = None) -> dict[str, GoldDoc]:
    """Load gold attributions from a brat folder, keyed by file stem.

    PolNeAR layout (`text/` + `attributions/`): one `.ann` per article, the first annotator listed
    in `metadata` (a PolNeAR `metadata.tsv`) or else the first file in sorted order, and only its
    events (`attributions_from_events`), as `polnear_score.py` does. When `metadata` is None, `metadata.tsv` in the folder's parent is used
    if it exists, so `load_gold(".../polnear/dev")` matches the scorer run with `--metadata`.
    An explicit `metadata` path that does not exist raises FileNotFoundError.

    Flat layout (`<stem>.txt` + `<stem>.ann`): events and/or project-format Quote/Speaker/Cue
    annotations (see `attributions_from_ann`). A text without an `.ann` is skipped.
    """
    folder = os.fspath(folder)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"gold folder not found: {folder}")
    if is_polnear_layout(folder):
        pairs, extract = polnear_pairs(folder, metadata), attributions_from_events
    else:
        pairs, extract = flat_pairs(folder), attributions_from_ann
    gold = {}
    for stem, text_path, ann_path in pairs:
        gold[stem] = GoldDoc(read_text(text_path), extract(read_ann(ann_path)), ann_path)
    return gold
