"""Load the knowledge kept as data in `models/`: roster, treaty base, cue words, event words, patterns.

Code never holds these lists. Each file carries a `source:` key saying where its content comes from.
The folder is the repository's `models/`, or the one named by the environment variable
`CLAIMS_MODELS_DIR`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import yaml

MODELS_DIR = Path(__file__).resolve().parent.parent / "models"


def models_dir() -> Path:
    """The folder that holds the knowledge files."""
    return Path(os.environ.get("CLAIMS_MODELS_DIR") or MODELS_DIR)


def read_yaml(name: str) -> dict:
    """Read one knowledge file from the models folder; a missing optional file reads as {}."""
    path = models_dir() / name
    if not path.exists():
        return {}
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh) or {}


@dataclass
class Speaker:
    """A roster entry: a person or organisation that may be quoted."""

    name: str
    aliases: list[str] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    gender: str = "unknown"
    kind: str = "person"


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
    colon_labels: set[str]
    event_words: dict[str, str]
    event_phrases: list[tuple[tuple[str, ...], str]]
    future_events: dict[str, str]
    boilerplate: dict
    treaty_descriptions: dict = field(default_factory=dict)

    def treaty(self, treaty_id: str) -> Treaty | None:
        return next((t for t in self.treaties if t.id == treaty_id), None)


def _mined_cue_verbs(min_n: int = 5, min_p: float = 0.15) -> set[str]:
    """Verbs that head a PolNeAR-train cue often and reliably enough (models/cues.yml)."""
    mined = read_yaml("cues.yml").get("verbs") or {}
    return {lemma for lemma, st in mined.items() if st.get("n", 0) >= min_n and st.get("p", 0) >= min_p}


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
        cue_verbs=set(cues.get("verbs") or []) | _mined_cue_verbs(),
        cue_precision={
            lemma: st.get("p", 0.0) for lemma, st in (read_yaml("cues.yml").get("verbs") or {}).items()
        },
        complement_share={
            lemma: (st.get("n", 0), st.get("p", 0.0))
            for lemma, st in (read_yaml("complement_cues.yml").get("lemmas") or {}).items()
        },
        clause_only_cues=set(cues.get("clause_only") or []),
        cue_phrases=[p.lower() for p in cues.get("phrases") or []],
        introducers={w.lower() for w in cues.get("introducers") or []},
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
