"""Creditors' contact rules: the YAML file, what it may change, what it may not, and the lookup."""

from __future__ import annotations

from datetime import time, timedelta
from pathlib import Path

import pytest

from core.settings import get_settings
from debt.contact_hours import MON_SAT
from debt.contact_rules import RULES, ContactRulesError, load_rules, parse_rules, rules_for
from debt.models import Channel

CREDITOR = "Hébergeur Exemple SAS"
EXAMPLE = """\
creditors:
  "Hébergeur Exemple SAS":
    FR: {hours: {start: "09:00", end: "19:00", weekdays: [mon, tue, wed, thu, fri]},
         max_per_week: {sms: 2, voice: 3}, cool_off_days: {sms: 3}}
    de:
      hours: {holidays: true}
  "Pinewood Wireless Inc":
    US: {max_per_week: {voice: 5}, cool_off_days: {sms: 1}}
"""
WEEKDAYS = frozenset(range(5))


def write(folder: Path, text: str) -> Path:
    path = folder / "contact_rules.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def load(folder: Path, text: str) -> dict:
    return load_rules(write(folder, text))


def one_rule(rules: str, jurisdiction: str = "FR") -> str:
    """A file with one creditor and one jurisdiction whose rules are the YAML flow mapping `rules`."""
    return f'creditors:\n  "{CREDITOR}":\n    {jurisdiction}: {rules}\n'


def test_the_example_changes_only_what_it_gives(tmp_path: Path) -> None:
    overrides = load(tmp_path, EXAMPLE)
    fr = rules_for("FR", CREDITOR, overrides=overrides)
    assert fr is not None
    assert (fr.hours.start, fr.hours.end, fr.hours.weekdays) == (time(9), time(19), WEEKDAYS)
    assert (fr.hours.default_tz, fr.hours.holidays_of) == ("Europe/Paris", None)
    assert fr.max_per_week == {Channel.SMS: 2, Channel.VOICE: 3}
    assert fr.cool_off == {Channel.SMS: timedelta(days=3), Channel.VOICE: timedelta(days=2)}
    assert fr.stop_statuses == RULES["FR"].stop_statuses
    # The other jurisdictions of the file: the jurisdiction key is read in any case.
    de = rules_for("DE", CREDITOR, overrides=overrides)
    assert de is not None and de.hours == RULES["DE"].hours and de.max_per_week == RULES["DE"].max_per_week
    us = rules_for("us", "Pinewood Wireless Inc", overrides=overrides)
    assert us is not None
    assert us.max_per_week == {Channel.SMS: 3, Channel.VOICE: 5}
    assert us.cool_off == {Channel.SMS: timedelta(days=1), Channel.VOICE: timedelta(days=7)}
    assert us.hours == RULES["US"].hours


def test_the_defaults_are_unchanged_by_a_creditors_rules(tmp_path: Path) -> None:
    load(tmp_path, EXAMPLE)
    assert RULES["FR"].max_per_week == {Channel.VOICE: 7, Channel.SMS: 3}
    assert RULES["FR"].hours.weekdays == MON_SAT


@pytest.mark.parametrize(
    ("jurisdiction", "creditor", "expected"),
    [
        ("FR", None, "default"),  # no creditor known
        ("FR", "Another Creditor SA", "default"),  # a creditor without rules of its own
        ("GB", CREDITOR, "default"),  # its rules name other jurisdictions
        ("FR", "  hébergeur   EXEMPLE sas ", "own"),  # names compare without case and extra spaces
        ("FR", "He\u0301bergeur Exemple SAS", "own"),  # é written as e and a combining accent
        ("fr", CREDITOR, "own"),
    ],
)
def test_rules_for_finds_the_creditors_rules(
    tmp_path: Path, jurisdiction: str, creditor: str | None, expected: str
) -> None:
    overrides = load(tmp_path, EXAMPLE)
    found = rules_for(jurisdiction, creditor, overrides=overrides)
    default = RULES[jurisdiction.upper()]
    assert (found is default) is (expected == "default")


def test_an_unknown_jurisdiction_has_no_rules(tmp_path: Path) -> None:
    assert rules_for("ES", CREDITOR, overrides=load(tmp_path, EXAMPLE)) is None
    assert rules_for("ES", None) is None


