"""Command line: ``callinsight run | search | serve | brief | schedule | forget``.

``callinsight COMMAND --help`` explains each command.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from callinsight.contracts import InputError
from callinsight.settings import Settings

CALLS_HELP = ("calls.csv manifest, or a folder of recordings and transcripts (folder mode: one call per "
              "file name, subfolders too, dated by file time; a calls.csv inside the folder is NOT used)")

SETTING_FLAGS = {
    "whisper_model": "Whisper model: tiny.en, base, a CTranslate2 folder or a hub name",
    "embedding_model": "sentence-transformers model name or folder",
    "spacy_model": "spaCy pipeline name",
    "objections_file": "objection taxonomy YAML",
    "min_support": "fewest closed deals for an item to be tested",
    "alpha": "false discovery rate for the direction column",
    "beam_size": "Whisper beam size",
    "workers": "parallel calls (threads or Dask workers)",
    "task_runner": "threads or dask",
    "dask_address": "address of an existing Dask scheduler",
    "window_days": "only calls from the last N days enter statistics",
}


def _add_setting_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("settings (also CALLINSIGHT_<NAME> env vars or --config YAML)")
    for name, help_text in SETTING_FLAGS.items():
        group.add_argument(f"--{name.replace('_', '-')}", dest=name, default=None, help=help_text)
    group.add_argument("--no-redact", dest="redact", action="store_const", const=False, default=None,
                       help="keep PII in transcripts (redaction is on by default)")
    group.add_argument("--include-mono", dest="include_mono", action="store_const", const=True,
                       default=None, help="let mono calls (speaker unknown) into customer analyses")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="callinsight",
        description="Turn sales call recordings and CRM outcomes into win/loss themes with quotes.",
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="run the nightly flow once, locally (no server to start)",
                         description="Transcribe new calls, extract customer phrases and objections, "
                         "correlate them with deal outcomes, cluster themes and write OUT/report.html.")
    run.add_argument("--calls", default="sample_calls/calls.csv", help=CALLS_HELP)
    run.add_argument("--deals", default=None,
                     help="deals.csv CRM export (without it: no win/loss statistics)")
    run.add_argument("--out", default="out", help="output folder (default: out)")
    run.add_argument("--config", default=None, help="YAML file of settings")
    _add_setting_flags(run)

    search = sub.add_parser("search", help="search the phrase library (customers' own words)",
                            description="Rank customer quotes by meaning and keyword together.")
    search.add_argument("query")
    search.add_argument("--out", default="out", help="output folder of a run")
    search.add_argument("--limit", type=int, default=10)
    search.add_argument("--json", action="store_true", help="print a JSON list of results")
    search.add_argument("--outcome", choices=["won", "lost", "open"], default=None)
    search.add_argument("--theme", default=None, help="theme_id")
    search.add_argument("--objection", default=None, help="objection category")
    search.add_argument("--rep", default=None)
    search.add_argument("--since", default=None, help="calls on or after this date (YYYY-MM-DD)")
    search.add_argument("--until", default=None, help="calls on or before this date (YYYY-MM-DD)")

    serve = sub.add_parser("serve", help="local web app: phrase library, themes, calls",
                           description="Serve the phrase library, theme report and call pages.")
    serve.add_argument("--out", default="out", help="output folder of a run")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8765)

    brief = sub.add_parser("brief", help="content briefs per theme: revenue figures, suggested "
                           "content, cleared customer quotes",
                           description="Write brief-<theme>.md / .csv per content theme and a briefs.md "
                           "index. Mark quotes cleared for publishing in the CSV's cleared column "
                           "(yes / no); the next export keeps the marks and lists cleared quotes first.")
    brief.add_argument("--out", default="out", help="output folder of a run")
    brief.add_argument("--theme", default=None, help="theme_id (default: every content theme)")
    brief.add_argument("--to", default=None, help="folder for the briefs (default: OUT/briefs)")

    schedule = sub.add_parser("schedule", help="serve the nightly schedule in this process (no worker)",
                              description="Run the nightly flow on a cron schedule with flow.serve.")
    schedule.add_argument("--calls", default="sample_calls/calls.csv")
    schedule.add_argument("--deals", default=None)
    schedule.add_argument("--out", default="out")
    schedule.add_argument("--cron", default="0 2 * * *")
    schedule.add_argument("--timezone", default="UTC")
    schedule.add_argument("--config", default=None, help="YAML file of settings")

    forget = sub.add_parser("forget", help="delete a call everywhere in the output folder",
                            description="Remove a call's transcript, utterances and quotes from the "
                            "store and its VTT file. Rerun to refresh the reports.")
    forget.add_argument("call_id")
    forget.add_argument("--out", default="out")
    return parser


def main(argv: list[str] | None = None) -> int:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    args = build_parser().parse_args(argv)
    try:
        if args.command == "run":
            return _run(args)
        if args.command == "forget":
            return _forget(args)
        if args.command == "search":
            from callinsight.serve.search import search_command

            return search_command(args)
        if args.command == "serve":
            from callinsight.serve.web import serve_command

            return serve_command(args)
        if args.command == "brief":
            from callinsight.stages.report.brief import brief_command

            return brief_command(args)
        if args.command == "schedule":
            from flows.schedule import schedule_command

            return schedule_command(args)
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 1


def _overrides(args: argparse.Namespace) -> dict:
    names = set(SETTING_FLAGS) | {"redact", "include_mono"}
    return {k: v for k, v in vars(args).items() if k in names and v is not None}


def _run(args: argparse.Namespace) -> int:
    from callinsight.settings import load_settings

    overrides = _overrides(args)
    settings: Settings = load_settings(args.config, **overrides)
    deals = args.deals
    if deals is None and Path(args.calls) == Path("sample_calls/calls.csv"):
        deals = "sample_calls/deals.csv"
    _check_inputs(args.calls, deals, args.out, settings)
    from flows.nightly import with_task_runner

    flow = with_task_runner(settings)
    state = flow(calls=args.calls, deals=deals, out=args.out, config=args.config,
                 settings=overrides, return_state=True)
    if state.is_failed():
        try:
            state.result()
        except InputError:
            raise
        except Exception as exc:
            print(f"error: the run failed: {exc}", file=sys.stderr)
        return 1
    summary = state.result()
    print(f"{summary['calls']} calls: {summary['new']} new, {summary['cached']} cached, "
          f"{summary['failed']} failed. Themes: {summary['themes']}.")
    if summary["failed"] or summary["skipped"]:
        print(f"Every call's status: {Path(summary['files']['calls_status']).resolve()}")
    print(f"Report: {Path(summary['report']).resolve()}")
    return 0


def _check_inputs(calls: str, deals: str | None, out: str, settings: Settings) -> None:
    """Whole-file input problems (no such file, a missing column, an empty folder) as one
    line, before the flow and its Prefect server start; the flow reads the inputs again."""
    from callinsight.sources.manifest import load_calls, read_deals

    try:
        load_calls(calls, allowed_roots=tuple(Path(r) for r in settings.allowed_roots), skip=(Path(out),))
        if deals:
            read_deals(deals)
    except OSError:  # a busy disk or a share going away: the flow's ingest task retries those
        pass


def _forget(args: argparse.Namespace) -> int:
    """Delete a call from the store, its VTT file, the CSVs and (if it is quoted) the report."""
    from callinsight.pipeline import run_lock

    out = Path(args.out)
    db = out / "insights.db"
    if not db.exists():
        raise InputError(f"No store at {db}; pass the --out folder of a run.")
    with run_lock(out):
        return _forget_locked(args, out, db)


def _forget_locked(args: argparse.Namespace, out: Path, db: Path) -> int:
    import pandas as pd

    from callinsight.pipeline import csv_text
    from callinsight.store.sqlite import Store
    from callinsight.util.fsutil import atomic_write_text

    removed = Store(db).forget(args.call_id)
    vtt = out / "transcripts" / f"{args.call_id}.vtt"
    if vtt.exists():
        vtt.unlink()
        removed += 1
    for name in ("quotes.csv", "objections.csv", "calls_status.csv"):
        path = out / name
        if path.exists():
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
            keep = frame[frame["call_id"] != args.call_id]
            if len(keep) != len(frame):
                atomic_write_text(path, csv_text(keep))
                removed += len(frame) - len(keep)
    stale = []
    for name in ("report.html", "report.md"):
        path = out / name
        if path.exists() and args.call_id in path.read_text(encoding="utf-8", errors="replace"):
            path.unlink()
            stale.append(name)
    print(f"Removed {removed} record(s) of call {args.call_id}.")
    if stale:
        print(f"Deleted {', '.join(stale)} (they quoted this call); rerun `callinsight run` to rebuild them.")
    print("Also remove the recording and its calls.csv row, or the next run will process it again.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
