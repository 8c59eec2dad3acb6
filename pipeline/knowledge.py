"""Load the knowledge kept as data in `models/`: roster, treaty base, cue words, event words, patterns.

Code never holds these lists. Each file carries a `source:` key saying where its content comes from.
The folder is `models/` at the top of the repository; the wheel carries it inside the package, as
`pipeline/models` (pyproject.toml maps the one onto the other), so a checkout, an editable install
and an installed wheel all read the same files. The environment variable `CLAIMS_MODELS_DIR` names
another folder. A missing or unreadable file stops the run with E031: the stages never run on less
knowledge than they were written for.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

from .errors import Errors, KnowledgeError

_PACKAGE = Path(__file__).resolve().parent
# An installed wheel: models/ shipped inside the package.
PACKAGED_MODELS_DIR = _PACKAGE / "models"
# A checkout (or an editable install of one): models/ beside the package, at the top of the repository.
CHECKOUT_MODELS_DIR = _PACKAGE.parent / "models"


def models_dir() -> Path:
    """The folder that holds the knowledge files."""
    if os.environ.get("CLAIMS_MODELS_DIR"):
        return Path(os.environ["CLAIMS_MODELS_DIR"])
    # The checkout's folder only beside its pyproject.toml: next to an installed package it would be
    # whatever another distribution put at site-packages/models.
    if PACKAGED_MODELS_DIR.is_dir() or not (_PACKAGE.parent / "pyproject.toml").is_file():
        return PACKAGED_MODELS_DIR
    return CHECKOUT_MODELS_DIR


def knowledge_error(path: Path, detail: str) -> KnowledgeError:
    return KnowledgeError(
        Errors.E031.format(detail=detail), path=str(path), stage="load", code="BadKnowledge"
    )


def read_text(path: Path) -> str:
    """The text of one knowledge file; E031 if it is missing or unreadable."""
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise knowledge_error(path, "no such file") from None
    except (OSError, UnicodeDecodeError) as err:
        raise knowledge_error(path, f"{type(err).__name__}: {err}") from None


SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, path: Path) -> dict:
    """A knowledge file's YAML, which must be a mapping (an empty or truncated file is an error too)."""
    try:
        # libyaml's parser where PyYAML was built with it: the pure-Python one took 1.4 s of every
        # run's start over the knowledge files. Both build the same data (SafeConstructor).
        data = yaml.load(text, Loader=SAFE_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as err:
        raise knowledge_error(path, f"not valid YAML: {str(err).splitlines()[0]}") from None
    if not isinstance(data, dict):
        raise knowledge_error(path, f"not a YAML mapping but {type(data).__name__}")
    return data


def read_yaml(name: str, folder: Path | None = None) -> dict:
    """Read one knowledge file from the models folder (or `folder`); E031 if it is missing or unreadable."""
    path = Path(folder or models_dir()) / name
    return parse_yaml(read_text(path), path)


@dataclass
class Speaker:
    """A roster entry: a person or organisation that may be quoted."""

    name: str
    aliases: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    gender: str = "unknown"
    kind: str = "person"
    country: str = ""


@dataclass
class Treaty:
    """A treaty of the knowledge base, with the dates it is known for."""

    id: str
    name: str
    aliases: list[str] = field(default_factory=list)
    abbreviations: list[str] = field(default_factory=list)
    dates: dict = field(default_factory=dict)

    def known_events(self) -> dict[str, str]:
        """Map every known date (YYYY-MM-DD or shorter) to its event, for naming a dated mention."""
        out: dict[str, str] = {}
        for key, value in (self.dates or {}).items():
            event = {"withdrawals": "withdrawal", "suspensions": "suspended"}.get(key, key)
            values = value if isinstance(value, list) else [value]
            for item in values:
                date = item.get("date") if isinstance(item, dict) else item
                if date:
                    out.setdefault(str(date), event)
        return out


@dataclass
class Knowledge:
    """Everything the stages look up, loaded once per process."""

    speakers: list[Speaker]
    treaties: list[Treaty]
    not_treaties: list[str]
    unknown_treaty_words: list[str]
    cue_verbs: set[str]
    cue_precision: dict[str, float]
    complement_share: dict[str, tuple[int, float]]
    clause_only_cues: set[str]
    cue_phrases: list[str]
    introducers: set[str]
    #: lemma -> prepositions whose phrase alone is a directive's content ("call for")
    directive_preps: dict[str, set[str]]
    colon_labels: set[str]
    event_words: dict[str, str]
    event_phrases: list[tuple[tuple[str, ...], str]]
    future_events: dict[str, str]
    boilerplate: dict
    treaty_descriptions: dict = field(default_factory=dict)

    def treaty(self, treaty_id: str) -> Treaty | None:
        return next((t for t in self.treaties if t.id == treaty_id), None)


# The knowledge files that make the cue lexicon. The role tagger keeps its own copy of them, the
# ones it was trained with (pipeline/stages/roles/tagger.py).
CUE_FILES = ("speech_cues.yml", "cues.yml")


def cue_lexicon(speech_cues: dict, mined: dict, min_n: int = 5, min_p: float = 0.15):
    """The cue verbs and each mined verb's precision: the hand list (speech_cues.yml) plus the verbs
    that head a PolNeAR-train cue often and reliably enough (cues.yml, `make cues`)."""
    verbs = mined.get("verbs") or {}
    reliable = {lemma for lemma, st in verbs.items() if st.get("n", 0) >= min_n and st.get("p", 0) >= min_p}
    precision = {lemma: st.get("p", 0.0) for lemma, st in verbs.items()}
    return set(speech_cues.get("verbs") or []) | reliable, precision


@lru_cache(maxsize=1)
def load_knowledge() -> Knowledge:
    """Load and index every knowledge file. Cached: the files are read once per process."""
    roster = read_yaml("speakers.yml")
    speakers = [
        Speaker(
            name=s["name"],
            aliases=list(s.get("aliases") or []),
            titles=list(s.get("titles") or []),
            gender=s.get("gender", "unknown"),
            kind=s.get("kind", "person"),
            country=s.get("country") or "",
        )
        for s in (roster.get("speakers") or [])
    ]
    speakers += [
        Speaker(name=o["name"], aliases=list(o.get("aliases") or []), kind="organisation", gender="neuter")
        for o in (roster.get("organisations") or [])
    ]
    base = read_yaml("treaties.yml")
    treaties = [
        Treaty(
            id=t["id"],
            name=t["name"],
            aliases=list(t.get("aliases") or []),
            abbreviations=list(t.get("abbreviations") or []),
            dates=t.get("dates") or {},
        )
        for t in (base.get("treaties") or [])
    ]
    not_treaties = []
    for nt in base.get("not_treaties") or []:
        not_treaties += [nt["name"], *(nt.get("aliases") or [])]
    cues = read_yaml("speech_cues.yml")
    cue_verbs, cue_precision = cue_lexicon(cues, read_yaml("cues.yml"))
    events = read_yaml("events.yml")
    event_words: dict[str, str] = {}
    event_phrases: list[tuple[tuple[str, ...], str]] = []
    for event, words in (events.get("events") or {}).items():
        for w in words:
            parts = tuple(w.lower().split())
            if len(parts) == 1:
                event_words.setdefault(parts[0], event)
            else:
                event_phrases.append((parts, event))
    return Knowledge(
        speakers=speakers,
        treaties=treaties,
        not_treaties=not_treaties,
        unknown_treaty_words=list(base.get("unknown_treaty_words") or []),
        cue_verbs=cue_verbs,
        cue_precision=cue_precision,
        complement_share={
            lemma: (st.get("n", 0), st.get("p", 0.0))
            for lemma, st in (read_yaml("complement_cues.yml").get("lemmas") or {}).items()
        },
        clause_only_cues=set(cues.get("clause_only") or []),
        cue_phrases=[p.lower() for p in cues.get("phrases") or []],
        introducers={w.lower() for w in cues.get("introducers") or []},
        directive_preps={k: set(v) for k, v in (cues.get("directive_preps") or {}).items()},
        colon_labels={w.lower() for w in cues.get("colon_labels") or []},
        event_words=event_words,
        event_phrases=sorted(event_phrases, key=lambda p: -len(p[0])),
        future_events=events.get("future_of") or {},
        boilerplate=read_yaml("boilerplate.yml"),
        treaty_descriptions=read_yaml("treaty_descriptions.yml"),
    )


def compile_patterns(patterns: list[str]) -> list[re.Pattern]:
    """Compile a list of regular expressions from a knowledge file."""
    return [re.compile(p) for p in patterns or []]
