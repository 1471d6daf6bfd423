"""The ``groundwork`` command: thin wrappers over the package."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from groundwork.users import DEMO_ENV, ROLES, demo_mode  # standard library only
from groundwork.words import count  # standard library only

# Only the standard library at the top: each command imports what it needs, so `score`
# starts without sqlite-utils, pandas or openpyxl, and `serve` hands over to Streamlit
# before anything heavy is loaded. tests/test_startup.py keeps it that way.
if TYPE_CHECKING:
    from groundwork.rubric import Rubric
    from groundwork.scoring import Scorecard

APP = Path(__file__).resolve().parents[2] / "app.py"
# As in groundwork.store and groundwork.roadmap (a test checks they agree); repeated here
# so that building the parser imports neither.
DEFAULT_DB = Path("data") / "groundwork.db"
DEFAULT_WAVE_DAYS = 90


NOT_READY = 3  # exit code of `score --fail-on-blockers` when a floor is not met


class CommandError(Exception):
    """A problem to print for the user, with no traceback."""


def _rubric(path: str) -> Rubric:
    from groundwork.rubric import RubricError
    from groundwork.rubric_cache import load_rubric_file

    try:
        return load_rubric_file(path)
    except RubricError as exc:
        raise CommandError(str(exc)) from None


def _inputs(args: argparse.Namespace) -> tuple[Rubric, dict]:
    from groundwork.answers import AnswersError, load_answers

    rubric = _rubric(args.rubric)
    try:
        answers = load_answers(args.answers, rubric)
    except AnswersError as exc:
        raise CommandError(str(exc)) from None
    if args.stage is None:
        args.stage = "production" if "production" in rubric.stage_ids else rubric.stage_ids[-1]
    if args.tier is None:
        args.tier = rubric.tier_ids[0] if rubric.tier_ids else ""
    for value, known, what in (
        (args.stage, rubric.stage_ids, "stage"),
        (args.tier, rubric.tier_ids, "tier"),
    ):
        if value not in known:
            raise CommandError(f"unknown {what} '{value}' (choose from {', '.join(known)})")
    return rubric, answers


def database_path() -> Path:
    """The database file: $GROUNDWORK_DB, or data/groundwork.db (as groundwork.store has it)."""
    return Path(os.environ.get("GROUNDWORK_DB") or DEFAULT_DB)


def _dump(document: dict) -> None:
    import json

    sys.stdout.write(json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def cmd_validate(args: argparse.Namespace) -> int:
    from groundwork.rubric import RubricError, load_rubric

    try:
        rubric = load_rubric(args.rubric)
    except RubricError as exc:
        for problem in exc.problems:
            print(problem)
        return 1
    print(
        f"{args.rubric}: valid — {rubric.id} {rubric.version}: {len(rubric.dimensions)} "
        f"dimensions, {len(rubric.questions)} questions, scale "
        f"{rubric.min_level}-{rubric.max_level}",
    )
    return 0


def _fmt(value: float | None, digits: int = 2) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _score_table(card: Scorecard) -> str:
    from groundwork.scoring import gated

    lines = [
        f"{card.rubric.title} ({card.rubric.id} {card.rubric.version})",
        f"Target stage: {card.stage}   Risk tier: {card.tier}",
        "",
        f"{'Dimension':<34}{'Score':>7}{'Target':>8}{'Gap':>6}{'W.gap':>7}  answered/N/A/unknown",
    ]
    for d in card.dimensions:
        lines.append(
            f"{d.title[:33]:<34}{_fmt(d.score):>7}{_fmt(d.target):>8}{_fmt(d.gap):>6}"
            f"{d.weighted_gap:>7.2f}  {d.answered}/{d.na}/{d.unknown}"
        )
    for p in card.parents:
        lines.append(f"{p.title[:33]:<34}{_fmt(p.score):>7}{_fmt(p.target):>8}")
    readiness = "—" if card.readiness is None else f"{card.readiness:.0%}"
    lines += [
        f"{'Overall':<34}{_fmt(card.score):>7}{_fmt(card.target):>8}{_fmt(card.gap):>6}",
        f"{'Readiness' if gated(card.rubric, card.stage) else 'Percent to target'}: {readiness}",
        "",
    ]
    if not gated(card.rubric, card.stage):  # an imported model: nothing to pass or fail
        lines.append(f"Verdict: none: the rubric sets no gate for {card.stage}.")
    elif card.verdict.passed:
        lines.append(f"Verdict: READY for {card.stage}: every floor is met.")
    else:
        lines.append(
            f"Verdict: NOT READY for {card.stage}: {len(card.verdict.blockers)} blocker(s)"
        )
        lines += [f"  - {b.reason} [{b.rule}]" for b in card.verdict.blockers]
    return "\n".join(lines)


def cmd_score(args: argparse.Namespace) -> int:
    from groundwork.scoring import score

    rubric, answers = _inputs(args)
    card = score(rubric, answers, args.stage, args.tier)
    if args.json:
        _dump(card.to_dict())
    else:
        print(_score_table(card))
    return NOT_READY if args.fail_on_blockers and not card.verdict.passed else 0


def cmd_roadmap(args: argparse.Namespace) -> int:
    import datetime as dt

    from groundwork.roadmap import build_roadmap

    rubric, answers = _inputs(args)
    start = dt.date.fromisoformat(args.start) if args.start else dt.date.today()
    roadmap = build_roadmap(
        rubric,
        answers,
        args.stage,
        args.tier,
        start=start,
        capacity=args.capacity or None,
        wave_days=args.wave_days,
    )
    if args.json:
        _dump(
            {
                "rubric": {"id": rubric.id, "version": rubric.version, "sha256": rubric.sha256},
                **roadmap.to_dict(),
            }
        )
        return 0
    if not roadmap.waves:
        print(f"Nothing to do: every target for {args.stage} and beyond is met.")
    for wave in roadmap.waves:
        print(
            f"Wave {wave.number}: {wave.name}  "
            f"({wave.start} to {wave.end}, {count(wave.points, 'point')})"
        )
        for item in wave.items:
            flag = " [blocker]" if item.blocker else ""
            after = f"  (after {', '.join(item.depends_on)})" if item.depends_on else ""
            print(f"  {item.id:<12} {item.effort!s:>2}  {item.action}{flag}{after}")
        print()
    return 0


def cmd_import_model(args: argparse.Namespace) -> int:
    from pathlib import Path

    from groundwork.models import ModelError
    from groundwork.models.dsomm import import_dsomm
    from groundwork.models.files import files_from_dir, files_from_zip
    from groundwork.models.samm import import_samm
    from groundwork.rubric import RubricError, parse_rubric

    source = Path(args.source)
    try:
        if args.model == "samm":
            files = (
                files_from_zip(source.read_bytes())
                if source.suffix == ".zip"
                else files_from_dir(source)
            )
            imported = import_samm(files)
        else:
            if source.stat().st_size > 1_000_000:
                raise ModelError(f"{source}: larger than 1,000,000 bytes")
            imported = import_dsomm(source.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"{source}: {exc.strerror or exc}") from None
    except (ModelError, UnicodeDecodeError) as exc:
        raise CommandError(f"cannot import {args.source}: {exc}") from None
    text = imported.to_yaml()
    try:
        rubric = parse_rubric(text, args.out)
    except RubricError as exc:  # an importer bug, never the user's: say so plainly
        raise CommandError(f"the imported rubric does not validate:\n{exc}") from None
    Path(args.out).write_text(text, encoding="utf-8")
    print(
        f"{args.out}: {rubric.title} — {len(rubric.parents)} parents, "
        f"{len(rubric.dimensions)} dimensions, {len(rubric.questions)} questions"
    )
    if imported.not_carried:
        print("Not carried (fields of the model the rubric has no place for):")
        for line in imported.not_carried:
            print(f"  {line}")
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from groundwork.rubric import json_schema

    sys.stdout.write(json_schema())
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from groundwork import demo

    path = Path(args.db) if args.db else database_path()
    other = demo.holds_other_work(path)
    if other and not args.yes:
        if not sys.stdin.isatty():
            raise CommandError(
                f"{path} was not replaced: {other}. Re-run with --yes to replace it with the demo."
            )
        answer = input(f"{path}: {other}. Replace it with the demo? [y/N] ").strip().lower()
        if answer not in ("y", "yes"):
            print("Nothing was replaced.")
            return 1
    demo.reset(path)
    print(f"Demo organisation '{demo.ORGANISATION}' written to {path}")
    return 0


DEFAULT_ADDRESS = "127.0.0.1"  # this machine only, unless told otherwise
FIRST_ADMIN = "groundwork user add NAME --role admin"


def serve_command(args: argparse.Namespace) -> list[str]:
    """The Streamlit command line: on 127.0.0.1 unless --address or $GROUNDWORK_ADDRESS."""
    address = args.address or os.environ.get("GROUNDWORK_ADDRESS") or DEFAULT_ADDRESS
    return [
        sys.executable,
        "-m",
        "groundwork.launch",
        "run",
        str(APP),
        "--server.port",
        str(args.port),
        "--server.headless",
        "true",
        "--server.address",
        address,
        "--browser.gatherUsageStats",
        "false",
    ]


def _holds_scopes(path: Path) -> bool:
    """Whether the database at ``path`` already holds a scope, asked of SQLite directly:
    importing the store (sqlite-utils, pandas) only to learn "yes" would slow every start.
    Any doubt (no file, no table, an unreadable file) answers False, and the store, which
    explains problems in a sentence, takes over."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    import sqlite3

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            return conn.execute("select exists(select 1 from scopes)").fetchone()[0] == 1
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def _holds_admin(path: Path) -> bool:
    """Whether the database at ``path`` has an enabled admin, asked as :func:`_holds_scopes`
    asks (no table yet, or any doubt: False)."""
    if not path.is_file() or path.stat().st_size == 0:
        return False
    import sqlite3

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
        try:
            query = "select exists(select 1 from users where role = 'admin' and disabled = 0)"
            return conn.execute(query).fetchone()[0] == 1
        finally:
            conn.close()
    except sqlite3.Error:
        return False


