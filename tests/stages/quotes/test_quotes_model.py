"""Quote stage: (text, expected) pairs of one or two sentences, negatives included."""

from __future__ import annotations

import pytest

from pipeline.stages.quotes.marks import find_quote_spans

pytestmark = pytest.mark.model


def quotes_of(record, kind=None):
    return [
        (q["text"], (q["speaker"] or {}).get("name"), q["kind"])
        for q in record["quotes"]
        if kind is None or q["kind"] == kind
    ]


@pytest.mark.parametrize(
    "text,quote,speaker",
    [
        ("“We will respond in kind,” Lavrov said.", "“We will respond in kind,”", "Sergey Lavrov"),
        ('"We will respond in kind," Lavrov said.', '"We will respond in kind,"', "Sergey Lavrov"),
        ("«We will respond in kind», said Sergei Lavrov.", "«We will respond in kind»", "Sergey Lavrov"),
        ("Putin said: „This is a violation.“", "„This is a violation.“", "Vladimir Putin"),
        (
            "“(T)his is an outright violation of the treaty,” Putin stressed.",
            "“(T)his is an outright violation of the treaty,”",
            "Vladimir Putin",
        ),
        ("The minister called it “a gross violation,” Shoigu said.", "“a gross violation,”", "Sergey Shoigu"),
        ("Putin: “Good,” and the meeting ended.", "“Good,”", "Vladimir Putin"),
    ],
)
def test_quotes_direct_quote_has_speaker(annotate, text, quote, speaker):
    found = quotes_of(annotate(text), "direct")
    assert (quote, speaker, "direct") in found


def test_quotes_interrupted_quote_keeps_speaker(annotate):
    rec = annotate("“We did everything,” Lavrov said, “to save the treaty.”")
    names = {n for _, n, k in quotes_of(rec) if k == "direct"}
    assert names == {"Sergey Lavrov"}


def test_quotes_continuation_after_adding(annotate):
    text = (
        "The treaty collapsed because of “the unwillingness of the United States,” Lavrov explained, adding:\n\n"
        "“In 2007, we made another gesture of good will.”\n\n"
        "“All we hear are groundless ultimatums.”"
    )
    found = quotes_of(annotate(text), "direct")
    assert [n for _, n, _ in found] == ["Sergey Lavrov"] * 3


def test_quotes_unclosed_quote_closes_at_clause_and_keeps_next_paragraph_out(annotate):
    text = (
        "He asked them to talk only if the US is “ready to engage in dialogue,” and “the entire world, adding:\n\n"
        "Moscow will not deploy the weapons first."
    )
    rec = annotate(text)
    texts = [q for q, _, k in quotes_of(rec) if k == "direct"]
    assert "“the entire world" in texts
    assert all("Moscow" not in q for q in texts)


def test_quotes_dialogue_lines(annotate):
    rec = annotate("Putin: “This should not entail any increases.”\n\nShoigu: “Yes.”")
    assert [(q, n) for q, n, _ in quotes_of(rec)] == [
        ("“This should not entail any increases.”", "Vladimir Putin"),
        ("“Yes.”", "Sergey Shoigu"),
    ]


@pytest.mark.parametrize(
    "text,content,speaker",
    [
        (
            "According to Lavrov, the US deployed illegal missiles in Romania.",
            "the US deployed illegal missiles in Romania",
            "Sergey Lavrov",
        ),
        (
            "Defense Minister Shoigu explained that the violations have been going on for years.",
            "the violations have been going on for years",
            "Sergey Shoigu",
        ),
        (
            "The missiles are being produced in America, Lavrov explained.",
            "The missiles are being produced in America",
            "Sergey Lavrov",
        ),
    ],
)
def test_quotes_indirect_speech(annotate, text, content, speaker):
    assert (content, speaker, "indirect") in quotes_of(annotate(text), "indirect")


@pytest.mark.parametrize(
    "text",
    [
        "No evidence suggests otherwise.",
        "The weather was fine and the talks went on for hours.",
        "It’s nothing new, ongoing for the past 20 years or longer.",
    ],
)
def test_quotes_narration_has_no_quotes(annotate, text):
    assert annotate(text)["quotes"] == []


def test_quotes_nothing_from_boilerplate(annotate):
    text = (
        "Lavrov said the talks failed.\n\nThe talks went on.\n\nNote to readers: please share.\n\n"
        "His new book is titled “Flashpoint in Ukraine: US Drive for Hegemony.”"
    )
    rec = annotate(text)
    boiler = min(s["start"] for s in rec["segments"] if s["kind"] == "boilerplate")
    assert all(q["start"] < boiler for q in rec["quotes"])


