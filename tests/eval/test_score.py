"""Tests for pipeline.eval.score: the PolNeAR scoring rules on tiny brat fixtures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pipeline.eval.brat import load_gold
from pipeline.eval.score import format_table, load_predictions, score_attributions

TEXT_A = (
    'Trump said: "We will build a wall." Critics and analysts argue that the plan is costly. '
    "It was reported that talks failed."
)
TEXT_B = '"The deal," he said, "is dead." Officials said nothing else.'
TEXTS = {"a": TEXT_A, "b": TEXT_B}


def at(text: str, part: str, nth: int = 0) -> tuple[int, int]:
    """(start, end) of the nth occurrence of `part` in `text`."""
    start = -1
    for _ in range(nth + 1):
        start = text.index(part, start + 1)
    return start, start + len(part)


# (content fragments, source spans, cue span) per article; 2 quoted, 3 unquoted.
GOLD = {
    "a": [
        ([at(TEXT_A, '"We will build a wall."')], [at(TEXT_A, "Trump")], at(TEXT_A, "said")),
        (
            [at(TEXT_A, "that the plan is costly")],
            [at(TEXT_A, "Critics"), at(TEXT_A, "analysts")],
            at(TEXT_A, "argue"),
        ),
        ([at(TEXT_A, "that talks failed")], [], at(TEXT_A, "reported")),
    ],
    "b": [
        ([at(TEXT_B, '"The deal,"'), at(TEXT_B, '"is dead."')], [at(TEXT_B, "he")], at(TEXT_B, "said")),
        ([at(TEXT_B, "nothing else")], [at(TEXT_B, "Officials")], at(TEXT_B, "said", 1)),
    ],
}


def frag(text: str, *spans: tuple[int, int]) -> str:
    return ";".join(f"{a} {b}" for a, b in spans) + "\t" + " ".join(text[a:b] for a, b in spans)


def write_gold(root: Path, layout: str) -> Path:
    """Write GOLD as a PolNeAR-layout folder (events) or a flat folder (Quote/Speaker/Cue)."""
    folder = root / layout
    for stem, text in TEXTS.items():
        lines, n = [], 0
        for k, (content, sources, cue) in enumerate(GOLD[stem], 1):
            if layout == "polnear":
                lines += [f"T{n + 1}\tContent {frag(text, *content)}", f"T{n + 2}\tCue {frag(text, cue)}"]
                args = [f"Content:T{n + 1}", f"Cue:T{n + 2}"]
                n += 2
                for m, src in enumerate(sources):
                    n += 1
                    lines.append(f"T{n}\tSource {frag(text, src)}")
                    args.append(f"Source{m + 1 if m else ''}:T{n}")
                lines.append(f"E{k}\tAttribution:T{n - len(sources)} " + " ".join(args))
            else:
                q = n + 1
                lines += [
                    f"T{q}\tQuote {frag(text, *content)}",
                    f"T{q + 1}\tCue {frag(text, cue)}",
                    f"R{q}\tCue Arg1:T{q} Arg2:T{q + 1}",
                ]
                n += 2
                for src in sources:
                    n += 1
                    lines += [f"T{n}\tSpeaker {frag(text, src)}", f"R{n}\tSpeaker Arg1:T{q} Arg2:T{n}"]
        ann = "\n".join(lines) + "\n"
        if layout == "polnear":
            (folder / "text").mkdir(parents=True, exist_ok=True)
            (folder / "attributions").mkdir(exist_ok=True)
            (folder / "text" / f"{stem}.txt").write_text(text, encoding="utf-8")
            (folder / "attributions" / f"{stem}_ann1.ann").write_text(ann, encoding="utf-8")
        else:
            folder.mkdir(exist_ok=True)
            (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
            (folder / f"{stem}.ann").write_text(ann, encoding="utf-8")
    return folder


def quote(span, speaker=None) -> dict:
    spk = None if speaker is None else {"start": speaker[0], "end": speaker[1], "name": "x", "text": "x"}
    return {"start": span[0], "end": span[1], "speaker": spk}


def perfect_predictions() -> dict[str, list[dict]]:
    """One prediction per gold attribution: its whole content extent and its first source."""
    return {
        stem: [
            quote((content[0][0], content[-1][1]), sources[0] if sources else None)
            for content, sources, _ in items
        ]
        for stem, items in GOLD.items()
    }


@pytest.fixture(params=["polnear", "flat"])
def gold(request, tmp_path):
    return load_gold(write_gold(tmp_path, request.param))


def test_evaluate_perfect_prediction_scores_one(gold):
    result = score_attributions(gold, perfect_predictions())
    for subset in ("all", "quoted", "unquoted"):
        assert result[subset]["content"] == (1.0, 1.0, 1.0)
        assert result[subset]["end_to_end"] == (1.0, 1.0, 1.0)
        assert result[subset]["source_acc_on_matched"] == 1.0
    # The two-fragment gold quote can never be an exact match; the four others are.
    assert result["all"]["content_exact"][1] == pytest.approx(4 / 5)


@pytest.mark.parametrize(
    "wrong_speaker",
    [at(TEXT_A, "Critics"), None, at(TEXT_A, "build")],
    ids=["other-source", "no-speaker", "not-a-source"],
)
def test_evaluate_wrong_speaker_content_one_end_to_end_zero(gold, wrong_speaker):
    preds = {"a": [quote(at(TEXT_A, '"We will build a wall."'), wrong_speaker)]}
    result = score_attributions({"a": gold["a"]}, preds)
    assert result["quoted"]["content"] == (1.0, 1.0, 1.0)
    assert result["quoted"]["end_to_end"] == (0.0, 0.0, 0.0)
    assert result["quoted"]["source_acc_on_matched"] == 0.0


@pytest.mark.parametrize(("speaker", "e2e_ok"), [(None, True), (at(TEXT_A, "It"), False)])
def test_evaluate_gold_without_source_wants_no_speaker(gold, speaker, e2e_ok):
    preds = {"a": [quote(at(TEXT_A, "that talks failed"), speaker)]}
    result = score_attributions({"a": gold["a"]}, preds)
    assert result["unquoted"]["end_to_end"][0] == (1.0 if e2e_ok else 0.0)
    assert result["unquoted"]["source_acc_on_matched"] == 0.0  # only gold with a source counts there


@pytest.mark.parametrize(("drop", "recall"), [(1, 4 / 5), (2, 3 / 5), (5, 0.0)])
def test_evaluate_missing_prediction_lowers_recall(gold, drop, recall):
    preds = perfect_predictions()
    flat = [(stem, q) for stem, qs in preds.items() for q in qs][drop:]
    kept = {stem: [q for s, q in flat if s == stem] for stem in preds}
    p, r, _ = score_attributions(gold, kept)["all"]["content"]
    assert r == pytest.approx(recall)
    assert p == (1.0 if recall else 0.0)


@pytest.mark.parametrize(
    ("subset", "n_gold", "n_pred"),
    [("all", 5, 6), ("quoted", 2, 3), ("unquoted", 3, 3)],
)
def test_evaluate_quoted_unquoted_subsets_split_right(gold, subset, n_gold, n_pred):
    preds = perfect_predictions()
    preds["b"].append(quote(at(TEXT_B, '"is dead."')))  # spurious quoted prediction (overlap < 0.5)
    result = score_attributions(gold, preds)[subset]
    assert (result["n_gold"], result["n_pred"]) == (n_gold, n_pred)
    p, r, _ = result["content"]
    assert r == 1.0 and p == pytest.approx(n_gold / n_pred)


@pytest.mark.parametrize(
    ("span", "matched", "exact"),
    [
        (at(TEXT_A, "We will build a wall."), True, True),  # quote marks trimmed at the edges
        (at(TEXT_A, "that the plan is costly. "), True, True),  # punctuation and space trimmed
        (at(TEXT_A, "that the plan is"), True, False),  # overlap >= 0.5 but not the same span
        (at(TEXT_A, "that the"), False, False),  # overlap < 0.5
    ],
)
def test_evaluate_overlap_and_exact_matching(gold, span, matched, exact):
    result = score_attributions({"a": gold["a"]}, {"a": [quote(span)]})["all"]
    assert result["content"][0] == (1.0 if matched else 0.0)
    assert result["content_exact"][0] == (1.0 if exact else 0.0)


def test_evaluate_matching_is_one_to_one(gold):
    span = at(TEXT_A, "that talks failed")
    result = score_attributions({"a": gold["a"]}, {"a": [quote(span), quote(span)]})["all"]
    assert result["n_pred"] == 2 and result["content"][0] == 0.5


@pytest.mark.parametrize(
    "bad", [{"start": "x", "end": 3}, {"end": 3}, {"start": 5, "end": 5}, {"start": 0, "end": 10**6}]
)
def test_evaluate_invalid_predictions_are_ignored(gold, bad):
    result = score_attributions({"a": gold["a"]}, {"a": [bad]})["all"]
    assert result["n_pred"] == 0


@pytest.mark.parametrize(
    ("record", "key"),
    [
        ({"id": "a", "source": "x/b.txt"}, "a"),
        ({"source": "some/dir/b.txt"}, "b"),
        ({"id": "", "source": "c.txt"}, "c"),
    ],
)
def test_evaluate_load_predictions_id_fallback(tmp_path, record, key):
    path = tmp_path / "pred.jsonl"
    path.write_text("\n" + json.dumps({**record, "quotes": [quote((0, 5))]}) + "\n", encoding="utf-8")
    assert load_predictions(path) == {key: [quote((0, 5))]}


def test_evaluate_load_predictions_bad_json_names_line(tmp_path):
    path = tmp_path / "pred.jsonl"
    path.write_text('{"id": "a", "quotes": []}\n{not json\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"pred\.jsonl:2"):
        load_predictions(path)


def test_evaluate_format_table_has_a_row_per_subset(gold):
    table = format_table(score_attributions(gold, perfect_predictions()))
    rows = {line.split()[0]: line.split() for line in table.splitlines() if line.split()}
    assert rows["all"][1:3] == ["5", "5"] and rows["quoted"][1:3] == ["2", "2"]
    assert rows["unquoted"][3:6] == ["1.000", "1.000", "1.000"]
    assert len({len(line) for line in table.splitlines()[1:]}) == 1  # aligned columns


def test_evaluate_cli_scores_a_brat_folder(tmp_path):
    """`claims eval GOLD PRED` prints the table, and the same figures as JSON with --json."""
    import json

    from click.testing import CliRunner

    from pipeline.cli import cli

    text = "“We will respond,” Lavrov said. Officials said the talks failed.\n"
    (tmp_path / "gold").mkdir()
    (tmp_path / "gold" / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "gold" / "a.ann").write_text(
        "T1\tQuote 0 18\t“We will respond,”\nT2\tSpeaker 19 25\tLavrov\nT3\tCue 26 30\tsaid\n"
        "R1\tSpeaker Arg1:T1 Arg2:T2\nR2\tCue Arg1:T1 Arg2:T3\n",
        encoding="utf-8",
    )
    pred = tmp_path / "pred.jsonl"
    pred.write_text(
        json.dumps({"id": "a", "quotes": [{"start": 0, "end": 18, "speaker": {"start": 19, "end": 25}}]})
        + "\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    table = runner.invoke(cli, ["eval", str(tmp_path / "gold"), str(pred)])
    assert table.exit_code == 0, table.output
    assert "quoted" in table.output and "1.000" in table.output
    as_json = json.loads(runner.invoke(cli, ["eval", str(tmp_path / "gold"), str(pred), "--json"]).output)
    assert as_json["all"]["end_to_end"][2] == 1.0
