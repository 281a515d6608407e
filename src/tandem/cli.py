"""The ``tandem`` command.

``tandem demo | serve | worker | warm-up | createadmin | seed | match``; any other word is passed to
Django's management commands (``tandem migrate``, ``tandem shell``, …).
``tandem match`` runs the matching engine on a CSV file and never loads Django.
"""

from __future__ import annotations

import argparse
import getpass
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tandem.accounts.models import User
    from tandem.programs.models import Program

DEFAULT_DATA_DIR = Path.cwd() / "var"


def _data_dir() -> Path:
    path = Path(os.environ.get("TANDEM_DATA_DIR") or DEFAULT_DATA_DIR).expanduser().resolve()
    path.mkdir(parents=True, exist_ok=True)
    os.environ["TANDEM_DATA_DIR"] = str(path)
    return path


def _ensure_demo_secret_key() -> None:
    """The demo runs without configuration: keep a generated key in the data directory."""
    if os.environ.get("SECRET_KEY"):
        return
    key_file = _data_dir() / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(50))
        key_file.chmod(0o600)
    os.environ["SECRET_KEY"] = key_file.read_text().strip()


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tandem.settings")
    _data_dir()
    import django

    django.setup()


def _call(*args: str) -> None:
    from django.core.management import call_command

    call_command(*args)


def hide_server_banner() -> None:
    """gunicorn names itself in a ``Server`` header on every response, with no setting to
    turn it off: drop that header, so that Tandem does not advertise its web server."""
    from gunicorn.http import wsgi as gunicorn_wsgi

    response_class: Any = gunicorn_wsgi.Response
    if getattr(response_class, "_tandem_no_banner", False):
        return
    original = response_class.default_headers

    def default_headers(self: Any) -> list[str]:
        return [line for line in original(self) if not line.startswith("Server:")]

    response_class._tandem_original_default_headers = original
    response_class.default_headers = default_headers
    response_class._tandem_no_banner = True


def cmd_serve(options: argparse.Namespace) -> int:
    _setup_django()
    hide_server_banner()
    if options.migrate:
        _call("migrate", "--no-input")
    _call("collectstatic", "--no-input", "--verbosity", "0")
    from gunicorn.app.base import BaseApplication

    from tandem.wsgi import application

    class Server(BaseApplication):
        def load_config(self) -> None:
            self.cfg.set("bind", f"{options.host}:{options.port}")
            # each web process loads (or compiles) the matching kernels in the background;
            # until it has, small runs go to the worker instead of waiting in the request
            self.cfg.set("post_worker_init", _warm_up_web_process)
            self.cfg.set("workers", options.workers)
            self.cfg.set("threads", 4)
            self.cfg.set("accesslog", "-")
            self.cfg.set("timeout", 60)

        def load(self) -> object:
            return application

    Server().run()
    return 0


def _warm_up_matching() -> None:
    """Load or compile the matching engine's kernels in a background thread."""
    from tandem.matching.warmup import warm_up_in_background

    warm_up_in_background()


def _warm_up_web_process(worker: object) -> None:
    """gunicorn's post_worker_init hook (it takes the worker): each web process warms up."""
    _warm_up_matching()


def cmd_warm_up(options: argparse.Namespace) -> int:
    from tandem.matching.warmup import warm_up

    seconds = warm_up()
    print(f"The matching engine's kernels are compiled and cached ({seconds:.1f} s).")
    return 0


def cmd_worker(options: argparse.Namespace) -> int:
    _setup_django()
    from tandem.core import leases, periodic

    _warm_up_matching()
    # The worker's lease: renewed while it lives, so that the sweeps can tell the tasks of a
    # worker that was killed from those of one that is busy.
    worker_id = leases.new_worker_id()
    heartbeat = leases.register_worker(worker_id)
    arguments = ["db_worker", "--no-reload", "--interval", str(options.interval)]
    arguments += ["--worker-id", worker_id]
    stop = None
    try:
        if options.batch:
            arguments.append("--batch")
            if not options.no_scheduler:
                periodic.enqueue_due()
        elif not options.no_scheduler:
            stop = periodic.start_in_background()
        _call(*arguments)
    finally:
        if stop is not None:
            stop.set()
        heartbeat.stop()
        leases.unregister_worker(worker_id)
    return 0


