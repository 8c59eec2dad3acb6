"""Attributions from the model's role spans: each content linked to a cue and a source by structure.

The model labels spans paragraph by paragraph; it does not say which cue introduces which content.
Linking is by position, as measured on the tune tenth of PolNeAR train (`LINK_RULES`; the chosen rule
is the component's `link` setting and is recorded in the model's meta).
"""

from __future__ import annotations

Span = tuple[int, int]
LINK_RULES = (
    "nearest",
    "nearest+prev",
    "cue-first",
    "nearest+merge",
    "nearest+prev+merge",
    "cue-first+merge",
)


def _gap(a: Span, b: Span) -> int:
    """Characters between two spans (0 when they touch or overlap)."""
    return max(0, max(a[0], b[0]) - min(a[1], b[1]))


def _inside(a: Span, b: Span) -> bool:
    """Does span `a` lie within span `b`?"""
    return b[0] <= a[0] and a[1] <= b[1]


def link(par_spans: list[dict[str, list[Span]]], rule: str = "nearest") -> list[dict]:
    """Attributions from per-paragraph role spans.

    rule "nearest": content -> nearest cue in its paragraph (None if none); source -> the source of the
      paragraph nearest that cue, or, with no cue, nearest the content.
    rule "nearest+prev": as "nearest", but a paragraph with a content and no cue or no source borrows
      from the previous paragraph (quotes that run on over paragraphs, "... , he said." before them).
    rule "cue-first": as "nearest", but a content with no cue gets no source either.
    suffix "+merge": two consecutive contents of a paragraph that share their cue, with that cue between
      them ("X," he said, "Y."), become one attribution spanning both: PolNeAR annotates such a quote
      as one content of two fragments, and the article-level scorer matches one span per attribution.
    """
    merge = rule.endswith("+merge")
    base = rule[: -len("+merge")] if merge else rule
    out = []
    for pi in range(len(par_spans)):
        recs = _link_paragraph(par_spans, pi, base)
        if merge:
            recs = _merge_interrupted(recs)
        out.extend(recs)
    return out


def _merge_interrupted(recs: list[dict]) -> list[dict]:
    recs = sorted(recs, key=lambda a: a["content"])
    out: list[dict] = []
    for a in recs:
        prev = out[-1] if out else None
        if (
            prev is not None
            and a["cue"] is not None
            and prev["cue"] == a["cue"]
            and prev["content"][1] <= a["cue"][0]
            and a["cue"][1] <= a["content"][0]
        ):
            out[-1] = dict(
                prev,
                content=(prev["content"][0], a["content"][1]),
                fragments=prev.get("fragments", [prev["content"]]) + [a["content"]],
            )
        else:
            out.append(a)
    return out


def _link_paragraph(par_spans, pi, rule):
    """Attributions of paragraph `pi` (see `link` for the rules)."""
    ps = par_spans[pi]
    cues, srcs = ps.get("cue", []), ps.get("source", [])
    out = []
    for c in ps.get("content", []):
        # A cue or source inside the content is another attribution's, nested in this one ("telling
        # his aides [he] planned …"): never this content's own.
        own_cues = [x for x in cues if not _inside(x, c)]
        own_srcs = [x for x in srcs if not _inside(x, c)]
        cue = min(own_cues, key=lambda x: (_gap(x, c), x[0])) if own_cues else None
        anchor = cue or c
        src = min(own_srcs, key=lambda x: (_gap(x, anchor), x[0])) if own_srcs else None
        if rule == "cue-first" and cue is None:
            src = None
        if rule == "nearest+prev" and pi > 0:
            prev = par_spans[pi - 1]
            if cue is None and prev.get("cue"):
                cue = prev["cue"][-1]
            if src is None and prev.get("source"):
                src = prev["source"][-1]
        out.append({"content": c, "cue": cue, "source": src})
    return out