@pytest.mark.parametrize(
    "text,expected",
    [
        ("He said “yes” and left.", ["“yes”"]),
        ("It was the ‘rogue state’ label.", ["‘rogue state’"]),
        ("It isn’t the leaders’ view.", []),
        ('She said "fine" and "good".', ['"fine"', '"good"']),
    ],
)
def test_quotes_find_quote_spans_marks(text, expected):
    spans = find_quote_spans(text, 0, len(text), lambda start: len(text), False)
    assert [text[s.start : s.end] for s in spans] == expected


@pytest.mark.parametrize(
    "text,content,kind",
    [
        (
            "Sanders said he was “encouraged” by the plan announced on Tuesday.",
            "he was “encouraged” by the plan announced on Tuesday",
            "mixed",
        ),
        (
            "Paul called Rubio’s proposed child care tax credit “a payment.”",
            "Rubio’s proposed child care tax credit “a payment",
            "mixed",
        ),
        (
            "The group is spending money on mailings, according to FEC filings.",
            "The group is spending money on mailings",
            "indirect",
        ),
        (
            "Voters who said they would vote in the primary were counted.",
            "they would vote in the primary",
            "indirect",
        ),
    ],
)
def test_quotes_reported_content_spans(annotate, text, content, kind):
    assert any(q["kind"] == kind and q["text"].startswith(content) for q in annotate(text)["quotes"])


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "Lavrov said the treaty was dead, while Blinken said it could still be saved.",
            [("the treaty was dead", "Sergey Lavrov"), ("it could still be saved", "Antony Blinken")],
        ),
        (
            "Lavrov said the treaty was dead and Secretary of State Antony Blinken said it could be saved.",
            [("the treaty was dead", "Sergey Lavrov"), ("it could be saved", "Antony Blinken")],
        ),
        # Negatives: a second clause of the same report, and a clause inside the report's condition.
        (
            "Lavrov said the treaty was dead and that the talks had failed.",
            [("the treaty was dead and that the talks had failed", "Sergey Lavrov")],
        ),
        (
            "Lavrov said that if the US leaves and Russia says nothing, the treaty is dead.",
            [("if the US leaves and Russia says nothing, the treaty is dead", "Sergey Lavrov")],
        ),
    ],
)
def test_quotes_second_speakers_report_ends_the_first(annotate, text, expected):
    assert [(t, n) for t, n, _ in quotes_of(annotate(text), "indirect")] == expected


def test_quotes_interrupted_by_cue_is_one_quote(annotate):
    text = "Voters were unmoved.\n\n“He’s funny,” attorney Eric Levine said of Trump. “But his lack of knowledge is disturbing.”"
    direct = [q for q in annotate(text)["quotes"] if q["kind"] == "direct"]
    assert len(direct) == 1 and direct[0]["text"].endswith("disturbing.”")


@pytest.mark.parametrize(
    "text,expected",
    [
        (
            "“We will not sign,” Lavrov said. “The deal is dead,” Shoigu said.",
            [("“We will not sign,”", "Sergey Lavrov"), ("“The deal is dead,”", "Sergey Shoigu")],
        ),
        (
            '"We will not sign," he said. "The deal is dead," he added.',
            [('"We will not sign,"', "he"), ('"The deal is dead,"', "he")],
        ),
    ],
)
def test_quotes_quotations_each_with_its_own_cue_are_two_quotes(annotate, text, expected):
    # One speaker's cue between two quotations joins them only when the second has no cue of its own.
    assert [(t, n) for t, n, _ in quotes_of(annotate(text), "direct")] == expected


def test_quotes_cue_of_the_next_sentence_does_not_split_an_interrupted_quote(annotate):
    text = (
        "“We disagree,” she said. “We feel good about the plan.” She noted a rally on Saturday in Sioux City."
    )
    direct = [t for t, _, _ in quotes_of(annotate(text), "direct")]
    assert direct == ["“We disagree,” she said. “We feel good about the plan.”"]


def test_quotes_relative_clause_cue_is_not_part_of_the_quote(annotate):
    text = '"It is not normal," said Weaver, who said executives often fail to understand that there are "no secrets."'
    direct = [q["text"] for q in annotate(text)["quotes"] if q["kind"] == "direct"]
    assert '"It is not normal,"' in direct


@pytest.mark.parametrize(
    "text,speaker",
    [
        (
            "Sanders: Endorsements prove Clinton is the candidate of the establishment.\n\nThe race goes on.",
            "Bernie Sanders",
        ),
        ("The interview went on.\n\nA: Believe me, a wall is not going to keep people away.", "A"),
        ("UPDATE: The talks resumed on Monday.\n\nThe race goes on.", None),
    ],
)
def test_quotes_colon_led_paragraph(annotate, text, speaker):
    colon = [q for q in annotate(text)["quotes"] if (q["cue"] or {}).get("text") == ":"]
    assert [q["speaker"]["name"] for q in colon] == ([speaker] if speaker else [])