def cmd_createadmin(options: argparse.Namespace) -> int:
    _setup_django()
    from allauth.account.models import EmailAddress
    from django.core.exceptions import ValidationError
    from django.core.validators import validate_email

    from tandem.accounts.models import User

    email = options.email or input("E-mail address: ").strip()
    try:
        validate_email(email)
    except ValidationError:
        print(f"error: {email!r} is not a valid e-mail address.", file=sys.stderr)
        return 2
    password = os.environ.get("TANDEM_ADMIN_PASSWORD") or getpass.getpass("Password: ")
    if len(password) < 8:
        print("error: the password must have at least 8 characters.", file=sys.stderr)
        return 2
    user = User.objects.filter(email__iexact=email).first()
    if user is None:
        user = User.objects.create_superuser(email, password, full_name=options.name or "")
    else:
        user.is_staff = user.is_superuser = True
        user.set_password(password)
        user.save()
    EmailAddress.objects.update_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    print(f"Administrator {user.email} is ready. Log in and create your organization.")
    return 0


def cmd_seed(options: argparse.Namespace) -> int:
    _setup_django()
    from tandem.demo.seed import DEMO_PASSWORD, seed_demo

    started = time.perf_counter()
    report = seed_demo(participants=options.participants, seed=options.seed)
    elapsed = time.perf_counter() - started
    print(
        f"Seeded {report.participants_created} participants into “{report.program.name}” "
        f"({report.organization.name}) in {elapsed:.1f} s."
    )
    for role, email in report.logins.items():
        print(f"  {role:<12} {email}  password: {DEMO_PASSWORD}")
    return 0


def cmd_demo(options: argparse.Namespace) -> int:
    _ensure_demo_secret_key()
    os.environ.setdefault("SITE_URL", f"http://{options.host}:{options.port}")
    _setup_django()
    _call("migrate", "--no-input", "--verbosity", "0")
    from tandem.demo.seed import DEMO_ORGANIZATION_SLUG, DEMO_PASSWORD, seed_demo
    from tandem.programs.models import Organization

    if not Organization.objects.filter(slug=DEMO_ORGANIZATION_SLUG).exists():
        print(f"Seeding the demo organization with {options.participants} participants…")
        report = seed_demo(participants=options.participants)
        logins = report.logins
    else:
        from tandem.demo.seed import DEMO_LOGINS

        logins = dict(DEMO_LOGINS)
    executable = [sys.executable, "-m", "tandem.cli"]
    worker = subprocess.Popen([*executable, "worker"])  # noqa: S603  (our own command)
    server = subprocess.Popen(  # noqa: S603  (our own command)
        [
            *executable,
            "serve",
            "--host",
            options.host,
            "--port",
            str(options.port),
            "--workers",
            "2",
        ]
    )
    url = f"http://{options.host}:{options.port}/"
    print()
    print(f"Tandem demo is running at {url}")
    print(f"Log in with password “{DEMO_PASSWORD}” as:")
    for role, email in logins.items():
        print(f"  {role:<12} {email}")
    print("E-mails are printed in this terminal. Press Ctrl+C to stop.")
    print()
    try:
        while worker.poll() is None and server.poll() is None:
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        for process in (server, worker):
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in (server, worker):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


def _find_program(slug: str, organization: str | None) -> Program | None:
    """The program with ``slug`` (in ``organization``), or None after printing why."""
    from tandem.programs.models import Program

    programs = Program.objects.select_related("organization").filter(slug=slug)
    if organization:
        programs = programs.filter(organization__slug=organization)
    found = list(programs[:10])
    if not found:
        where = f" in organization {organization!r}" if organization else ""
        print(f"error: no program {slug!r}{where}.", file=sys.stderr)
        return None
    if len(found) > 1:
        names = ", ".join(program.organization.slug for program in found)
        print(
            f"error: several organizations have a program {slug!r} ({names}): "
            "choose one with --organization.",
            file=sys.stderr,
        )
        return None
    return found[0]


def cmd_import(options: argparse.Namespace) -> int:
    _setup_django()
    from tandem.core.errors import ServiceError
    from tandem.enrolment.services.imports import encoding_warning, import_file

    program = _find_program(options.program, options.organization)
    if program is None:
        return 2
    mapping: dict[str, str] = {}
    for item in options.mapping:
        column, separator, target = item.partition("=")
        if not separator or not column:
            print(
                f"error: --mapping {item!r}: write COLUMN=KEY (KEY empty to ignore).",
                file=sys.stderr,
            )
            return 2
        mapping[column] = target
    path = Path(options.file)
    if not path.is_file():
        print(f"error: no file {str(path)!r}.", file=sys.stderr)
        return 2
    try:
        participant_import, plan = import_file(
            program,
            file_name=path.name,
            content=path.read_bytes(),
            mapping=mapping,
            dry_run=options.dry_run,
            by=None,
        )
    except ServiceError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    if participant_import.guessed_encoding:
        print(f"warning: {encoding_warning(participant_import.guessed_encoding)}", file=sys.stderr)
    for problem in plan.problems:
        print(
            f"row {problem.row}, column {problem.column!r}, value {problem.value!r}: "
            f"{problem.reason}",
            file=sys.stderr,
        )
    if plan.problems:
        print(
            f"{len(plan.problems)} problem(s) in {plan.rows} rows: nothing was imported.",
            file=sys.stderr,
        )
        return 2
    verb = "Would import" if options.dry_run else "Imported"
    print(
        f"{verb} {plan.rows} rows into {program}: {plan.created} created, "
        f"{plan.updated} updated, {plan.unchanged} unchanged."
    )
    return 0