def cmd_serve(args: argparse.Namespace) -> int:
    path = database_path().resolve()
    if not _holds_scopes(path):
        from groundwork import demo
        from groundwork.store import open_store

        with open_store(path) as store:
            if store.is_empty:
                demo.seed(store)
                print(f"First start: loaded the demo organisation into {store.path}")
    if args.demo:
        os.environ[DEMO_ENV] = "1"
    command = serve_command(args)
    address = command[command.index("--server.address") + 1]
    if demo_mode():
        print(
            "DEMO MODE: there is no sign-in; everyone who can reach this server is the demo "
            "admin and can change everything."
        )
        if address not in ("127.0.0.1", "localhost", "::1"):
            print(f"WARNING: demo mode listening on {address}: anyone on that network can.")
    elif not _holds_admin(path):
        print(
            f"No admin account yet: create the first one with `{FIRST_ADMIN}` "
            "(it asks for the password), then sign in."
        )
    print(f"Serving on http://{address}:{args.port}")
    sys.stdout.flush()
    # The app reads the database just checked, wherever the command was started from.
    os.environ["GROUNDWORK_DB"] = str(path)
    os.chdir(APP.parent)
    # The server runs in this process: a second interpreter would import everything again.
    from groundwork import launch

    launch.main(command[3:])  # exits when the server stops
    return 0


