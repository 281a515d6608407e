"""The journal: private to its author, shared entry by entry, and invisible to coordinators —
neither text nor counts, not even in the audit log."""

from __future__ import annotations

import pytest
from django.test import Client

from tandem.core.errors import ServiceError
from tandem.core.models import AuditEntry
from tandem.growth.models import JournalEntry
from tandem.growth.services import journal as services
from tandem.programs.queries import audit_entries_of_organization, audit_entries_of_program
from tests.conftest import World
from tests.growth.support import constant_queries
from tests.mentoring.factories import Pair, workspace_url


def test_write_share_unshare_delete(pair: Pair) -> None:
    entry = services.write_entry(
        pair.mentorship, by=pair.mentee, text="  A hard week.\r\n", prompt=services.PROMPTS[0]
    )
    assert (entry.text, entry.shared_at) == ("A hard week.", None)
    entry = services.share_entry(entry, by=pair.mentee, shared=True)
    assert entry.shared_at is not None
    entry = services.share_entry(entry, by=pair.mentee, shared=False)
    assert entry.shared_at is None
    services.delete_entry(entry, by=pair.mentee)
    assert not JournalEntry.objects.exists()


def test_only_the_author_changes_an_entry(pair: Pair) -> None:
    entry = services.write_entry(pair.mentorship, by=pair.mentee, text="Mine")
    for change in (
        lambda: services.share_entry(entry, by=pair.mentor, shared=True),
        lambda: services.edit_entry(entry, by=pair.mentor, text="Theirs"),
        lambda: services.delete_entry(entry, by=pair.mentor),
    ):
        with pytest.raises(ServiceError):
            change()
    assert JournalEntry.objects.get().text == "Mine"


def test_an_empty_entry_is_refused(pair: Pair) -> None:
    with pytest.raises(ServiceError) as raised:
        services.write_entry(pair.mentorship, by=pair.mentee, text="  \n")
    assert raised.value.field == "text"


def test_the_other_member_gets_404_until_shared(world: World, pair: Pair, client: Client) -> None:
    entry = services.write_entry(pair.mentorship, by=pair.mentee, text="Private thought")
    url = workspace_url(world, pair.mentorship, f"journal/{entry.pk}/")
    client.force_login(world.mentor)
    assert client.get(url).status_code == 404
    assert (
        "Private thought"
        not in client.get(workspace_url(world, pair.mentorship, "journal/")).content.decode()
    )
    services.share_entry(entry, by=pair.mentee, shared=True)
    assert client.get(url).status_code == 200
    assert client.post(url + "share/", {"shared": "0"}).status_code == 404  # not theirs
    services.share_entry(entry, by=pair.mentee, shared=False)
    assert client.get(url).status_code == 404


def test_journal_audit_entries_carry_no_text_and_no_program(
    world: World, pair: Pair, client: Client
) -> None:
    entry = services.write_entry(pair.mentorship, by=pair.mentee, text="Secret words")
    services.share_entry(entry, by=pair.mentee, shared=True)
    rows = AuditEntry.objects.filter(action__startswith="journal.")
    assert rows.count() == 2
    for row in rows:
        assert "Secret" not in str(row.changes)
        assert "Secret" not in row.target_label
        assert row.program_id is None
        assert row.organization_id is None
    assert not audit_entries_of_program(world.program).filter(action__startswith="journal.")
    assert not audit_entries_of_organization(world.organization).filter(
        action__startswith="journal."
    )
    client.force_login(world.coordinator)
    page = client.get(world.url("audit/")).content.decode()
    assert "journal" not in page.lower()


def test_coordinator_pages_show_no_journal_counts(world: World, pair: Pair, client: Client) -> None:
    client.force_login(world.coordinator)
    pages = [world.url("mentorships/"), world.url(f"mentorships/{pair.mentorship.pk}/overview/")]
    before = [client.get(url) for url in pages]
    for n in range(3):
        services.write_entry(pair.mentorship, by=pair.mentee, text=f"Entry {n}")
    after = [client.get(url) for url in pages]
    for old, new in zip(before, after, strict=True):
        assert old.status_code == new.status_code == 200
        assert "journal" not in new.content.decode().lower()
        assert "Entry 0" not in new.content.decode()


def test_the_journal_page_keeps_a_constant_query_count(
    world: World, pair: Pair, client: Client
) -> None:
    client.force_login(world.mentee)

    def grow(n: int) -> None:
        for i in range(n):
            services.write_entry(pair.mentorship, by=pair.mentee, text=f"Mine {i}")
            shared = services.write_entry(pair.mentorship, by=pair.mentor, text=f"Theirs {i}")
            services.share_entry(shared, by=pair.mentor, shared=True)

    small, large = constant_queries(client, workspace_url(world, pair.mentorship, "journal/"), grow)
    assert small == large


def test_the_page_writes_an_entry_and_escapes_scripts(
    world: World, pair: Pair, client: Client
) -> None:
    client.force_login(world.mentee)
    url = workspace_url(world, pair.mentorship, "journal/")
    response = client.post(url + "add/", {"text": "Hi <script>alert(1)</script> **there**"})
    assert response.status_code == 302
    page = client.get(url).content.decode()
    assert "<strong>there</strong>" in page
    assert "<script>alert(1)" not in page
    empty = client.post(url + "add/", {"text": ""})
    assert empty.status_code == 422