def cmd_export(options: argparse.Namespace) -> int:
    _setup_django()
    from tandem.core.errors import ServiceError
    from tandem.enrolment.services.imports import export_file

    program = _find_program(options.program, options.organization)
    if program is None:
        return 2
    output = Path(options.output)
    file_format = output.suffix.lower().lstrip(".")
    try:
        content, _name, _type = export_file(
            program,
            file_format,
            by=None,
        )
    except ServiceError as error:
        print(f"error: {error.message} (name the output file .csv or .xlsx)", file=sys.stderr)
        return 2
    output.write_bytes(content)
    print(f"Exported the participants of {program} to {output}.")
    return 0


def _publisher(program: Program, email: str | None) -> User | None:
    """``--as EMAIL``, else the organization's first admin, else the program's first coordinator."""
    from tandem.accounts.models import User
    from tandem.programs.enums import OrganizationRole, Role
    from tandem.programs.models import Membership, OrganizationMembership

    if email:
        return User.objects.filter(email__iexact=email).first()
    admin = (
        OrganizationMembership.objects.filter(
            organization_id=program.organization_id, role=OrganizationRole.ADMIN
        )
        .order_by("id")
        .select_related("user")
        .first()
    )
    if admin is not None:
        return admin.user
    coordinator = (
        Membership.objects.filter(program=program, role=Role.COORDINATOR)
        .order_by("id")
        .select_related("user")
        .first()
    )
    return coordinator.user if coordinator is not None else None


