"""Merging the model's attributions with the rules' quotes into one list of `doc._.quotes`.

The model finds what the rules miss (beliefs, intentions, nominal content, the exact edges of a
reported clause); the rules know quotation marks and cue-verb parses. Which wins where was chosen on
the tune tenth of PolNeAR train (`POLICIES`, the component's `merge` setting):

- A model content that overlaps a rules' direct quotation takes the quotation's edges: the marks
  decide where a direct quote starts and ends. Its cue and speaker are the model's, or the rule's
  where the model found none.
- "union" also keeps every rules' quote that no model content overlaps; "model" keeps only the
  model's contents.
- "add-said" adds only the model's attributions that read as said (`reads_as_said`); "add-said+edges"
  (the default) also gives the rules' quotes the model's source and cue edges (`with_model_edges`).
- "add" keeps the rules' quotes as they are and adds the model's attributions that no rule quote
  touches (not bare quotations: the rules decide those).
- "polnear" keeps only the model's contents, as PolNeAR's annotators draw them (`--convention
  polnear`): a quotation's marks decide its edges only where the model's content lies inside it (a
  fragment, or one piece of a quote that "he said" interrupts, which the annotators draw as one
  content); a content that reaches past the marks keeps the model's edges (`whether Clinton “has the
  integrity …”`, `that “he loves you.”`). A content with a cue and no source is kept with no
  speaker (`UNSOURCED_POLICIES`), as PolNeAR draws it.

Every merged quote says in `how` what found it: `model`, `model+marks` (the model's attribution
with a quotation's edges), or the rule's own name for a rules' quote kept as it was.
"""

from __future__ import annotations

import bisect
from collections import Counter

from spacy.tokens import Doc, Span

from ...doc.index import text_of
from ...eval.score import char_set, jaccard
from ...knowledge import load_knowledge
from ..quotes.cues import of_according_to, says_outright
from ..quotes.marks import ALL_MARKS
from ..quotes.sources import mention_for
from ..speakers import SUBJECT_DEPS

POLICIES = ("add-said+edges", "add-said", "add", "union", "model", "polnear")
#: The policy each annotation convention (`RunConfig.convention`) merges with, chosen on the tune
#: tenth and arms-control dev (see README, Quality).
MERGE_FOR_CONVENTION = {"claims": "add-said+edges", "polnear": "polnear", "cofenet": "polnear"}
#: The policies that keep a model content whose source nobody names: PolNeAR's annotators draw an
#: attribution whose source the sentence leaves implicit ("It is widely expected that …", "Support
#: for the deal grew"), so its conventions keep one with no speaker, if it has a cue (tune tenth,
#: one quote per piece, CofeNet-protocol exact F: content 66.8 -> 67.0, cue 71.3 -> 71.6; and
#: content 67.6 -> 67.7 without the ten with no cue either).
UNSOURCED_POLICIES = ("polnear",)
#: The policies that add only model attributions that read as said (`reads_as_said`).
SAID_POLICIES = ("add-said+edges", "add-said")
# A model content added by "add-said" has at least this many words.
SAID_MIN_WORDS = 4
#: The key under which a rules' quote carries the model's source edges to the speaker resolver.
MODEL_SOURCE = "model_source"
# A cue verb's children that are what it reports (`cue_reports_elsewhere`).
REPORTED_DEPS = ("ccomp", "xcomp")
# Quotes whose edges the marks decide.
MARKED_KINDS = ("direct",)


def _overlap(a: tuple[int, int], b: tuple[int, int]) -> int:
    return max(0, min(a[1], b[1]) - max(a[0], b[0]))


def _span(doc: Doc, span: tuple[int, int] | None) -> dict | None:
    if span is None:
        return None
    return {"start": span[0], "end": span[1], "text": text_of(doc)[span[0] : span[1]]}


def speaker_of(doc: Doc, source: tuple[int, int]) -> dict | None:
    """The speaker dict of a source span: the speaker mention of its head word, as the rules name it."""
    span = doc.char_span(source[0], source[1], alignment_mode="expand")
    if span is None or not len(span):
        return None
    found = mention_for(doc, span.root)
    if found is None:
        return {"name": span.text, "start": span.start_char, "end": span.end_char, "text": span.text}
    # The record's speaker is the source the model marked, named as the rules name that mention.
    return {"name": found["name"], "start": span.start_char, "end": span.end_char, "text": span.text}


def _clear_of(span: dict | None, spans: list[tuple[int, int]]) -> dict | None:
    """`span` unless it overlaps one of `spans`."""
    if span is None or any(_overlap((span["start"], span["end"]), s) for s in spans):
        return None
    return span


