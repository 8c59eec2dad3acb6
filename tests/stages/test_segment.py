"""Segment stage: paragraph kinds, author, sentence starts at paragraph breaks."""

from __future__ import annotations

import pytest

from pipeline.stages.segment import find_author, find_segments, split_paragraphs


@pytest.mark.parametrize(
    "text,kinds",
    [
        ("US Treaty Breaches\n\nLavrov spoke on Saturday.\n\nHe was angry.", ["title", "body", "body"]),
        ("Lavrov spoke on Saturday.\n\nHe was angry.", ["body", "body"]),
        ("One paragraph without a stop", ["body"]),
        ("Headline Here\n\nBy Jane Smith\n\nThe talks went on.", ["title", "byline", "body"]),
        (
            "Title\n\nBody one.\n\nBody two.\n\nNote to readers: please click the share buttons.\n\n"
            "His new book is “Flashpoint.”\n\nVisit his blog site at",
            ["title", "body", "body", "boilerplate", "boilerplate", "boilerplate"],
        ),
        ("Body one.\n\nShare this article\n\nBody two goes on here.", ["body", "boilerplate", "body"]),
    ],
)
def test_segment_paragraph_kinds(text, kinds):
    segs = find_segments(text)
    assert [s["kind"] for s in segs] == kinds
    assert all(text[s["start"] : s["end"]].strip() == text[s["start"] : s["end"]] for s in segs)


@pytest.mark.parametrize(
    "text,meta,name,source",
    [
        ("T\n\nBody.", {"author": "Ann Lee"}, "Ann Lee", "meta"),
        ("Headline\n\nBy Jane Smith\n\nBody text.", {}, "Jane Smith", "byline"),
        ("Body.\n\nMore body.\n\nArticles by: Stephen Lendman", {}, "Stephen Lendman", "text"),
        ("Body only.", {}, "author", "unknown"),
    ],
)
def test_segment_author(text, meta, name, source):
    segs = find_segments(text, meta)
    assert find_author(text, segs, meta) == {"name": name, "source": source}


def test_segment_single_newlines_split_when_no_blank_lines():
    assert split_paragraphs("a b\nc d\n") == [(0, 3), (4, 7)]


@pytest.mark.model
def test_segment_no_sentence_crosses_a_paragraph(nlp):
    doc = nlp("Putin agreed, saying\n\n“This is what we will do.”")
    starts = [s.start_char for s in doc.sents]
    assert doc.text.index("“") in starts
