"""Numbered messages of the review loop, beside those of `pipeline.errors` (E010 and W002 live there).

Kept in one place for the same reason as `pipeline.errors`; they can move there as they are.
"""

from __future__ import annotations


class ReviewErrors:
    R001 = (
        "no record of what was exported for {article}: {sidecar} is missing "
        "(keep the export's .claims folder, or pass --records with the exported JSONL)"
    )
    R002 = "{article}: the text is not the exported text (hash {found}, exported {expected}); import needs it unchanged"
    R003 = "not a Label Studio JSON export ({detail}): export the project as JSON, a list of tasks with annotations"
    R004 = "cannot read the annotations: {detail}"
    R005 = (
        "nothing to import from {path}: neither a brat folder (.ann files) nor a Label Studio export (.json)"
    )
    R006 = "{article} is not in {records}"


class ReviewWarnings:
    RW001 = "{where}: {label} {ref} has no valid date value (YYYY[-MM[-DD]]); left out"
    RW002 = "{where}: quote {ref} is linked to {n} speakers; kept the first"
    RW003 = "{where}: region {ref} ({label}) does not fit the text at {start}-{end}; left out"
    RW004 = "{where}: {label} {ref} has the same span as {other}; left out"
