"""The sample events: the three reference events from the seeds, moved into the future.

A fresh installation shows these when its database is empty, so that every path of the product
(online with access data, hybrid with two seat pools and extra questions, in person with a
deadline) can be tried at once. They are published, flagged ``is_sample`` and say in their
description that they are samples whose registrations are test data.

How the dates move
------------------
All wall-clock arithmetic happens in Europe/Berlin local time (naive local datetimes shifted by
whole days, then localised with :mod:`zoneinfo` and converted to UTC), so a change between summer
and winter time never moves an event's hour.

1. The earliest original event (the online discussion round) goes to the first day with its
   original weekday whose original start time lies at least :data:`LEAD` (14 days) after ``now``.
2. Each later event goes to the first day with *its* original weekday that comes after the day
   the previous sample starts on. The three thus keep their original order, never share a day and
   all lie within about a month, with registration open.
3. Each event keeps its local start time and its duration; its deadline keeps its local distance
   to the start (new deadline = new start − (original start − original deadline), in local time),
   so "23:59 on the Wednesday a week before" stays exactly that.

All datetimes are timezone-aware UTC; :attr:`Event.timezone` is ``"Europe/Berlin"``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from app.db.database import Database, is_unique_violation
from app.domain.model import (
    Event,
    EventFormat,
    EventStatus,
    OnlineAccess,
    Person,
    PersonRole,
    ProgrammeItem,
    Question,
    QuestionKind,
    Seats,
)
from app.services import events as event_service

TIMEZONE = "Europe/Berlin"
BERLIN = ZoneInfo(TIMEZONE)

#: How far after ``now`` the earliest sample starts at the least.
LEAD = dt.timedelta(days=14)

#: A reserved example domain: a demo with SMTP configured must not write to a real person.
CONTACT_EMAIL = "netzwerkstelle@example.org"

FUNDING_NOTE = (
    "Diese Veranstaltung wird durch das von der Staatskanzlei Nordrhein-Westfalen geförderte "
    "„Reallabor Kommunaler Aufbaupartnerschaften NRW – Ukraine“ der Netzwerkstelle "
    "Städtepartnerschaften der Auslandsgesellschaft.de e.V. durchgeführt."
)

#: Obviously fake access data on a reserved domain; the real meeting's data is never used.
PLACEHOLDER_ACCESS = OnlineAccess(
    join_url="https://zoom.example.invalid/j/00000000000?pwd=beispiel",
    meeting_id="000 0000 0000",
    passcode="000000",
)

TITLE_ONLINE = "Kommunale Partnerschaften mit der Ukraine – aber wie genau?"
TITLE_KICKOFF = "Auftaktveranstaltung Reallabor Kommunaler Aufbaupartnerschaften NRW – Ukraine"
TITLE_CONFERENCE = "Landkreise als internationale Akteure vor dem Hintergrund der Ukraine-Hilfe"


def _sample_note(original_day: str) -> str:
    return (
        f"*Beispielveranstaltung aus dem Archiv der Netzwerkstelle (ursprünglich am "
        f"{original_day}) – Anmeldungen sind Testdaten.*"
    )


def _local(year: int, month: int, day: int, hour: int, minute: int) -> dt.datetime:
    """A naive Europe/Berlin wall-clock time."""
    return dt.datetime.combine(dt.date(year, month, day), dt.time(hour, minute))


@dataclass(frozen=True, slots=True)
class Original:
    """When a reference event originally took place, as local Europe/Berlin wall-clock times."""

    starts: dt.datetime
    ends: dt.datetime
    deadline: dt.datetime


# Fr 25.11.2022, 12:30–13:30; registration open until the start.
_ONLINE = Original(
    starts=_local(2022, 11, 25, 12, 30),
    ends=_local(2022, 11, 25, 13, 30),
    deadline=_local(2022, 11, 25, 12, 30),
)
# Mi 29.03.2023; the seeds name no time: 10:00–15:00, registration until 23:59 a week before.
_KICKOFF = Original(
    starts=_local(2023, 3, 29, 10, 0),
    ends=_local(2023, 3, 29, 15, 0),
    deadline=_local(2023, 3, 22, 23, 59),
)
# Mi 22.11.2023, 10:00–14:00; registration until Mi 15.11.2023 (end of the day).
_CONFERENCE = Original(
    starts=_local(2023, 11, 22, 10, 0),
    ends=_local(2023, 11, 22, 14, 0),
    deadline=_local(2023, 11, 15, 23, 59),
)

#: The originals in their order in time (the order :func:`sample_events` returns them in).
ORIGINALS: tuple[Original, ...] = (_ONLINE, _KICKOFF, _CONFERENCE)


@dataclass(frozen=True, slots=True)
class Schedule:
    """Where one sample lands: start, end and registration deadline, aware UTC."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    closes_at: dt.datetime