def kind_of(text: str, start: int, end: int) -> str:
    """direct: wholly inside quotation marks; mixed: holds some; indirect: none."""
    inner = text[start:end]
    marks = [c for c in inner if c in ALL_MARKS]
    if not marks:
        return "indirect"
    if inner[:1] in ALL_MARKS and inner.rstrip(".,;:!? ")[-1:] in ALL_MARKS and len(marks) == 2:
        return "direct"
    return "mixed"


def model_quote(
    doc: Doc, att: dict, rule: dict | None, marks_only_inside: bool = False, contents: list = ()
) -> dict:
    """A `doc._.quotes` entry for one model attribution, with a rule quote's edges where marks decide.

    With `marks_only_inside`, a content that starts or ends outside the rule's quotation keeps its own
    edges (the "polnear" policy). `contents` are the model's contents in the doc, which a rule's
    speaker or cue standing in may not overlap (the attribution's own is always among them).
    """
    start, end = att["content"]
    how = "model"
    marked = rule is not None and rule["kind"] in MARKED_KINDS
    if marked and marks_only_inside:
        marked = rule["start"] <= start and end <= rule["end"]
    if marked:
        start, end, how = rule["start"], rule["end"], "model+marks"
    speaker = speaker_of(doc, att["source"]) if att.get("source") else None
    cue = _span(doc, att.get("cue"))
    if rule is not None:
        # The rule's speaker and cue stand in only clear of the model's contents, which the model
        # tags one role to a word, as PolNeAR's annotators do: one on a content is a nested
        # attribution's ("telling his aides [he] planned …") or a piece's ("[Nabisco] is expected
        # [to cut 277 workers]"). One between a quotation's pieces is clear ("“A,” Holt said, “B.”").
        contents = [*contents, att["content"]]
        speaker = speaker or _clear_of(rule.get("speaker"), contents)
        cue = cue or _clear_of(rule.get("cue"), contents)
    kind = rule["kind"] if how == "model+marks" else kind_of(text_of(doc), start, end)
    return {
        "start": start,
        "end": end,
        "kind": kind,
        "closed": True,
        "speaker": speaker,
        "cue": cue,
        "how": how,
    }


def merge(doc: Doc, rule_quotes: list[dict], atts: list[dict], policy: str = "add") -> list[dict]:
    """The quotes of `doc`: the model's attributions, merged with the rules' by `policy` (`POLICIES`)."""
    if policy == "add":
        return add_unfound(doc, rule_quotes, atts)
    if policy in SAID_POLICIES:
        if policy == "add-said+edges":
            by_start = sorted(atts, key=lambda a: a["content"])
            ends = [a["content"][1] for a in by_start]
            rule_quotes = [with_model_edges(doc, q, by_start, ends) for q in rule_quotes]
        said = [without_that(doc, a) for a in atts if reads_as_said(doc, a)]
        return add_unfound(doc, rule_quotes, said)
    used: set[int] = set()
    out = []
    bests = [_best_overlap(att["content"], rule_quotes) for att in atts]
    split = _quoted_by_several(atts, bests, rule_quotes) if policy == "polnear" else set()
    contents = [att["content"] for att in atts]
    for i, (att, best) in enumerate(zip(atts, bests, strict=True)):
        if best is not None:
            used.add(best)
        rule = rule_quotes[best] if best is not None and i not in split else None
        quote = model_quote(doc, att, rule, marks_only_inside=policy == "polnear", contents=contents)
        if quote["speaker"] is None and (policy not in UNSOURCED_POLICIES or quote["cue"] is None):
            # Like the rules, a content nobody is named as saying is left out; under PolNeAR's
            # conventions, one that nothing reports either (every PolNeAR attribution has a cue).
            continue
        out.append(quote)
    if policy == "union":
        out += [q for i, q in enumerate(rule_quotes) if i not in used]
    return _unique(out)


def _quoted_by_several(atts: list[dict], bests: list[int | None], quotes: list[dict]) -> set[int]:
    """The attributions whose rules' quotation the marks may not decide, as it holds another
    attribution that has another cue or that reaches past its marks.

    The rules join quotations that follow one another into one quote ("X." The candidate
    reiterated: "Y."); the marks decide such a quotation's edges only when every model content in it
    has the one cue ("X," he said. "Y."), which PolNeAR draws as one attribution, and lies inside it.
    Where a content starts before the marks (`Rubio "apologized …," Hannity said. "I think …"`), the
    quotation's edges would make the next content cross it, so each content keeps its own edges, and
    its own cue and source.
    """
    cues: dict[int, set] = {}
    outside: set[int] = set()
    for att, best in zip(atts, bests, strict=True):
        if best is None:
            continue
        if att.get("cue"):
            cues.setdefault(best, set()).add(tuple(att["cue"]))
        start, end = att["content"]
        if not (quotes[best]["start"] <= start and end <= quotes[best]["end"]):
            outside.add(best)
    members = Counter(best for best in bests if best is not None)
    return {
        i
        for i, best in enumerate(bests)
        if best is not None and (len(cues.get(best, ())) > 1 or (best in outside and members[best] > 1))
    }


