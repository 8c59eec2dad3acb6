"""Load a claims JSONL run into pandas DataFrames with typed columns, for notebooks."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from . import io as record_io

QUOTE_COLUMNS = {
    "article": "string",
    "quote_id": "string",
    "start": "Int64",
    "end": "Int64",
    "kind": "category",
    "speaker": "string",
    "speaker_text": "string",
    "cue": "string",
    "text": "string",
    "words": "string",
    "treaties": "object",
    "dates": "object",
    "how": "category",
    "date": "string",
}
TREATY_COLUMNS = {
    "article": "string",
    "mention_id": "string",
    "start": "Int64",
    "end": "Int64",
    "treaty": "category",
    "name": "string",
    "text": "string",
    "event": "category",
    "date": "string",
    "date_text": "string",
    "date_event": "category",
    "published": "string",
    "sentence": "string",
    "how": "category",
}
SENTENCE_COLUMNS = {
    "article": "string",
    "start": "Int64",
    "end": "Int64",
    "speaker": "string",
    "text": "string",
}
ARTICLE_COLUMNS = {
    "article": "string",
    "source": "string",
    "title": "string",
    "author": "string",
    "date": "string",
    "url": "string",
    "quotes": "Int64",
    "treaty_mentions": "Int64",
}


@dataclass
class Frames:
    """The tables of a run: one row per quote, per treaty mention and date, per sentence, per article."""

    quotes: pd.DataFrame
    treaties: pd.DataFrame
    sentences: pd.DataFrame
    articles: pd.DataFrame

    def __iter__(self):
        return iter((self.quotes, self.treaties, self.sentences))


def _frame(rows: list[dict], columns: dict[str, str]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=list(columns))
    return df.astype({k: v for k, v in columns.items() if v != "object"})


def _sentence_of(text: str, sentences: list[dict], start: int) -> str:
    for s in sentences:
        if s["start"] <= start < s["end"]:
            return text[s["start"] : s["end"]]
    lo = max(text.rfind("\n", 0, start), text.rfind(". ", 0, start) + 1, 0)
    hi = min([i for i in (text.find("\n", start), text.find(". ", start)) if i >= 0] or [len(text)])
    return text[lo : hi + 1].strip()


def records_to_frames(records: list[dict]) -> Frames:
    """Flatten records into the four tables."""
    quotes, treaties, sentences, articles = [], [], [], []
    for rec in records:
        art, text, meta = rec["id"], rec["text"], rec.get("meta") or {}
        sents = rec.get("sentences") or []
        for q in rec.get("quotes") or []:
            spk = q.get("speaker") or {}
            quotes.append(
                {
                    "article": art,
                    "quote_id": q["id"],
                    "start": q["start"],
                    "end": q["end"],
                    "kind": q["kind"],
                    "speaker": spk.get("name"),
                    "speaker_text": spk.get("text"),
                    "cue": (q.get("cue") or {}).get("text"),
                    "text": q["text"],
                    # what was said: an interrupted quote's pieces without the frame around its speaker
                    "words": " ".join(p["text"] for p in q["pieces"]) if q.get("pieces") else q["text"],
                    "treaties": q.get("treaties") or [],
                    "dates": q.get("dates") or [],
                    "how": q.get("how"),
                    "date": meta.get("date"),
                }
            )
        for m in rec.get("treaties") or []:
            base = {
                "article": art,
                "mention_id": m["id"],
                "start": m["start"],
                "end": m["end"],
                "treaty": m["treaty"],
                "name": m.get("name"),
                "text": m["text"],
                "event": m.get("event"),
                "published": meta.get("date"),
                "sentence": _sentence_of(text, sents, m["start"]),
                "how": m.get("how"),
            }
            for d in m.get("dates") or [None]:
                treaties.append(
                    {
                        **base,
                        "date": d and d["value"],
                        "date_text": d and d["text"],
                        "date_event": d and d.get("event"),
                    }
                )
        for s in sents:
            sentences.append(
                {
                    "article": art,
                    "start": s["start"],
                    "end": s["end"],
                    "speaker": (s.get("speaker") or {}).get("name"),
                    "text": text[s["start"] : s["end"]],
                }
            )
        articles.append(
            {
                "article": art,
                "source": rec.get("source"),
                "title": meta.get("title"),
                "author": (rec.get("author") or {}).get("name") or meta.get("author"),
                "date": meta.get("date"),
                "url": meta.get("url"),
                "quotes": len(rec.get("quotes") or []),
                "treaty_mentions": len(rec.get("treaties") or []),
            }
        )
    return Frames(
        quotes=_frame(quotes, QUOTE_COLUMNS),
        treaties=_frame(treaties, TREATY_COLUMNS),
        sentences=_frame(sentences, SENTENCE_COLUMNS),
        articles=_frame(articles, ARTICLE_COLUMNS),
    )


def read_records(path: str | Path) -> list[dict]:
    """Every record of a claims JSONL file (blank lines skipped); a bad line raises `RecordError`."""
    return list(record_io.read_records(path, stage="load"))


def load(path: str | Path) -> Frames:
    """Load a claims run: `quotes, treaties, sentences = pipeline.load("out/claims.jsonl")`.

    The returned `Frames` also has `.articles`. Columns are typed (strings, nullable ints,
    categories); `treaties` has one row per (mention, date), `date` empty for undated mentions.
    """
    return records_to_frames(read_records(path))