def _utc(local: dt.datetime) -> dt.datetime:
    """A naive Europe/Berlin wall-clock time as an aware UTC datetime."""
    return local.replace(tzinfo=BERLIN).astimezone(dt.UTC)


def _moved(original: Original, day: dt.date) -> Schedule:
    """``original`` on ``day`` at its local times, deadline at the same local distance."""
    starts = dt.datetime.combine(day, original.starts.time())
    return Schedule(
        starts_at=_utc(starts),
        ends_at=_utc(starts + (original.ends - original.starts)),
        closes_at=_utc(starts - (original.starts - original.deadline)),
    )


def _first_day(weekday: int, after: dt.date) -> dt.date:
    """The first day strictly after ``after`` that falls on ``weekday``."""
    return after + dt.timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def sample_dates(now: dt.datetime) -> list[Schedule]:
    """Where the originals move for ``now``, following the rule in the module docstring."""
    earliest = (now + LEAD).astimezone(BERLIN).replace(tzinfo=None)
    first = ORIGINALS[0]
    day = _first_day(first.starts.weekday(), earliest.date() - dt.timedelta(days=1))
    if dt.datetime.combine(day, first.starts.time()) < earliest:
        day += dt.timedelta(days=7)
    moved = [_moved(first, day)]
    for original in ORIGINALS[1:]:
        day = _first_day(original.starts.weekday(), day)
        moved.append(_moved(original, day))
    return moved


