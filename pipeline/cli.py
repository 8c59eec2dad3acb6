"""The `claims` command line: a thin layer over `pipeline.run.batch`, `pipeline.eval.score` and friends."""

from __future__ import annotations

import sys
import warnings

import click

from . import __version__
from .config import CONVENTIONS, DEFAULT_MODEL, MAX_CHARS, MAX_SECONDS, PRECISIONS, RunConfig
from .errors import ClaimsError, Errors, Interrupted
from .run.ingest import parse_date


def _check_date(ctx, param, value):
    if value is None:
        return None
    try:
        return parse_date(value)
    except ClaimsError as err:
        raise click.BadParameter(err.message) from None


def _report_error(debug: bool):
    def report(err: ClaimsError) -> None:
        click.echo(f"error: {err.path or '-'}: {err.message}", err=True)
        if debug and getattr(err, "traceback", None):
            click.echo(err.traceback, err=True)

    return report


def run_options(f):
    """Options shared by `run` and every stage verb."""
    opts = [
        click.argument("paths", nargs=-1, required=True),
        click.option(
            "-o",
            "--output",
            "output",
            required=True,
            type=click.Path(dir_okay=False),
            help="JSONL file to write (resumed if it exists; see --no-resume).",
        ),
        click.option(
            "--date",
            callback=_check_date,
            help="Publication date YYYY[-MM[-DD]] for every input "
            "(overrides metadata); relative dates such as 'last October' resolve against it.",
        ),
        click.option(
            "--model", default=DEFAULT_MODEL, show_default=True, help="Installed spaCy pipeline to use."
        ),
        click.option(
            "--accurate",
            is_flag=True,
            help="The default: the rules, the small role tagger and the transformer attribution model.",
        ),
        click.option(
            "--fast",
            is_flag=True,
            help="Leave out the transformer: about 1.8x the speed, a little less found (see README, Quality).",
        ),
        click.option(
            "--rules-only",
            is_flag=True,
            help="Find attributions with the rules alone, without any trained component.",
        ),
        click.option(
            "--convention",
            type=click.Choice(CONVENTIONS),
            default="claims",
            show_default=True,
            help=(
                "Whose annotation guidelines the attributions follow. claims: the arms-control "
                "annotators' (what was said or stated; a reported clause without its 'that'; a direct "
                "quote from mark to mark). polnear: PolNeAR's (beliefs and intentions too; the clause "
                "with its 'that'), for work scored or annotated the PolNeAR way. cofenet: PolNeAR's, "
                "with each piece of a quote that 'he said' interrupts as its own quote (part_of names "
                "the whole), as token-tagging data such as CofeNet's label them. polnear and cofenet "
                "need the transformer (not with --fast or --rules-only)."
            ),
        ),
        click.option(
            "--precision",
            type=click.Choice(PRECISIONS),
            default="auto",
            show_default=True,
            help=(
                "How the transformer multiplies. bf16: bfloat16 products, about 2.3x the transformer's "
                "speed on a CPU with bfloat16 instructions, its records a little different from fp32's "
                "(see README, Speed); auto: bf16 on such a CPU (AVX512-BF16 or AMX), fp32 on others. "
                "The record's model field says which ran."
            ),
        ),
        click.option(
            "--workers",
            default=1,
            show_default=True,
            type=click.IntRange(1),
            help="Processes annotating articles side by side (with --engine dask: the local cluster's workers).",
        ),
        click.option("--batch-size", default=16, show_default=True, type=click.IntRange(1)),
        click.option(
            "--no-resume", is_flag=True, help="Start OUT afresh instead of skipping articles already done."
        ),
        click.option("--fail-fast", is_flag=True, help="Stop at the first input that fails."),
        click.option(
            "--wait", is_flag=True, help="If another run is writing OUTPUT, wait for it instead of failing."
        ),
        click.option(
            "--max-chars",
            default=MAX_CHARS,
            show_default=True,
            type=click.IntRange(0),
            help="Leave out (with an error record) any article longer than this many characters; 0: no limit.",
        ),
        click.option(
            "--max-seconds",
            default=MAX_SECONDS,
            show_default=True,
            type=click.FloatRange(0),
            help=(
                "Stop (with an error record) any article still unfinished after this many seconds, "
                "checked between its 100,000-character chunks; 0: no limit."
            ),
        ),
        click.option("--quiet", "-q", is_flag=True, help="No progress bar and no summary."),
        click.option("--debug", is_flag=True, help="Show tracebacks of failures."),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _run(stage: str, *, paths, output, no_resume, **options):
    """Run `stage` through `pipeline.run.batch.process`; exit 1 if any input failed, 130 if interrupted.

    Expected failures are one line each on stderr; only --debug shows a traceback, even for a bug.
    """
    from .run.batch import process

    try:
        config = RunConfig.from_options(stage=stage, resume=not no_resume, **options)
    except ValueError as err:
        # Options that cannot go together (--convention polnear --fast).
        raise click.UsageError(str(err)) from None
    quiet, debug = config.quiet, config.debug
    # Input warnings (e.g. a cp1252 fallback) are one plain line on stderr each.
    warnings.formatwarning = lambda msg, *a, **k: f"warning: {msg}\n"
    warnings.simplefilter("ignore" if quiet else "always", UserWarning)
    try:
        summary = process(list(paths), output, config, on_error=_report_error(debug))
    except Interrupted as err:
        click.echo(f"\n{err.message}", err=True)
        sys.exit(130)
    except ClaimsError as err:
        if debug:
            raise
        click.echo(f"error: {err}", err=True)
        sys.exit(1)
    except Exception as err:
        if debug:
            raise
        click.echo(f"error: {Errors.E026.format(kind=type(err).__name__, detail=err)}", err=True)
        sys.exit(1)
    if not quiet:
        click.echo(summary.format())
    sys.exit(1 if summary.errors else 0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="claims")
def cli():
    """Who said what, about which treaty, and when.

    Reads news articles (.txt, .html, .jsonl; folders recursively) and writes one JSONL record per
    article: segments, speakers, attributed quotes (direct and indirect) and treaty mentions with
    dated events. Start with `claims run corpus/ -o out/claims.jsonl`.
    """


@cli.command()
@run_options
@click.option(
    "--corrections",
    type=click.Path(exists=True, dir_okay=False),
    help="Reviewed corrections (claims review import) to apply to the new records.",
)
@click.option(
    "--engine",
    type=click.Choice(["local", "dask"]),
    default="local",
    show_default=True,
    help="local: processes on this machine; dask: a Dask cluster. Both write the same output.",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Dask scheduler to use (tcp://host:8786); implies "
    "--engine dask. Without it, --engine dask starts a local cluster of --workers processes.",
)
def run(**options):
    """Run every stage over PATHS into OUTPUT (one spaCy pass per article)."""
    _run("run", **options)


def _stage_command(stage: str, doc: str):
    @run_options
    def command(**options):
        _run(stage, **options)

    command.__doc__ = doc
    return cli.command(name=stage)(command)


_stage_command(
    "segment",
    "Stage 1-2: paragraphs (title, byline, body, boilerplate) and sentences.\n\n"
    "PATHS may be articles or records; a record's corrected fields are kept.",
)
_stage_command(
    "speakers",
    "Stages up to speakers: speaker mentions linked to canonical names.\n\n"
    "Feed it the output of `claims segment` (corrected or not) or raw articles.",
)
_stage_command(
    "quotes",
    "Stages up to quotes: direct and indirect quotes with speaker and cue.\n\n"
    "Feed it the output of `claims speakers` (corrected or not) or raw articles.",
)
_stage_command(
    "treaties",
    "All stages: treaty mentions linked to the base, with dates and events.\n\n"
    "Feed it the output of `claims quotes` (corrected or not) or raw articles.",
)


@cli.command(name="eval")
@click.argument("gold", type=click.Path(exists=True))
@click.argument("pred", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--metadata",
    type=click.Path(exists=True, dir_okay=False),
    help="PolNeAR metadata.tsv (picks the first annotator); found beside GOLD when omitted.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the figures as JSON.")
def evaluate_command(gold, pred, metadata, as_json):
    """Score a run PRED against human annotations GOLD.

    GOLD is a brat folder (PolNeAR layout `text/` + `attributions/`, or flat `.txt` + `.ann` pairs as
    brat and INCEpTION export them) or a corrections store from `claims review import`. Prints
    precision, recall and F1 of content (overlap and exact), source and end to end, for all
    attributions and the quoted and unquoted subsets.
    """
    import json
    from pathlib import Path

    if Path(gold).is_file():
        from .review.corrections import format_corrections_table, score_against_corrections

        result = score_against_corrections(gold, pred)
        click.echo(json.dumps(result, indent=2) if as_json else format_corrections_table(result))
        return
    from .eval.brat import load_gold
    from .eval.score import format_table, load_predictions, score_attributions

    try:
        result = score_attributions(load_gold(gold, metadata), load_predictions(pred))
    except (OSError, ValueError) as err:
        raise click.ClickException(str(err)) from None
    click.echo(json.dumps(result, indent=2) if as_json else format_table(result))


@cli.command()
def schema():
    """Print the JSON Schema of the record format."""
    import json

    from .record.build import schema as record_schema

    click.echo(json.dumps(record_schema(), indent=2))


def _add_feature_commands() -> None:
    """The review loop and the report live in their own modules; they join the `claims` group here."""
    from .report.page import report
    from .review.cli import review

    cli.add_command(review)
    cli.add_command(report)


_add_feature_commands()


def main() -> None:  # pragma: no cover
    cli()


if __name__ == "__main__":  # pragma: no cover
    main()
