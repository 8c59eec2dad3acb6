"""Stage 1, ingest: turn files into articles (id, source, text, meta).

Reads `.txt` (UTF-8, or UTF-16 with a byte-order mark, falling back to cp1252 then latin-1 with a
warning), `.html` (main text and metadata through trafilatura; it needs `lxml_html_clean`), and
`.jsonl` (records with `text` and optional `meta`). Directories are read recursively, each file
once. A `NAME.meta.json` sidecar beside `NAME.txt` gives title, author, date, url.

Nothing here raises for a bad file: `read_articles` yields a `ClaimsError` in its place, so one
broken file never costs the rest of the run.
"""

from __future__ import annotations

import json
import re
import traceback
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import ClaimsError, Errors, InputError, Warnings

TEXT_SUFFIXES = {".txt", ".text"}
HTML_SUFFIXES = {".html", ".htm"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SIDECAR_SUFFIX = ".meta.json"
META_KEYS = ("title", "author", "date", "url")


@dataclass
class Article:
    """One article to annotate. `text` is exactly the string every offset of its record indexes."""

    id: str
    source: str
    text: str
    meta: dict = field(default_factory=dict)
    # A record read back as input (a corrected file fed to the next stage): its stage outputs.
    record: dict | None = None


def parse_date(value: str | None) -> str | None:
    """Check a publication date and return it as YYYY, YYYY-MM or YYYY-MM-DD; raise on a bad one."""
    if value is None or value == "":
        return None
    value = str(value).strip()
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ].*)?", value)
    if not m:
        raise ClaimsError(Errors.E008.format(value=value), stage="ingest", code="BadDate")
    year, month, day = m.groups()
    try:
        date(int(year), int(month or 1), int(day or 1))
    except ValueError as err:
        raise ClaimsError(Errors.E008.format(value=value), stage="ingest", code="BadDate") from err
    return "-".join(x for x in (year, month, day) if x)


def iter_input_files(paths: Iterable[str | Path]) -> Iterator[Path]:
    """Every readable input file under `paths`, in sorted order; sidecars are not inputs.

    A file named twice (`corpus/ corpus/a.txt`) is read once, where it first comes.
    """
    seen: set[Path] = set()

    def first_time(path: Path) -> bool:
        key = path.resolve()
        if key in seen:
            return False
        seen.add(key)
        return True

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file()):
                if child.name.endswith(SIDECAR_SUFFIX) or child.name.startswith("."):
                    continue
                wanted = child.suffix.lower() in TEXT_SUFFIXES | HTML_SUFFIXES | JSONL_SUFFIXES
                if wanted and first_time(child):
                    yield child
        elif first_time(path):
            # A missing path is yielded too: reading it reports the error under its name.
            yield path


def decode_bytes(data: bytes, path: str) -> str:
    """Decode text bytes: UTF-8, else cp1252, else latin-1 (warned); refuse binary data."""
    if not data.strip():
        raise InputError(Errors.E002, path=path, code="EmptyFile")
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # UTF-16 with a byte-order mark (Windows "Unicode" text): its NUL bytes are not binary.
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise InputError(Errors.E004, path=path, code="UndecodableFile") from None
        if not data.strip():
            raise InputError(Errors.E002, path=path, code="EmptyFile")
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    if b"\x00" in sample or controls > len(sample) * 0.05:
        raise InputError(Errors.E003, path=path, code="BinaryFile")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        for encoding in ("cp1252", "latin-1"):
            try:
                text = data.decode(encoding)
            except UnicodeDecodeError:
                continue
            warnings.warn(Warnings.W001.format(path=path, encoding=encoding), stacklevel=2)
            break
        else:  # pragma: no cover - latin-1 decodes every byte
            raise InputError(Errors.E004, path=path, code="UndecodableFile") from None
    # Offsets index the text as Python reads it in text mode: universal newlines.
    return text.replace("\r\n", "\n").replace("\r", "\n")


def read_sidecar(path: Path) -> dict:
    """Metadata from `NAME.meta.json` beside `NAME.txt`, or {} when there is none."""
    sidecar = path.with_name(path.stem + SIDECAR_SUFFIX)
    if not sidecar.exists():
        return {}
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as err:
        raise InputError(
            Errors.E007.format(sidecar=sidecar.name, detail=err), path=str(path), code="BadMetadata"
        ) from err
    if not isinstance(meta, dict):
        raise InputError(
            Errors.E007.format(sidecar=sidecar.name, detail="not an object"),
            path=str(path),
            code="BadMetadata",
        )
    return meta


def clean_meta(meta: dict, path: str, date_override: str | None = None) -> dict:
    """Keep the known metadata keys (plus any others), with the date checked and normalised.

    The known keys are text in the record: a number is written as text, a list or object refused.
    """
    out = {k: meta.get(k) for k in META_KEYS}
    out.update({k: v for k, v in meta.items() if k not in out})
    for key in META_KEYS:
        value = out[key]
        if isinstance(value, bool) or not isinstance(value, (str, int, float, type(None))):
            raise InputError(
                Errors.E018.format(key=key, kind=type(value).__name__), path=path, code="BadMetadata"
            )
        if isinstance(value, (int, float)):
            out[key] = str(value)
    try:
        out["date"] = parse_date(date_override or out.get("date"))
    except ClaimsError as err:
        err.path = path
        raise
    return out