def _online_event(when: Schedule) -> Event:
    description = "\n\n".join(
        [
            _sample_note("25. November 2022"),
            "Gemeinsam mit der Stadt Dortmund lädt die Netzwerkstelle Städtepartnerschaften NRW "
            "zu einer Online-Diskussionsrunde über die Ausgestaltung von deutsch-ukrainischen "
            "Städtepartnerschaften ein.",
            "Über 100 deutsch-ukrainische Kommunal-Partnerschaften zeigen, welche bedeutende "
            "Rolle Städte in der politischen Gestaltung in der globalen Welt eingenommen haben. "
            "Der völkerrechtswidrige Krieg Russlands in der Ukraine hat für einen Schub an "
            "Unterstützung deutscher Städte gesorgt, vor Ort, aber auch in ukrainischen "
            "Kommunen. Das konkrete Handeln der Kommunen gibt der Idee von „Städte-Diplomatie“ "
            "(„*urban diplomacy*“) Kontur und Inhalt. Einige Fragen sind dabei jedoch noch offen.",
            "Deutsche Stadtverwaltungen sind seitens der Politik zunehmend beauftragt, "
            "Partnerschaften mit ukrainischen Kommunen einzugehen – zum einen, um Solidarität zu "
            "zeigen, zum anderen, um konkret beim Wiederaufbau zu helfen. Dabei ist die Situation "
            "der ukrainischen Kommunen sehr unterschiedlich, und die Lage weiterhin dynamisch. "
            "Zusätzlich zu den bisherigen kommunalen Aufgaben müssen die Herausforderungen des "
            "Kriegs wie Besetzung, Zerstörung, die Versorgung von Binnenflüchtlingen bewältigt "
            "werden.",
            "**Welche Unterstützung können deutsche Kommunen vor diesem Hintergrund leisten – "
            "kurzfristig, aber auch mittel- und langfristig?** Die Frage nach der Unterstützung "
            "beim Wiederaufbau und auch die grundsätzliche Perspektive muss nun konkret "
            "beantwortet werden.",
            "Diese Auftaktveranstaltung lädt Städte und Kommunen ein, sich kontinuierlich mit den "
            "deutsch-ukrainischen Kommunalpartnerschaften zu beschäftigen. Weitere "
            "Veranstaltungen folgen.",
            "Die Zugangsdaten zum Zoom-Meeting erhalten Sie nach Ihrer Anmeldung.",
        ]
    )
    return Event(
        id=0,
        slug="beispiel-kommunale-partnerschaften-mit-der-ukraine-aber-wie-genau",
        title=TITLE_ONLINE,
        teaser=(
            "Online-Diskussionsrunde mit Anka Feldhusen, Iryna Shum und Martin van der Pütten: "
            "Welche Unterstützung können deutsche Kommunen ihren ukrainischen Partnern leisten – "
            "kurzfristig, aber auch mittel- und langfristig?"
        ),
        description=description,
        format=EventFormat.ONLINE,
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        timezone=TIMEZONE,
        status=EventStatus.PUBLISHED,
        in_person_seats=Seats(None, 0),
        online_seats=Seats(100, 0),
        waitlist_enabled=True,
        registration_closes_at=when.closes_at,
        venue_name="Zoom",
        online_access=PLACEHOLDER_ACCESS,
        programme=(
            ProgrammeItem(
                title="Gesprächsrunde „Kommunale Partnerschaften mit der Ukraine – "
                "aber wie genau?“",
                time="12:30",
                detail="Anka Feldhusen, Iryna Shum und Martin van der Pütten, "
                "moderiert von Wolfram Kuschke",
            ),
            ProgrammeItem(
                title="Beantwortung von Fragen und Diskussion der Teilnehmenden",
            ),
            ProgrammeItem(title="Ende der Veranstaltung", time="13:30"),
        ),
        people=(
            Person("Anka Feldhusen", "Botschafterin der Bundesrepublik Deutschland in der Ukraine"),
            Person("Iryna Shum", "Generalkonsulin der Ukraine in Nordrhein-Westfalen"),
            Person("Martin van der Pütten", "Leiter Internationale Beziehungen der Stadt Dortmund"),
            Person(
                "Wolfram Kuschke",
                "Staatsminister a.D. und Kuratoriumsvorsitzender der Auslandsgesellschaft.de e.V.",
                PersonRole.MODERATION,
            ),
        ),
        contact_email=CONTACT_EMAIL,
        tags=("Ukraine", "Städtepartnerschaften", "Online"),
        is_sample=True,
    )


