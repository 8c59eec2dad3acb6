"""`claims review export|import`: a thin layer over `pipeline.review` (every command works from Python too)."""

from __future__ import annotations

import sys
import warnings
from pathlib import Path

import click

from ..errors import ClaimsError, Errors
from ..record.lock import output_lock
from .export_brat import INCEPTION_DIR, export_brat
from .export_html import export_html
from .export_labelstudio import export_labelstudio
from .importer import import_reviews
from .items import read_records

FORMATS = ("brat", "labelstudio", "html")

WAIT_HELP = "If another claims command is writing the same output, wait for it instead of failing."


def _fail(err: ClaimsError) -> None:
    click.echo(f"error: {err}", err=True)
    sys.exit(1)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def review():
    """Export records for annotators (brat, INCEpTION, Label Studio, HTML) and import their corrections.

    \b
    claims review export OUT.jsonl --format brat -o review/
    claims review import review/ --into corrections.jsonl
    claims run corpus/ -o out/claims.jsonl --corrections corrections.jsonl
    """


@review.command("export")
@click.argument("records", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMATS),
    required=True,
    help="brat: a folder brat and INCEpTION open; labelstudio: tasks + labelling config; "
    "html: static review pages.",
)
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(),
    help="Folder (brat, html) or tasks file (labelstudio; the config goes beside it as NAME.config.xml).",
)
@click.option("--wait", is_flag=True, help=WAIT_HELP)
def export_command(records, fmt, output, wait):
    """Export the records of RECORDS (a claims JSONL file) for review."""
    try:
        with output_lock(output, wait=wait):
            _export(records, fmt, output)
    except ClaimsError as err:
        _fail(err)


def _export(records: str, fmt: str, output: str) -> None:
    rows = list(read_records(records))
    if fmt == "brat":
        written = export_brat(rows, output)
        click.echo(
            f"wrote {len(written)} articles (.txt + .ann), annotation.conf and visual.conf to {output}; "
            f"one ZIP per article for INCEpTION in {Path(output) / INCEPTION_DIR}"
        )
    elif fmt == "labelstudio":
        tasks, config = export_labelstudio(rows, output)
        click.echo(f"wrote {len(rows)} Label Studio tasks to {tasks} and the labelling config to {config}")
    else:
        written = export_html(rows, output)
        click.echo(f"wrote {len(written)} review pages and index.html to {output}")


@review.command("import")
@click.argument("source", type=click.Path(exists=True))
@click.option(
    "--into",
    "store",
    required=True,
    type=click.Path(dir_okay=False),
    help="Corrections store (JSONL) to append to; created if missing.",
)
@click.option(
    "--force",
    is_flag=True,
    help="Record this import's version of items that conflict with an "
    "earlier review (the earlier entry stays in the store, superseded).",
)
@click.option("--reviewer", help="Who reviewed, when the tool does not say (brat).")
@click.option(
    "--records",
    type=click.Path(exists=True, dir_okay=False),
    help="The exported claims JSONL, when the export's own record of it is missing.",
)
@click.option("--wait", is_flag=True, help=WAIT_HELP)
@click.option("--debug", is_flag=True, help="Show the traceback of an unexpected failure.")
def import_command(source, store, force, reviewer, records, wait, debug):
    """Import the corrections in SOURCE (a brat folder, or a Label Studio JSON export) into the store.

    A conflict with an earlier review of the same item is reported and nothing is written
    (exit code 1), unless --force.
    """
    warnings.formatwarning = lambda msg, *a, **k: f"warning: {msg}\n"
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("always", UserWarning)
            report = import_reviews(source, store, force=force, reviewer=reviewer, records=records, wait=wait)
    except ClaimsError as err:
        if debug:
            raise
        _fail(err)
    except Exception as err:  # noqa: BLE001 - a bug still ends in one line, the traceback with --debug
        if debug:
            raise
        _fail(ClaimsError(Errors.E026.format(kind=type(err).__name__, detail=err), stage="review"))
    for conflict in report.conflicts:
        click.echo(conflict.describe(), err=True)
    click.echo(report.format())
    if report.conflicts and not force:
        click.echo(
            f"{len(report.conflicts)} conflict(s) with earlier reviews: nothing imported "
            "(resolve them in the tool, or use --force to record this version on top)",
            err=True,
        )
        sys.exit(1)
