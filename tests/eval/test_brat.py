"""Tests for pipeline.eval.brat: brat standoff parsing and gold loading in both folder layouts."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.eval.brat import base_role, load_gold, read_ann

TEXT_A = (
    'Trump said: "We will build a wall." Critics and analysts argue that the plan is costly. '
    "It was reported that talks failed."
)
TEXT_B = '"The deal," he said, "is dead." Officials said nothing else.'


def at(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    """(start, end) of the nth occurrence of `part` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


def spec(*spans: tuple[int, int]) -> str:
    return ";".join(f"{a} {b}" for a, b in spans)


def tline(tid: str, typ: str, text: str, *spans: tuple[int, int]) -> str:
    return f"{tid}\t{typ} {spec(*spans)}\t{' '.join(text[a:b] for a, b in spans)}"


# Expected gold, in order: (content, source, cue) for each article.
A_SAID, A_ARGUE, A_REPORTED = at(TEXT_A, "said"), at(TEXT_A, "argue"), at(TEXT_A, "reported")
EXPECTED = {
    "a": [
        ([at(TEXT_A, '"We will build a wall."')], [at(TEXT_A, "Trump")], [A_SAID]),
        ([at(TEXT_A, "that the plan is costly")], [at(TEXT_A, "Critics"), at(TEXT_A, "analysts")], [A_ARGUE]),
        ([at(TEXT_A, "that talks failed")], [], [A_REPORTED]),
    ],
    "b": [
        ([at(TEXT_B, '"The deal,"'), at(TEXT_B, '"is dead."')], [at(TEXT_B, "he")], [at(TEXT_B, "said")]),
        ([at(TEXT_B, "nothing else")], [at(TEXT_B, "Officials")], [at(TEXT_B, "said", 1)]),
    ],
}


def polnear_ann(text: str, attributions) -> str:
    """PolNeAR-style .ann: T Source/Cue/Content + an Attribution trigger + one E per attribution."""
    lines, n = [], 0
    for k, (content, sources, cues) in enumerate(attributions, 1):
        args = []
        for role, spans_list in (("Source", [[s] for s in sources]), ("Cue", [cues]), ("Content", [content])):
            for m, spans in enumerate(spans_list):
                if not spans:
                    continue
                n += 1
                lines.append(tline(f"T{n}", role, text, *spans))
                args.append(f"{role}{m + 1 if m else ''}:T{n}")
        n += 1
        lines.append(tline(f"T{n}", "Attribution", text, *cues))
        lines.append(f"E{k}\tAttribution:T{n} " + " ".join(args))
    return "\n".join(lines) + "\n"


def quote_ann(text: str, attributions) -> str:
    """Project-format .ann: Quote/Speaker/Cue entities linked by Speaker and Cue relations."""
    lines, n, r = [], 0, 0
    for content, sources, cues in attributions:
        n += 1
        qid = f"T{n}"
        lines.append(tline(qid, "Quote", text, *content))
        for typ, spans_list in (("Speaker", [[s] for s in sources]), ("Cue", [cues])):
            for spans in spans_list:
                n += 1
                r += 1
                lines.append(tline(f"T{n}", typ, text, *spans))
                lines.append(f"R{r}\t{typ} Arg1:{qid} Arg2:T{n}")
    n += 1
    lines.append(f"T{n}\tTreaty 0 5\t{text[0:5]}")
    lines.append(f"T{n + 1}\tDate 6 10\t{text[6:10]}")
    return "\n".join(lines) + "\n"