def test_an_empty_file_changes_nothing(tmp_path: Path) -> None:
    assert load(tmp_path, "") == {}
    assert load(tmp_path, "creditors:\n") == {}
    assert parse_rules(None) == {}


@pytest.mark.parametrize(
    ("rules", "jurisdiction"),
    [
        ('{hours: {start: "09:00", end: "18:00"}}', "FR"),  # narrower hours
        ("{hours: {weekdays: [sat]}}", "GB"),  # fewer days
        ("{hours: {holidays: true}}", "US"),  # holidays closed where they are not by default
        ("{hours: {holidays: false}}", "FR"),  # FR closes none anyway
        ("{max_per_week: {sms: 5, voice: 9}}", "FR"),  # caps above the defaults outside the US
        ("{max_per_week: {sms: 10, voice: 7}}", "US"),  # Regulation F caps calls only
        ("{cool_off_days: {sms: 0, voice: 0}}", "GB"),
        ("{cool_off_days: {sms: 1, voice: 9}}", "US"),
        ('{hours: {start: "08:00", end: "21:00"}}', "US"),  # the whole legal window
        ("{}", "DE"),
    ],
)
def test_values_the_law_allows_are_accepted(tmp_path: Path, rules: str, jurisdiction: str) -> None:
    overrides = load(tmp_path, one_rule(rules, jurisdiction))
    assert rules_for(jurisdiction, CREDITOR, overrides=overrides) is not RULES[jurisdiction]


def test_holidays_on_close_the_jurisdictions_holidays(tmp_path: Path) -> None:
    overrides = load(tmp_path, one_rule("{hours: {holidays: true}}", "US"))
    us = rules_for("US", CREDITOR, overrides=overrides)
    assert us is not None and us.hours.holidays_of == "US"


