"""A quote its own frame interrupts (“…,” she said, “…”) lists its pieces without the frame."""

from __future__ import annotations

import re

import pytest

from pipeline.record.build import quote_pieces


def quote(text: str, speaker: str, cue: str) -> dict:
    """The whole text as one quote, with its speaker and cue where they first stand as words."""
    s = re.search(rf"\b{re.escape(speaker)}\b", text)
    c = re.search(rf"\b{re.escape(cue)}\b", text)
    return {
        "start": 0,
        "end": len(text),
        "speaker": {"start": s.start(), "end": s.end()},
        "cue": {"start": c.start(), "end": c.end()},
    }


@pytest.mark.parametrize(
    "text,speaker,cue,expected",
    [
        (
            "“We will not sign the treaty,” the minister said on Monday, “unless inspections are verified.”",
            "the minister",
            "said",
            ["“We will not sign the treaty,”", "“unless inspections are verified.”"],
        ),
        ('"We will not," Lavrov said. "Never."', "Lavrov", "said", ['"We will not,"', '"Never."']),
        # the quotation goes on at its next mark, past the frame's own "adding that"
        ("“A deal,” he said, adding that “it is dead.”", "he", "said", ["“A deal,”", "“it is dead.”"]),
        ("The deal, he said, is dead.", "he", "said", ["The deal", "is dead."]),
        ("The treaty — Lavrov said — is over.", "Lavrov", "said", ["The treaty", "is over."]),
        # the doubled apostrophes of wire and NYT copy are marks
        (
            "''We will not,'' Mr. Rubin said. ''Never.''",
            "Mr. Rubin",
            "said",
            ["''We will not,''", "''Never.''"],
        ),
    ],
)
def test_quote_pieces_leave_out_the_frame(text, speaker, cue, expected):
    pieces = quote_pieces(text, quote(text, speaker, cue))
    assert [p["text"] for p in pieces] == expected
    assert all(p["text"] == text[p["start"] : p["end"]] for p in pieces)


@pytest.mark.parametrize(
    "text,speaker,cue",
    [
        ("The deal he said is dead", "he", "said"),  # no punctuation marks a frame
        ("Russia’s deal he said is dead", "he", "said"),  # an apostrophe closes no piece
        ("Russia's deal he said is dead", "he", "said"),  # nor does a straight one
    ],
)
def test_quote_pieces_none_without_a_marked_frame(text, speaker, cue):
    assert quote_pieces(text, quote(text, speaker, cue)) == []


def test_quote_pieces_none_when_speaker_and_cue_stand_outside():
    text = "Lavrov said: “The INF Treaty is dead.”"
    q = {**quote(text, "Lavrov", "said"), "start": text.index("“")}
    assert quote_pieces(text, q) == []


def test_quote_pieces_none_without_speaker_or_cue():
    assert quote_pieces("“A,” and “B.”", {"start": 0, "end": 12, "speaker": None, "cue": None}) == []


def test_one_quote_per_piece_keeps_speaker_cue_and_the_whole_quotes_id():
    from pipeline.record.build import one_quote_per_piece, text_hash, validate

    text = "“We will leave the INF Treaty,” Lavrov said. “New START stays.” The talks ended.\n"
    whole = {
        "id": "q-whole",
        **quote(text[: text.index(" The talks")], "Lavrov", "said"),
        "kind": "direct",
        "treaties": ["inf", "new-start"],
        "dates": [],
        "how": "model+marks",
        "closed": True,
    }
    whole["text"] = text[whole["start"] : whole["end"]]
    for role in ("speaker", "cue"):
        whole[role] |= {"text": text[whole[role]["start"] : whole[role]["end"]]}
    whole["speaker"]["name"] = "Sergey Lavrov"
    whole["pieces"] = quote_pieces(text, whole)
    lone = {k: v for k, v in whole.items() if k != "pieces"} | {"id": "q-lone", "start": 0, "end": 5}
    lone["text"] = text[:5]
    treaties = [
        {"start": text.index(name), "end": text.index(name) + len(name), "treaty": tid}
        for name, tid in (("INF Treaty", "inf"), ("New START", "new-start"))
    ]
    record = {"id": "a", "text": text, "text_hash": text_hash(text), "treaties": treaties, "dates": []}
    record["quotes"] = [whole, lone]

    out = one_quote_per_piece(record)
    first, second, kept = out["quotes"]
    assert [first["text"], second["text"]] == ["“We will leave the INF Treaty,”", "“New START stays.”"]
    assert first["part_of"] == second["part_of"] == "q-whole" and first["id"] != second["id"]
    assert first["speaker"] == second["speaker"] == whole["speaker"] and first["cue"] == whole["cue"]
    # Each piece holds only the treaties named inside it.
    assert (first["treaties"], second["treaties"]) == (["inf"], ["new-start"])
    assert "pieces" not in first and kept == lone and "part_of" not in kept
    assert record["quotes"] == [whole, lone]  # the input record is left as it was
    for q in out["quotes"]:
        assert q["text"] == text[q["start"] : q["end"]]
    # Each piece is a whole record quote (the mentions above hold only what the split reads).
    validate(
        {
            **out,
            "source": "inline",
            "meta": {},
            "author": {"name": "author", "source": "meta"},
            "model": "m",
            "schema_version": "1.0",
            "pipeline_version": "v",
            "treaties": [],
        }
    )