def read_html(data: bytes, path: str) -> tuple[str, dict]:
    """Main text and metadata of an HTML page, without scripts, navigation or footers."""
    import trafilatura

    html = decode_bytes(data, path)
    body = trafilatura.extract(html, include_comments=False, include_tables=False, favor_precision=True)
    if not body or not body.strip():
        raise InputError(Errors.E012, path=path, code="NoArticleText")
    found = trafilatura.extract_metadata(html)
    meta = {}
    if found is not None:
        meta = {"title": found.title, "author": found.author, "date": found.date, "url": found.url}
        try:
            parse_date(meta["date"])
        except ClaimsError:
            # The page's own date is a guess by the extractor: drop it rather than lose the article.
            warnings.warn(Warnings.W004.format(path=path, value=meta["date"]), stacklevel=2)
            meta["date"] = None
    # Paragraphs are blank-line separated, as in our .txt inputs; the title leads, as on the page.
    paragraphs = [p.strip() for p in body.split("\n") if p.strip()]
    if meta.get("title") and (not paragraphs or paragraphs[0] != meta["title"]):
        paragraphs.insert(0, meta["title"])
    return "\n\n".join(paragraphs) + "\n", meta


def read_jsonl(path: Path, date_override: str | None) -> Iterator[Article | ClaimsError]:
    """Articles from a JSONL file of `{"text": ..., "meta": {...}, "id": ...}` records."""
    try:
        fh = open(path, "rb")  # noqa: SIM115 - closed by the with below
    except OSError as err:
        yield InputError(
            Errors.E017.format(detail=err.strerror or err), path=str(path), code=type(err).__name__
        )
        return
    with fh:
        for n, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            where = f"{path}:{n}"
            try:
                rec = json.loads(raw.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as err:
                yield InputError(Errors.E005.format(line=n, detail=err), path=where, code="BadJSON")
                continue
            if not isinstance(rec, dict) or not isinstance(rec.get("text"), str) or not rec["text"].strip():
                yield InputError(Errors.E006.format(line=n), path=where, code="MissingText")
                continue
            if not isinstance(rec.get("meta") or {}, dict):
                kind = type(rec["meta"]).__name__
                yield InputError(Errors.E019.format(line=n, kind=kind), path=where, code="BadMetadata")
                continue
            try:
                meta = clean_meta(rec.get("meta") or {}, where, date_override)
            except ClaimsError as err:
                yield err
                continue
            art_id = str(rec.get("id") or f"{path.stem}-{n}")
            stage_keys = {"segments", "speakers", "quotes", "treaties"}
            # A record's offsets index its text exactly: keep it as it is.
            text = rec["text"] if stage_keys & rec.keys() else rec["text"].replace("\r\n", "\n")
            yield Article(
                id=art_id,
                source=str(rec.get("source") or where),
                text=text,
                meta=meta,
                record=rec if stage_keys & rec.keys() else None,
            )


def read_article(path: Path, date_override: str | None = None) -> Article:
    """Read one .txt or .html article with its metadata; raise `ClaimsError` if it cannot be read."""
    spath = str(path)
    if not path.exists():
        raise InputError(Errors.E001, path=spath, code="FileNotFound")
    suffix = path.suffix.lower()
    try:
        data = path.read_bytes()
    except OSError as err:
        raise InputError(
            Errors.E017.format(detail=err.strerror or err), path=spath, code=type(err).__name__
        ) from err
    if suffix in HTML_SUFFIXES:
        text, meta = read_html(data, spath)
    elif suffix in TEXT_SUFFIXES or suffix == "":
        text, meta = decode_bytes(data, spath), {}
    else:
        raise InputError(Errors.E013.format(suffix=suffix), path=spath, code="UnsupportedType")
    meta.update({k: v for k, v in read_sidecar(path).items() if v is not None})
    return Article(id=path.stem, source=spath, text=text, meta=clean_meta(meta, spath, date_override))


def read_articles(
    paths: Iterable[str | Path], date_override: str | None = None
) -> Iterator[Article | ClaimsError]:
    """Yield an `Article` for every input, or the `ClaimsError` that stopped it, in input order."""
    for path in iter_input_files(paths):
        if path.suffix.lower() in JSONL_SUFFIXES and path.is_file():
            yield from read_jsonl(path, date_override)
            continue
        try:
            yield read_article(path, date_override)
        except ClaimsError as err:
            err.traceback = traceback.format_exc()
            yield err
        except Exception as err:  # noqa: BLE001 - e.g. the HTML extractor failing on one page
            out = InputError(
                Errors.E017.format(detail=f"{type(err).__name__}: {err}"),
                path=str(path),
                code=type(err).__name__,
            )
            out.traceback = traceback.format_exc()
            yield out
