"""The ``siamkit`` command line: the typer app, its commands in ``siamkit --help`` order, and :func:`run`.

User errors (bad paths, unreadable images, wrong shapes, unknown names) print one line on stderr
and exit with status 2; no traceback.
"""

from __future__ import annotations

import sys
from typing import Optional

import typer

from siamkit.cli.compare import compare
from siamkit.cli.deploy import enroll, export, search, serve, verify
from siamkit.cli.doctor import doctor
from siamkit.cli.evaluate import evaluate, oneshot
from siamkit.cli.options import ConfigDefaults
from siamkit.cli.tracking import track_video, train_tracker
from siamkit.cli.train import train
from siamkit.core.errors import SiamkitError

app = typer.Typer(
    help="siamkit: train, evaluate and use Siamese networks (pair label 1 = same, 0 = different).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.command(cls=ConfigDefaults)(train)
app.command("eval")(evaluate)
for command in (verify, enroll, search, serve, export, oneshot):
    app.command()(command)
app.command(cls=ConfigDefaults)(doctor)
app.command(cls=ConfigDefaults)(compare)
app.command("track")(track_video)
app.command("train-tracker", cls=ConfigDefaults)(train_tracker)


def run(argv: Optional[list[str]] = None) -> int:
    """Run the CLI with ``argv`` (default: ``sys.argv[1:]``) and return the exit status."""
    try:
        result = app(args=argv, prog_name="siamkit", standalone_mode=False)
    except SiamkitError as exc:
        print(f"siamkit: error: {exc}", file=sys.stderr)
        return 2
    except typer.Exit as exc:
        return exc.exit_code
    except (typer.Abort, KeyboardInterrupt):
        print("siamkit: interrupted", file=sys.stderr)
        return 130
    except typer.TyperException as exc:  # usage errors: bad option values, missing arguments
        if exc.__class__.__name__ == "NoArgsIsHelpError":
            exc.show()
        else:
            print(f"siamkit: error: {exc.format_message()}", file=sys.stderr)
        return getattr(exc, "exit_code", 2)
    except OSError as exc:
        print(f"siamkit: error: {exc}", file=sys.stderr)
        return 2
    return result if isinstance(result, int) else 0


def main() -> None:
    sys.exit(run())