@pytest.mark.parametrize(
    ("rules", "jurisdiction", "key", "problem"),
    [
        ("{hours: {start: 9}}", "ES", "ES", "unknown jurisdiction: one of FR, DE, GB, US"),
        ('{hours: {start: "25:00"}}', "FR", "FR.hours.start", "'25:00' is not a time of day"),
        ('{hours: {end: "19:60"}}', "FR", "FR.hours.end", "'19:60' is not a time of day"),
        ('{hours: {start: "nine"}}', "FR", "FR.hours.start", "'nine' is not a time of day"),
        # YAML 1.1 reads 19:00 unquoted as 1140 (minutes): refused with the remedy.
        ("{hours: {end: 19:00}}", "FR", "FR.hours.end", 'write it quoted, "HH:MM"'),
        ('{hours: {start: "18:00", end: "10:00"}}', "FR", "FR.hours", "start 18:00 is not before end 10:00"),
        ('{hours: {start: "12:00", end: "12:00"}}', "FR", "FR.hours", "start 12:00 is not before end 12:00"),
        (
            '{hours: {start: "07:00"}}',
            "FR",
            "FR.hours.start",
            "07:00 is before the hours allowed in FR, 08:00–20:00",
        ),
        (
            '{hours: {end: "21:00"}}',
            "FR",
            "FR.hours.end",
            "21:00 is after the hours allowed in FR, 08:00–20:00",
        ),
        (
            '{hours: {end: "21:30"}}',
            "US",
            "US.hours.end",
            "21:30 is after the hours allowed in US, 08:00–21:00",
        ),
        (
            "{hours: {weekdays: [mon, mo]}}",
            "FR",
            "FR.hours.weekdays",
            "unknown weekday 'mo': one of mon, tue",
        ),
        ("{hours: {weekdays: []}}", "FR", "FR.hours.weekdays", "expected a list of days"),
        ("{hours: {weekdays: mon}}", "FR", "FR.hours.weekdays", "expected a list of days"),
        ("{hours: {weekdays: [fri, sun]}}", "DE", "DE.hours.weekdays", "sun is not a contact day in DE"),
        ("{hours: {holidays: false}}", "DE", "DE.hours.holidays", "public holidays are closed days in DE"),
        ("{hours: {holidays: maybe}}", "FR", "FR.hours.holidays", "expected true (holidays closed) or false"),
        ("{hours: {begin: 1}}", "FR", "FR.hours.begin", "unknown key: one of end, holidays, start, weekdays"),
        ("{max_per_week: {sms: 0}}", "FR", "FR.max_per_week.sms", "0: a weekly limit is at least 1"),
        ("{max_per_week: {sms: -2}}", "FR", "FR.max_per_week.sms", "a weekly limit is at least 1"),
        ("{max_per_week: {sms: 2.5}}", "FR", "FR.max_per_week.sms", "expected a whole number, got 2.5"),
        ("{max_per_week: {sms: true}}", "FR", "FR.max_per_week.sms", "expected a whole number, got True"),
        ("{max_per_week: {email: 2}}", "FR", "FR.max_per_week.email", "unknown channel: one of sms, voice"),
        (
            "{max_per_week: {voice: 8}}",
            "US",
            "US.max_per_week.voice",
            "8: at most 7 in 7 days in US (Regulation F",
        ),
        (
            "{cool_off_days: {voice: 6}}",
            "US",
            "US.cool_off_days.voice",
            "6: at least 7 days in US (Regulation F",
        ),
        ("{cool_off_days: {sms: -1}}", "FR", "FR.cool_off_days.sms", "a cool-off is 0 days or more"),
        ("{cool_off_days: {letter: 3}}", "FR", "FR.cool_off_days.letter", "unknown channel"),
        ("{max_per_wek: {sms: 2}}", "FR", "FR.max_per_wek", "unknown key: one of cool_off_days, hours"),
        ("[1, 2]", "FR", "FR", "expected a mapping, got [1, 2]"),
    ],
)
def test_bad_rules_are_refused_with_the_file_and_the_key(
    tmp_path: Path, rules: str, jurisdiction: str, key: str, problem: str
) -> None:
    path = write(tmp_path, one_rule(rules, jurisdiction))
    with pytest.raises(ContactRulesError) as raised:
        load_rules(path)
    error = raised.value
    assert (error.source, error.key) == (str(path), f'creditors."{CREDITOR}".{key}')
    assert problem in error.problem
    assert str(error).startswith(f'{path}: creditors."{CREDITOR}".{key}: ')


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ("- a list\n", "", "expected a mapping"),
        ("rules: {}\n", "rules", "unknown key: one of creditors"),
        ("creditors: [a, b]\n", "creditors", "expected a mapping"),
        ("creditors:\n  Acme: null\n", "creditors.Acme", "expected a mapping, got None"),
        ('creditors:\n  "  ": {FR: {}}\n', 'creditors."  "', "a creditor is named by a non-empty text"),
        (
            'creditors:\n  "Acme SA": {FR: {}}\n  "ACME  sa": {FR: {}}\n',
            'creditors."ACME  sa".FR',
            "given twice (creditor names ignore case and spaces)",
        ),
    ],
)
def test_a_bad_layout_is_refused(tmp_path: Path, text: str, key: str, problem: str) -> None:
    with pytest.raises(ContactRulesError) as raised:
        load(tmp_path, text)
    assert (raised.value.key, problem in raised.value.problem) == (key, True)


def test_invalid_yaml_and_a_missing_file_name_the_file(tmp_path: Path) -> None:
    path = write(tmp_path, 'creditors:\n  "Acme": {FR: {hours: {start: "09:00"}\n')
    with pytest.raises(ContactRulesError, match=f"^{path}: is not valid YAML"):
        load_rules(path)
    missing = tmp_path / "nowhere.yaml"
    with pytest.raises(ContactRulesError, match=f"^{missing}: cannot be read"):
        load_rules(missing)


# --- the settings' file -------------------------------------------------------------------------


def use_file(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    monkeypatch.setenv("CONTACT_RULES_FILE", str(path))
    get_settings.cache_clear()


def test_rules_for_reads_the_settings_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert rules_for("FR", CREDITOR) is RULES["FR"]  # no file set
    use_file(monkeypatch, write(tmp_path, EXAMPLE))
    found = rules_for("FR", CREDITOR)
    assert found is not None and found.max_per_week[Channel.SMS] == 2
    assert rules_for("FR", CREDITOR) is found  # read once
    assert rules_for("FR", None) is RULES["FR"]


def test_a_bad_settings_file_fails_every_lookup_for_a_creditor(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_file(monkeypatch, write(tmp_path, one_rule('{hours: {start: "07:00"}}')))
    with pytest.raises(ContactRulesError, match="07:00 is before the hours allowed in FR"):
        rules_for("FR", CREDITOR)
    assert rules_for("FR", None) is RULES["FR"]  # without a creditor the file is not needed
