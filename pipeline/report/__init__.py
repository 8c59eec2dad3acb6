"""The corpus report: one self-contained HTML page about a claims run (`claims report`).

One module per concern: `read` reads a run into `Corpus` tables, `tables` counts (on `Corpus`
tables or `pipeline.load` frames), `timeline` draws the SVG timeline, and `page` assembles the
HTML and holds the `claims report` command. From Python:

    >>> from pipeline.report import read_run, build_report
    >>> html, stats = build_report(read_run("out/claims.jsonl"))
"""

from .page import ReportStats, build_report, report, write_atomic, write_report
from .read import Corpus, read_run, short_name
from .tables import speaker_summary, speaker_treaty_matrix, timeline_events
from .timeline import TimeAxis, TimelinePlot, plot_timeline

__all__ = [
    "Corpus",
    "ReportStats",
    "TimeAxis",
    "TimelinePlot",
    "build_report",
    "plot_timeline",
    "read_run",
    "report",
    "short_name",
    "speaker_summary",
    "speaker_treaty_matrix",
    "timeline_events",
    "write_atomic",
    "write_report",
]
