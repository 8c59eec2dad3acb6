"""Stage 4, quotes: attributed quotations, direct, mixed and indirect, each with its speaker and cue.

Direct quotes are found from quotation marks (curly, straight, « », „ “, ‘ ’, and the doubled
apostrophes of wire copy) paragraph by paragraph. A quotation left unclosed is closed at the end of
its clause and never runs into the next paragraph, except by the convention of a quote that goes on
in the next paragraph (which re-opens with a mark). A quotation interrupted by its cue ("“A,” he
said, “B.”") is one quote.

Each quote is attributed by the first rule that applies, in this order (the rule is kept in `how`):
1. `dialogue`: a paragraph that opens with `Name:` and a quotation (`Putin: “Good,”`).
2. `introduced`: a paragraph that opens with the quotation after one ending in a colon or an
   introducer ("adding:", "saying").
3. `cue`: a verb of saying outside the quotation in its sentence, nearest first; its subject, else the
   `according to X` of the sentence, else the subject it shares with the verb it depends on.
4. `sentence` / `paragraph`: an earlier quote of the same sentence or paragraph.
5. `continued`: a paragraph that opens with a quotation (or a list item) continues the last speaker
   named with a cue, if that was within the two paragraphs before.
6. `subject`: a speaker mention that is the subject of the sentence (`Russia’s Defense Ministry “proposed…”`).
A quotation none of these attributes is not kept: it is a headline, a title or a scare quote.

Reported speech is `X said (that) Y`, `Y, X said`, `according to X, Y` and `Y, according to X`, the
complement of a cue verb ("urged them to …"), and a paragraph led by a name and a colon. A reported
clause holding short quotations is one `mixed` attribution. Rules and thresholds were chosen on the
PolNeAR train split (see `models/cues.yml`).

Where the trained role tagger ran (`pipeline/roles.py`), it adds reported content no rule found
(`how: "tagged"`): the complement of a verb it reads as a cue, and runs of words it reads as content.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass

import numpy
from spacy.language import Language
from spacy.strings import hash_string
from spacy.tokens import Doc, Span, Token

from ...doc.extensions import guarded
from ...doc.index import doc_index, lemma_values, text_of
from ...knowledge import Knowledge, load_knowledge
from ..roles.tagger import ROLE_LABELS
from ..speakers import SUBJECT_DEPS, normalise_name
from ..treaties import find_named_mentions

# Double quotation marks. A mark that opens, one that closes, and ones that do either (straight
# quotes, and the doubled apostrophes of wire and NYT copy: ''like this'').
DOUBLE_MARK = re.compile(r"''|``|[“”«»„\"‹›]")
OPENS = {"“": '”"', "«": "»", "„": "“”", "‹": "›", "``": "''\"", '"': '"”', "''": "''"}
AMBIGUOUS = {'"', "''"}
SINGLE_OPENERS = {"‘": "’", "‚": "‘’"}
ALL_MARKS = set('“”«»„"‹›‘’‚')
DIALOGUE = re.compile(r"^(?P<name>[A-Z][\w.’'-]+(?:\s+[A-Z][\w.’'-]+){0,3})\s*:\s*(?:[“\"«„]|'')")
# A paragraph led by a name (or Q/A of an interview) and a colon, not by a label of the page.
COLON_LEAD = re.compile(r"(?P<name>[A-Z][\w.’'-]*(?:\s+[A-Z][\w.’'-]*){0,3})\s*:\s+(?=\S)")
LIST_ITEM = re.compile(r"^(?:\d{1,2}[.)]|[-•*–])\s+")
DASH = re.compile(r"\s[–—]\s|\s--\s")
SENTENCE_END = re.compile(r"[.!?](?=\s+[A-Z“\"(]|\s*$)")
# Pronouns that can stand for a source ("who said …" names the source by its relative pronoun).
SPEAKING_PRONOUNS = {"i", "we", "you", "he", "she", "they", "who", "one", "someone", "anyone", "everyone"}
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
# Dependents that make up what a cue verb reports, when it has no clause complement.
COMPLEMENT_DEPS = {"dobj", "xcomp", "prep", "oprd", "attr", "acomp", "dative", "obj"}
# A plain (unquoted) complement counts only with a clause in it ("urged X to …", "vowed to …").
CLAUSAL_DEPS = {"xcomp", "ccomp", "prep"}
# A verb's complement is left out when less than this share of them matched PolNeAR train's gold.
COMPLEMENT_MIN_SHARE = 0.3
# A verb's complement is reported content only if the verb is a cue this often in PolNeAR train.
COMPLEMENT_MIN_PRECISION = 0.15
# Attribution rules that carry a speaker from elsewhere; their speaker span is moved to the mention
# of that speaker nearest the quotation.
CARRIED_RULES = {"continued"}
# A reported clause less than this share of which is quoted is one mixed attribution. PolNeAR marks
# the whole clause as the content even when most of it is quoted (on train, 0.9 beat 0.5 by 0.011
# e2e F over all attributions and 0.024 on the quoted ones).
MIXED_SHARE = 0.9
# …but content before its cue ("The treaty dissolved because of “…,” Lavrov explained") is mixed
# only when less than half of it is quoted: there the quotation is what the seed's readers attribute.
MIXED_SHARE_FRONTED = 0.5
# A quotation of at most this many words, all in title case, is a title (`is_title`).
TITLE_MAX_WORDS = 8
PARAGRAPH_OPENS_QUOTE = re.compile(r"^(?:''|``|[“«„\"‘])")
# Where the trained role tagger runs (pipeline/roles.py), it finds reported content the rules miss.
# The thresholds were chosen on the tenth of PolNeAR train the tagger was not fitted on
# (`make train-attribution`), within what keeps the seed's bars: its annotators count "declared its
# intention to …" and "voted against the Act" as the writer's narration, PolNeAR as attributions.
# - A verb the tagger reads as a cue with at least this probability, and no rule attributed through:
#   its complement (as parsed) is reported content if the tagger reads at least
#   TAGGED_CUE_SHARE of its (at least TAGGED_CUE_WORDS) words as content. On the tenth, e2e F over
#   all attributions 0.560 -> 0.570 (0.5 and 0.3 gave 0.579, and took the seed under its bar).
TAGGED_CUE_MIN = 0.9
TAGGED_CUE_SHARE = 0.3
TAGGED_CUE_WORDS = 3
# - A run of at least this many words it reads as content, in a sentence where it also reads a cue
#   and a source, is reported content; shorter runs read the seed's narration as speech.
TAGGED_MIN_WORDS = 10


def within(quotes: list[dict]):
    """A test of whether a character offset falls inside one of `quotes`."""
    return lambda i: any(q["start"] <= i < q["end"] for q in quotes)


@dataclass
class QuoteSpan:
    start: int
    end: int
    closed: bool
    # Left open at the paragraph's end because the next paragraph goes on with the same quotation.
    continues: bool = False


def _is_word_start(text: str, i: int, lo: int) -> bool:
    return i == lo or text[i - 1].isspace() or text[i - 1] in "([{—–-/:;,"


def _single_quotes(text: str, lo: int, hi: int, taken: list[QuoteSpan]) -> list[QuoteSpan]:
    """‘Single-quoted’ spans outside double quotations; an apostrophe (a letter follows) never closes."""
    spans = []
    i = lo
    while i < hi:
        if (
            text[i] in SINGLE_OPENERS
            and _is_word_start(text, i, lo)
            and not any(q.start <= i < q.end for q in taken)
        ):
            closers = SINGLE_OPENERS[text[i]]
            j = i + 1
            while j < hi and not (
                text[j] in closers
                and (j + 1 >= hi or not text[j + 1].isalpha())
                and not text[j - 1].isspace()
            ):
                j += 1
            if i + 2 < j < hi:
                spans.append(QuoteSpan(i, j + 1, True))
                i = j + 1
                continue
        i += 1
    return spans


def find_quote_spans(text: str, lo: int, hi: int, clause_end, next_opens_quote: bool) -> list[QuoteSpan]:
    """Quotations within text[lo:hi] (one paragraph). `clause_end(start)` closes an unclosed one.

    Marks are paired left to right. An opening mark met again before any closing one means the first
    quotation was never closed: it is closed at the end of its clause. A quotation still open at the
    paragraph's end runs to the end of the paragraph when the next paragraph opens with a quotation
    mark (the convention for a quote that goes on), else it is closed at the end of its clause.
    """
    spans: list[QuoteSpan] = []

    def close_unclosed(start: int, limit: int) -> None:
        end = len(text[: min(clause_end(start), limit)].rstrip())
        if end > start + 1:
            spans.append(QuoteSpan(start, end, False))

    open_at, open_mark = None, ""
    for m in DOUBLE_MARK.finditer(text, lo, hi):
        mark, i = m.group(), m.start()
        if open_at is None:
            word_start = _is_word_start(text, i, lo) or (m.end() < hi and text[m.end()].isalnum())
            if mark in OPENS and (mark not in AMBIGUOUS or word_start):
                open_at, open_mark = i, mark
            continue
        if mark in OPENS[open_mark] or (open_mark in AMBIGUOUS and mark in "”''"):
            spans.append(QuoteSpan(open_at, m.end(), True))
            open_at = None
        elif mark == open_mark and mark not in AMBIGUOUS:
            close_unclosed(open_at, i)
            open_at = i
    if open_at is not None:
        if next_opens_quote:
            spans.append(QuoteSpan(open_at, len(text[:hi].rstrip()), False, continues=True))
        else:
            close_unclosed(open_at, hi)
    spans += _single_quotes(text, lo, hi, spans)
    return sorted(spans, key=lambda q: q.start)


@dataclass
class Attribution:
    speaker: dict | None
    cue: dict | None
    how: str
    strong: bool


class QuoteFinder:
    """Finds quotations and reported speech in body paragraphs and attributes them."""

    def __init__(self, knowledge: Knowledge):
        self.kb = knowledge

    # ----- helpers over tokens -------------------------------------------------------------------
    def is_cue(self, token: Token) -> bool:
        # Asked of the same tokens for every sentence and every quotation nearby: answered once each.
        memo = doc_index(token.doc).memo.setdefault("cue", {})
        if token.i not in memo:
            memo[token.i] = self._is_cue(token)
        return memo[token.i]

    def _is_cue(self, token: Token) -> bool:
        lemma = token.lemma_.lower()
        if token.pos_ not in ("VERB", "AUX") and token.tag_ not in ("VBD", "VBZ", "VBG", "VBN", "VBP", "VB"):
            return False
        if lemma not in self.kb.cue_verbs:
            return False
        if lemma in self.kb.clause_only_cues:
            return any(c.dep_ in ("ccomp", "xcomp") for c in token.children)
        return True

    @staticmethod
    def according_to(sent: Span) -> Token | None:
        """The X of an `according to X` in the sentence."""
        for t in sent:
            if t.lower_ == "according":
                for to in t.children:
                    if to.lower_ == "to":
                        for obj in to.children:
                            if obj.dep_ == "pobj":
                                return obj
                nxt = t.nbor(1) if t.i + 1 < len(t.doc) else None
                if nxt is not None and nxt.lower_ == "to" and nxt.i + 1 < len(t.doc):
                    return t.doc[nxt.i + 1]
        return None

    def mention_for(self, doc: Doc, token: Token) -> dict | None:
        """The speaker mention covering `token`, else one built from its noun phrase."""
        for m in doc._.speaker_mentions or []:
            if m["start"] <= token.idx < m["end"]:
                return {
                    "name": m["name"],
                    "start": m["start"],
                    "end": m["end"],
                    "text": m["text"],
                    "known": m["how"] != "unresolved",
                }
        if token.pos_ not in ("PROPN", "NOUN", "PRON", "NUM"):
            return None
        if (
            token.lower_ in ("who", "that")
            and token.head.dep_ == "relcl"
            and token.head.head.i != token.head.i
        ):
            # "voters who said …": the source is named by "who", and is the voters.
            named = self.mention_for(doc, token.head.head)
            return {
                "name": named["name"] if named else token.text,
                "start": token.idx,
                "end": token.idx + len(token),
                "text": token.text,
                "known": bool(named and named["known"]),
            }
        left = token.left_edge
        # Keep the phrase to the left (determiners, titles, compounds); drop relative clauses etc.
        span = doc[left.i : token.i + 1]
        while len(span) > 1 and (span[0].is_punct or span[0].text in ALL_MARKS):
            span = span[1:]
        name = normalise_name(span)
        if token.pos_ == "PROPN" and " " not in name:
            # A surname the entity recogniser missed: the full name used for it elsewhere.
            full = next(
                (
                    m["name"]
                    for m in doc._.speaker_mentions or []
                    if m["kind"] == "person" and m["name"].split()[-1] == name
                ),
                None,
            )
            if full:
                return {
                    "name": full,
                    "start": span.start_char,
                    "end": span.end_char,
                    "text": span.text,
                    "known": True,
                }
        return {
            "name": name,
            "start": span.start_char,
            "end": span.end_char,
            "text": span.text,
            "known": False,
        }

    def speaker_of_cue(self, doc: Doc, cue: Token, sent: Span, inside=None) -> dict | None:
        """Who says what `cue` introduces. `inside(char)` tells positions within quotations: a
        subject the parser found inside one is a word of the quote, not its speaker."""
        inside = inside or (lambda i: False)
        for child in cue.children:
            if child.dep_ in SUBJECT_DEPS and not inside(child.idx):
                if child.lower_ in ("it", "this", "that", "which", "there"):
                    return None
                return self.mention_for(doc, child)
        # "…,” Trump said": a name just before the cue, when the parser missed the subject.
        if cue.i > sent.start:
            before = doc[cue.i - 1]
            if (
                before.pos_ in ("PROPN", "PRON")
                and not inside(before.idx)
                and before.lower_ not in ("it", "that")
            ):
                return self.mention_for(doc, before)
        acc = self.according_to(sent)
        if acc is not None:
            return self.mention_for(doc, acc)
        # "Putin agreed, saying …": share the subject of the verb this one depends on.
        head = cue
        while head.dep_ in ("advcl", "xcomp", "conj", "ccomp", "dep") and head.head.i != head.i:
            head = head.head
            for child in head.children:
                if child.dep_ in SUBJECT_DEPS:
                    m = self.mention_for(doc, child)
                    return m if m and m["known"] else None
        # "… ,” said Lavrov": an inverted subject parsed as an object or modifier.
        for t in doc[cue.i + 1 : min(cue.i + 4, sent.end)]:
            if t.ent_type_ in ("DATE", "TIME", "CARDINAL", "ORDINAL"):
                continue  # "said Wednesday": when, not who
            if t.pos_ in ("PROPN", "PRON") or t.ent_type_ in ("PERSON", "ORG"):
                return self.mention_for(doc, t)
        return None

    @staticmethod
    def _according_span(according: Token) -> dict:
        to = according.nbor(1)
        start, end = according.idx, to.idx + len(to)
        return {"start": start, "end": end, "text": text_of(according.doc)[start:end]}

    @staticmethod
    def _token_span(token: Token) -> dict:
        return {"start": token.idx, "end": token.idx + len(token), "text": token.text}

    def cue_candidates(self, doc: Doc):
        """Indices of the tokens whose lemma is a cue verb's, and of every "according": a superset of
        the cue tokens, found on arrays so that `is_cue` is asked of a few tokens, not all."""
        if not len(doc):
            return []
        in_lexicon = lemma_values(doc, self.kb.cue_verbs.__contains__, bool)
        return numpy.flatnonzero(in_lexicon | (doc.to_array("LOWER") == hash_string("according")))

    def cues_outside(self, sent: Span, inside) -> list[Token]:
        """Cue tokens of `sent` that are not within a quotation (incl. `according`)."""
        doc = sent.doc
        memo = doc_index(doc).memo
        if "cue_tokens" not in memo:
            # The doc's few cue tokens, found once; each sentence and quotation then looks up its own.
            memo["cue_tokens"] = [
                int(i)
                for i in self.cue_candidates(doc)
                if self.is_cue(doc[int(i)])
                or (doc[int(i)].lower_ == "according" and i + 1 < len(doc) and doc[int(i) + 1].lower_ == "to")
            ]
        found = memo["cue_tokens"]
        lo, hi = bisect_left(found, sent.start), bisect_left(found, sent.end)
        return [doc[i] for i in found[lo:hi] if not inside(doc[i].idx)]

    # ----- direct quotes ---------------------------------------------------------------------------
    def clause_end(self, doc: Doc, hi: int):
        """A function closing an unclosed quotation at the end of its clause within the paragraph."""

        def close(start: int) -> int:
            span = doc.char_span(start, hi, alignment_mode="expand")
            if span is not None:
                toks = list(span)
                for k, t in enumerate(toks[1:], 1):
                    if t.text in (",", ";", ":", "–", "—"):
                        nxt = toks[k + 1 : k + 4]
                        if any(
                            n.lemma_.lower() in self.kb.cue_verbs or n.lower_ in self.kb.introducers
                            for n in nxt
                        ):
                            return t.idx
            m = SENTENCE_END.search(text_of(doc), start + 1, hi)
            return m.end() if m else hi

        return close

    def attribute_direct(self, doc: Doc, par_spans, quotes_by_par) -> list[dict]:
        """Attribute every direct quote, paragraph by paragraph, carrying speakers across paragraphs."""
        results = []
        carry: Attribution | None = None
        last_strong: tuple[Attribution, int] | None = None
        text = text_of(doc)
        for p, (a, b) in enumerate(par_spans):
            qspans = quotes_by_par[p]
            inside = lambda i, qs=qspans: any(q.start <= i < q.end for q in qs)  # noqa: E731
            par_text = text[a:b]
            dialogue = DIALOGUE.match(par_text)
            prev: Attribution | None = None
            prev_sent = None
            prev_words = 0
            for q in qspans:
                att = None
                if dialogue:
                    tok = doc.char_span(a, a + len(dialogue.group("name")), alignment_mode="expand")
                    spk = self.mention_for(doc, tok.root) if tok is not None else None
                    colon = a + par_text.index(":")
                    att = Attribution(spk, {"start": colon, "end": colon + 1, "text": ":"}, "dialogue", True)
                if att is None and carry is not None and q.start == a:
                    # "…, adding:" then a quoted paragraph: the introducer names its speaker.
                    att = Attribution(carry.speaker, carry.cue, "introduced", True)
                if att is None:
                    att = self.attribute_by_cue(doc, q, inside)
                if att is None and prev is not None:
                    # The same sentence as the quote before it ("…,” including by “suspending”") is
                    # surely the same speaker; elsewhere in the paragraph only probably.
                    same = prev_sent is not None and self._sentence_start(doc, q.start) == prev_sent
                    # …as long as that quote was said, not a title ("“Lilyhammer” and “Narcos”").
                    same = same and prev_words >= 5
                    att = Attribution(
                        prev.speaker, prev.cue, "sentence" if same else "paragraph", prev.strong
                    )
                if att is None and carry is not None:
                    att = Attribution(carry.speaker, carry.cue, "introduced", True)
                opens = q.start == a or LIST_ITEM.match(par_text) is not None
                if att is None and opens and last_strong and p - last_strong[1] <= 2:
                    att = Attribution(last_strong[0].speaker, None, "continued", True)
                if att is None:
                    att = self.attribute_by_subject(doc, q, inside)
                if att is None:
                    att = Attribution(None, None, "none", False)
                if att.strong and att.speaker:
                    last_strong = (att, p)
                if att.speaker:
                    prev, prev_sent = att, self._sentence_start(doc, q.end - 1)
                    prev_words = len(text_of(doc)[q.start : q.end].split())
                results.append(
                    {
                        "start": q.start,
                        "end": q.end,
                        "closed": q.closed,
                        "att": att,
                        "par": p,
                        "continues": q.continues,
                    }
                )
            carry = self.introduced_speaker(doc, a, b, inside)
        return results

    @staticmethod
    def _sentence_start(doc: Doc, char: int) -> int | None:
        span = doc.char_span(char, char + 1, alignment_mode="expand")
        return doc_index(doc).sent_of(span[0].i).start_char if span is not None and len(span) else None

    def is_cue_clause(self, doc: Doc, start: int, end: int) -> bool:
        """Is text[start:end] nothing but punctuation or a cue clause (", Lavrov said, ")?"""
        if not text_of(doc)[start:end].strip(" \n,.;:—–-"):
            return True
        span = doc.char_span(start, end, alignment_mode="contract")
        if span is None or not len(span):
            return False
        words = {t.i for t in span if not t.is_punct and not t.is_space}
        cues = [doc[i] for i in words if self.is_cue(doc[i])]
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

    def merge_interrupted(self, doc: Doc, body, direct: list[dict]) -> list[dict]:
        """One attribution for a quotation interrupted by its cue ("“A,” he said, “B.”"), or one that
        goes on into the next paragraph: the quote runs from the first mark to the last."""
        out: list[dict] = []
        for q in direct:
            last = out[-1] if out else None
            if last is not None:
                spk_a, spk_b = last["att"].speaker, q["att"].speaker
                same = spk_a and spk_b and spk_a["name"] == spk_b["name"]
                next_par = q["par"] == last["par"] + 1 and q["start"] == body[q["par"]][0]
                goes_on = (
                    next_par
                    and (
                        last["continues"]
                        # "“…,” Clinton said.¶“And that’s why …”": a paragraph that goes on quoting the
                        # speaker whose cue closed the paragraph before (not after a bare quotation).
                        or (
                            q["att"].how == "continued"
                            and same
                            and text_of(doc)[last["end"] : body[last["par"]][1]].strip(" .,")
                            and self.is_cue_clause(doc, last["end"], body[last["par"]][1])
                        )
                    )
                )
                between_cue = self._cue_between(last, q)
                # "“A,” said Tom Rath, who had endorsed Kasich. “B.”": the second quotation has no cue of
                # its own and goes on from the cue between them, however much that sentence adds.
                follows_cue = (
                    between_cue is not None
                    and q["att"].how == "paragraph"
                    and self._next_sentence(doc, between_cue.cue["start"], q["start"])
                )
                interrupted = (
                    q["par"] == last["par"]
                    # A line break between two quotations separates them, even inside a paragraph.
                    and "\n" not in text_of(doc)[last["end"] : q["start"]]
                    and (
                        follows_cue
                        or (
                            self.is_cue_clause(doc, last["end"], q["start"])
                            # Two quotations side by side are one only from one speaker; with a cue
                            # clause between them, that cue's speaker speaks both ("“A,” Christie
                            # said. “B.”").
                            and (same or between_cue is not None)
                        )
                    )
                )
                if goes_on or interrupted:
                    keep = between_cue or (last["att"] if last["att"].speaker else q["att"])
                    if keep.how not in ("cue", "dialogue") and q["att"].how in ("cue", "dialogue"):
                        keep = q["att"]
                    last.update(
                        end=q["end"], closed=q["closed"], continues=q["continues"], par=q["par"], att=keep
                    )
                    continue
            out.append(q)
        return out

    @staticmethod
    def nearest_mention(doc: Doc, speaker: dict, q: dict, quotes: list[dict]) -> dict:
        """For a speaker carried over from elsewhere, the mention of the same speaker nearest the
        quotation, outside any quotation ("He then had a question. “Who is going to pay?”")."""
        best, best_dist = speaker, abs(speaker["start"] - q["start"])
        for m in doc._.speaker_mentions or []:
            if m["name"] != speaker["name"] or q["start"] <= m["start"] < q["end"]:
                continue
            if any(o["start"] <= m["start"] < o["end"] and o.get("kind") != "indirect" for o in quotes):
                continue
            dist = q["start"] - m["end"] if m["start"] < q["start"] else m["start"] - q["end"]
            if 0 <= dist < best_dist:
                best, best_dist = {k: m[k] for k in ("name", "start", "end", "text")}, dist
        return best

    @staticmethod
    def _next_sentence(doc: Doc, cue_char: int, quote_char: int) -> bool:
        """Does the quotation at `quote_char` open the sentence right after the cue's?"""
        index = doc_index(doc)
        cue = doc.char_span(cue_char, cue_char + 1, alignment_mode="expand")
        quote = doc.char_span(quote_char, quote_char + 1, alignment_mode="expand")
        if cue is None or quote is None or not len(cue) or not len(quote):
            return False
        return index.sent_of(quote[0].i).start == index.sent_of(cue[0].i).end

    @staticmethod
    def _cue_between(a: dict, b: dict) -> Attribution | None:
        """The attribution of `a` or `b` whose cue stands between the two quotations."""
        for att in (a["att"], b["att"]):
            if att.how == "cue" and att.cue and a["end"] <= att.cue["start"] < b["start"]:
                return att
        return None

    @staticmethod
    def is_scare_quote(doc: Doc, q: dict) -> bool:
        """A word or two in closed quotation marks, not said in a line of dialogue, after an
        introducer, or beside a longer quotation of the same sentence: a title or a scare quote."""
        inner = text_of(doc)[q["start"] : q["end"]].strip(" “”\"'‘’«»„")
        spoken = q["att"].how in ("sentence", "dialogue", "introduced") or not q["closed"]
        if spoken:
            return False
        if len(inner.split()) <= 3 and not re.search(r"[.!?,]$", inner):
            return True
        return QuoteFinder.is_title(inner)

    @staticmethod
    def is_title(inner: str) -> bool:
        """Words in title case ("Guardians of the Galaxy," “Cake Boss.”): the name of a show, a book
        or a slogan, not something said."""
        words = re.findall(r"[^\W\d_][\w’'-]*", inner)
        long_words = [w for w in words if len(w) > 3]
        # An exclamation or a question is shouted or asked ("Lock Her Up!", "Mexico!"), and one word
        # ("Savage," she said) is an answer.
        if len(long_words) < 2 or len(words) > TITLE_MAX_WORDS or re.search(r"[!?]\W*$", inner):
            return False
        # Short words ("of", "the", "a", "to") stay lower case in a title; every other word is capitalised.
        return words[0][0].isupper() and all(w[0].isupper() for w in long_words)

    def attribute_by_cue(self, doc: Doc, q: QuoteSpan, inside) -> Attribution | None:
        span = doc.char_span(q.start, q.end, alignment_mode="expand")
        if span is None:
            return None
        index = doc_index(doc)
        sents = {index.sent_of(span[0].i), index.sent_of(span[-1].i)}
        searched = [(sent, False) for sent in sents]
        # "… in Iraq.” Trump said.": the parser may start a new sentence at the cue just after the
        # closing mark; that sentence is searched too, but only after the quotation's own, however far
        # its cue ("Frazier said that X is “simply not true.” Cruz has supported …" is Frazier's).
        if span.end < len(doc) and not text_of(doc)[q.end : doc[span.end].idx].strip():
            after = index.sent_of(span.end)
            if after.start == span.end and not inside(after[0].idx) and after not in sents:
                searched.append((after, True))
        cues = []
        for sent, fallback in searched:
            for c in self.cues_outside(sent, inside):
                dist = min(abs(c.i - span.start), abs(c.i - (span.end - 1)))
                # Nearest first; on a tie the cue after the quotation ("…,” Shoigu said") wins.
                after = 0 if c.i >= span.end else 1
                cues.append((fallback, dist, after, c.i, c, sent))
        for *_, cue, sent in sorted(cues, key=lambda x: x[:4]):
            if cue.lower_ == "according":
                obj = self.according_to(sent)
                spk = self.mention_for(doc, obj) if obj is not None else None
                cue_span = self._according_span(cue)
            else:
                spk = self.speaker_of_cue(doc, cue, sent, inside)
                cue_span = self._token_span(cue)
            # A mention inside a quotation is something the speaker says, not the speaker.
            if spk and not inside(spk["start"]):
                return Attribution(spk, cue_span, "cue", True)
        return None

    def attribute_by_subject(self, doc: Doc, q: QuoteSpan, inside) -> Attribution | None:
        span = doc.char_span(q.start, q.end, alignment_mode="expand")
        if span is None:
            return None
        for t in doc_index(doc).sent_of(span[0].i):
            if t.dep_ in SUBJECT_DEPS and not inside(t.idx) and t.idx < q.start:
                m = self.mention_for(doc, t)
                if m and m["known"]:
                    return Attribution(m, None, "subject", False)
        return None

    def introduced_speaker(self, doc: Doc, a: int, b: int, inside) -> Attribution | None:
        """The speaker a paragraph hands on to the next one when it ends in "adding:" or "saying"."""
        tail = text_of(doc)[a:b].rstrip()
        words = re.findall(r"[\w’']+", tail[-40:].lower())
        # "…, adding:" or "Putin agreed, saying" hand on; "…,” he added." has said its piece.
        if not (tail.endswith(":") or (tail[-1:].isalpha() and words and words[-1] in self.kb.introducers)):
            return None
        span = doc.char_span(a, b, alignment_mode="expand")
        if span is None:
            return None
        last = doc_index(doc).sent_of(span[-1].i)
        cues = [t for t in self.cues_outside(last, inside) if t.lower_ != "according"]
        for cue in reversed(cues):
            spk = self.speaker_of_cue(doc, cue, last)
            if spk:
                return Attribution(spk, self._token_span(cue), "introduced", True)
        acc = self.according_to(last)
        if acc is not None:
            spk = self.mention_for(doc, acc)
            return Attribution(spk, None, "introduced", True) if spk else None
        for t in last:
            if t.dep_ in SUBJECT_DEPS and not inside(t.idx):
                m = self.mention_for(doc, t)
                if m and m["known"]:
                    return Attribution(m, None, "introduced", True)
        return None

    # ----- indirect speech -------------------------------------------------------------------------
    def cut_clause(
        self, doc: Doc, start: int, end: int, quotes: list[dict], at_dash: bool = True
    ) -> tuple[int, int] | None:
        """Trim reported content: stop before a dash (if `at_dash`), a quotation or a trailing "…, adding"."""
        text = text_of(doc)
        stop = end
        m = DASH.search(text, start, end) if at_dash else None
        if m:
            stop = min(stop, m.start())
        for q in quotes:
            if start <= q["start"] < stop:
                stop = q["start"]
        span = doc.char_span(start, stop, alignment_mode="expand")
        if span is not None:
            for t in span:
                if t.text in (",", ";") and t.i + 1 < len(doc):
                    nxt = doc[t.i + 1]
                    if nxt.lower_ in self.kb.introducers and nxt.tag_ in ("VBG", "VBD", "VBZ"):
                        stop = min(stop, t.idx)
                        break
        body = text[start:stop]
        stop = start + len(body.rstrip(' \n,;:.–—-“”"‘’'))
        lead = len(text[start:stop]) - len(text[start:stop].lstrip(' ,“"‘'))
        start += lead
        if stop <= start or len(text[start:stop].split()) < 3:
            return None
        return start, stop

    def find_indirect(self, doc: Doc, body_pars, direct: list[dict]) -> list[dict]:
        """Reported speech outside quotation marks: ccomp of a cue verb, and `according to X, Y`."""
        found = []
        inside_direct = within(direct)
        for a, b in body_pars:
            span = doc.char_span(a, b, alignment_mode="expand")
            if span is None:
                continue
            found += self.colon_content(doc, a, b, direct)
            for sent in doc_index(doc).sents_in(span):
                acc = self.according_to(sent)
                if acc is not None and not inside_direct(acc.idx):
                    found += self.according_content(doc, sent, acc, direct)
                for cue in self.cues_outside(sent, inside_direct):
                    if cue.lower_ == "according":
                        continue
                    comp = next(
                        # The clause's head may sit inside a quotation ("said he was “encouraged” by it").
                        (c for c in cue.children if c.dep_ == "ccomp"),
                        None,
                    )
                    if comp is None and cue.dep_ == "parataxis":
                        found += self.parenthetical_content(doc, cue, sent, direct)
                        continue
                    if comp is None:
                        found += self.complement_content(doc, cue, sent, direct)
                        continue
                    left, right = comp.left_edge, comp.right_edge
                    # "If this occurs, …, he asked": a fronted condition is not what was said.
                    if left.lower_ in ("if", "when", "as", "while", "because") and comp.i < cue.i:
                        continue
                    spk = self.speaker_of_cue(doc, cue, sent, inside_direct)
                    if spk is None or not self.can_speak(doc, spk):
                        continue
                    if left.lower_ == "that" and left.dep_ == "mark":
                        left = doc[left.i + 1]
                    # Content before its cue ("“…,” Lavrov explained") is mixed only when little of it is quoted.
                    share = MIXED_SHARE if comp.i > cue.i and cue.tag_ != "VBG" else MIXED_SHARE_FRONTED
                    reported = self.reported_span(doc, left.idx, right.idx + len(right), direct, share)
                    if reported:
                        found.append(
                            self._indirect(reported[1], spk, self._token_span(cue), "cue", reported[0])
                        )
        # One attribution per content: drop repeats and clauses nested in a larger reported clause.
        found.sort(key=lambda q: (q["start"], -q["end"]))
        out: list[dict] = []
        for item in found:
            if any(o["start"] <= item["start"] and item["end"] <= o["end"] for o in out):
                continue
            out.append(item)
        return out

    def parenthetical_content(self, doc: Doc, cue: Token, sent: Span, direct: list[dict]) -> list[dict]:
        """`Y, police said, Y`: a cue clause set into the sentence it reports (the parser hangs it on
        the sentence's verb as parataxis). The content is that sentence, cue clause and all, since a
        record's content is one span."""
        if not any(c.dep_ in SUBJECT_DEPS for c in cue.children):
            return []
        spk = self.speaker_of_cue(doc, cue, sent, within(direct))
        if spk is None or not self.can_speak(doc, spk):
            return []
        head = cue.head
        start = max(head.left_edge.idx, sent.start_char)
        last = min(head.right_edge.i, sent.end - 1)
        reported = self.reported_span(doc, start, doc[last].idx + len(doc[last]), direct, MIXED_SHARE_FRONTED)
        if reported is None:
            return []
        return [self._indirect(reported[1], spk, self._token_span(cue), "cue", reported[0])]

    def colon_content(self, doc: Doc, a: int, b: int, direct: list[dict]) -> list[dict]:
        """`Sanders: Endorsements prove …` and interview lines (`A: Believe me, …`): the paragraph
        after a leading name and colon is what that name says."""
        m = COLON_LEAD.match(text_of(doc), a, b)
        if m is not None and m.group("name").split()[0].lower().strip(".’'") in self.kb.colon_labels:
            return []
        if m is None or any(q["start"] < b and q["end"] > a for q in direct if q["start"] <= m.end()):
            return []
        start, end = m.end(), b
        kind = self.clause_kind(doc, start, end, direct)
        name = doc.char_span(a, m.end("name"), alignment_mode="expand")
        if kind is None or name is None:
            return []
        spk = self.mention_for(doc, name.root) or {"name": name.text, "known": False}
        spk = {**spk, "start": name.start_char, "end": name.end_char, "text": name.text}
        colon = m.end("name") + text_of(doc)[m.end("name") : m.end()].index(":")
        cue = {"start": colon, "end": colon + 1, "text": ":"}
        cut = self.cut_clause(doc, start, end, direct if kind == "indirect" else [])
        return [self._indirect(cut, spk, cue, "colon", kind)] if cut else []

    def according_content(self, doc: Doc, sent: Span, acc: Token, direct: list[dict]) -> list[dict]:
        """`According to X, Y` and `Y, according to X`: Y is what X is reported to say."""
        according = next(t for t in sent if t.lower_ == "according")
        spk = self.mention_for(doc, acc)
        if spk is None:
            return []
        lead = text_of(doc)[sent.start_char : according.idx].strip(" \n,;:—–-")
        if len(lead.split()) >= 3:
            # Y comes first: the clause before ", according to X" (unless a quotation says it already).
            start, end, share = sent.start_char, according.idx, MIXED_SHARE_FRONTED
        else:
            comma = next((t for t in sent if t.i > acc.i and t.text == ","), None)
            if comma is None:
                return []
            start, end, share = comma.idx + 1, sent.end_char, MIXED_SHARE
        reported = self.reported_span(doc, start, end, direct, share)
        if reported is None:
            return []
        return [self._indirect(reported[1], spk, self._according_span(according), "according", reported[0])]

    def complement_content(self, doc: Doc, cue: Token, sent: Span, direct: list[dict]) -> list[dict]:
        """`X called the plan “a disaster”`, `X accused Y of Z`: the cue's complement is the content.

        Taken when part of it is quoted (a mixed attribution), or when the verb heads a cue in most of
        its uses in PolNeAR train (`p` in models/cues.yml), so that "X made a speech" is left alone.
        """
        right = [c for c in cue.rights if c.dep_ in COMPLEMENT_DEPS]
        if not right:
            return []
        start = min(c.left_edge.idx for c in right)
        last = max((c.right_edge for c in right), key=lambda t: t.i)
        end = last.idx + len(last)
        kind = self.clause_kind(doc, start, end, direct)
        if kind is None:
            return []
        if kind == "mixed" and not all(
            self._quote_in_phrase(doc, q, cue) for q in direct if start <= q["start"] < end
        ):
            return []
        if kind == "indirect" and (
            self.kb.cue_precision.get(cue.lemma_.lower(), 0.0) < COMPLEMENT_MIN_PRECISION
            or not any(c.dep_ in CLAUSAL_DEPS for c in right)
        ):
            return []
        # Verbs whose complement was rarely the reported content on PolNeAR train ("spoke at the
        # rally"): models/complement_cues.yml, `make complements`.
        n, share = self.kb.complement_share.get(cue.lemma_.lower(), (0, 1.0))
        if kind == "indirect" and share < COMPLEMENT_MIN_SHARE:
            return []
        spk = self.speaker_of_cue(doc, cue, sent, within(direct))
        if spk is None or not self.can_speak(doc, spk):
            return []
        cut = self.cut_clause(doc, start, end, direct if kind == "indirect" else [])
        return [self._indirect(cut, spk, self._token_span(cue), "complement", kind)] if cut else []

    @staticmethod
    def _quote_in_phrase(doc: Doc, q: dict, cue: Token) -> bool:
        """Is the quotation part of the cue's own phrase ("called it “a disaster”"), not of a clause
        further down ("asked them to wait unless the US is “ready …”")?"""
        span = doc.char_span(q["start"], q["end"], alignment_mode="expand")
        node = span.root if span is not None else None
        while node is not None and node.i != cue.i:
            if node.dep_ in ("advcl", "relcl", "ccomp", "acl", "parataxis", "conj"):
                return False
            node = node.head if node.head.i != node.i else None
        return node is not None and node.i == cue.i

    def can_speak(self, doc: Doc, speaker: dict) -> bool:
        """Is this mention a plausible source: a person, group or document, not a treaty or a dummy "it"?"""
        if speaker.get("known"):
            return True
        span = doc.char_span(speaker["start"], speaker["end"], alignment_mode="expand")
        if span is None:
            return False
        if find_named_mentions(span.text, self.kb):
            return False  # "New START agreed …": a treaty does not speak
        head = span.root
        # "No evidence suggests otherwise": a noun negated by "no" names nobody who said anything.
        if any(c.dep_ == "det" and c.lower_ == "no" for c in head.children):
            return False
        if head.lower_ in ("none", "nothing", "nobody"):
            return False
        if head.pos_ == "PRON":
            return head.lower_ in SPEAKING_PRONOUNS
        return head.pos_ in ("PROPN", "NOUN", "NUM")

    @staticmethod
    def _indirect(cut: tuple[int, int], speaker: dict, cue: dict, how: str, kind: str = "indirect") -> dict:
        return {
            "start": cut[0],
            "end": cut[1],
            "kind": kind,
            "closed": True,
            "att": Attribution(speaker, cue, how, True),
        }

    def reported_span(
        self, doc: Doc, start: int, end: int, direct: list[dict], share: float = MIXED_SHARE
    ) -> tuple[str, tuple] | None:
        """Kind and trimmed span of the content text[start:end] reports.

        A dash does not end a reported clause that goes on ("… tone of the campaign -- “an outrage” --
        that he is considering …"); but where a quotation after a dash says most of it ("… since 1999 –
        by “testing …”"), the quotation carries that part and the words before the dash stand alone.
        """
        kind = self.clause_kind(doc, start, end, direct, share)
        if kind is not None:
            cut = self.cut_clause(doc, start, end, direct if kind == "indirect" else [], at_dash=False)
            return (kind, cut) if cut else None
        first = min((q["start"] for q in direct if start <= q["start"] < end), default=None)
        dash = DASH.search(text_of(doc), start, first) if first is not None else None
        if dash is None:
            return None
        cut = self.cut_clause(doc, start, dash.start(), [])
        return ("indirect", cut) if cut else None

    @staticmethod
    def clause_kind(
        doc: Doc, start: int, end: int, direct: list[dict], share: float = MIXED_SHARE
    ) -> str | None:
        """How a reported clause relates to the quotations in it: none (indirect), a little of it
        quoted (mixed), or mostly quoted (None: the quotation carries the attribution)."""
        inside = [q for q in direct if q["start"] < end and q["end"] > start]
        if not inside:
            return "indirect"
        # The closing mark and stop often hang on the verb, just past the clause's last word.
        reach = (
            end + len(text_of(doc)[end : end + 4]) - len(text_of(doc)[end : end + 4].lstrip(".,;:!?”\"’»'"))
        )
        if any(q["start"] < start or q["end"] > reach for q in inside):
            return None
        text = text_of(doc)
        quoted = sum(len("".join(text[q["start"] : q["end"]].split())) for q in inside)
        whole = len("".join(text[start:end].split())) or 1
        return "mixed" if quoted / whole < share else None

    def tagged_cue_content(self, doc: Doc, found: list[dict], direct: list[dict]) -> list[dict]:
        """Reported content the rules missed, where the tagger reads a verb as a cue that no rule
        attributed through: the verb's complement, as the parse gives it, if the tagger reads enough
        of it as content. The tagger decides; the parse draws the span; the rules name the speaker."""
        scores = doc._.role_scores
        if scores is None:
            return []
        cue_col, content_col = ROLE_LABELS.index("CUE"), ROLE_LABELS.index("CONTENT")
        taken = [(q["start"], q["end"]) for q in found]
        used = {q["att"].cue["start"] for q in found if q["att"].cue}
        body = [(s["start"], s["end"]) for s in doc._.segments or [] if s["kind"] == "body"]
        out = []
        for i in numpy.flatnonzero(scores[:, cue_col] >= TAGGED_CUE_MIN):
            t = doc[int(i)]
            if t.idx in used:
                continue
            if t.pos_ not in ("VERB", "AUX") or not any(a <= t.idx < b for a, b in body):
                continue
            right = [c for c in t.rights if c.dep_ in COMPLEMENT_DEPS | {"ccomp"}]
            if not right:
                continue
            first = min((c.left_edge for c in right), key=lambda x: x.i)
            last = max((c.right_edge for c in right), key=lambda x: x.i)
            words = [x.i for x in doc[first.i : last.i + 1] if not (x.is_punct or x.is_space)]
            if len(words) < TAGGED_CUE_WORDS or scores[words, content_col].mean() < TAGGED_CUE_SHARE:
                continue
            a, b = first.idx, last.idx + len(last)
            if any(x < b and a < y for x, y in taken):
                continue
            sent = doc_index(doc).sent_of(t.i)
            spk = self.speaker_of_cue(doc, t, sent, within(direct))
            if spk is None or not self.can_speak(doc, spk):
                continue
            reported = self.reported_span(doc, a, b, direct)
            if reported:
                out.append(self._indirect(reported[1], spk, self._token_span(t), "tagged", reported[0]))
                taken.append(reported[1])
        return out

    def tagged_content(self, doc: Doc, found: list[dict]) -> list[dict]:
        """Reported content the rules missed: a run of words the role tagger reads as content, in a
        sentence where it also reads a cue and a source (the source's mention is the rules' own)."""
        scores = doc._.role_scores
        if scores is None:
            return []
        labels = scores.argmax(axis=1)
        content, cue_l, source_l = (ROLE_LABELS.index(r) for r in ("CONTENT", "CUE", "SOURCE"))
        taken = [(q["start"], q["end"]) for q in found]
        out = []
        body = [(s["start"], s["end"]) for s in doc._.segments or [] if s["kind"] == "body"]
        index = doc_index(doc)
        # Only sentences where the tagger reads both a cue and a source can hold such a run.
        with_cue = {index.sent_of(int(i)).start for i in numpy.flatnonzero(labels == cue_l)}
        with_both = with_cue & {index.sent_of(int(i)).start for i in numpy.flatnonzero(labels == source_l)}
        for sent in index.sents:
            if sent.start not in with_both or not any(a <= sent.start_char < b for a, b in body):
                continue
            toks = list(sent)
            cues = [t for t in toks if labels[t.i] == cue_l and not t.is_punct]
            sources = [t for t in toks if labels[t.i] == source_l and not t.is_punct]
            if not cues or not sources:
                continue
            runs, run = [], []
            for t in toks:
                if labels[t.i] == content or (run and t.is_punct and labels[t.i] != cue_l):
                    run.append(t)
                else:
                    if run:
                        runs.append(run)
                    run = []
            if run:
                runs.append(run)
            for run in runs:
                words = [t for t in run if not t.is_punct]
                if len(words) < TAGGED_MIN_WORDS:
                    continue
                a, b = run[0].idx, run[-1].idx + len(run[-1])
                if any(x < b and a < y for x, y in taken):
                    continue
                cue = min(cues, key=lambda t: min(abs(t.i - run[0].i), abs(t.i - run[-1].i)))
                # "…,” said Lavrov – given the regime’s rage …": past a dash is the writer's aside, as
                # in `cut_clause`.
                lo, hi = sorted((cue.idx, a if cue.idx < a else b))
                if DASH.search(text_of(doc), lo, hi):
                    continue
                head = max(
                    (t for t in sources if t.head.i == cue.i or t.dep_ in SUBJECT_DEPS),
                    key=lambda t: -abs(t.i - cue.i),
                    default=None,
                )
                spk = self.mention_for(doc, head) if head is not None else None
                if spk is None or not self.can_speak(doc, spk):
                    continue
                cut = self.cut_clause(doc, a, b, [])
                if cut:
                    out.append(self._indirect(cut, spk, self._token_span(cue), "tagged"))
                    taken.append(cut)
        return out

    @staticmethod
    def has_own_cue(d: dict, m: dict) -> bool:
        """Does quotation `d` inside mixed clause `m` have a cue of its own, outside `m`?"""
        cue = d["att"].cue
        if d["att"].how != "cue" or not cue:
            return False
        return cue["start"] != m["att"].cue["start"] and not (m["start"] <= cue["start"] < m["end"])

    # ----- the component -----------------------------------------------------------------------------
    @guarded("quotes")
    def __call__(self, doc: Doc) -> Doc:
        if doc._.quotes is not None:
            return doc
        # Headlines carry attributions too ("Sanders: Endorsements prove …"); boilerplate never does.
        body = [(s["start"], s["end"]) for s in doc._.segments or [] if s["kind"] in ("body", "title")]
        text = text_of(doc)
        quotes_by_par = []
        for k, (a, b) in enumerate(body):
            nxt = body[k + 1][0] if k + 1 < len(body) else None
            next_opens = nxt is not None and PARAGRAPH_OPENS_QUOTE.match(text, nxt) is not None
            quotes_by_par.append(find_quote_spans(text, a, b, self.clause_end(doc, b), next_opens))
        direct = self.attribute_direct(doc, body, quotes_by_par)
        # A quotation nobody in the text is said to speak is no attribution (headlines, titles of works,
        # link lists).
        direct = [q for q in self.merge_interrupted(doc, body, direct) if q["att"].speaker is not None]
        for q in direct:
            q["kind"] = "direct"
        indirect = self.find_indirect(doc, body, direct)
        # A reported clause that holds a short quotation ("said it was “absolutely clear” that …") is
        # one mixed attribution: the quotation inside it is not reported a second time. A word or two
        # in marks that no such clause takes in is a scare quote or a title, not an attribution.
        for m in [q for q in indirect if q["kind"] == "mixed"]:
            # Trimming the clause's last stop also cuts the closing mark of a quotation that ends it
            # (`as “kind” with a “great heart.”`): the mixed span ends where that quotation ends.
            m["end"] = max(
                [m["end"]] + [d["end"] for d in direct if m["start"] <= d["start"] < m["end"] < d["end"]]
            )
        mixed = [q for q in indirect if q["kind"] == "mixed"]
        direct = [
            d
            for d in direct
            # "The US demands all countries “come to terms …,” said Lavrov": a quotation with a cue of
            # its own outside the clause is kept as well, as that cue's speaker's words.
            if not any(
                m["start"] <= d["start"] and d["end"] <= m["end"] and not self.has_own_cue(d, m)
                for m in mixed
            )
            and not self.is_scare_quote(doc, d)
        ]
        indirect += self.tagged_cue_content(doc, direct + indirect, direct)
        indirect += self.tagged_content(doc, direct + indirect)
        quotes = []
        quotes_all = direct + indirect
        for q in sorted(direct + indirect, key=lambda q: (q["start"], q["end"])):
            q.pop("par", None)
            q.pop("continues", None)
            att: Attribution = q.pop("att")
            speaker = None
            if att.speaker:
                speaker = {k: att.speaker[k] for k in ("name", "start", "end", "text")}
                if att.how in CARRIED_RULES:
                    speaker = self.nearest_mention(doc, speaker, q, quotes_all)
            quotes.append({**q, "speaker": speaker, "cue": att.cue, "how": att.how})
        doc._.quotes = quotes
        return doc


@Language.factory(
    "claims_quotes", assigns=["doc._.quotes"], requires=["doc._.speaker_mentions", "doc._.segments"]
)
def make_quote_finder(nlp: Language, name: str) -> QuoteFinder:
    """Factory for the quotes stage."""
    return QuoteFinder(load_knowledge())
