"""The time-zone picker offers canonical zones only, grouped by region, the likely one first."""

from __future__ import annotations

import zoneinfo

from tandem.core.zones import canonical_time_zones, time_zone_choices, zone_label, zones_from_tables


def test_canonical_zones_leave_out_aliases() -> None:
    zones = set(canonical_time_zones())
    for alias in (
        "Africa/Timbuktu",
        "US/Pacific",
        "GB",
        "Etc/GMT+5",
        "Asia/Calcutta",
        "Europe/Kiev",
    ):
        assert alias not in zones, alias
    for canonical in ("Europe/Paris", "America/New_York", "Asia/Kolkata", "Africa/Bamako"):
        assert canonical in zones, canonical


def test_canonical_zones_start_with_utc_and_are_all_known() -> None:
    zones = canonical_time_zones()
    assert zones[0] == "UTC"
    assert list(zones[1:]) == sorted(zones[1:])
    assert set(zones) <= zoneinfo.available_timezones()
    assert 300 < len(zones) < len(zoneinfo.available_timezones())


def test_zones_from_tables_reads_the_third_column_and_skips_comments() -> None:
    text = "# comment\nFR\t+4852+00220\tEurope/Paris\nCI,BF\t+0519-00402\tAfrica/Abidjan\tnote\n\n"
    assert zones_from_tables([text]) == {"Europe/Paris", "Africa/Abidjan"}


def test_time_zone_choices_put_the_likely_zone_first_then_utc_then_regions() -> None:
    choices = time_zone_choices(likely=["Europe/Paris", "UTC", "Europe/Paris"])
    assert choices[0] == ("Likely", [("Europe/Paris", "Europe/Paris")])
    assert choices[1] == ("UTC", "UTC (coordinated universal time)")
    groups = [label for label, _ in choices[2:]]
    assert groups == sorted(groups)
    assert "Europe" in groups
    europe = dict(choices[2:])["Europe"]
    assert ("Europe/Paris", "Paris") in europe


def test_time_zone_choices_can_start_blank() -> None:
    assert time_zone_choices(blank=True)[0] == ("", "—")


def test_zone_label_names_the_place_within_its_region() -> None:
    assert zone_label("America/Argentina/Buenos_Aires") == "Argentina / Buenos Aires"
    assert zone_label("UTC") == "UTC"
