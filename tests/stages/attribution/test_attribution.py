"""The learned attribution stage: loading offline, what it finds, merging with the rules, determinism."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from pipeline.stages.attribution.encode import LABELS, make_windows, paragraphs
from pipeline.stages.attribution.link import link
from pipeline.stages.attribution.merge import kind_of, reads_as_said
from pipeline.stages.attribution.network import bio_spans, viterbi


@pytest.mark.parametrize(
    "text,expected",
    [
        ("One.\n\nTwo words.\n", [(0, 4), (6, 16)]),
        ("  padded line  \nnext", [(2, 13), (16, 20)]),
        ("\n\n", []),
    ],
)
def test_attribution_paragraphs_are_non_blank_lines(text, expected):
    assert paragraphs(text) == expected


@pytest.mark.parametrize(
    "labels,spans",
    [
        (
            ["O", "B-source", "I-source", "B-cue", "B-content", "I-content"],
            [("source", 1, 3), ("cue", 3, 4), ("content", 4, 6)],
        ),
        (["I-content", "O"], []),  # an I- with no B- opens nothing
    ],
)
def test_attribution_bio_spans_read_runs(labels, spans):
    from pipeline.stages.attribution.encode import LABEL2ID

    assert bio_spans([LABEL2ID[x] for x in labels]) == spans


@pytest.mark.parametrize("length", [1, 6])
def test_attribution_viterbi_never_starts_or_jumps_into_an_inside_label(length):
    import numpy as np

    from pipeline.stages.attribution.encode import LABELS

    logp = np.full((length, len(LABELS)), -5.0)
    logp[:, LABELS.index("I-content")] = 0.0  # the model "wants" I-content everywhere
    path = [LABELS[i] for i in viterbi(logp)]
    assert path[0] != "I-content"
    for prev, cur in zip(path, path[1:], strict=False):
        if cur.startswith("I-"):
            assert prev[2:] == cur[2:]


def test_attribution_viterbi_transition_scores_keep_a_content_whole():
    """One doubtful subword in a long content: with no transition scores it opens a second content;
    a score against B-content right after I-content keeps the content one span."""
    import numpy as np

    from pipeline.stages.attribution.encode import LABELS

    b, i = LABELS.index("B-content"), LABELS.index("I-content")
    logp = np.full((5, len(LABELS)), -6.0)
    logp[0, b] = logp[1, i] = logp[3, i] = logp[4, i] = -0.1
    logp[2, b], logp[2, i] = -0.6, -0.9  # the head leans to a new span at token 2
    assert bio_spans(viterbi(logp)) == [("content", 0, 2), ("content", 2, 5)]
    trans = np.zeros((len(LABELS), len(LABELS)))
    trans[i, b] = -1.0
    assert bio_spans(viterbi(logp, trans, np.zeros(len(LABELS)))) == [("content", 0, 5)]


@pytest.mark.parametrize(
    "words,marks,kept",
    [
        (["the", "deal", "was", "dead", ","], {"content": ","}, 4),
        (["the", "deal", "was", "dead", ","], {"cue": ","}, 5),  # another role's marks
        (["dead", "."], {"content": ",."}, 1),
        ([","], {"content": ","}, 1),  # never trimmed to nothing
    ],
)
def test_attribution_trim_end_marks_drops_a_mark_the_role_never_ends_with(words, marks, kept):
    from pipeline.stages.attribution.encode import Para
    from pipeline.stages.attribution.network import trim_end_marks

    text = " ".join(words)
    offsets, pos = [], 0
    for w in words:
        offsets.append((pos, pos + len(w)))
        pos += len(w) + 1
    para = Para(0, len(text), list(range(len(words))), offsets)
    assert trim_end_marks([("content", 0, len(words))], para, text, marks) == [("content", 0, kept)]


def test_attribution_weights_saved_before_transition_scores_still_load():
    """A model trained before the tagger had transition scores decodes with zeros; a foreign one fails."""
    import torch
    from transformers import BertConfig, BertModel

    from pipeline.stages.attribution.network import Tagger

    def tiny():
        config = BertConfig(
            vocab_size=30, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16
        )
        return Tagger(BertModel(config))

    old = {k: v for k, v in tiny().state_dict().items() if k not in ("transitions", "start")}
    tagger = tiny()
    with torch.no_grad():
        tagger.transitions.fill_(1.0)  # as left by an earlier load
    tagger.load_weights(old)
    trans, start = tagger.transition_scores()
    assert not trans.any() and not start.any()
    with pytest.raises(KeyError):
        tagger.load_weights({**old, "extra.weight": old["head.weight"]})


def test_attribution_crf_loss_is_the_chain_likelihood():
    """`crf_nll` against brute force over every label chain; IGNORE positions ([CLS], [SEP]) skipped."""
    import itertools

    import torch

    from pipeline.stages.attribution.encode import IGNORE, LABELS
    from pipeline.stages.attribution.network import crf_nll

    n = len(LABELS)
    gen = torch.Generator().manual_seed(0)
    logp = torch.log_softmax(torch.randn(2, 5, n, generator=gen), -1)
    trans, start = torch.randn(n, n, generator=gen), torch.randn(n, generator=gen)
    labels = torch.tensor([[IGNORE, 1, 2, IGNORE, 0], [IGNORE, 3, 4, 5, IGNORE]])

    def score(row, chain, where):
        s = start[chain[0]] + logp[row, where[0], chain[0]]
        for k in range(1, len(chain)):
            s = s + trans[chain[k - 1], chain[k]] + logp[row, where[k], chain[k]]
        return s

    expected = 0.0
    for row in range(2):
        where = [t for t in range(5) if labels[row, t] != IGNORE]
        every = [score(row, c, where) for c in itertools.product(range(n), repeat=len(where))]
        expected += torch.logsumexp(torch.stack(every), 0) - score(
            row, [int(labels[row, t]) for t in where], where
        )
    assert float(crf_nll(logp, labels, trans, start)) == pytest.approx(float(expected), rel=1e-5)


def test_attribution_crf_loss_with_former_labels_is_the_chain_likelihood():
    """With scores given the former label ([B, T, L, L]), `crf_nll` is still the chain's likelihood;
    a chain starts from the row of O."""
    import itertools

    import torch

    from pipeline.stages.attribution.encode import IGNORE, LABELS
    from pipeline.stages.attribution.network import OUTSIDE, crf_nll

    n = len(LABELS)
    gen = torch.Generator().manual_seed(1)
    logp = torch.log_softmax(torch.randn(1, 4, n, n, generator=gen), -1)
    trans, start = torch.randn(n, n, generator=gen), torch.randn(n, generator=gen)
    labels = torch.tensor([[IGNORE, 5, 6, 0]])
    where = [1, 2, 3]

    def score(chain):
        s = start[chain[0]] + logp[0, where[0], OUTSIDE, chain[0]]
        for k in range(1, len(chain)):
            s = s + trans[chain[k - 1], chain[k]] + logp[0, where[k], chain[k - 1], chain[k]]
        return s

    every = torch.stack([score(c) for c in itertools.product(range(n), repeat=3)])
    expected = torch.logsumexp(every, 0) - score([5, 6, 0])
    assert float(crf_nll(logp, labels, trans, start)) == pytest.approx(float(expected), rel=1e-5)


def test_attribution_viterbi_reads_former_label_scores():
    """Scores that do not depend on the former label decode as the plain tagger's; scores that do
    can keep a content whole that the plain reading would cut."""
    from pipeline.stages.attribution.network import viterbi

    rng = np.random.default_rng(3)
    plain = np.log(rng.dirichlet(np.ones(len(LABELS)), size=6))
    assert viterbi(np.repeat(plain[:, None, :], len(LABELS), axis=1)) == viterbi(plain)

    b, i, o = (LABELS.index(x) for x in ("B-content", "I-content", "O"))
    former = np.full((3, len(LABELS), len(LABELS)), np.log(0.01))
    former[0, o, b] = np.log(0.9)
    former[1, :, o] = np.log(0.6)  # alone, the middle subword reads as O ...
    former[1, b, i] = np.log(0.9)  # ... but after B-content it goes on with the content
    former[2, i, i] = np.log(0.9)
    former[2, o, o] = np.log(0.5)
    assert [LABELS[k] for k in viterbi(former)] == ["B-content", "I-content", "I-content"]


def test_attribution_former_label_tagger_saves_and_loads(tmp_path):
    """A former-label tagger's meta says so, and it loads back with the same scores."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    from pipeline.stages.attribution.network import FORMER_LABEL_HEAD, Tagger, load_model, save_model

    vocab = tmp_path / "vocab.txt"
    vocab.write_text("\n".join(["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "deal"]))
    config = BertConfig(
        vocab_size=7, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16
    )
    torch.manual_seed(0)
    tagger = Tagger(BertModel(config), former_label=True).eval()
    save_model(
        tagger, BertTokenizerFast(str(vocab)), str(tmp_path / "m"), {"head": FORMER_LABEL_HEAD}, fp16=False
    )
    loaded, _tok, _meta = load_model(str(tmp_path / "m"))
    ids, mask = torch.tensor([[2, 5, 6, 3]]), torch.ones(1, 4, dtype=torch.long)
    with torch.no_grad():
        out = loaded(ids, mask)
        assert out.shape == (1, 4, len(LABELS), len(LABELS))
        assert torch.allclose(out, tagger(ids, mask))


def test_attribution_windows_refuse_a_stride_that_never_advances():
    from pipeline.stages.attribution.encode import Para

    with pytest.raises(ValueError, match="stride 64 must be below"):
        make_windows([Para(0, 100, list(range(100)), [(i, i + 1) for i in range(100)])], 1, 2, max_len=64)


@pytest.mark.parametrize("sizes,max_len,windows", [([10, 10, 10], 40, 1), ([20, 20], 40, 2), ([100], 40, 4)])
def test_attribution_windows_pack_paragraphs_and_cut_long_ones(sizes, max_len, windows):
    from pipeline.stages.attribution.encode import Para

    paras = [Para(0, n, list(range(5, 5 + n)), [(i, i + 1) for i in range(n)]) for n in sizes]
    out = make_windows(paras, cls_id=1, sep_id=2, max_len=max_len, stride=8)
    assert len(out) == windows
    assert all(len(w.input_ids) <= max_len for w in out)
    covered = {(pi, t0 + k) for w in out for pi, t0, n, _ in w.pieces for k in range(n)}
    assert covered == {(pi, t) for pi, n in enumerate(sizes) for t in range(n)}


@pytest.mark.parametrize(
    "roles,expected",
    [
        # content after its cue and source ("X said that Y")
        ([{"source": [(0, 5)], "cue": [(6, 10)], "content": [(11, 30)]}], [((11, 30), (6, 10), (0, 5))]),
        # no cue and no source: the content is kept, unattributed, for the merge to decide
        ([{"source": [], "cue": [], "content": [(0, 9)]}], [((0, 9), None, None)]),
        ([{"source": [], "cue": [], "content": []}], []),
        # "telling his aides he planned …": the source and cue inside the content are a nested
        # attribution's, never the content's own; the nearest ones outside it are.
        (
            [{"source": [(0, 5), (30, 32)], "cue": [(6, 13), (33, 40)], "content": [(30, 60)]}],
            [((30, 60), (6, 13), (0, 5))],
        ),
        ([{"source": [(30, 32)], "cue": [(6, 13)], "content": [(30, 60)]}], [((30, 60), (6, 13), None)]),
    ],
)
def test_attribution_link_nearest_cue_and_source(roles, expected):
    got = [(a["content"], a["cue"], a["source"]) for a in link(roles, "nearest")]
    assert got == expected


@pytest.mark.parametrize(
    "text,kind",
    [
        ("“We will stay,” he said.", "direct"),
        ("that they would “never” leave", "mixed"),
        ("that the deal is dead", "indirect"),
    ],
)
def test_attribution_kind_from_quotation_marks(text, kind):
    end = text.index(",") + 1 if kind == "direct" else len(text)
    if kind == "direct":
        end = text.index("”") + 1
    assert kind_of(text, 0, end) == kind


@pytest.fixture(scope="module")
def accurate():
    """The default pipeline with the transformer added (--accurate), as `claims run` builds it."""
    from pipeline.run.runner import Runner

    return Runner(accurate=True)


@pytest.fixture(scope="module", params=["fp32", "bf16"])
def each_precision(request):
    """The default pipeline at each `--precision`: bf16 runs (emulated, slowly) on any CPU."""
    from pipeline.run.runner import Runner

    return Runner(precision=request.param)


def _quotes(runner, text):
    from pipeline.run.ingest import Article

    meta = {"title": None, "author": "Jane Writer", "date": "2020-05-21", "url": None}
    [record] = list(runner.annotate([Article(id="t", source="inline", text=text, meta=meta)]))
    assert isinstance(record, dict), record
    return record["quotes"]


@pytest.mark.model
@pytest.mark.parametrize(
    "text,content,speaker",
    [
        (
            "The delegates met in Vienna on Tuesday.\n\n"
            "As Senator Mary Holt noted, the inspectors have not been back since the spring.\n",
            "the inspectors have not been back",
            "Mary Holt",
        ),
    ],
)
def test_attribution_finds_what_the_rules_miss(each_precision, text, content, speaker):
    quotes = _quotes(each_precision, text)
    found = [q for q in quotes if content in text[q["start"] : q["end"]]]
    assert found, quotes
    assert found[0]["how"].startswith("model") and found[0]["speaker"]["name"] == speaker


@pytest.mark.model
@pytest.mark.parametrize(
    "text",
    [
        "The delegates met in Vienna on Tuesday. The talks ran late and lunch was served at noon.\n",
        "Treaty Talks Resume In Vienna\n\nThe weather in Vienna was cold on Tuesday.\n",
    ],
)
def test_attribution_finds_nothing_in_narration(each_precision, text):
    assert _quotes(each_precision, text) == []


@pytest.mark.model
@pytest.mark.parametrize(
    "text", ["Officials said the agreement would hold. Mary Holt believes the inspections failed.\n"]
)
def test_attribution_output_is_deterministic(each_precision, text):
    assert _quotes(each_precision, text) == _quotes(each_precision, text)


@pytest.mark.model
def test_attribution_record_names_the_mode_and_precision(accurate, each_precision):
    from pipeline.run.runner import Runner
    from pipeline.stages.attribution.component import native_bf16

    bf16 = each_precision.config.precision == "bf16"
    assert each_precision.model_name.endswith("+claims_attribution" + ("@bf16" if bf16 else ""))
    # auto: bf16 only where the CPU multiplies bfloat16 itself
    assert accurate.model_name.endswith("@bf16") == native_bf16()
    assert "claims_attribution" not in Runner(fast=True).model_name


@pytest.mark.parametrize(
    "flags,native",
    [
        ("fpu sse2 avx2 avx512f avx512bw avx512_bf16 avx512_vnni", True),
        ("fpu sse2 avx2 amx_bf16 amx_tile", True),
        ("fpu sse2 avx2 avx512f avx512bw avx512_vnni", False),  # bf16 would be emulated: slower
        (None, False),  # no /proc/cpuinfo to read
    ],
)
def test_attribution_bf16_only_where_the_cpu_has_it(tmp_path, flags, native):
    from pipeline.stages.attribution.component import native_bf16

    info = tmp_path / "cpuinfo"
    if flags is not None:
        info.write_text(f"processor\t: 0\nmodel name\t: test\nflags\t\t: {flags}\n\nprocessor\t: 1\n")
    assert native_bf16(str(info)) is native


@pytest.mark.parametrize(
    "options,message",
    [
        ({"precision": "fp16"}, "unknown precision 'fp16'"),
        ({"precision": "bf16", "fast": True}, "--precision is the transformer's: leave out --fast"),
        ({"precision": "fp32", "rules_only": True}, "leave out --rules-only"),
    ],
)
def test_attribution_precision_needs_the_transformer(options, message):
    from pipeline.config import RunConfig

    with pytest.raises(ValueError, match=message):
        RunConfig(**options)


@pytest.mark.model
def test_attribution_model_loads_offline(tmp_path):
    """No network: the hub is switched off and the model still loads from models/."""
    script = (
        "import os; os.environ['HF_HUB_OFFLINE']='1'; os.environ['TRANSFORMERS_OFFLINE']='1';"
        "from pipeline.stages.attribution import AttributionModel, shipped_model_path;"
        "m = AttributionModel(shipped_model_path());"
        "print(len(m.tag(['He said the deal was dead.'], [[(0, 26)]])[0]))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "HF_HUB_OFFLINE": "1",
        "HOME": str(tmp_path),
        "NO_PROXY": "*",
        "HTTPS_PROXY": "http://127.0.0.1:9",
    }
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "1"


@pytest.mark.model
def test_attribution_ensemble_averages_its_members_log_probabilities():
    """An ensemble reads as one tagger: the mean of its members' log-probabilities, and of their
    transition scores."""
    import torch
    from transformers import BertConfig, BertModel

    from pipeline.stages.attribution.network import Ensemble, Tagger

    config = BertConfig(
        vocab_size=7, hidden_size=8, num_hidden_layers=1, num_attention_heads=2, intermediate_size=16
    )
    torch.manual_seed(0)
    members = [Tagger(BertModel(config)).eval() for _ in range(2)]
    with torch.no_grad():
        members[1].transitions.fill_(1.0)
        ids, mask = torch.tensor([[2, 5, 6, 3]]), torch.ones(1, 4, dtype=torch.long)
        each = [torch.log_softmax(m(ids, mask), -1) for m in members]
        assert torch.allclose(Ensemble(members)(ids, mask), (each[0] + each[1]) / 2)
    trans, _start = Ensemble(members).transition_scores()
    assert np.allclose(trans, (members[0].transition_scores()[0] + 1.0) / 2)


def test_attribution_run_encoder_scores_as_the_training_encoder_does():
    """The run's own BERT (`bert.py`) gives the scores transformers' BertModel gives with the same
    weights, for a padded batch, and its tokenizer the same subwords and offsets."""
    import torch
    from transformers import AutoConfig, AutoModel, AutoTokenizer

    from pipeline.stages.attribution import shipped_model_path
    from pipeline.stages.attribution.encode import encode_paragraphs
    from pipeline.stages.attribution.network import (
        FORMER_LABEL_HEAD,
        Tagger,
        collate,
        load_model,
        read_weights,
    )

    d = shipped_model_path()
    run_model, run_tok, meta = load_model(str(d))
    config = AutoConfig.from_pretrained(str(d / "encoder_config.json"))
    train_model = Tagger(AutoModel.from_config(config), former_label=meta.get("head") == FORMER_LABEL_HEAD)
    train_model.load_weights(read_weights(d))
    train_model.eval()
    train_tok = AutoTokenizer.from_pretrained(str(d / "tokenizer"))

    text = (
        "“We won’t sign,” Ryabkov said of New START’s résumé.\n\n"
        "The IAEA's Grossi said inspectors had returned to Fordow — briefly.\n"
    )
    run_paras, train_paras = encode_paragraphs(run_tok, text), encode_paragraphs(train_tok, text)
    assert [(p.ids, p.offsets) for p in run_paras] == [(p.ids, p.offsets) for p in train_paras]
    one = "He said the deal was dead."
    assert run_tok(one)["input_ids"] == train_tok(one)["input_ids"]  # [CLS] … [SEP], as transformers'
    windows = make_windows(run_paras, run_tok.cls_token_id, run_tok.sep_token_id, max_len=24, stride=8)
    assert len({len(w.input_ids) for w in windows}) > 1  # rows of unequal length: padding is masked
    ids, mask = collate(windows, list(range(len(windows))))
    with torch.no_grad():
        assert torch.equal(run_model(ids, mask), train_model(ids, mask))


@pytest.mark.model
@pytest.mark.parametrize("bf16", [False, True])
def test_attribution_window_scores_do_not_depend_on_their_batch(bf16):
    """A window scores the same alone, in any batch and on 1 or 2 threads, so that `--workers` and
    Dask runs, which batch other articles together, give the records of a local run."""
    import torch

    from pipeline.stages.attribution import AttributionModel, shipped_model_path
    from pipeline.stages.attribution.encode import encode_paragraphs
    from pipeline.stages.attribution.network import window_logprobs

    m = AttributionModel(shipped_model_path(), precision="bf16" if bf16 else "fp32")
    tok = m.tokenizer
    text = "".join(
        f"Officials in Vienna said on day {i} that the talks on the treaty {'would go on ' * i}held.\n\n"
        for i in range(1, 13)
    )
    windows = make_windows(
        encode_paragraphs(tok, text), tok.cls_token_id, tok.sep_token_id, max_len=96, stride=16
    )
    assert len({len(w.input_ids) for w in windows}) > 3  # lengths differ: batches are padded
    together = window_logprobs(m.model, windows, batch_size=32, bf16=bf16)
    threads = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        alone = [window_logprobs(m.model, [w], batch_size=1, bf16=bf16)[0] for w in windows]
    finally:
        torch.set_num_threads(threads)
    pairs = [window_logprobs(m.model, windows[i : i + 2], batch_size=2, bf16=bf16) for i in (0, 2, 4)]
    assert all(np.array_equal(a, b) for a, b in zip(together, alone, strict=True))
    assert all(
        np.array_equal(p[k], together[i + k]) for i, p in zip((0, 2, 4), pairs, strict=True) for k in (0, 1)
    )


@pytest.mark.model
def test_attribution_run_loads_the_model_without_transformers():
    """A run builds the encoder itself: importing transformers' BERT cost every run's start ~3 s."""
    script = (
        "import sys; from pipeline.stages.attribution import AttributionModel, shipped_model_path;"
        "m = AttributionModel(shipped_model_path());"
        "m.tag(['He said the deal was dead.'], [[(0, 26)]]);"
        "print('transformers' in sys.modules)"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip() == "False"


def _span(text: str, part: str) -> tuple[int, int]:
    start = text.index(part)
    return start, start + len(part)


def test_attribution_a_cue_phrase_over_the_contents_first_words_moves_its_start():
    """`content_beside`: a source or cue phrase and the content never share words."""
    from pipeline.stages.attribution.merge import content_beside

    text = "Senator Markey voiced confidence in the new arms control agreement passing the chamber easily."
    content = (text.index("confidence"), len(text) - 1)
    moved = content_beside(text, content, _span(text, "voiced confidence"))
    assert text[slice(*moved)].startswith("in the new arms control")
    # a phrase beside the content leaves it as it is
    assert content_beside(text, content, _span(text, "voiced")) == content
    # one over its last words moves its end
    moved = content_beside(text, content, _span(text, "easily."))
    assert text[slice(*moved)].endswith("passing the chamber")
    # one inside it (the speaker of a quote the rules took whole) leaves it; one over all of it
    # cannot stand beside it
    assert content_beside(text, content, _span(text, "arms")) == content
    assert content_beside(text, content, (0, len(text))) is None


@pytest.mark.model
@pytest.mark.parametrize(
    "text,content,cue,said",
    [
        ("Holt said the talks would resume in May.", "the talks would resume in May", "said", True),
        # An evaluation, a plan, a gloss: PolNeAR counts them, news readers do not.
        ("Holt praised the statement on Monday.", "the statement on Monday", "praised", False),
        ("Holt wants a new agenda on arms control.", "a new agenda on arms control", "wants", False),
        ("The deal, known as the JCPOA, lifted sanctions.", "the JCPOA, lifted sanctions", "known", False),
        ("Holt said that.", "that", "said", False),
    ],
)
def test_attribution_adds_only_what_reads_as_said(nlp, text, content, cue, said):
    doc = nlp(text)
    att = {"content": _span(text, content), "cue": _span(text, cue), "source": _span(text, text.split()[0])}
    assert reads_as_said(doc, att) is said


@pytest.mark.model
@pytest.mark.parametrize(
    "text,content,said",
    [
        ("The talks will resume in May, Holt said on Monday.", "The talks will resume in May", True),
        # the cue of a later sentence introduces what follows it
        (
            "The deal is likely to collapse soon. Holt said the talks would resume.",
            "The deal is likely to collapse soon",
            False,
        ),
        # a cue in a relative clause on the content's words reports that clause's complement
        (
            "The remarks were prompted by a joint statement, which Holt said amounted to interference.",
            "The remarks were prompted by a joint statement",
            False,
        ),
        # a content before its cue is not what the cue reports when the cue's own complement follows
        (
            "If the treaty collapses, Holt said the allies should respond at once.",
            "If the treaty collapses",
            False,
        ),
    ],
)
def test_attribution_adds_no_content_its_cue_cannot_introduce(nlp, text, content, said):
    doc = nlp(text)
    att = {"content": _span(text, content), "cue": _span(text, "said"), "source": _span(text, "Holt")}
    assert reads_as_said(doc, att) is said


@pytest.mark.model
@pytest.mark.parametrize(
    "text,said",
    [
        ("The envoy was in Geneva. Holt suggests the talks will resume in May.", True),
        # the cue has a subject of its own: the source linked to it from another clause says nothing
        ("Holt was in Geneva. No report suggests the talks will resume in May.", False),
    ],
)
def test_attribution_adds_no_content_whose_cue_has_another_subject(nlp, text, said):
    doc = nlp(text)
    att = {
        "content": _span(text, "the talks will resume in May"),
        "cue": _span(text, "suggests"),
        "source": _span(text, "Holt"),
    }
    assert reads_as_said(doc, att) is said


@pytest.mark.model
@pytest.mark.parametrize(
    "text,source,cue",
    [
        (
            "Russian Foreign Minister Sergei Lavrov has repeatedly said that the treaty is dead.\n",
            "Russian Foreign Minister Sergei Lavrov",
            "has repeatedly said",
        ),
        (
            '"We will not sign," the ministry\'s spokesman Ivan Petrov said on Tuesday.\n',
            "the ministry's spokesman Ivan Petrov",
            "said",
        ),
    ],
)
def test_attribution_gives_rules_quotes_the_annotators_edges_but_keeps_the_name(accurate, text, source, cue):
    """The rules say who spoke; the model's source and cue phrases are the whole of what names them."""
    from pipeline.run.runner import Runner

    [fast] = _quotes(Runner(fast=True), text)
    [quote] = _quotes(accurate, text)
    assert (quote["start"], quote["end"]) == (fast["start"], fast["end"])
    assert quote["speaker"]["text"] == source and quote["cue"]["text"] == cue
    assert quote["speaker"]["name"] == fast["speaker"]["name"]


def test_attribution_source_edges_only_move_onto_the_same_mention(nlp):
    from pipeline.stages.resolve import with_source_edges

    text = "Mary Holt said the talks would resume, and Ivan Petrov agreed."
    doc = nlp(text)
    speaker = {"name": "Mary Holt", "start": 5, "end": 9, "text": "Holt"}
    moved = with_source_edges(doc, speaker, _span(text, "Mary Holt"))
    assert moved == {"name": "Mary Holt", "start": 0, "end": 9, "text": "Mary Holt"}
    # The model's source is someone else: the resolver's span stands.
    assert with_source_edges(doc, speaker, _span(text, "Ivan Petrov")) == speaker
    assert with_source_edges(doc, speaker, None) == speaker


@pytest.mark.model
@pytest.mark.parametrize(
    "model_content,policy,edges",
    [
        # The model's content reaches past the marks: PolNeAR draws the clause around a partial quote.
        ("that Petrov “will not sign the treaty.”", "polnear", "that Petrov “will not sign the treaty.”"),
        ("that Petrov “will not sign the treaty.”", "model", "“will not sign the treaty.”"),
        # A fragment inside the marks takes the quotation's edges under either policy.
        ("will not sign", "polnear", "“will not sign the treaty.”"),
        ("will not sign", "model", "“will not sign the treaty.”"),
    ],
)
def test_attribution_polnear_merge_lets_marks_decide_only_inside_them(nlp, model_content, policy, edges):
    from pipeline.stages.attribution.merge import merge

    text = "Mary Holt said that Petrov “will not sign the treaty.”\n"
    doc = nlp(text)
    quoted = _span(text, "“will not sign the treaty.”")
    rule = {"start": quoted[0], "end": quoted[1], "kind": "direct", "speaker": None, "cue": None}
    att = {
        "content": _span(text, model_content),
        "cue": _span(text, "said"),
        "source": _span(text, "Mary Holt"),
    }
    [quote] = merge(doc, [rule], [att], policy)
    assert text[quote["start"] : quote["end"]] == edges
    assert quote["how"] == ("model+marks" if edges.startswith("“") else "model")
    assert quote["speaker"]["name"] == "Mary Holt"


@pytest.mark.model
@pytest.mark.parametrize(
    "text,quotations,model_contents,cues,contents",
    [
        # Two cues: two attributions, each with its own edges, though the rules joined the quotations.
        (
            "Holt said: “We sent nothing.” Later she reiterated: “We know the rules.”\n",
            ["“We sent nothing.”", "“We know the rules.”"],
            ["“We sent nothing.”", "“We know the rules.”"],
            ["said", "reiterated"],
            ["“We sent nothing.”", "“We know the rules.”"],
        ),
        # One cue between the pieces: one attribution, from the first mark to the last, as PolNeAR draws it.
        (
            "“We sent nothing,” Holt said. “We know the rules.”\n",
            ["“We sent nothing,”", "“We know the rules.”"],
            ["“We sent nothing,”", "“We know the rules.”"],
            ["said", "said"],
            ["“We sent nothing,” Holt said. “We know the rules.”"],
        ),
        # One cue, but the first content starts before the marks: the joined quotation's edges would
        # make the second content cross the first, so each keeps its own.
        (
            "Petrov “sent nothing,” Holt said. “We know the rules.”\n",
            ["“sent nothing,”", "“We know the rules.”"],
            ["Petrov “sent nothing,”", "“We know the rules.”"],
            ["said", "said"],
            ["Petrov “sent nothing,”", "“We know the rules.”"],
        ),
    ],
)
def test_attribution_polnear_merge_joins_quotations_only_under_one_cue(
    nlp, text, quotations, model_contents, cues, contents
):
    from pipeline.stages.attribution.merge import merge

    doc = nlp(text)
    first, second = (_span(text, q) for q in quotations)
    # The rules' quote runs from the first mark to the last: the quotes stage joins them.
    rule = {"start": first[0], "end": second[1], "kind": "direct", "speaker": None, "cue": None}
    atts = [
        {"content": _span(text, content), "cue": _span(text, cue), "source": _span(text, "Holt")}
        for content, cue in zip(model_contents, cues, strict=True)
    ]
    quotes = merge(doc, [rule], atts, "polnear")
    assert [text[q["start"] : q["end"]] for q in quotes] == contents


@pytest.mark.model
@pytest.mark.parametrize(
    "policy,cue,kept", [("polnear", True, True), ("model", True, False), ("polnear", False, False)]
)
def test_attribution_polnear_merge_keeps_a_content_nobody_is_named_as_saying(nlp, policy, cue, kept):
    """PolNeAR's annotators draw an attribution whose source the sentence leaves implicit, never one
    with no cue; the other policies leave out what nobody is named as saying."""
    from pipeline.stages.attribution.merge import merge

    text = "It is widely expected that the inspections will resume in May.\n"
    doc = nlp(text)
    att = {
        "content": _span(text, "that the inspections will resume in May"),
        "cue": _span(text, "expected") if cue else None,
    }
    quotes = merge(doc, [], [att], policy)
    assert [(text[q["start"] : q["end"]], q["speaker"], q["how"]) for q in quotes] == (
        [("that the inspections will resume in May", None, "model")] if kept else []
    )


@pytest.mark.model
@pytest.mark.parametrize(
    "text,model_contents,cue,rule_content,rule_speaker",
    [
        # Inside the content: a nested attribution's speaker.
        (
            "Trump was telling his aides he planned to adopt a new tone.\n",
            ["he planned to adopt a new tone"],
            "telling",
            "planned to adopt a new tone",
            "he",
        ),
        # On another piece of the content the cue interrupts.
        (
            "Nabisco is expected to cut 277 workers this week.\n",
            ["Nabisco", "to cut 277 workers this week"],
            "is expected",
            "to cut 277 workers this week",
            "Nabisco",
        ),
    ],
)
def test_attribution_merge_takes_no_rules_speaker_from_a_model_content(
    nlp, text, model_contents, cue, rule_content, rule_speaker
):
    """The model tags one role to a word, as PolNeAR's annotators do: a rules' speaker on one of its
    contents speaks none of them, and the content has no speaker rather than that one."""
    from pipeline.stages.attribution.merge import merge

    doc = nlp(text)
    start, end = _span(text, rule_content)
    at = _span(text, rule_speaker)
    speaker = {"name": rule_speaker, "start": at[0], "end": at[1], "text": rule_speaker}
    rule = {"start": start, "end": end, "kind": "indirect", "speaker": speaker, "cue": None}
    atts = [{"content": _span(text, c), "cue": _span(text, cue)} for c in model_contents]
    quotes = merge(doc, [rule], atts, "polnear")
    assert [text[q["start"] : q["end"]] for q in quotes] == model_contents
    assert all(q["speaker"] is None and q["cue"]["text"] == cue for q in quotes)


@pytest.fixture(scope="module")
def polnear():
    """The default pipeline with PolNeAR's annotation convention (`--convention polnear`)."""
    from pipeline.run.runner import Runner

    return Runner(convention="polnear")


@pytest.mark.model
@pytest.mark.parametrize(
    "text,claims,polnear_content",
    [
        (
            "Mary Holt said that the inspections would resume in May.\n",
            "the inspections would resume in May",
            "that the inspections would resume in May",
        ),
    ],
)
def test_attribution_polnear_convention_keeps_the_clause_with_its_that(
    accurate, polnear, text, claims, polnear_content
):
    [ours] = _quotes(accurate, text)
    [theirs] = _quotes(polnear, text)
    assert text[ours["start"] : ours["end"]] == claims
    assert text[theirs["start"] : theirs["end"]] == polnear_content
    assert theirs["speaker"]["name"] == ours["speaker"]["name"] == "Mary Holt"


@pytest.mark.model
def test_attribution_polnear_convention_is_named_in_the_record(polnear):
    tagger = polnear.nlp.get_pipe("claims_attribution").model
    # PolNeAR's conventions tag with the shipped ensemble: the model and its members.
    assert tagger.size == 1 + len(tagger.meta.get("members", []))
    ensemble = f"*{tagger.size}" if tagger.size > 1 else ""
    assert polnear.model_name.endswith(
        f"+claims_attribution{ensemble}" + ("@bf16" if tagger.bf16 else "") + ":polnear"
    )
    assert _quotes(polnear, "The delegates met in Vienna on Tuesday. Lunch was served at noon.\n") == []


def test_attribution_model_missing_names_the_folder_and_how_to_rebuild_it(tmp_path):
    from pipeline.errors import KnowledgeError
    from pipeline.stages.attribution.component import AttributionModel

    with pytest.raises(KnowledgeError, match=r"\[E033\] cannot load the transformer") as info:
        AttributionModel(tmp_path / "attribution-transformer")
    assert "attribution-transformer" in str(info.value) and "make train-transformer" in str(info.value)
    assert "--fast" in str(info.value)


@pytest.mark.model
def test_attribution_headline_speaker_is_not_a_name_past_the_cue(polnear):
    """In a title-case headline every word reads as a name: the speaker's title chain ends at the
    cue, so "Denounces Clinton" speaks nothing."""
    text = (
        "France’s Marine Le Pen Backs Trump And Denounces Clinton.\n\n"
        "PARIS (Reuters) - France’s far-right National Front party leader, Marine Le Pen, voiced "
        "support for Donald Trump on Wednesday.\n"
    )
    headline = [q for q in _quotes(polnear, text) if q["end"] <= text.index("\n")]
    assert headline and all(q["speaker"]["text"] == "France’s Marine Le Pen" for q in headline)