def test_quotes_mixed_clause_ends_with_its_quotation(annotate):
    # The clause's last quotation closes after the stop; it is part of the one mixed attribution.
    found = quotes_of(annotate('Trump described him as "kind" with a "great heart."'))
    assert found == [('him as "kind" with a "great heart."', "Donald Trump", "mixed")]


def test_quotes_reported_clause_mostly_quoted_is_mixed(annotate):
    # PolNeAR's convention, learned on train: the whole clause is what she said, not only the quote.
    found = quotes_of(
        annotate('She said that Fiorina, a first-time chief executive, was "learning on the job."')
    )
    assert [(t, k) for t, _, k in found] == [
        ('Fiorina, a first-time chief executive, was "learning on the job."', "mixed")
    ]


def test_quotes_quote_after_cue_sentence_continues_it(annotate):
    text = (
        '"We should get rid of superdelegates entirely," said Jeff Merkley, who endorsed Sanders in April. '
        '"There are many delegates who feel this way."'
    )
    direct = [q for q in annotate(text)["quotes"] if q["kind"] == "direct"]
    assert len(direct) == 1 and direct[0]["text"].endswith('feel this way."')


def test_quotes_quote_after_a_narrated_sentence_stays_apart(annotate):
    text = (
        '"We think the government is overreaching," Mat Santos said over the phone. '
        'The ACLU will not represent him but plans to watch the case. "It is a free speech issue."'
    )
    direct = [q["text"] for q in annotate(text)["quotes"] if q["kind"] == "direct"]
    assert direct == ['"We think the government is overreaching,"', '"It is a free speech issue."']


def test_quotes_quotation_with_its_own_cue_keeps_its_speaker(annotate):
    text = (
        "The US demands all other countries “come to terms with its missile defense approach,” said Lavrov."
    )
    assert ("“come to terms with its missile defense approach,”", "Sergey Lavrov", "direct") in quotes_of(
        annotate(text)
    )


def test_quotes_cue_clause_set_into_the_sentence_reports_it(annotate):
    text = "The United States, Lavrov said, will leave the treaty in August."
    found = quotes_of(annotate(text))
    assert found == [
        ("The United States, Lavrov said, will leave the treaty in August", "Sergey Lavrov", "indirect")
    ]


def test_quotes_cue_of_the_next_sentence_does_not_take_a_quotation_with_its_own(annotate):
    text = (
        "Cruz spokeswoman Catherine Frazier said Thursday that the claim Rubio made about the plan is "
        '"simply not true." Cruz has supported more visas for years.'
    )
    quoted = [q for q in annotate(text)["quotes"] if "simply not true" in q["text"]]
    assert [(q["kind"], q["speaker"]["name"]) for q in quoted] == [("mixed", "Catherine Frazier")]


def test_quotes_cue_split_off_by_the_parser_still_attributes(annotate):
    found = quotes_of(annotate("“We are leaving the treaty.” Trump said."))
    assert found == [("“We are leaving the treaty.”", "Donald Trump", "direct")]


def test_quotes_titles_in_title_case_are_not_quotes(annotate):
    text = "Serafinowicz, who has starred in “Parks and Recreation” and “Guardians of the Galaxy,” spoke on Thursday."
    assert [q for q in annotate(text)["quotes"] if q["kind"] != "indirect"] == []


def test_quotes_shouted_words_in_capitals_are_still_said(annotate):
    found = quotes_of(annotate('The crowd chanted "Lock Her Up!" as Christie spoke.'))
    assert [(t, k) for t, _, k in found] == [('"Lock Her Up!"', "direct")]


@pytest.mark.parametrize(
    "between,speaker",
    [
        ("", "Sergey Lavrov"),
        # Too far from the last speaker named: nobody is said to speak the quoted paragraph.
        ("The weather in Moscow was cold.\n\nThe talks ended at noon.\n\n", None),
    ],
)
def test_quotes_quoted_paragraph_goes_on_in_the_voice_of_the_reported_speech_before_it(
    annotate, between, speaker
):
    quote = '"Nobody can bring it back to life now that both sides have left it."'
    text = f"Talks\n\nThe treaty can no longer be saved, Lavrov told reporters on Monday.\n\n{between}{quote}"
    direct = quotes_of(annotate(text), "direct")
    assert direct == ([(quote, speaker, "direct")] if speaker else [])


def test_quotes_source_of_according_to_is_never_content(annotate):
    text = (
        "Talks\n\nThe parliament approved a bill to end cooperation with the agency, according to media "
        "reports, which has to be approved by the government."
    )
    found = quotes_of(annotate(text))
    assert [content for content, _, _ in found] == [
        "The parliament approved a bill to end cooperation with the agency"
    ]