def write_polnear(root: Path, with_metadata: bool = True) -> Path:
    """root/split/{text,attributions} with two annotators for `a`; metadata.tsv in root."""
    split = root / "split"
    (split / "text").mkdir(parents=True)
    (split / "attributions").mkdir()
    (split / "text" / "a.txt").write_text(TEXT_A, encoding="utf-8")
    (split / "text" / "b.txt").write_text(TEXT_B, encoding="utf-8")
    (split / "text" / "c.txt").write_text("No annotation for this one.", encoding="utf-8")
    # "aaa" sorts first but holds only the first attribution; metadata names "main" first.
    (split / "attributions" / "a_aaa.ann").write_text(
        polnear_ann(TEXT_A, EXPECTED["a"][:1]), encoding="utf-8"
    )
    extra = f"T90\tCue {spec(A_SAID)}\tsaid\nT91\tAttribution {spec(A_SAID)}\tsaid\nE90\tAttribution:T91 Cue:T90\n"
    (split / "attributions" / "a_main.ann").write_text(
        polnear_ann(TEXT_A, EXPECTED["a"]) + extra, encoding="utf-8"
    )
    (split / "attributions" / "b_main.ann").write_text(polnear_ann(TEXT_B, EXPECTED["b"]), encoding="utf-8")
    if with_metadata:
        (root / "metadata.tsv").write_text(
            "compartment\tfilename\tlevel\tannotators\ntrain\ta\tNone\tmain|aaa\ntrain\tb\tNone\tmain\n",
            encoding="utf-8",
        )
    return split


def write_flat(root: Path, fmt: str = "quote") -> Path:
    """root/flat/<stem>.txt + <stem>.ann, in the project's Quote format or PolNeAR events."""
    flat = root / "flat"
    flat.mkdir(parents=True)
    make = quote_ann if fmt == "quote" else polnear_ann
    for stem, text in (("a", TEXT_A), ("b", TEXT_B)):
        (flat / f"{stem}.txt").write_text(text, encoding="utf-8")
        (flat / f"{stem}.ann").write_text(make(text, EXPECTED[stem]), encoding="utf-8")
    (flat / "c.txt").write_text("No annotation for this one.", encoding="utf-8")
    return flat


def as_tuples(doc) -> list:
    return [(a.content, a.source, a.cue) for a in doc.attributions]


# --------------------------------------------------------------------------------------------
# read_ann
# --------------------------------------------------------------------------------------------

ANN = (
    "T1\tSource 0 5\tTrump\n"
    "T2\tCue 6 10\tsaid\n"
    "T3\tContent 12 19;25 30\tWe will wall.\n"
    "T4\tSource 36 43\tCritics\n"
    "E1\tAttribution:T2 Content:T3 Cue:T2 Source:T1 Source2:T4\n"
    "R1\tSpeaker Arg1:T3 Arg2:T1\n"
    "A1\tNegated E1\n"
    "A2\tCertainty E1 High\n"
    "#1\tAnnotatorNotes T3\tcheck the span\n"
    "\n"
    "T5\tContent 50 72\tfirst line\n"
    "second line\n"
    "stray text after T5 is skipped\n"
    "N1\tReference T1 Wikipedia:1\tTrump\n"
)


@pytest.fixture
def ann_file(tmp_path: Path) -> Path:
    path = tmp_path / "doc.ann"
    path.write_text(ANN, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("tid", "typ", "spans", "text"),
    [
        ("T1", "Source", [(0, 5)], "Trump"),
        ("T3", "Content", [(12, 19), (25, 30)], "We will wall."),
        ("T5", "Content", [(50, 72)], "first line\nsecond line"),
    ],
)
def test_brat_read_ann_textbound_entities_and_fragments(ann_file, tid, typ, spans, text):
    ent = read_ann(ann_file).entities[tid]
    assert (ent.type, ent.spans, ent.text) == (typ, spans, text)


def test_brat_read_ann_events_keep_roles_with_digits(ann_file):
    (event,) = read_ann(ann_file).events
    assert (event.id, event.type, event.trigger) == ("E1", "Attribution", "T2")
    assert event.args == [("Content", "T3"), ("Cue", "T2"), ("Source", "T1"), ("Source2", "T4")]
    assert event.arg_ids("Source") == ["T1", "T4"]


@pytest.mark.parametrize(("role", "base"), [("Source2", "Source"), ("Content", "Content"), ("Cue12", "Cue")])
def test_brat_base_role_strips_trailing_digits(role, base):
    assert base_role(role) == base


