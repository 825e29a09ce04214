"""Bad input for the three importers: refused whole, each problem located by file, line and field, nothing written.

Every bad file is a small good file with one defect, so the problem a person is shown must be about that defect.
Line numbers are physical lines of the file as an editor shows them (1-based, the CSV header is line 1).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from engine.errors import BadInput
from engine.intake.importers import import_cities, import_people
from engine.intake.programme import load
from models import AuditEvent, City, OutboxMessage, Person, Programme, ProgrammeVersion, RoleAssignment
from models.base import Base
from support import EXAMPLES

AT = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)
LATER = datetime(2026, 2, 2, 9, 30, tzinfo=UTC)
LONG = "A" * 201


# --- helpers -------------------------------------------------------------------------------------------


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    """The file exactly as given: text is written as UTF-8 with its own line endings, bytes as they are."""
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def shown(exc: BadInput) -> list[str]:
    """The problems as a person sees them: 'FILE, line N, field 'F': message'."""
    return [str(p) for p in exc.problems]


def assert_located(exc: BadInput, path: Path, line: int | None, field: str | None, says: str) -> None:
    """One problem is at exactly this file, line and field and says this; every problem names the file."""
    assert all(p.file == str(path) for p in exc.problems), shown(exc)
    where = str(path)
    if line is not None:
        where += f", line {line}"
    if field is not None:
        where += f", field '{field}'"
    matching = [s for s in shown(exc) if s.startswith(where + ": ") and says in s]
    assert matching, f"expected a problem at {where!r} saying {says!r}; got {shown(exc)}"


def rows(sessions: sessionmaker[Session], *models: type[Base]) -> dict[str, list[str]]:
    """Every row of the given tables, as text: what a refused import must leave exactly as it was."""
    with sessions() as s:
        return {m.__tablename__: sorted(repr(tuple(r)) for r in s.execute(select(m.__table__))) for m in models}


def counts(sessions: sessionmaker[Session], *models: type[Base]) -> dict[str, int]:
    """How many rows each table holds."""
    with sessions() as s:
        return {m.__tablename__: s.scalar(select(func.count()).select_from(m)) or 0 for m in models}


def refused_whole(
    sessions: sessionmaker[Session],
    tables: tuple[type[Base], ...],
    run: Callable[[], object],
) -> BadInput:
    """Run the import, expect BadInput, and check that not one row of tables changed."""
    before_counts, before = counts(sessions, *tables), rows(sessions, *tables)
    with pytest.raises(BadInput) as caught:
        run()
    assert counts(sessions, *tables) == before_counts
    assert rows(sessions, *tables) == before
    return caught.value


def case(name: str, content: str | bytes, line: int | None, field: str | None, says: str) -> object:
    """One bad file and the problem a person must be shown for it."""
    return pytest.param(content, line, field, says, id=name)


@pytest.fixture
def with_programme(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """The sample programme loaded."""
    load(sessions, EXAMPLES / "programme.yaml", at=AT)
    return sessions


@pytest.fixture
def with_cities(with_programme: sessionmaker[Session]) -> sessionmaker[Session]:
    """The sample programme and its twelve cities."""
    import_cities(with_programme, EXAMPLES / "cities.csv", at=AT)
    return with_programme


@pytest.fixture
def with_people(with_cities: sessionmaker[Session]) -> sessionmaker[Session]:
    """The sample programme, cities and people."""
    import_people(with_cities, EXAMPLES / "people.csv", at=AT)
    return with_cities


# --- programme file (YAML) ------------------------------------------------------------------------------

PROGRAMME_LINES = [
    "code: ASTON",  # 1
    "name: African Smart Towns Network, second edition",  # 2
    "timezone: Africa/Bamako",  # 3
    "languages: [fr, en]",  # 4
    "grant:",  # 5
    "  ceilings:",  # 6
    '    - {amount: "50000", currency: EUR}',  # 7
    '    - {amount: "32797850", currency: XOF}',  # 8
    "  tranches:",  # 9
    "    - {name: advance, share: 50, when: award}",  # 10
    "    - {name: interim, share: 30, when: first_report_approved}",  # 11
    "    - {name: final, share: 20, when: final_report_approved}",  # 12
    "onboarding:",  # 13
    "  - key: kickoff_attended",  # 14
    "    label: {en: Kick-off attended, fr: Lancement suivi}",  # 15
    "  - key: secretariat_visit",  # 16
    "    label: {en: Secretariat visit done, fr: Visite du Secrétariat faite}",  # 17
    "stages:",  # 18
    "  selected: {business_days: 15}",  # 19
    "  onboarding: {days: 60}",  # 20
    "reports:",  # 21
    "  every_months: 3",  # 22
]


def programme(changes: dict[int, str | None] | None = None) -> str:
    """The good programme file with some lines replaced (text may hold several lines) or removed (None)."""
    lines: list[str] = []
    for number, text in enumerate(PROGRAMME_LINES, start=1):
        new = (changes or {}).get(number, text)
        if new is not None:
            lines.append(new)
    return "\n".join(lines) + "\n"


BAD_PROGRAMMES = [
    case("missing-key", programme({2: None}), 1, "name", "is required but missing"),
    case("missing-nested-key", programme({9: None, 10: None, 11: None, 12: None}), 5, "grant.tranches", "required"),
    case("unknown-key-typo", programme({21: "reprots:"}), 21, "reprots", "not a known setting (check the spelling)"),
    case(
        "unknown-nested-key-typo",
        programme({7: '    - {amount: "50000", curency: EUR}'}),
        7,
        "grant.ceilings.0.curency",
        "not a known setting",
    ),
    case("bad-timezone", programme({3: "timezone: Africa/Bamakko"}), 3, "timezone", "not an IANA time zone"),
    case("bad-language-code", programme({4: "languages: [fr, xx]"}), 4, "languages.1", "not an ISO 639-1 language"),
    case(
        "bad-label-language",
        programme({15: "    label: {en: Kick-off attended, xx: Lancement suivi}"}),
        15,
        "onboarding.0.label.xx",
        "not an ISO 639-1 language",
    ),
    case(
        "negative-ceiling",
        programme({7: '    - {amount: "-5000", currency: EUR}'}),
        7,
        "grant.ceilings.0.amount",
        "must be positive",
    ),
    case(
        "non-numeric-ceiling",
        programme({7: "    - {amount: lots, currency: EUR}"}),
        7,
        "grant.ceilings.0.amount",
        "valid decimal",
    ),
    case(
        "unknown-currency",
        programme({7: '    - {amount: "50000", currency: EUX}'}),
        7,
        "grant.ceilings.0.currency",
        "'EUX' is not an ISO 4217 currency code",
    ),
    case(
        "too-many-decimals-eur",
        programme({7: '    - {amount: "50000.125", currency: EUR}'}),
        7,
        "grant.ceilings.0.amount",
        "EUR amounts have at most 2 decimal places",
    ),
    case(
        "decimals-for-xof",
        programme({8: '    - {amount: "32797850.5", currency: XOF}'}),
        8,
        "grant.ceilings.1.amount",
        "XOF amounts have at most 0 decimal places",
    ),
    case(
        "two-ceilings-one-currency",
        programme({8: '    - {amount: "40000", currency: eur}'}),
        8,
        "grant.ceilings.1.currency",
        "EUR has two ceilings",
    ),
    case(
        "tranches-not-100",
        programme({12: "    - {name: final, share: 25, when: final_report_approved}"}),
        9,
        "grant.tranches",
        "tranche shares add up to 105, not 100",
    ),
    case(
        "zero-share",
        programme({10: "    - {name: advance, share: 0, when: award}", 11: "    - {name: b, share: 80, when: award}"}),
        10,
        "grant.tranches.0.share",
        "greater than 0",
    ),
    case(
        "unknown-tranche-condition",
        programme({11: "    - {name: interim, share: 30, when: paid}"}),
        11,
        "grant.tranches.1.when",
        "'first_report_approved'",
    ),
    case(
        "tranche-name-too-long",
        programme({10: f"    - {{name: {'a' * 65}, share: 50, when: award}}"}),
        10,
        "grant.tranches.0.name",
        "at most 64 characters",
    ),
    case(
        "unknown-stage",
        programme({20: "  onbaording: {days: 60}"}),
        20,
        "stages.onbaording",
        "'onbaording' is not a stage of the journey",
    ),
    case(
        "stage-timing-twice",
        programme({19: "  selected: {business_days: 15, days: 20}"}),
        19,
        "stages.selected",
        "exactly one of business_days or days",
    ),
    case("zero-report-interval", programme({22: "  every_months: 0"}), 22, "reports.every_months", "greater than 0"),
    case(
        "duplicate-objective",
        programme({16: "  - key: kickoff_attended"}),
        16,
        "onboarding.1.key",
        "objective 'kickoff_attended' is listed twice",
    ),
    case(
        "duplicate-yaml-key",
        programme({21: "timezone: Europe/Paris\nreports:"}),
        21,
        "timezone",
        "this key appears twice",
    ),
    case("yaml-syntax-error", programme({2: "name: African: Smart Towns"}), 2, None, "not valid YAML"),
    case("yaml-tab-indent", programme({22: "\tevery_months: 3"}), 22, None, "not valid YAML"),
    case(
        "html-in-name",
        programme({2: 'name: "<script>alert(1)</script>"'}),
        2,
        "name",
        "markup or control characters",
    ),
    case(
        "html-in-label",
        programme({17: "    label: {en: <b>Visit</b>, fr: Visite}"}),
        17,
        "onboarding.1.label.en",
        "markup or control characters",
    ),
    case(
        "nul-in-label",
        programme({15: '    label: {en: "Kick\\0off", fr: Lancement}'}),
        15,
        "onboarding.0.label.en",
        "markup or control characters",
    ),
    case("name-too-long", programme({2: f"name: {LONG}"}), 2, "name", "at most 200 characters"),
    case(
        "latin-1-bytes",
        programme({15: "    label: {en: Kick-off attended, fr: Lancement à Bamako}"}).encode("latin-1"),
        15,
        None,
        "not UTF-8",
    ),
    case("empty-file", b"", None, None, "expected a mapping of programme settings"),
    case("not-a-mapping", "- code: ASTON\n- name: A list\n", 1, None, "expected a mapping of programme settings"),
]


def test_the_good_programme_file_is_accepted(with_programme: sessionmaker[Session], tmp_path: Path) -> None:
    """The base every bad case is made from is itself good: each bad case fails for its one defect only."""
    path = write(tmp_path, "programme.yaml", programme())
    assert load(with_programme, path, at=LATER) == ("ASTON", 2, True)


@pytest.mark.parametrize(("content", "line", "field", "says"), BAD_PROGRAMMES)
def test_a_bad_programme_file_is_refused_whole(
    with_programme: sessionmaker[Session],
    tmp_path: Path,
    content: str | bytes,
    line: int | None,
    field: str | None,
    says: str,
) -> None:
    path = write(tmp_path, "programme.yaml", content)
    exc = refused_whole(
        with_programme,
        (Programme, ProgrammeVersion),
        lambda: load(with_programme, path, at=LATER),
    )
    assert_located(exc, path, line, field, says)


def test_a_programme_file_with_bom_and_crlf_is_accepted(with_programme: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "programme.yaml", b"\xef\xbb\xbf" + programme().replace("\n", "\r\n").encode())
    assert load(with_programme, path, at=LATER) == ("ASTON", 2, True)
    with with_programme() as s:
        assert s.scalar(select(Programme.name)) == "African Smart Towns Network, second edition"


def test_a_lower_case_currency_is_kept_as_its_code(with_programme: sessionmaker[Session], tmp_path: Path) -> None:
    """Grants are checked against 'EUR': a ceiling written 'eur' must still be the EUR ceiling."""
    path = write(tmp_path, "programme.yaml", programme({7: '    - {amount: "50000", currency: eur}'}))
    load(with_programme, path, at=LATER)
    with with_programme() as s:
        definition = s.scalar(select(ProgrammeVersion.definition).where(ProgrammeVersion.number == 2))
    assert definition is not None
    assert [c["currency"] for c in definition["grant"]["ceilings"]] == ["EUR", "XOF"]


def test_a_missing_programme_file_is_refused(with_programme: sessionmaker[Session], tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    exc = refused_whole(with_programme, (Programme, ProgrammeVersion), lambda: load(with_programme, path, at=LATER))
    assert_located(exc, path, None, None, "no such file")


# --- cities (CSV) ---------------------------------------------------------------------------------------

CITIES_HEADER = "code,name,country,timezone,languages\n"
BKO = "BKO,Bamako (district),ML,Africa/Bamako,fr\n"  # an update to a city already loaded
DKR = "DKR,Dakar,SN,Africa/Dakar,fr;en\n"  # a new city


def cities(*lines: str) -> str:
    """A cities file: the header, then the given lines (each ending in a newline)."""
    return CITIES_HEADER + "".join(lines)


ALL_LANGUAGES = "fr;en;pt;ar;es;de;it;nl;sv;da;fi;no;pl;cs;sk;hu;ro;bg;el;tr;ru;uk"  # 22 codes: 65 characters stored

BAD_CITIES = [
    case(
        "missing-column",
        "code,name,country,languages\nBKO,Bamako,ML,fr\n",
        1,
        "timezone",
        "missing column",
    ),
    case(
        "unknown-column-typo",
        "code,name,contry,timezone,languages\n" + BKO,
        1,
        "contry",
        "unknown column; columns are code, name, country, timezone, languages",
    ),
    case(
        "column-twice",
        "code,name,country,timezone,languages,name\nBKO,Bamako,ML,Africa/Bamako,fr,Bamako\n",
        1,
        "name",
        "appears twice",
    ),
    case("unknown-country", cities(BKO, "DKR,Dakar,XX,Africa/Dakar,fr\n"), 3, "country", "'XX' is not an ISO 3166"),
    case("bad-timezone", cities(BKO, "DKR,Dakar,SN,Africa/Dakkar,fr\n"), 3, "timezone", "not an IANA time zone"),
    case("bad-city-code", cities(BKO, "D K,Dakar,SN,Africa/Dakar,fr\n"), 3, "code", "'D K' is not a city code"),
    case(
        "city-code-too-long",
        cities(BKO, "DAKARSENEGALWEST1,Dakar,SN,Africa/Dakar,fr\n"),
        3,
        "code",
        "is not a city code",
    ),
    case(
        "duplicate-code",
        cities(BKO, DKR, "bko,Bamako again,ML,Africa/Bamako,fr\n"),
        4,
        "code",
        "'BKO' is already used on line 2",
    ),
    case("bad-language", cities(BKO, "DKR,Dakar,SN,Africa/Dakar,fr;xx\n"), 3, "languages", "'xx' is not an ISO 639-1"),
    case("no-language", cities(BKO, "DKR,Dakar,SN,Africa/Dakar,\n"), 3, "languages", "is empty"),
    case(
        "too-many-languages",
        cities(BKO, f"DKR,Dakar,SN,Africa/Dakar,{ALL_LANGUAGES}\n"),
        3,
        "languages",
        "too many languages",
    ),
    case("empty-name", cities(BKO, "DKR,,SN,Africa/Dakar,fr\n"), 3, "name", "is empty"),
    case(
        "html-in-name",
        cities(BKO, "DKR,<script>alert(1)</script>,SN,Africa/Dakar,fr\n"),
        3,
        "name",
        "markup or control characters",
    ),
    case("nul-in-name", cities(BKO, "DKR,Da\x00kar,SN,Africa/Dakar,fr\n"), 3, "name", "control characters"),
    case(
        "name-too-long",
        cities(BKO, f"DKR,{LONG},SN,Africa/Dakar,fr\n"),
        3,
        "name",
        "is 201 characters long; at most 200",
    ),
    case(
        "latin-1-bytes",
        cities(BKO, "SMP,Sèmè-Podji,BJ,Africa/Porto-Novo,fr\n").encode("latin-1"),
        3,
        "name",
        "not UTF-8",
    ),
    case(
        "bom-latin-1-bytes-at-line-start",
        b"\xef\xbb\xbf" + cities(BKO, "\nÉLN,Elne,FR,Europe/Paris,fr\n").encode("latin-1"),
        4,
        "code",
        "not UTF-8",
    ),
    case("too-few-values", cities(BKO, "DKR,Dakar,SN,Africa/Dakar\n"), 3, None, "has 4 values, the header has 5"),
    case("too-many-values", cities(BKO, "DKR,Dakar,SN,Africa/Dakar,fr,en\n"), 3, None, "has 6 values"),
    case("unclosed-quote", cities(BKO, 'DKR,"Dakar,SN,Africa/Dakar,fr\n', BKO), 3, None, "quote"),
    case(
        "bom-crlf-error-on-line-3",
        b"\xef\xbb\xbf" + cities(BKO, "DKR,Dakar,SN,Africa/Dakkar,fr\n").replace("\n", "\r\n").encode(),
        3,
        "timezone",
        "not an IANA time zone",
    ),
    case(
        "blank-lines-keep-physical-numbers",
        cities("\n", BKO, "\n", "  \n", "DKR,Dakar,SN,Africa/Dakkar,fr\n"),
        6,
        "timezone",
        "not an IANA time zone",
    ),
    case(
        "blank-line-before-header",
        "\n" + cities(BKO, "DKR,Dakar,XX,Africa/Dakar,fr\n"),
        4,
        "country",
        "not an ISO 3166",
    ),
    case(
        "multi-line-field",
        cities('BKO,"Bamako\nville",ML,Africa/Bamako,fr\n', "DKR,Dakar,XX,Africa/Dakar,fr\n"),
        2,
        "name",
        "control characters",
    ),
    case(
        "row-after-multi-line-field",
        cities('BKO,"Bamako\nville",ML,Africa/Bamako,fr\n', "DKR,Dakar,XX,Africa/Dakar,fr\n"),
        4,
        "country",
        "not an ISO 3166",
    ),
    case("empty-file", b"", None, None, "the file is empty"),
    case("blank-file", b"\xef\xbb\xbf \r\n\r\n", None, None, "the file is empty"),
    case("header-only", CITIES_HEADER, None, None, "has a header but no rows"),
]


def test_the_good_cities_file_is_accepted(with_cities: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "cities.csv", cities(BKO, DKR))
    assert import_cities(with_cities, path, at=LATER) == (1, 1)


@pytest.mark.parametrize(("content", "line", "field", "says"), BAD_CITIES)
def test_a_bad_cities_file_is_refused_whole(
    with_cities: sessionmaker[Session],
    tmp_path: Path,
    content: str | bytes,
    line: int | None,
    field: str | None,
    says: str,
) -> None:
    path = write(tmp_path, "cities.csv", content)
    exc = refused_whole(
        with_cities,
        (City, AuditEvent, OutboxMessage),
        lambda: import_cities(with_cities, path, at=LATER),
    )
    assert_located(exc, path, line, field, says)


def test_cities_need_a_programme(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "cities.csv", cities(DKR))
    exc = refused_whole(sessions, (City, AuditEvent, OutboxMessage), lambda: import_cities(sessions, path, at=AT))
    assert_located(exc, path, None, None, "load a programme first")


def test_cities_with_bom_crlf_and_accents_are_accepted(with_programme: sessionmaker[Session], tmp_path: Path) -> None:
    content = cities("SMP,Sèmè-Podji,BJ,Africa/Porto-Novo,fr\n", "\n", DKR)
    path = write(tmp_path, "cities.csv", b"\xef\xbb\xbf" + content.replace("\n", "\r\n").encode())
    assert import_cities(with_programme, path, at=AT) == (2, 0)
    with with_programme() as s:
        stored = {c.code: (c.name, c.country, c.timezone, c.languages) for c in s.scalars(select(City))}
    assert stored == {
        "SMP": ("Sèmè-Podji", "BJ", "Africa/Porto-Novo", "fr"),
        "DKR": ("Dakar", "SN", "Africa/Dakar", "fr,en"),
    }


def test_the_sample_cities_keep_their_accents(with_cities: sessionmaker[Session]) -> None:
    with with_cities() as s:
        assert s.scalar(select(City.name).where(City.code == "SMP")) == "Sèmè-Podji"


def test_reimporting_cities_updates_without_new_events(with_cities: sessionmaker[Session]) -> None:
    before = counts(with_cities, City, AuditEvent, OutboxMessage)
    assert import_cities(with_cities, EXAMPLES / "cities.csv", at=LATER) == (0, 12)
    assert counts(with_cities, City, AuditEvent, OutboxMessage) == before


# --- people (CSV) ---------------------------------------------------------------------------------------

PEOPLE_HEADER = "email,name,language,roles\n"
CLAIRE = (
    "claire.martin@aston.example.org,Claire Martin-Dupont,fr,secretariat;city_member@BKO\n"  # renamed, one role more
)
NEW = "new.person@example.org,New Person,en,city_member@KGL\n"  # someone new


def people(*lines: str) -> str:
    """A people file: the header, then the given lines (each ending in a newline)."""
    return PEOPLE_HEADER + "".join(lines)


BAD_PEOPLE = [
    case("missing-column", "mail,name,language,roles\n" + CLAIRE, 1, "email", "missing column"),
    case(
        "unknown-column-typo",
        "email,name,langauge,roles\n" + CLAIRE,
        1,
        "langauge",
        "unknown column; columns are email, name, language, roles",
    ),
    case("column-twice", "email,name,roles,roles\n" + "a@example.org,A,coach@BKO,mayor@BKO\n", 1, "roles", "twice"),
    case("bad-email", people(CLAIRE, "new.person.example.org,New Person,en,\n"), 3, "email", "not an email address"),
    case("empty-email", people(CLAIRE, ",New Person,en,\n"), 3, "email", "not an email address"),
    case(
        "email-too-long",
        people(CLAIRE, f"{'a' * 250}@example.org,New Person,en,\n"),
        3,
        "email",
        "not an email address",
    ),
    case("nul-in-email", people(CLAIRE, "new\x00person@example.org,New Person,en,\n"), 3, "email", "control"),
    case(
        "duplicate-email",
        people(CLAIRE, NEW, "Claire.Martin@Aston.example.org,Claire,fr,finance\n"),
        4,
        "email",
        "claire.martin@aston.example.org is already on line 2",
    ),
    case("unknown-role", people(CLAIRE, "new.person@example.org,New,en,boss\n"), 3, "roles", "'boss' is not a role"),
    case(
        "coach-without-city",
        people(CLAIRE, "new.person@example.org,New,en,coach\n"),
        3,
        "roles",
        "coach is held for a city; write coach@CITYCODE",
    ),
    case(
        "network-role-with-city",
        people(CLAIRE, "new.person@example.org,New,en,secretariat@BKO\n"),
        3,
        "roles",
        "secretariat is network-wide; write it without '@BKO'",
    ),
    case(
        "role-for-unknown-city",
        people(CLAIRE, "new.person@example.org,New,en,coach@BKO;coach@XYZ\n"),
        3,
        "roles",
        "no city with code 'XYZ'",
    ),
    case("bad-language", people(CLAIRE, "new.person@example.org,New,xx,\n"), 3, "language", "'xx' is not an ISO 639-1"),
    case(
        "three-letter-language",
        people(CLAIRE, "new.person@example.org,New,fra,\n"),
        3,
        "language",
        "'fra' is not an ISO 639-1",
    ),
    case("empty-name", people(CLAIRE, "new.person@example.org,,en,\n"), 3, "name", "is empty"),
    case(
        "html-in-name",
        people(CLAIRE, "new.person@example.org,<script>alert(1)</script>,en,\n"),
        3,
        "name",
        "markup or control characters",
    ),
    case(
        "name-too-long",
        people(CLAIRE, f"new.person@example.org,{LONG},en,\n"),
        3,
        "name",
        "is 201 characters long; at most 200",
    ),
    case(
        "latin-1-bytes",
        people(CLAIRE, "ines.diallo@aston.example.org,Inès Diallo,fr,finance\n").encode("latin-1"),
        3,
        "name",
        "not UTF-8",
    ),
    case(
        "too-few-values", people(CLAIRE, "new.person@example.org,New,en\n"), 3, None, "has 3 values, the header has 4"
    ),
    case("too-many-values", people(CLAIRE, "new.person@example.org,New,en,coach@BKO,x\n"), 3, None, "has 5 values"),
    case(
        "bom-crlf-error-on-line-3",
        b"\xef\xbb\xbf" + people(CLAIRE, "new.person@example.org,New,en,coach\n").replace("\n", "\r\n").encode(),
        3,
        "roles",
        "coach is held for a city",
    ),
    case(
        "blank-lines-keep-physical-numbers",
        people("\n", CLAIRE, "\r\n", ",,,\n", "new.person@example.org,New,en,boss\n"),
        6,
        "roles",
        "'boss' is not a role",
    ),
    case(
        "multi-line-name",
        people('new.person@example.org,"New\nPerson",en,\n', "other@example.org,Other,en,boss\n"),
        2,
        "name",
        "control characters",
    ),
    case(
        "row-after-multi-line-name",
        people('new.person@example.org,"New\nPerson",en,\n', "other@example.org,Other,en,boss\n"),
        4,
        "roles",
        "'boss' is not a role",
    ),
    case("empty-file", b"", None, None, "the file is empty"),
    case("header-only", PEOPLE_HEADER, None, None, "has a header but no rows"),
    case("header-and-blank-lines", PEOPLE_HEADER + "\n\n,,,\n", None, None, "has a header but no rows"),
]


def test_the_good_people_file_is_accepted(with_people: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", people(CLAIRE, NEW))
    assert import_people(with_people, path, at=LATER) == (1, 1)


@pytest.mark.parametrize(("content", "line", "field", "says"), BAD_PEOPLE)
def test_a_bad_people_file_is_refused_whole(
    with_people: sessionmaker[Session],
    tmp_path: Path,
    content: str | bytes,
    line: int | None,
    field: str | None,
    says: str,
) -> None:
    path = write(tmp_path, "people.csv", content)
    exc = refused_whole(
        with_people,
        (Person, RoleAssignment),
        lambda: import_people(with_people, path, at=LATER),
    )
    assert_located(exc, path, line, field, says)


def test_people_with_bom_crlf_and_accents_are_accepted(with_cities: sessionmaker[Session], tmp_path: Path) -> None:
    content = people(
        "ines.diallo@aston.example.org,Inès Diallo,fr,finance\n",
        "\n",
        "Koffi.Agbo@SemePodji.example.org,Koffi Agbo,fr,city_lead@SMP;coach@smp\n",
    )
    path = write(tmp_path, "people.csv", b"\xef\xbb\xbf" + content.replace("\n", "\r\n").encode())
    assert import_people(with_cities, path, at=AT) == (2, 0)
    with with_cities() as s:
        stored = {p.email: (p.name, p.language) for p in s.scalars(select(Person))}
        held = set(
            s.execute(
                select(Person.email, RoleAssignment.role, City.code)
                .join(Person, Person.id == RoleAssignment.person_id)
                .outerjoin(City, City.id == RoleAssignment.city_id)
            )
        )
    assert stored == {
        "ines.diallo@aston.example.org": ("Inès Diallo", "fr"),
        "koffi.agbo@semepodji.example.org": ("Koffi Agbo", "fr"),
    }
    assert held == {
        ("ines.diallo@aston.example.org", "finance", None),
        ("koffi.agbo@semepodji.example.org", "city_lead", "SMP"),
        ("koffi.agbo@semepodji.example.org", "coach", "SMP"),
    }


def test_reimporting_people_adds_no_duplicate_roles(with_people: sessionmaker[Session]) -> None:
    before = rows(with_people, Person, RoleAssignment)
    assert import_people(with_people, EXAMPLES / "people.csv", at=LATER) == (0, 35)
    assert rows(with_people, Person, RoleAssignment) == before


def test_a_role_listed_twice_is_held_once(with_cities: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", people("a@example.org,A,fr,coach@BKO;Coach@bko;secretariat;secretariat\n"))
    import_people(with_cities, path, at=AT)
    assert counts(with_cities, RoleAssignment) == {"role_assignments": 2}


def test_the_sample_people_keep_their_accents(with_people: sessionmaker[Session]) -> None:
    with with_people() as s:
        names = set(s.scalars(select(Person.name)))
    assert {"Inès Diallo", "Maire de Sèmè-Podji", "Leïla Ben Ali", "Président du conseil de Benguerir"} <= names


def test_a_second_coach_for_a_city_is_refused(sessions: sessionmaker[Session], tmp_path: Path) -> None:
    load(sessions, EXAMPLES / "programme.yaml", at=AT)
    import_cities(sessions, EXAMPLES / "cities.csv", at=AT)
    import_people(sessions, EXAMPLES / "people.csv", at=AT)
    bad = tmp_path / "more.csv"
    bad.write_text("email,name,roles\nnew.coach@example.org,New Coach,coach@KLA;coach@STL\n", encoding="utf-8")
    with pytest.raises(BadInput) as refused:
        import_people(sessions, bad, at=AT)
    assert [str(p) for p in refused.value.problems] == [
        f"{bad}, line 2, field 'roles': KLA already has a coach (grace.nakato@coach.example.org); one coach per city"
    ]


def test_a_city_of_another_programme_is_not_renamed(with_cities: sessionmaker[Session], tmp_path: Path) -> None:
    other = (EXAMPLES / "programme.yaml").read_text(encoding="utf-8").replace("code: ASTON", "code: OTHER")
    load(with_cities, write(tmp_path, "other.yaml", other), at=LATER)
    path = write(tmp_path, "cities.csv", "code,name,country,timezone,languages\nBKO,Not Bamako,ML,Africa/Bamako,fr\n")
    with pytest.raises(BadInput) as refused:
        import_cities(with_cities, path, at=LATER, programme="OTHER")
    assert [str(p) for p in refused.value.problems] == [
        f"{path}, line 2, field 'code': BKO already belongs to another programme; city codes are unique"
    ]
    with with_cities() as s:
        assert s.scalar(select(City.name).where(City.code == "BKO")) == "Bamako"


def test_a_people_file_without_languages_keeps_what_is_known(
    with_people: sessionmaker[Session], tmp_path: Path
) -> None:
    path = write(tmp_path, "people.csv", "email,name\nines.diallo@aston.example.org,Inès Diallo\n")
    assert import_people(with_people, path, at=LATER) == (0, 1)
    with with_people() as s:
        assert s.scalar(select(Person.language).where(Person.email == "ines.diallo@aston.example.org")) == "fr"


# --- large files ----------------------------------------------------------------------------------------

SAMPLE_CITIES = ("BKO", "BEN", "BIZ", "KLA", "KGL", "KMS", "LOS", "MTL", "NIM", "NKC", "SMP", "STL")


def many_people(count: int, name: str = "Person") -> str:
    """count people: the first twelve coach a sample city each, every tenth other is finance, the rest members."""
    lines = []
    for i in range(count):
        code = SAMPLE_CITIES[i % len(SAMPLE_CITIES)]
        roles = f"coach@{code}" if i < len(SAMPLE_CITIES) else "finance" if i % 10 == 0 else f"city_member@{code}"
        lines.append(f"p{i}@many.example.org,{name} {i},{('fr', 'en')[i % 2]},{roles}\n")
    return people(*lines)


def test_five_thousand_people_are_imported_with_their_roles(with_cities: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", many_people(5000))
    assert import_people(with_cities, path, at=AT) == (5000, 0)
    held = (
        select(RoleAssignment.role, func.count())
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(Person.email.like("%@many.example.org"))
        .group_by(RoleAssignment.role)
    )
    with with_cities() as s:
        by_role = {role: n for role, n in s.execute(held)}
        coached = s.execute(
            select(AuditEvent.trigger, func.count()).where(AuditEvent.trigger == "assign_coach").group_by("trigger")
        ).all()
        assert s.scalar(select(Person.name).where(Person.email == "p4999@many.example.org")) == "Person 4999"
    assert by_role == {"coach": 12, "finance": 498, "city_member": 5000 - 12 - 498}
    assert coached == [("assign_coach", 12)]  # each coach through the door, audited
    again = write(tmp_path, "again.csv", many_people(5000, name="Renamed"))
    assert import_people(with_cities, again, at=LATER) == (0, 5000)
    with with_cities() as s:
        assert s.scalar(select(func.count()).select_from(RoleAssignment)) == 5000  # no role twice
        assert s.scalar(select(Person.name).where(Person.email == "p2500@many.example.org")) == "Renamed 2500"


def test_a_defect_on_the_last_of_five_thousand_lines_refuses_them_all(
    with_cities: sessionmaker[Session], tmp_path: Path
) -> None:
    content = many_people(4999) + "not-an-email,Last Person,fr,city_member@BKO\n"
    path = write(tmp_path, "people.csv", content)
    exc = refused_whole(
        with_cities,
        (Person, RoleAssignment, AuditEvent, OutboxMessage),
        lambda: import_people(with_cities, path, at=AT),
    )
    assert len(exc.problems) == 1
    assert_located(exc, path, 5001, "email", "")


def test_an_oversized_file_is_refused_before_it_is_read(with_cities: sessionmaker[Session], tmp_path: Path) -> None:
    path = write(tmp_path, "people.csv", people(NEW))
    with path.open("r+b") as f:
        f.truncate(60_000_000)  # 60 MB (sparse): refused on its size alone
    exc = refused_whole(
        with_cities,
        (Person, RoleAssignment, AuditEvent, OutboxMessage),
        lambda: import_people(with_cities, path, at=AT),
    )
    assert shown(exc) == [f"{path}: is 60 MB; an import takes at most 50 MB and 100,000 rows: split the file"]