def cmd_match_program(options: argparse.Namespace) -> int:
    """Run a program's matching now, in this process, whatever the pool size."""
    _setup_django()
    from tandem.core.errors import ServiceError
    from tandem.matches import queries, services
    from tandem.matches.enums import RunMode, RunObjective, RunStatus

    program = _find_program(options.program, options.organization)
    if program is None:
        return 2
    actor = _publisher(program, options.as_email)
    if actor is None:
        who = (
            f"nobody with the e-mail {options.as_email!r}"
            if options.as_email
            else ("no organization admin or program coordinator")
        )
        print(f"error: {who} to act as; pass --as EMAIL.", file=sys.stderr)
        return 2
    try:
        run = services.start_run(
            program,
            by=actor,
            name=options.name or "",
            objective=RunObjective(options.objective),
            mode=RunMode(options.mode),
            dispatch=False,
        )
    except ServiceError as error:
        print(f"error: {error.message}", file=sys.stderr)
        return 2
    print(f"{run.name}: matching {program} ({run.get_objective_display().lower()})")
    last = [-1]

    def report(percent: int, message: str) -> None:
        if percent != last[0]:
            last[0] = percent
            print(f"  {percent:3d}%  {message}", flush=True)

    run = services.execute_run(run.pk, report=report)
    if run.status == RunStatus.FAILED:
        print(f"error: the run failed: {run.error}", file=sys.stderr)
        return 2
    annotated = queries.annotated_run(program, run.pk) or run
    reasons = queries.reasons_by_run([run]).get(run.pk, [])
    figures = queries.figures(annotated, reasons)
    print(
        f"  matched       {figures.matched} of {figures.mentees} mentees ({figures.matched_pct:g}%)"
    )
    if figures.mean_fit is not None:
        from tandem.matching.model import fit_percent

        print(
            f"  fit           mean {fit_percent(figures.mean_fit, 1)}, "
            f"lowest {fit_percent(figures.min_fit, 1)}"
        )
    if figures.choice_share:
        share = figures.choice_share
        print(
            f"  own choice    {share.get('any', 0):g}% (1st {share.get('1st', 0):g}%, "
            f"2nd {share.get('2nd', 0):g}%, 3rd {share.get('3rd', 0):g}%)"
        )
    gap = figures.certificate_gap
    print(
        "  certificate   "
        + ("—" if gap is None else ("gap 0: proven best" if gap == 0 else f"gap {gap:.4f}"))
    )
    for reason, count in reasons:
        print(f"  unmatched     {count} × {reason}")
    if options.publish:
        try:
            relationships = services.publish_run(run, by=actor)
        except ServiceError as error:
            print(f"error: {error.message}", file=sys.stderr)
            return 2
        print(f"Published: {len(relationships)} relationships, everyone introduced.")
    else:
        print(f"Not published: review it at {program.get_absolute_url()}matching/{run.pk}/")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="tandem",
        description="Run mentoring programs end to end.",
        epilog="Any other command is passed to Django's manage.py (e.g. tandem migrate).",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    demo = commands.add_parser("demo", help="set up a demo database and run web + worker")
    demo.add_argument("--host", default="127.0.0.1")
    demo.add_argument("--port", type=int, default=8000)
    demo.add_argument("--participants", type=int, default=200)
    demo.set_defaults(handler=cmd_demo)

    serve = commands.add_parser("serve", help="run the production web server (gunicorn)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=max(2, (os.cpu_count() or 1) + 1))
    serve.add_argument("--migrate", action="store_true", help="apply migrations first")
    serve.set_defaults(handler=cmd_serve)

    worker = commands.add_parser("worker", help="run the background task worker")
    worker.add_argument("--interval", type=float, default=1.0, help="seconds between polls")
    worker.add_argument("--batch", action="store_true", help="run what is queued, then exit")
    worker.add_argument(
        "--no-scheduler",
        action="store_true",
        help="do not enqueue periodic work (reminders); another worker's scheduler does",
    )
    worker.set_defaults(handler=cmd_worker)

    warm = commands.add_parser(
        "warm-up", help="compile the matching engine's kernels into their cache (once per install)"
    )
    warm.set_defaults(handler=cmd_warm_up)

    admin = commands.add_parser("createadmin", help="create a site administrator")
    admin.add_argument("--email")
    admin.add_argument("--name", default="")
    admin.set_defaults(handler=cmd_createadmin)

    seed = commands.add_parser("seed", help="add realistic demo participants")
    seed.add_argument("--participants", type=int, default=200)
    seed.add_argument("--seed", type=int, default=7, help="random seed (same seed, same people)")
    seed.set_defaults(handler=cmd_seed)

    import_ = commands.add_parser(
        "import", help="import participants from a CSV/XLSX file (all or nothing)"
    )
    import_.add_argument("program", metavar="PROGRAM", help="the program's slug")
    import_.add_argument("file", metavar="FILE", help="a .csv or .xlsx file")
    import_.add_argument("--organization", help="the organization's slug, if several match")
    import_.add_argument(
        "--mapping",
        action="append",
        default=[],
        metavar="COLUMN=KEY",
        help="map a column heading to email, full_name, role, pronouns or a question key "
        "(empty KEY ignores it); repeatable",
    )
    import_.add_argument(
        "--dry-run", action="store_true", help="check every row and report; write nothing"
    )
    import_.set_defaults(handler=cmd_import)

    export = commands.add_parser("export", help="export participants and answers to CSV/XLSX")
    export.add_argument("program", metavar="PROGRAM", help="the program's slug")
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.csv or .xlsx")
    export.add_argument("--organization", help="the organization's slug, if several match")
    export.set_defaults(handler=cmd_export)

    match_program = commands.add_parser(
        "match-program", help="run a program's matching now and print the summary"
    )
    match_program.add_argument("program", metavar="PROGRAM", help="the program's slug")
    match_program.add_argument("--organization", help="the organization's slug, if several match")
    match_program.add_argument(
        "--objective", choices=["coverage", "total", "fair", "spread"], default="coverage"
    )
    match_program.add_argument("--mode", choices=["optimal", "groups"], default="optimal")
    match_program.add_argument("--name", default="", help="the scenario's name")
    match_program.add_argument(
        "--publish", action="store_true", help="publish the result and introduce everyone"
    )
    match_program.add_argument(
        "--as", dest="as_email", metavar="EMAIL", help="act as this person (default: first admin)"
    )
    match_program.set_defaults(handler=cmd_match_program)

    commands.add_parser("match", help="match mentors and mentees from a CSV file", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments and arguments[0] == "match":
        from tandem.matching.cli import main as match_main

        return match_main(arguments[1:])
    parser = build_parser()
    known = {
        "demo",
        "serve",
        "worker",
        "warm-up",
        "createadmin",
        "seed",
        "import",
        "export",
        "match-program",
    }
    if arguments and arguments[0] not in known and not arguments[0].startswith("-"):
        _setup_django()
        from django.core.management import execute_from_command_line

        # `tandem expire-requests` and `tandem expire_requests` are the same command.
        execute_from_command_line(["tandem", arguments[0].replace("-", "_"), *arguments[1:]])
        return 0
    options = parser.parse_args(arguments)
    if options.command is None:
        parser.print_help()
        return 0
    return int(options.handler(options))


if __name__ == "__main__":
    sys.exit(main())