def _kickoff_event(when: Schedule) -> Event:
    description = "\n\n".join(
        [
            _sample_note("29. März 2023"),
            "Mit dieser Veranstaltung startet das „Reallabor Kommunaler Aufbaupartnerschaften "
            "NRW – Ukraine“ der Netzwerkstelle Städtepartnerschaften NRW.",
            "Der Angriffskrieg Russlands auf die Ukraine hat diese in den Mittelpunkt weltweiter "
            "Aufmerksamkeit gerückt. Der unmittelbare Bedarf an humanitärer Hilfe – "
            "Hilfsgütertransporte, Aufnahme und Versorgung von Geflüchteten – hat viele Städte "
            "und Gemeinden in Deutschland zu Solidaritäts- und Unterstützungsaktionen veranlasst.",
            "Insbesondere die Kommunen mit Städtepartnerschaften mit der Ukraine können aufgrund "
            "bereits existierender Strukturen besonders effektiv Hilfe leisten: Man kennt sich, "
            "belastbare Netzwerke und Vertrauen zwischen den handelnden Akteuren gibt es bereits, "
            "Verkehrs- und Transportwege sind bekannt. Dies gilt ebenso für die zahlreichen "
            "Partnerschaften, die deutsche Kommunen mit Nachbarländern der Ukraine wie Polen, "
            "Rumänien, Ungarn, Slowakei und Moldau unterhalten. Sie können als Zwischenstationen "
            "für Hilfslieferungen oder Geflüchtete dienen, als Brücken der Verständigung zwischen "
            "ukrainischen und deutschen Kommunen.",
            "Im Reallabor wollen wir gemeinsam mit Ihnen zusammentragen und bündeln, welche "
            "Möglichkeiten Städtepartnerschaften und kommunale Initiativen in Nordrhein-Westfalen "
            "bei der Unterstützung der Ukraine bieten – als Beispiel guter Praxis und zur "
            "Vernetzung der Kommunen untereinander.",
            "Sie können vor Ort in Dortmund oder online teilnehmen.",
        ]
    )
    return Event(
        id=0,
        slug="beispiel-auftaktveranstaltung-reallabor-ukraine",
        title=TITLE_KICKOFF,
        teaser=(
            "Start des Reallabors: Wie können Städtepartnerschaften und kommunale Initiativen "
            "aus Nordrhein-Westfalen die Ukraine unterstützen – heute und beim Wiederaufbau?"
        ),
        description=description,
        format=EventFormat.HYBRID,
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        timezone=TIMEZONE,
        status=EventStatus.PUBLISHED,
        in_person_seats=Seats(40, 0),
        online_seats=Seats(150, 0),
        waitlist_enabled=True,
        registration_closes_at=when.closes_at,
        venue_name="Auslandsgesellschaft.de",
        venue_address="Steinstr. 48\n44147 Dortmund",
        online_access=PLACEHOLDER_ACCESS,
        programme=(
            ProgrammeItem(title="Ankommen und Begrüßung", time="10:00"),
            ProgrammeItem(
                title="Das Reallabor Kommunaler Aufbaupartnerschaften NRW – Ukraine",
                detail="Ziele, Angebote und Arbeitsweise der Netzwerkstelle Städtepartnerschaften",
            ),
            ProgrammeItem(
                title="Austausch: Unterstützung der Ukraine durch Kommunen in NRW",
                detail="Erfahrungen, Bedarfe und gute Praxisbeispiele",
            ),
            ProgrammeItem(title="Ausblick und Verabschiedung", time="15:00"),
        ),
        questions=(
            Question(
                key="verpflegung",
                label="Verpflegung (bei Teilnahme vor Ort)",
                kind=QuestionKind.CHOICE,
                required=True,
                options=("mit Fleisch", "vegetarisch", "vegan", "keine (Teilnahme online)"),
            ),
            Question(
                key="fotos",
                label="Fotos, auf denen ich zu sehen bin, dürfen veröffentlicht werden",
                kind=QuestionKind.YES_NO,
            ),
        ),
        contact_email=CONTACT_EMAIL,
        funding_note=FUNDING_NOTE,
        series="Reallabor",
        tags=("Ukraine", "Reallabor", "Städtepartnerschaften"),
        is_sample=True,
    )


