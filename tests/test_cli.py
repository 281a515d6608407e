from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from typing import Any

import pytest

from tandem import cli
from tandem.accounts.models import User
from tandem.demo.seed import DEMO_LOGINS, generate_people
from tandem.programs.models import Membership, Program

ROOT = Path(__file__).resolve().parents[1]


def test_generate_people_is_reproducible_and_varied() -> None:
    first = list(generate_people(300, seed=3))
    again = list(generate_people(300, seed=3))
    assert [p.answers for p in first] == [p.answers for p in again]
    assert len({p.email for p in first}) == 300
    assert len({p.answers["location"]["city"] for p in first}) >= 10
    assert len({p.answers["industry"] for p in first}) >= 8
    mentors = [p for p in first if p.role == "mentor"]
    mentees = [p for p in first if p.role == "mentee"]
    assert 60 < len(mentors) < 150
    assert all(p.answers["skills_offered"] and p.answers["capacity"] >= 1 for p in mentors)
    assert all(p.answers["skills_wanted"] and p.answers["goals"] for p in mentees)
    emails = {p.email for p in first}
    assert all(p.answers["manager"] in emails for p in first if p.answers["manager"])


@pytest.mark.django_db
def test_seed_command_creates_demo_logins_and_participants(capsys: Any) -> None:
    assert cli.main(["seed", "--participants", "40"]) == 0
    program = Program.objects.get(slug="spring-mentoring")
    assert Membership.objects.filter(program=program).count() == 40 + 3
    for email in DEMO_LOGINS.values():
        assert User.objects.get(email=email).check_password("tandem-demo")
    assert "coordinator@demo.tandem.test" in capsys.readouterr().out
    # Seeding again tops up without duplicating anyone.
    assert cli.main(["seed", "--participants", "40"]) == 0
    assert Membership.objects.filter(program=program).count() == 40 + 3


@pytest.mark.django_db
def test_createadmin_makes_a_verified_superuser(monkeypatch: pytest.MonkeyPatch) -> None:
    from allauth.account.models import EmailAddress

    monkeypatch.setenv("TANDEM_ADMIN_PASSWORD", "a-long-password")
    assert cli.main(["createadmin", "--email", "admin@example.org"]) == 0
    admin = User.objects.get(email="admin@example.org")
    assert admin.is_superuser
    assert admin.is_staff
    assert admin.check_password("a-long-password")
    assert EmailAddress.objects.get(user=admin).verified


@pytest.mark.django_db
def test_createadmin_refuses_a_bad_email(monkeypatch: pytest.MonkeyPatch, capsys: Any) -> None:
    monkeypatch.setenv("TANDEM_ADMIN_PASSWORD", "a-long-password")
    assert cli.main(["createadmin", "--email", "not-an-email"]) == 2
    assert "'not-an-email' is not a valid e-mail address" in capsys.readouterr().err
    assert not User.objects.exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.mark.worker
def test_demo_command_serves_a_working_program_to_the_printed_login(tmp_path: Path) -> None:
    """What a newcomer does: run the demo, open the URL, log in with a printed login."""
    port = _free_port()
    environment = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DATABASE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE"}
    }
    environment.update(TANDEM_DATA_DIR=str(tmp_path), PYTHONPATH=str(ROOT / "src"))
    demo = subprocess.Popen(
        [sys.executable, "-m", "tandem.cli", "demo", "--port", str(port), "--participants", "30"],
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        assert demo.stdout is not None
        printed = ""
        for line in demo.stdout:
            printed += line
            if "Press Ctrl+C" in line:
                break
        assert f"Tandem demo is running at http://127.0.0.1:{port}/" in printed
        email = re.search(r"coordinator\s+(\S+@\S+)", printed)
        assert email is not None
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
        base = f"http://127.0.0.1:{port}"
        for _ in range(60):
            try:
                login_page = opener.open(f"{base}/accounts/login/").read().decode()
                break
            except OSError:
                time.sleep(0.5)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', login_page)
        assert token is not None
        data = urllib.parse.urlencode(
            {
                "csrfmiddlewaretoken": token.group(1),
                "login": email.group(1),
                "password": "tandem-demo",
            }
        ).encode()
        request = urllib.request.Request(
            f"{base}/accounts/login/", data=data, headers={"Referer": f"{base}/accounts/login/"}
        )
        home = opener.open(request).read().decode()
        assert "Spring Mentoring Program" in home
        program = opener.open(f"{base}/o/northwind/p/spring-mentoring/").read().decode()
        assert "Members by role and status" in program
        assert "Mentees feel ready for their next role" in program
    finally:
        os.killpg(demo.pid, signal.SIGINT)
        demo.wait(timeout=30)


def test_generated_emails_are_plain_ascii_and_valid() -> None:
    from django.core.validators import validate_email

    people = list(generate_people(2000, seed=11))
    for person in people:
        validate_email(person.email)
        assert person.email.isascii()


# --- the matching kernels are loaded at start ----------------------------------------------


def test_worker_loads_the_matching_kernels_in_the_background(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from tandem.matching import warmup

    started: list[str] = []
    monkeypatch.setattr(warmup, "warm_up_in_background", lambda: started.append("warm-up"))
    monkeypatch.setattr(cli, "_setup_django", lambda: None)
    monkeypatch.setattr(cli, "_call", lambda *args: started.append(args[0]))
    from tandem.core import leases

    monkeypatch.setattr(leases, "register_worker", lambda worker_id: leases.Heartbeat(lambda: 0))
    monkeypatch.setattr(leases, "unregister_worker", lambda worker_id: None)
    assert cli.main(["worker", "--batch", "--no-scheduler"]) == 0
    assert started == ["warm-up", "db_worker"]


def test_serve_loads_the_matching_kernels_in_each_web_process(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from gunicorn.app.base import BaseApplication

    hooks: list[Any] = []
    monkeypatch.setattr(cli, "_setup_django", lambda: None)
    monkeypatch.setattr(cli, "_call", lambda *args: None)
    monkeypatch.setattr(
        BaseApplication, "run", lambda self: hooks.append(self.cfg.post_worker_init)
    )
    assert cli.main(["serve"]) == 0
    assert hooks == [cli._warm_up_web_process]


def test_warm_up_command_compiles_or_loads_the_kernels(capsys: Any) -> None:
    from tandem.matching import warmup

    assert cli.main(["warm-up"]) == 0
    assert warmup.kernels_ready()
    assert capsys.readouterr().out.startswith("The matching engine's kernels are compiled")
