"""The report's tables, computed from frames: they take `Corpus` tables or `pipeline.load` frames."""

from __future__ import annotations

from collections import Counter

import pandas as pd

NO_SPEAKER = "(no speaker)"


def timeline_events(treaties: pd.DataFrame) -> pd.DataFrame:
    """One row per (treaty, date, event) of the dated mentions, with `mentions`, `articles` and a
    `label` such as "2018-10 withdrawal"; sorted by treaty and date.

    Takes `Corpus.events` or `pipeline.load(...).treaties`. The event of a date is the date's own
    (`date_event`), else the mention's.
    """
    dated = treaties[treaties["date"].notna()]
    event = (
        dated["date_event"].astype(object).where(dated["date_event"].notna(), dated["event"].astype(object))
    )
    frame = pd.DataFrame(
        {
            "treaty": dated["treaty"].astype(str),
            "date": dated["date"].astype(str),
            "event": event.fillna("unspecified").astype(str),
            "article": dated["article"].astype(str),
        }
    )
    out = (
        frame.groupby(["treaty", "date", "event"])
        .agg(mentions=("article", "size"), articles=("article", "nunique"))
        .reset_index()
    )
    out["label"] = out["date"] + " " + out["event"].str.replace("_", " ")
    return out.sort_values(["treaty", "date", "event"]).reset_index(drop=True)


def speaker_treaty_matrix(quotes: pd.DataFrame) -> pd.DataFrame:
    """Quotes per speaker (rows) and treaty (columns): a quote counts once for every treaty in its
    `treaties` list. Unattributed quotes are the row "(no speaker)". Busiest rows and columns first.

    Takes `Corpus.quotes` or `pipeline.load(...).quotes`.
    """
    q = quotes[["speaker", "quote_id", "treaties"]].explode("treaties").dropna(subset=["treaties"])
    if q.empty:
        return pd.DataFrame(dtype=int)
    q = q.assign(speaker=q["speaker"].astype(object).fillna(NO_SPEAKER), treaties=q["treaties"].astype(str))
    matrix = q.pivot_table(
        index="speaker", columns="treaties", values="quote_id", aggfunc="nunique", fill_value=0
    )
    rows = matrix.sum(axis=1).sort_values(ascending=False, kind="stable").index
    cols = matrix.sum(axis=0).sort_values(ascending=False, kind="stable").index
    return matrix.loc[rows, cols].astype(int)


def speaker_summary(quotes: pd.DataFrame) -> pd.DataFrame:
    """One row per attributed speaker: `quotes`, `articles`, `treaty_quotes` (quotes touching any
    treaty) and `treaties` (a Counter of the treaties touched); speakers with treaty quotes first."""
    q = quotes[quotes["speaker"].notna()]
    if q.empty:
        return pd.DataFrame(columns=["speaker", "quotes", "articles", "treaty_quotes", "treaties"])
    q = q.assign(speaker=q["speaker"].astype(str), on_treaty=q["treaties"].map(bool))
    out = (
        q.groupby("speaker")
        .agg(quotes=("quote_id", "size"), articles=("article", "nunique"), treaty_quotes=("on_treaty", "sum"))
        .reset_index()
    )
    touched = q[["speaker", "treaties"]].explode("treaties").dropna()
    counts: dict[str, Counter] = {}
    for (speaker, treaty), n in touched.groupby(["speaker", "treaties"]).size().items():
        counts.setdefault(speaker, Counter())[treaty] = int(n)
    out["treaties"] = [counts.get(s, Counter()) for s in out["speaker"]]
    out["treaty_quotes"] = out["treaty_quotes"].astype(int)
    return out.sort_values(
        ["treaty_quotes", "quotes", "speaker"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)