def add_unfound(doc: Doc, rule_quotes: list[dict], atts: list[dict]) -> list[dict]:
    """The rules' quotes as they are, plus each model attribution whose content no rule quote
    touches, has a source, and holds no quotation mark: the rules decide everything quoted (a
    quotation they left out is a title or a scare quote; on the seed article, model contents with
    marks took speaker tagging from 0.91 to 0.83)."""
    out = list(rule_quotes)
    for att in atts:
        if not att.get("source") or _best_overlap(att["content"], rule_quotes) is not None:
            continue
        quote = model_quote(doc, att, None)
        if quote["speaker"] is None or quote["kind"] != "indirect":
            continue
        out.append(quote)
    return _unique(out)


def _overlapping(span: tuple[int, int], by_start: list[dict], ends: list[int]) -> list[dict]:
    """The attributions of `by_start` (model contents: disjoint, in text order; `ends` their
    content ends) whose content overlaps `span`. A bisection: a long article's thousands of quotes
    cost no pairs."""
    first = bisect.bisect_right(ends, span[0])
    out = []
    for att in by_start[first:]:
        if att["content"][0] >= span[1]:
            break
        out.append(att)
    return out


def with_model_edges(doc: Doc, quote: dict, by_start: list[dict], ends: list[int]) -> dict:
    """A rules' quote with the source and cue edges of the model attribution that matches it: the
    rules decide what was said and by whom, the model where the source and cue phrases start and end
    (the rules mark a name or one verb; annotators mark "Russian Foreign Minister Sergei Lavrov",
    "has repeatedly said"). The content keeps the rules' edges: the model's start at "that", which
    PolNeAR's annotators include and the arms-control annotators leave out (measured: arms-control
    end-to-end F 0.801 -> 0.769 with the model's content edges)."""
    span = (quote["start"], quote["end"])
    # The model attribution whose content shares most with the quote's (any share: a half-overlap
    # threshold, the scorers' match, measured 1.6 points lower in source F on the tune tenth).
    text = text_of(doc)
    chars = char_set(text, [span])
    att = max(
        _overlapping(span, by_start, ends),
        key=lambda a: jaccard(char_set(text, [a["content"]]), chars),
        default=None,
    )
    if att is None:
        return quote
    out = dict(quote)
    speaker, source = quote.get("speaker"), att.get("source")
    if speaker and source and _overlap((speaker["start"], speaker["end"]), source):
        content = content_beside(text, (out["start"], out["end"]), source)
        if content is not None:
            # Moved by the speaker resolver once it has named the speaker from the rules' mention:
            # a longer phrase ("Russian Foreign Minister Sergei Lavrov") would change whom it names.
            out["start"], out["end"] = content
            out[MODEL_SOURCE] = source
    cue, model_cue = quote.get("cue"), att.get("cue")
    if cue and model_cue and _overlap((cue["start"], cue["end"]), model_cue):
        content = content_beside(text, (out["start"], out["end"]), model_cue)
        if content is not None:
            out["start"], out["end"] = content
            out["cue"] = {**cue, **_span(doc, model_cue)}
    return out


def content_beside(text: str, content: tuple[int, int], phrase: tuple[int, int]) -> tuple[int, int] | None:
    """The content's edges once `phrase` (a source or cue) stands beside it, None if it cannot.

    A phrase over the content's first or last words ("voiced confidence" where the rules' content
    is "confidence in …") moves that edge past it, as annotators draw it. One inside the content is
    the speaker or cue of a quotation the rules took whole across its interruption ("“X,” Mr. Rubin
    said. “Y.”"): the content stays. One over all of it cannot stand beside it.
    """
    start, end = content
    if not _overlap(phrase, content):
        return content
    if phrase[0] <= start < phrase[1] < end:
        start = phrase[1] + len(text[phrase[1] : end]) - len(text[phrase[1] : end].lstrip())
    elif start < phrase[0] < end <= phrase[1]:
        end = start + len(text[start : phrase[0]].rstrip())
    elif start < phrase[0] and phrase[1] < end:
        return content
    else:
        return None
    return (start, end) if start < end else None