def test_brat_read_ann_relations_attributes_notes(ann_file):
    ann = read_ann(ann_file)
    (rel,) = ann.relations
    assert (rel.id, rel.type, rel.arg1, rel.arg2) == ("R1", "Speaker", "T3", "T1")
    assert [(a.name, a.target, a.value) for a in ann.attributes] == [
        ("Negated", "E1", None),
        ("Certainty", "E1", "High"),
    ]
    assert [(n.type, n.target, n.text) for n in ann.notes] == [("AnnotatorNotes", "T3", "check the span")]


@pytest.mark.parametrize(
    "bad_line",
    [
        "T9\tContent 5 x\toops",
        "T9\tContent 9 2\tbackwards",
        "T9\tContent\tno offsets",
        "T9 Content 0 5 hello",
        "E9\tAttribution:T1 Content",
        "R9\tSpeaker Arg1:T1",
        "A9\tNegated",
        "#9\tAnnotatorNotes\tno target",
    ],
)
def test_brat_read_ann_malformed_line_raises_with_file_and_line(tmp_path, bad_line):
    path = tmp_path / "broken.ann"
    path.write_text("T1\tSource 0 5\tTrump\n\n" + bad_line + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"broken\.ann:3"):
        read_ann(path)


def test_brat_read_ann_skips_blank_and_unknown_lines(tmp_path):
    path = tmp_path / "odd.ann"
    path.write_text(
        "\n# a comment without id\nsome stray text\n*\tAlias T1 T2\nT1\tCue 0 4\tsaid\n", encoding="utf-8"
    )
    ann = read_ann(path)
    assert list(ann.entities) == ["T1"] and not ann.events and not ann.notes


# --------------------------------------------------------------------------------------------
# load_gold
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("layout", ["polnear", "flat-quote", "flat-events"])
def test_brat_load_gold_reads_both_layouts(tmp_path, layout):
    if layout == "polnear":
        folder = write_polnear(tmp_path)
    else:
        folder = write_flat(tmp_path, layout.split("-")[1])
    gold = load_gold(folder)
    assert sorted(gold) == ["a", "b"]  # c.txt has no .ann
    assert gold["a"].text == TEXT_A
    for stem, expected in EXPECTED.items():
        assert as_tuples(gold[stem]) == expected


@pytest.mark.parametrize(
    ("metadata", "n_attributions"),
    [("parent", 3), ("explicit", 3), ("none", 1)],
)
def test_brat_load_gold_picks_first_annotator_from_metadata(tmp_path, metadata, n_attributions):
    folder = write_polnear(tmp_path, with_metadata=metadata != "none")
    if metadata == "explicit":
        (tmp_path / "metadata.tsv").rename(tmp_path / "meta.tsv")
        gold = load_gold(folder, tmp_path / "meta.tsv")
    else:
        gold = load_gold(folder)
    assert len(gold["a"].attributions) == n_attributions
    assert gold["a"].ann_path.endswith("a_main.ann" if metadata != "none" else "a_aaa.ann")


def test_brat_load_gold_drops_events_without_content(tmp_path):
    gold = load_gold(write_polnear(tmp_path))
    assert all(a.content for a in gold["a"].attributions)
    assert len(gold["a"].attributions) == len(EXPECTED["a"])  # the Cue-only event E90 is gone


def test_brat_load_gold_missing_metadata_file_raises(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_gold(write_polnear(tmp_path), tmp_path / "nope.tsv")


def test_brat_load_gold_quote_relation_args_in_either_order(tmp_path):
    flat = tmp_path / "flat"
    flat.mkdir()
    (flat / "b.txt").write_text(TEXT_B, encoding="utf-8")
    (flat / "b.ann").write_text(
        tline("T1", "Quote", TEXT_B, at(TEXT_B, "nothing else"))
        + "\n"
        + tline("T2", "Speaker", TEXT_B, at(TEXT_B, "Officials"))
        + "\n"
        + tline("T3", "Cue", TEXT_B, at(TEXT_B, "said", 1))
        + "\n"
        + "R1\tSpeaker Arg1:T2 Arg2:T1\nR2\tCue Arg1:T1 Arg2:T3\n",
        encoding="utf-8",
    )
    assert as_tuples(load_gold(flat)["b"]) == [EXPECTED["b"][1]]