def _conference_event(when: Schedule) -> Event:
    description = "\n\n".join(
        [
            _sample_note("22. November 2023"),
            "Viele Landkreise in Nordrhein-Westfalen sind schon lange erfolgreich auf dem "
            "internationalen Parkett engagiert. Andere werden gerade vor dem Hintergrund des "
            "fortdauernden Ukraine-Kriegs aktiv und stellen sich die Frage nach einer "
            "Kreispartnerschaft mit der Ukraine. Gleichzeitig waren und sind auch viele "
            "kreisangehörige Kommunen dabei, neue Partnerschaften mit der Ukraine abzuschließen.",
            "Gemeinsam mit Ihnen möchten wir uns dem Thema der internationalen Aktivität von "
            "Kreisen und ihren kreisangehörigen Kommunen widmen und dabei insbesondere auf das "
            "Zusammenspiel zwischen ihnen blicken. Die herausragende Unterstützung der Ukraine auf "
            "der Ebene von NRW-Kommunen und -kreisen bietet uns eine Gelegenheit, hier ganz "
            "konkret und praxisbezogen in den Austausch zu kommen.",
            "Wichtige Fragen dabei sind etwa die folgenden:\n\n"
            "- Kreispartnerschaften mit der Ukraine – wie schließe ich sie ab, wie steht es um "
            "die bestehenden Kreispartnerschaften, und wie geht es weiter?\n"
            "- Wie funktioniert die Zusammenarbeit mit den kreisangehörigen Kommunen und deren "
            "Partnerschaften? Was sind mögliche Synergieeffekte?\n"
            "- Wie kann eine Zusammenarbeit im Krieg funktionieren und wie können alle diese "
            "Partnerschaften zum Wiederaufbau der Ukraine beitragen?",
            "Wir freuen uns sehr auf Beiträge von Iryna Shum, Generalkonsulin der Ukraine in "
            "Düsseldorf, Staatsminister a.D. Wolfram Kuschke, Prof. Dr. Andreas Marchetti, "
            "Geschäftsführer von politglott und Honorarprofessor an der Universität Paderborn, "
            "Dr. Kai Pfundheller, Leiter des Instituts für Politische Bildung der "
            "Auslandsgesellschaft.de e.V. und der Netzwerkstelle Städtepartnerschaften, sowie auf "
            "Praxisbeispiele aus dem Kreis Coesfeld, vorgestellt von Marina Kallerhoff, und dem "
            "Kreis Lippe, vorgestellt von Sarah Laukamp.",
        ]
    )
    return Event(
        id=0,
        slug="beispiel-landkreise-als-internationale-akteure",
        title=TITLE_CONFERENCE,
        teaser=(
            "Konferenz zur internationalen Aktivität von Kreisen und ihren kreisangehörigen "
            "Kommunen – Kreispartnerschaften mit der Ukraine, Zusammenspiel und Wiederaufbau."
        ),
        description=description,
        format=EventFormat.IN_PERSON,
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        timezone=TIMEZONE,
        status=EventStatus.PUBLISHED,
        in_person_seats=Seats(60, 0),
        online_seats=Seats(None, 0),
        waitlist_enabled=True,
        registration_closes_at=when.closes_at,
        venue_name="Museum Haus Opherdicke",
        venue_address="Dorfstraße 29\n59439 Holzwickede",
        programme=(
            ProgrammeItem(title="Begrüßung", time="10:00"),
            ProgrammeItem(
                title="Beiträge",
                detail="Iryna Shum, Wolfram Kuschke, Prof. Dr. Andreas Marchetti und "
                "Dr. Kai Pfundheller",
            ),
            ProgrammeItem(
                title="Praxisbeispiele aus den Kreisen Coesfeld und Lippe",
                detail="vorgestellt von Marina Kallerhoff und Sarah Laukamp",
            ),
            ProgrammeItem(title="Austausch und Diskussion"),
            ProgrammeItem(title="Ende der Konferenz", time="14:00"),
        ),
        people=(
            Person("Iryna Shum", "Generalkonsulin der Ukraine in Düsseldorf"),
            Person("Wolfram Kuschke", "Staatsminister a.D."),
            Person(
                "Prof. Dr. Andreas Marchetti",
                "Geschäftsführer von politglott und Honorarprofessor an der Universität Paderborn",
            ),
            Person(
                "Dr. Kai Pfundheller",
                "Leiter des Instituts für Politische Bildung der Auslandsgesellschaft.de e.V. "
                "und der Netzwerkstelle Städtepartnerschaften",
            ),
            Person("Marina Kallerhoff", "Praxisbeispiel aus dem Kreis Coesfeld"),
            Person("Sarah Laukamp", "Praxisbeispiel aus dem Kreis Lippe"),
        ),
        contact_email=CONTACT_EMAIL,
        funding_note=FUNDING_NOTE,
        series="Reallabor",
        tags=("Ukraine", "Reallabor", "Landkreise", "Kreispartnerschaften"),
        is_sample=True,
    )


def sample_events(now: dt.datetime) -> list[Event]:
    """The three reference events, moved into the future relative to ``now``, oldest first."""
    online, kickoff, conference = sample_dates(now)
    return [_online_event(online), _kickoff_event(kickoff), _conference_event(conference)]


async def load_samples(db: Database, now: dt.datetime) -> int:
    """Create the sample events when the database has no events at all; how many were created.

    Count and inserts share one transaction. Processes starting side by side on one database
    therefore load the samples once: on SQLite the write lock taken at BEGIN serialises them; on
    PostgreSQL the loser trips over the unique slugs, rolls back and reports 0.
    """
    samples = sample_events(now)
    try:
        async with db.transaction():
            if await event_service.count_events() != 0:
                return 0
            for event in samples:
                await event_service.create_event(db, event)
    except Exception as error:
        if is_unique_violation(error) and await event_service.count_events() != 0:
            return 0  # another process loaded them first
        raise
    return len(samples)
