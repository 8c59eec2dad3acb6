"""Merging interrupted quotations: "“A,” he said, “B.”" is one quote, and so is a quotation that goes
on into the next paragraph."""

from __future__ import annotations

from spacy.tokens import Doc

from ...doc.index import sentence_of, text_of
from ...knowledge import Knowledge
from ..speakers import SUBJECT_DEPS
from .candidate import Attribution, Candidate
from .cues import is_cue
from .filters import inner_text, is_title

# Dependents of a cue that may stand between two parts of one quotation ("“A,” he also told CNN, “B”").
CUE_CLAUSE_DEPS = {"advmod", "aux", "neg", "npadvmod", "prt", "dobj", "dative"}
# Prepositions that may hang on a cue inside an interrupted quotation ("said in an interview").
CUE_PREPOSITIONS = {
    "in",
    "on",
    "at",
    "during",
    "after",
    "before",
    "to",
    "from",
    "with",
    "via",
    "by",
    "of",
    "about",
    "for",
    "over",
    "while",
    "outside",
    "inside",
    "near",
}


def is_cue_clause(kb: Knowledge, doc: Doc, start: int, end: int) -> bool:
    """Is text[start:end] nothing but punctuation or a cue clause (", Lavrov said, ")?"""
    if not text_of(doc)[start:end].strip(" \n,.;:—–-"):
        return True
    span = doc.char_span(start, end, alignment_mode="contract")
    if span is None or not len(span):
        return False
    words = {t.i for t in span if not t.is_punct and not t.is_space}
    cues = [doc[i] for i in words if is_cue(kb, doc[i])]
    # One cue: "said Weaver, who said business … fail" holds a second attribution, not a pause.
    if len(cues) != 1:
        return False
    for cue in cues:
        allowed = {cue.i}
        for child in cue.children:
            # The speaker with its apposition ("Roy Hermann, 65, who caucused for Sanders"), and
            # what hangs on the verb ("also", "told reporters", "said in an interview on
            # Tuesday", "citing participants"); not a clause of its own or "despite …".
            if (
                child.dep_ in SUBJECT_DEPS | CUE_CLAUSE_DEPS
                or (child.dep_ == "prep" and child.lower_ in CUE_PREPOSITIONS)
                or (child.dep_ == "advcl" and child.tag_ == "VBG")
            ):
                allowed |= {t.i for t in child.subtree}
        if words <= allowed:
            return True
    return False


def merge_interrupted(kb: Knowledge, doc: Doc, body, direct: list[Candidate]) -> list[Candidate]:
    """One attribution for a quotation interrupted by its cue ("“A,” he said, “B.”"), or one that
    goes on into the next paragraph: the quote runs from the first mark to the last."""
    out: list[Candidate] = []
    for q in direct:
        last = out[-1] if out else None
        if last is not None:
            spk_a, spk_b = last.att.speaker, q.att.speaker
            same = spk_a and spk_b and spk_a["name"] == spk_b["name"]
            next_par = q.par == last.par + 1 and q.start == body[q.par][0]
            goes_on = (
                next_par
                and (
                    last.continues
                    # "“…,” Clinton said.¶“And that’s why …”": a paragraph that goes on quoting the
                    # speaker whose cue closed the paragraph before (not after a bare quotation).
                    or (
                        q.att.how == "continued"
                        and same
                        and text_of(doc)[last.end : body[last.par][1]].strip(" .,")
                        and is_cue_clause(kb, doc, last.end, body[last.par][1])
                    )
                )
            )
            between_cue = cue_between(last, q)
            # "“A,” said Tom Rath, who had endorsed Kasich. “B.”": the second quotation has no cue of
            # its own and goes on from the cue between them, however much that sentence adds.
            follows_cue = (
                between_cue is not None
                and q.att.how == "paragraph"
                and next_sentence(doc, between_cue.cue["start"], q.start)
            )
            interrupted = (
                q.par == last.par
                # A title is where the words were said (“…,” Trump said on ABC's "Good Morning
                # America." "She's …"), no piece of them.
                and not any(is_title(inner_text(doc, c)) for c in (last, q))
                # A line break between two quotations separates them, even inside a paragraph.
                and "\n" not in text_of(doc)[last.end : q.start]
                and (
                    follows_cue
                    or (
                        is_cue_clause(kb, doc, last.end, q.start)
                        # Two quotations side by side are one only from one speaker; with a cue
                        # clause between them, that cue's speaker speaks both ("“A,” Christie
                        # said. “B.”").
                        and (same or between_cue is not None)
                        # …unless the second has a cue of its own past the first's: "“A,” Lavrov
                        # said. “B,” Shoigu said." is two attributions, and so is "…,” he added."
                        and not has_own_cue(doc, last, q)
                    )
                )
            )
            if goes_on or interrupted:
                keep = between_cue or (last.att if last.att.speaker else q.att)
                if keep.how not in ("cue", "dialogue") and q.att.how in ("cue", "dialogue"):
                    keep = q.att
                last.end, last.closed, last.continues, last.par, last.att = (
                    q.end,
                    q.closed,
                    q.continues,
                    q.par,
                    keep,
                )
                continue
        out.append(q)
    return out


def next_sentence(doc: Doc, cue_char: int, quote_char: int) -> bool:
    """Does the quotation at `quote_char` open the sentence right after the cue's?"""
    cue, quote = sentence_of(doc, cue_char), sentence_of(doc, quote_char)
    return cue is not None and quote is not None and quote.start == cue.end


def has_own_cue(doc: Doc, a: Candidate, b: Candidate) -> bool:
    """Is `b` attributed by a cue of its own sentence, not by the one between `a` and `b`?

    A cue the next sentence lends (“…” She noted a rally …) is that sentence's report, not `b`'s."""
    cue = b.att.cue
    if b.att.how != "cue" or cue is None or a.end <= cue["start"] < b.start:
        return False
    sents = (sentence_of(doc, cue["start"]), sentence_of(doc, b.start), sentence_of(doc, b.end - 1))
    if any(sent is None for sent in sents):
        return False
    return sents[0].start in {sents[1].start, sents[2].start}


def cue_between(a: Candidate, b: Candidate) -> Attribution | None:
    """The attribution of `a` or `b` whose cue stands between the two quotations."""
    for att in (a.att, b.att):
        if att.how == "cue" and att.cue and a.end <= att.cue["start"] < b.start:
            return att
    return None