def _export_path(path: str, json_too: bool = False) -> Path:
    out = Path(path)
    if out.suffix.lower() != ".xlsx" and not (json_too and out.suffix.lower() == ".json"):
        also = " (or .json, for the whole assessment)" if json_too else ""
        raise CommandError(f"{path}: the output file must end in .xlsx{also}")
    if not out.parent.is_dir():
        raise CommandError(f"{path}: there is no folder {out.parent} to write it in")
    return out


def _write(out: Path, data: bytes | str) -> None:
    try:
        if isinstance(data, str):
            out.write_text(data, encoding="utf-8")
        else:
            out.write_bytes(data)
    except OSError as exc:
        raise CommandError(f"{out}: cannot be written ({exc.strerror or exc})") from None


def _check_logo(path: str) -> None:
    """The logo is a readable PNG or JPEG, read from its header before anything is built."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as image:
            kind = image.format
            image.verify()
    except (OSError, UnidentifiedImageError, SyntaxError):
        raise CommandError(f"{path}: the logo is not a readable PNG or JPEG image") from None
    if kind not in ("PNG", "JPEG"):
        raise CommandError(f"{path}: the logo must be a PNG or JPEG image, not {kind}")


def cmd_export(args: argparse.Namespace) -> int:
    import datetime as dt

    from groundwork.excel import export_workbook
    from groundwork.store import StoreError, open_store

    start = dt.date.fromisoformat(args.start) if args.start else None
    if args.portfolio:
        return _export_portfolio(args)
    if args.delta:
        return _export_delta(args)
    out = _export_path(args.out, json_too=True)
    if out.suffix.lower() == ".json":
        from groundwork.interchange import export_json

        with open_store() as store:
            try:
                text = export_json(store, args.assessment)
            except StoreError as exc:
                raise CommandError(str(exc)) from None
        _write(out, text)
        print(f"Assessment {args.assessment} written to {args.out} (groundwork.assessment v2)")
        return 0
    if args.logo:
        _check_logo(args.logo)
    with open_store() as store:
        try:
            data = export_workbook(
                store, args.assessment, accent=args.accent, logo=args.logo, start=start
            )
        except StoreError as exc:
            raise CommandError(str(exc)) from None
    _write(out, data)
    print(f"Roadmap workbook of assessment {args.assessment} written to {out}")
    return 0


def _export_portfolio(args: argparse.Namespace) -> int:
    from groundwork.excel import portfolio_workbook
    from groundwork.store import open_store

    out = _export_path(args.out)
    with open_store() as store:
        data = portfolio_workbook(store)
    _write(out, data)
    print(f"Portfolio workbook written to {out}")
    return 0


def _export_delta(args: argparse.Namespace) -> int:
    from groundwork.excel.delta import delta_workbook
    from groundwork.store import StoreError, open_store

    out = _export_path(args.out)
    first, second = args.delta
    with open_store() as store:
        try:
            data = delta_workbook(store, first, second, accent=args.accent)
        except StoreError as exc:
            raise CommandError(str(exc)) from None
    _write(out, data)
    print(f"Delta workbook of assessments {first} and {second} written to {out}")
    return 0


def cmd_questionnaire(args: argparse.Namespace) -> int:
    from groundwork.excel import questionnaire_workbook
    from groundwork.store import StoreError, open_store

    rubric = _rubric(args.rubric)
    answers, organisation, scope, scope_id = None, "", "", None
    if args.from_assessment is not None:
        with open_store() as store:
            try:
                a = store.assessment(args.from_assessment)
            except StoreError as exc:
                raise CommandError(str(exc)) from None
            answers = store.answers(a.id)
            scope, scope_id = store.scope_path(a.scope_id), a.scope_id
            organisation = scope.split(" / ")[0]
    out = _export_path(args.out)
    out.write_bytes(
        questionnaire_workbook(
            rubric, answers, organisation=organisation, scope=scope, scope_id=scope_id
        )
    )
    prefilled = f", pre-filled from assessment {args.from_assessment}" if answers else ""
    print(f"Questionnaire for {rubric.id} {rubric.version}{prefilled} written to {out}")
    return 0


def _confirm(args: argparse.Namespace, question: str) -> bool:
    """--yes writes; an interactive terminal is asked; anything else is a dry run."""
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print("Nothing written: re-run with --yes to import.")
        return False
    answer = input(f"{question} [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        print("Nothing written.")
        return False
    return True


def _find_scope(store, name: str) -> int:
    matches = [s for s in store.scopes() if s.name.casefold() == name.strip().casefold()]
    if not matches:
        names = ", ".join(sorted(s.name for s in store.scopes())) or "none"
        raise CommandError(f"no scope called '{name}' (scopes: {names})")
    if len(matches) > 1:
        paths = "; ".join(store.scope_path(s.id) for s in matches)
        raise CommandError(f"'{name}' names {len(matches)} scopes ({paths}); rename one first")
    return matches[0].id


def cmd_import(args: argparse.Namespace) -> int:
    from groundwork import reports
    from groundwork.excel import (
        WorkbookError,
        apply_roadmap,
        import_questionnaire,
        preview_questionnaire,
        preview_roadmap,
        workbook_kind,
    )
    from groundwork.store import StoreError, open_store

    path = Path(args.file)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CommandError(f"{path}: cannot read the file: {exc.strerror}") from None
    rubric = _rubric(args.rubric) if args.rubric else None
    if path.suffix.lower() == ".json":
        return _import_json(args, data)
    with open_store() as store:
        try:
            kind = workbook_kind(data, path.name)
            if kind == "roadmap":
                diff = preview_roadmap(store, data, filename=path.name)
                print(f"Roadmap workbook of assessment {diff.assessment_id}")
                print(diff.summary())
                if not diff.changes or not _confirm(args, "Apply these changes?"):
                    return 0
                count = apply_roadmap(store, diff, who=args.who)
                print(f"Applied {count} change(s); each is in the audit log.")
                return 0
            if not args.scope:
                raise CommandError("a questionnaire needs --scope NAME: the scope it assesses")
            preview = preview_questionnaire(store, data, filename=path.name, rubric=rubric)
            scope_id = _find_scope(store, args.scope)
            stage, tier = reports.default_stage_and_tier(store, scope_id, preview.rubric)
            stage, tier = args.stage or stage, args.tier or tier
            for value, known, what in (
                (stage, preview.rubric.stage_ids, "stage"),
                (tier, preview.rubric.tier_ids, "tier"),
            ):
                if value not in known:
                    raise CommandError(f"unknown {what} '{value}' (choose from {', '.join(known)})")
            made_for, made_for_path = preview.made_for
            if made_for is not None and made_for != scope_id:
                print(
                    f"WARNING: this questionnaire was made for "
                    f"{made_for_path or 'scope ' + str(made_for)}, not for "
                    f"{store.scope_path(scope_id)}."
                )
            print(f"Into: {store.scope_path(scope_id)}, target {stage}, tier {tier}")
            print(preview.summary(stage, tier))
            if not _confirm(args, "Import as a new round?"):
                return 0
            aid = import_questionnaire(
                store, preview, scope_id, stage, tier, who=args.who, label=args.label or ""
            )
            print(f"Imported as assessment {aid}.")
            return 0
        except WorkbookError as exc:
            raise CommandError(
                f"{path}: refused, nothing was imported:\n" + "\n".join(map(str, exc.problems))
            ) from None
        except StoreError as exc:
            raise CommandError(str(exc)) from None


def _import_json(args: argparse.Namespace, data: bytes) -> int:
    from groundwork.interchange import InterchangeError, import_document, read_document
    from groundwork.store import StoreError, open_store

    if not args.scope:
        raise CommandError("an assessment file needs --scope NAME: the scope it becomes a round of")
    try:
        doc = read_document(data)
    except InterchangeError as exc:
        raise CommandError(
            f"{args.file}: refused, nothing was imported:\n" + "\n".join(exc.problems)
        ) from None
    with open_store() as store:
        scope_id = _find_scope(store, args.scope)
        print(
            f"Into: {store.scope_path(scope_id)}: {doc.round.label}, target {doc.round.stage}, "
            f"tier {doc.round.tier}, {count(len(doc.answers), 'answer')}, "
            f"{count(len(doc.roadmap), 'roadmap item')}, {count(len(doc.outcomes), 'outcome')}"
        )
        if not _confirm(args, "Import as a new round?"):
            return 0
        try:
            aid = import_document(store, doc, scope_id, who=args.who)
        except StoreError as exc:
            raise CommandError(f"{args.file}: refused, nothing was imported: {exc}") from None
    print(f"Imported as assessment {aid}.")
    return 0


def _new_password(args: argparse.Namespace) -> str:
    """The password from one line of standard input (--password-stdin), else asked twice at
    the terminal without echo. Never from the command line, where others could read it."""
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise CommandError("no terminal to ask for the password: pipe it in with --password-stdin")
    import getpass

    first = getpass.getpass("Password: ")
    if getpass.getpass("The same password again: ") != first:
        raise CommandError("the two passwords differ; nothing was changed")
    return first


def cmd_user(args: argparse.Namespace) -> int:
    from groundwork.store import StoreError, open_store

    with open_store() as store:
        try:
            if args.action == "list":
                accounts = store.accounts()
                if not accounts:
                    print(f"No accounts yet. Create the first admin with `{FIRST_ADMIN}`.")
                for a in accounts:
                    how = "password" if a.has_password else "single sign-on only"
                    state = "  DISABLED" if a.disabled else ""
                    print(f"{a.name:<30} {a.role:<12} {a.email or '-':<32} {how}{state}")
                return 0
            if args.action == "add":
                password = None if args.no_password else _new_password(args)
                store.add_user(
                    args.name, args.role, email=args.email or "", password=password, who=args.who
                )
                print(f"Added {store.account(args.name).name} ({args.role}).")
                return 0
            account = store.account(args.name)
            if args.action == "set":
                store.update_user(
                    account.name, args.who, role=args.role, email=args.email, disabled=args.disabled
                )
                changed = store.account(account.name)
                state = "disabled" if changed.disabled else "may sign in"
                print(f"{changed.name}: {changed.role}, {changed.email or 'no email'}, {state}.")
                return 0
            if args.action == "passwd":
                store.set_password(account.name, _new_password(args), who=args.who)
                print(f"Changed the password of {account.name}.")
                return 0
            if not _confirm_remove(args, account.name):
                return 1
            store.remove_user(account.name, who=args.who)
            print(f"Removed {account.name}; the audit log keeps what they did.")
            return 0
        except StoreError as exc:
            raise CommandError(str(exc)) from None


def _confirm_remove(args: argparse.Namespace, name: str) -> bool:
    if args.yes:
        return True
    if not sys.stdin.isatty():
        print(f"{name} was not removed: re-run with --yes to remove.")
        return False
    if input(f"Remove {name}? [y/N] ").strip().lower() not in ("y", "yes"):
        print("Nothing was removed.")
        return False
    return True


def _positive(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError("must be a positive whole number")
    return value


def _not_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 or a positive whole number")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="groundwork",
        description="Assess generative-AI systems for production: scores, blockers, roadmap.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("validate", help="check a rubric; one FILE:LINE: message per problem")
    p.add_argument("rubric")
    p.set_defaults(func=cmd_validate)

    for name, func, helptext in (
        ("score", cmd_score, "score answers against a rubric: scores, gaps, verdict, blockers"),
        ("roadmap", cmd_roadmap, "the phased, dependency-ordered roadmap from the gaps"),
    ):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("rubric")
        p.add_argument("answers", help="answers as YAML, CSV or a filled questionnaire .xlsx")
        p.add_argument("--stage", help="target stage (default: production)")
        p.add_argument("--tier", help="risk tier (default: the rubric's first, e.g. minimal)")
        p.add_argument("--json", action="store_true", help="print one JSON document")
        if name == "score":
            p.add_argument(
                "--fail-on-blockers",
                action="store_true",
                help=f"exit {NOT_READY} when the verdict is not ready (for pipelines)",
            )
        if name == "roadmap":
            p.add_argument("--start", help="first day of wave 1, YYYY-MM-DD (default today)")
            p.add_argument(
                "--capacity",
                type=_not_negative,
                help="effort points per wave (0, the default: no limit, as in the app)",
            )
            p.add_argument(
                "--wave-days",
                type=_positive,
                default=DEFAULT_WAVE_DAYS,
                help=f"days per wave (default {DEFAULT_WAVE_DAYS})",
            )
        p.set_defaults(func=func)

    db_note = "The database is $GROUNDWORK_DB (default data/groundwork.db)."
    p = sub.add_parser(
        "export",
        help="the roadmap workbook (.xlsx) of a stored assessment, the portfolio workbook,"
        " or the delta of two rounds",
        description="Write the roadmap workbook of a stored assessment, the portfolio "
        "workbook (--portfolio), or (--delta) what changed between two rounds of one scope. "
        + db_note,
    )
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--assessment", type=int, help="assessment id")
    which.add_argument(
        "--portfolio",
        action="store_true",
        help="the portfolio workbook: heatmap, stages with ages, unit roll-up, outcomes, trend",
    )
    which.add_argument(
        "--delta",
        type=int,
        nargs=2,
        metavar=("A", "B"),
        help="two assessment ids of one scope: the Delta and Closed loop sheets",
    )
    p.add_argument("out", help="the .xlsx workbook to write, or a .json assessment document")
    p.add_argument("--start", help="first day of wave 1, YYYY-MM-DD (default today)")
    p.add_argument("--accent", help="header colour, #RRGGBB (default: the organisation's)")
    p.add_argument("--logo", help="a PNG or JPEG shown on the Summary sheet")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser(
        "questionnaire",
        help="an offline questionnaire workbook for a rubric",
        description="Write an offline questionnaire (.xlsx) for RUBRIC. " + db_note,
    )
    p.add_argument("rubric", help="the rubric YAML file the questionnaire asks")
    p.add_argument("out", help="the .xlsx file to write")
    p.add_argument("--from-assessment", type=int, help="pre-fill with this assessment's answers")
    p.set_defaults(func=cmd_questionnaire)

    p = sub.add_parser(
        "import",
        help="a filled questionnaire becomes a new round; an edited roadmap workbook updates items",
        description=(
            "Import a filled questionnaire as a new round of --scope, or the owner, date, "
            "status and notes edits of an exported roadmap workbook. The whole file is "
            "checked first and refused, with every problem named, if anything is wrong. "
            "A preview is always printed; it is written only with --yes, or after you "
            "answer 'y' at an interactive prompt (without a terminal and without --yes, "
            "nothing is written). " + db_note
        ),
    )
    p.add_argument("file", help="a filled .xlsx workbook, or a .json assessment document")
    p.add_argument("--scope", help="name of the scope a questionnaire assesses")
    p.add_argument("--stage", help="target stage (default: the scope's last round's)")
    p.add_argument("--tier", help="risk tier (default: the scope's last round's)")
    p.add_argument("--rubric", help="require the questionnaire to be for this rubric file")
    p.add_argument("--label", help="label of the new round")
    p.add_argument("--who", default=os.environ.get("USER", ""), help="recorded in the audit log")
    p.add_argument("--yes", "-y", action="store_true", help="write without asking")
    p.set_defaults(func=cmd_import)

    p = sub.add_parser(
        "import-model",
        help="make a rubric from OWASP SAMM's core model or DSOMM's generated YAML",
        description=(
            "samm SOURCE: the SAMM core model's folder (its model/ YAML files) or a zip of "
            "it. dsomm SOURCE: DSOMM's generated/model.yaml. Writes a rubric that scores "
            "as the model's own tool does, and lists the fields it could not carry."
        ),
    )
    p.add_argument("model", choices=["samm", "dsomm"])
    p.add_argument("source", help="the model's folder, zip or file")
    p.add_argument("out", help="the rubric YAML to write")
    p.set_defaults(func=cmd_import_model)

    p = sub.add_parser("schema", help="print the rubric format's JSON Schema")
    p.set_defaults(func=cmd_schema)

    p = sub.add_parser(
        "demo",
        help="(re)create the demo database (replaces it)",
        description=(
            "Build the demo database beside the old one and swap it in when complete. "
            "A database holding anything but the demo is replaced only after you answer "
            "'y', or with --yes; without a terminal it is left alone."
        ),
    )
    p.add_argument("--db", help="database file (default: $GROUNDWORK_DB or data/groundwork.db)")
    p.add_argument("--yes", "-y", action="store_true", help="replace without asking")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser(
        "serve",
        help="run the web app (loads the demo on first start)",
        description="Run the web app. People sign in with an account (see `groundwork user`) "
        "or through single sign-on when .streamlit/secrets.toml configures [auth]. " + db_note,
    )
    p.add_argument("--port", type=int, default=8501)
    p.add_argument(
        "--address",
        help="the address to listen on (default: $GROUNDWORK_ADDRESS or 127.0.0.1, this "
        "machine only; 0.0.0.0 listens on every network)",
    )
    p.add_argument(
        "--demo",
        action="store_true",
        help=f"demo mode (also ${DEMO_ENV}=1): no sign-in, everyone is the demo admin and "
        "can change everything; for trying Groundwork on your own machine",
    )
    p.set_defaults(func=cmd_serve)

    user = sub.add_parser(
        "user",
        help="add, change, list and remove accounts; set passwords",
        description="Accounts that sign in to the web app. Passwords are asked at the "
        "terminal (or read from one line of standard input with --password-stdin) and "
        "stored only as argon2id hashes. " + db_note,
    )
    actions = user.add_subparsers(dest="action", required=True)
    who = {
        "default": os.environ.get("USER") or os.environ.get("LOGNAME") or "command line",
        "help": "recorded in the audit log (default: $USER)",
    }
    p = actions.add_parser("add", help="a new account")
    p.add_argument("name", help="the name people sign in with, shown in the audit log")
    p.add_argument("--role", required=True, choices=ROLES)
    p.add_argument("--email", help="matches a single sign-on identity to this account")
    how = p.add_mutually_exclusive_group()
    how.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    how.add_argument(
        "--no-password", action="store_true", help="signs in through single sign-on only"
    )
    p.add_argument("--who", **who)
    p.set_defaults(func=cmd_user)
    p = actions.add_parser("passwd", help="set a new password")
    p.add_argument("name")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")
    p.add_argument("--who", **who)
    p.set_defaults(func=cmd_user)
    p = actions.add_parser("set", help="change an account's role or email, or disable it")
    p.add_argument("name")
    p.add_argument("--role", choices=ROLES)
    p.add_argument("--email", help="'' removes it")
    state = p.add_mutually_exclusive_group()
    state.add_argument("--disable", dest="disabled", action="store_true", default=None)
    state.add_argument("--enable", dest="disabled", action="store_false")
    p.add_argument("--who", **who)
    p.set_defaults(func=cmd_user)
    p = actions.add_parser("remove", help="remove an account (its audit trail stays)")
    p.add_argument("name")
    p.add_argument("--yes", "-y", action="store_true", help="remove without asking")
    p.add_argument("--who", **who)
    p.set_defaults(func=cmd_user)
    p = actions.add_parser("list", help="every account: name, role, email, how it signs in")
    p.set_defaults(func=cmd_user)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except CommandError as exc:
        print(f"groundwork: {exc}", file=sys.stderr)
        return 1
    except ValueError as exc:
        print(f"groundwork: {exc}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # e.g. `groundwork roadmap ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(main())