def reads_as_said(doc: Doc, att: dict) -> bool:
    """Does a model attribution read as something said, as news readers count it: a clause with a
    subject and verb of its own, cued by a verb of saying of the rules' lexicon? PolNeAR also
    counts beliefs, plans and evaluations ("wants a European agenda", "praised the statement"),
    which the arms-control annotators, like the seed's, count as narration."""
    content = doc.char_span(*att["content"], alignment_mode="expand")
    cue = doc.char_span(*att["cue"], alignment_mode="expand") if att.get("cue") else None
    if content is None or cue is None:
        return False
    # A pronoun or quantifier the speakers stage did not resolve ("It", "Some") names nobody, as
    # for the rules.
    source = doc.char_span(*att["source"], alignment_mode="expand") if att.get("source") else None
    if source is None or not len(source):
        return False
    if source.root.pos_ in ("PRON", "DET"):
        named = mention_for(doc, source.root)
        if not (named and named["known"]):
            return False
    if sum(not t.is_punct for t in content) < SAID_MIN_WORDS:
        return False
    inside = range(content.start, content.end)
    clause = any(
        t.pos_ in ("VERB", "AUX") and any(c.dep_ in SUBJECT_DEPS and c.i in inside for c in t.children)
        for t in content
    )
    # The cue's head word ("has publicly stated" -> state). A clause-only verb ("known as") is no
    # verb of saying here, since the model drew the clause; "according to X" is the rules'
    # (`according`), which know its source from its content.
    return (
        clause
        and says_outright(load_knowledge(), cue.root)
        and not of_according_to(cue.root)
        and not cue_reports_elsewhere(content, cue)
        and not cue_has_other_subject(cue, source)
    )


def cue_has_other_subject(cue: Span, source: Span) -> bool:
    """Does the cue verb have a subject of its own, a noun phrase apart from the source the model
    linked to it? Then the source is someone else, from another clause ("Russia has been aware of
    it. No evidence suggests otherwise, none cited by …": nothing there is Russia's). A relative
    or personal pronoun ("who said", "he said") stands for the source and is no other subject."""
    for child in cue.root.children:
        if child.dep_ in SUBJECT_DEPS and child.pos_ in ("NOUN", "PROPN"):
            return child.right_edge.i < source.start or source.end <= child.left_edge.i
    return False


def without_that(doc: Doc, att: dict) -> dict:
    """The attribution with its content after a leading "that" ("arguing [that] Iran was not
    complying"): this convention's reported clause starts after it, as the rules draw theirs and
    the arms-control annotators and the seed's do; PolNeAR's starts at it."""
    content = doc.char_span(*att["content"], alignment_mode="expand")
    if content is None or len(content) < 2 or content[0].lower_ != "that" or content[0].dep_ != "mark":
        return att
    return {**att, "content": (content[1].idx, att["content"][1])}


def cue_reports_elsewhere(content: Span, cue: Span) -> bool:
    """Is the cue one that cannot introduce this unquoted content? It stands in a later sentence
    ("Trump's stance is likely to jeopardise it. The leader said …": the leader's words follow), or
    in a relative clause on a word of the content ("a joint statement, which Choe said amounted to
    interference"), whose own complement is what it reports. A content before its cue is not what
    the cue reports when the cue's own clausal complement follows it ("If this occurs, he asked them
    to monitor it": the asking is "to monitor it")."""
    if content.end <= cue.root.sent.start:
        return True
    if content.end <= cue.start and any(c.dep_ in REPORTED_DEPS and c.i >= cue.end for c in cue.root.rights):
        return True
    for word in (cue.root, *cue.root.ancestors):
        if word.dep_ == "relcl":
            return content.start <= word.head.i < content.end
    return False


def _best_overlap(content: tuple[int, int], quotes: list[dict]) -> int | None:
    """The index of the quote sharing most characters with `content`, None if none shares any."""
    best, best_overlap = None, 0
    for i, q in enumerate(quotes):
        shared = _overlap(content, (q["start"], q["end"]))
        if shared > best_overlap:
            best, best_overlap = i, shared
    return best


def _unique(quotes: list[dict]) -> list[dict]:
    """One quote per span, in text order: two model contents may take the same quotation's edges."""
    seen, out = set(), []
    for q in sorted(quotes, key=lambda q: (q["start"], q["end"])):
        if (q["start"], q["end"]) not in seen:
            seen.add((q["start"], q["end"]))
            out.append(q)
    return out
