"""The annotator review loop: export records for review, import corrections, apply them to new runs.

    >>> from pipeline.review import export_brat, import_reviews, load_corrections
    >>> export_brat(records, "review/")                          # annotators edit review/ in brat
    >>> import_reviews("review/", "corrections.jsonl")          # what they changed, appended
    >>> apply = load_corrections("corrections.jsonl")           # what `claims run --corrections` does
    >>> record = apply(record)

Modules: `items` (what is reviewed, with stable ids), `export_brat`, `export_labelstudio`,
`export_html`, `importer` (tool files → store entries), `store` (the append-only corrections file),
`corrections` (applying reviews to runs, scoring runs against reviews), `cli` (`claims review`).
"""

from __future__ import annotations

from .corrections import apply_review, format_corrections_table, load_corrections, score_against_corrections
from .export_brat import export_brat
from .export_html import export_html
from .export_labelstudio import export_labelstudio, label_config
from .importer import ImportReport, import_reviews, read_reviews

__all__ = [
    "ImportReport",
    "apply_review",
    "export_brat",
    "export_html",
    "export_labelstudio",
    "format_corrections_table",
    "import_reviews",
    "label_config",
    "load_corrections",
    "read_reviews",
    "score_against_corrections",
]
