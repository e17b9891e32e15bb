"""The sample events: the three reference events from the seeds, moved into the future.

A fresh installation shows these when its database is empty, so that every path of the product
(online with access data, hybrid with two seat pools and extra questions, in person with a
deadline) can be tried at once. Their content is data, ``app/samples/events.toml`` (shipped in
the package); this module reads it, moves the dates and creates the events. They are published,
flagged ``is_sample`` and say in their description that they are samples whose registrations are
test data.

How the dates move
------------------
All wall-clock arithmetic happens in the file's time zone, Europe/Berlin (naive local datetimes
shifted by whole days, then localised with :mod:`zoneinfo` and converted to UTC), so a change
between summer and winter time never moves an event's hour.

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
import tomllib
from dataclasses import dataclass
from importlib import resources
from zoneinfo import ZoneInfo

import msgspec

from app.db.database import Database, is_unique_violation
from app.domain.event_rules import EventTranslations, translated_event
from app.domain.model import (
    Event,
    EventFormat,
    EventStatus,
    EventText,
    OnlineAccess,
    Person,
    PersonText,
    ProgrammeItem,
    ProgrammeText,
    Question,
    QuestionText,
    Seats,
)
from app.services import events as event_service

#: The sample events, package data (pyproject.toml ships it in the wheel).
SAMPLES_PACKAGE = "app"
SAMPLES_FILE = "samples/events.toml"

#: How far after ``now`` the earliest sample starts at the least.
LEAD = dt.timedelta(days=14)


class _Sample(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """One ``[[events]]`` entry of the file; times are the original's local wall-clock times."""

    slug: str
    title: str
    teaser: str
    format: EventFormat
    starts: dt.datetime
    ends: dt.datetime
    registration_closes: dt.datetime
    original_day: str
    description: tuple[str, ...]
    venue_name: str
    waitlist_enabled: bool
    online_access: bool
    funding_note: bool
    in_person_seats: int | None = None
    online_seats: int | None = None
    venue_address: str = ""
    series: str = ""
    tags: tuple[str, ...] = ()
    programme: tuple[ProgrammeItem, ...] = ()
    people: tuple[Person, ...] = ()
    questions: tuple[Question, ...] = ()


class _SampleFile(msgspec.Struct, forbid_unknown_fields=True, frozen=True):
    """The whole file: what every sample shares, and the samples in their order in time."""

    timezone: str
    contact_email: str
    sample_note: str
    funding_note: str
    online_access: OnlineAccess
    events: tuple[_Sample, ...]


def _samples() -> _SampleFile:
    """The file, read and checked (it is part of the installed package)."""
    text = (resources.files(SAMPLES_PACKAGE) / SAMPLES_FILE).read_text(encoding="utf-8")
    return msgspec.convert(tomllib.loads(text), _SampleFile)


@dataclass(frozen=True, slots=True)
class Original:
    """When a reference event originally took place, as local wall-clock times."""

    starts: dt.datetime
    ends: dt.datetime
    deadline: dt.datetime


def _originals(samples: _SampleFile) -> tuple[Original, ...]:
    """The originals in their order in time (the order :func:`sample_events` returns them in)."""
    return tuple(
        Original(starts=s.starts, ends=s.ends, deadline=s.registration_closes)
        for s in samples.events
    )


@dataclass(frozen=True, slots=True)
class Schedule:
    """Where one sample lands: start, end and registration deadline, aware UTC."""

    starts_at: dt.datetime
    ends_at: dt.datetime
    closes_at: dt.datetime


def _utc(local: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    """A naive wall-clock time in ``zone`` as an aware UTC datetime."""
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


def _moved(original: Original, day: dt.date, zone: ZoneInfo) -> Schedule:
    """``original`` on ``day`` at its local times, deadline at the same local distance."""
    starts = dt.datetime.combine(day, original.starts.time())
    return Schedule(
        starts_at=_utc(starts, zone),
        ends_at=_utc(starts + (original.ends - original.starts), zone),
        closes_at=_utc(starts - (original.starts - original.deadline), zone),
    )


def _first_day(weekday: int, after: dt.date) -> dt.date:
    """The first day strictly after ``after`` that falls on ``weekday``."""
    return after + dt.timedelta(days=(weekday - after.weekday() - 1) % 7 + 1)


def _dates(samples: _SampleFile, now: dt.datetime) -> list[Schedule]:
    originals = _originals(samples)
    zone = ZoneInfo(samples.timezone)
    earliest = (now + LEAD).astimezone(zone).replace(tzinfo=None)
    first = originals[0]
    day = _first_day(first.starts.weekday(), earliest.date() - dt.timedelta(days=1))
    if dt.datetime.combine(day, first.starts.time()) < earliest:
        day += dt.timedelta(days=7)
    moved = [_moved(first, day, zone)]
    for original in originals[1:]:
        day = _first_day(original.starts.weekday(), day)
        moved.append(_moved(original, day, zone))
    return moved


def sample_dates(now: dt.datetime) -> list[Schedule]:
    """Where the originals move for ``now``, following the rule in the module docstring."""
    return _dates(_samples(), now)


def _event(sample: _Sample, when: Schedule, shared: _SampleFile) -> Event:
    note = shared.sample_note.format(original_day=sample.original_day)
    return Event(
        id=0,
        slug=sample.slug,
        title=sample.title,
        teaser=sample.teaser,
        description="\n\n".join((note, *sample.description)),
        format=sample.format,
        starts_at=when.starts_at,
        ends_at=when.ends_at,
        timezone=shared.timezone,
        status=EventStatus.PUBLISHED,
        in_person_seats=Seats(sample.in_person_seats, 0),
        online_seats=Seats(sample.online_seats, 0),
        waitlist_enabled=sample.waitlist_enabled,
        registration_closes_at=when.closes_at,
        venue_name=sample.venue_name,
        venue_address=sample.venue_address,
        online_access=shared.online_access if sample.online_access else None,
        programme=sample.programme,
        people=sample.people,
        questions=sample.questions,
        contact_email=shared.contact_email,
        funding_note=shared.funding_note if sample.funding_note else "",
        series=sample.series,
        tags=sample.tags,
        is_sample=True,
    )


def sample_events(now: dt.datetime) -> list[Event]:
    """The three reference events, moved into the future relative to ``now``, oldest first."""
    shared = _samples()
    return [
        _translated(_event(sample, when, shared))
        for sample, when in zip(shared.events, _dates(shared, now), strict=True)
    ]


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


# --- English and Ukrainian texts of the samples --------------------------------------------------
# Kept in one block apart from the German events above: every text an organiser writes (title,
# teaser, description, programme, people's functions, questions and options, funding note) in
# both further languages, by slug. Applied through the same rules as the organisers' form.

_NOTE_EN = (
    "*A sample event from the network office's archive (originally held on {day}) – "
    "registrations are test data.*"
)
_NOTE_UK = (
    "*Приклад заходу з архіву мережевого бюро (спочатку відбувся {day}) – реєстрації є "
    "тестовими даними.*"
)

_FUNDING_EN = (
    "This event is run by the Netzwerkstelle Städtepartnerschaften (town twinning network "
    "office) of Auslandsgesellschaft.de e.V. as part of the “Real-World Lab for Municipal "
    "Reconstruction Partnerships NRW – Ukraine”, funded by the State Chancellery of North "
    "Rhine-Westphalia."
)
_FUNDING_UK = (
    "Захід проводить Мережеве бюро побратимства міст Auslandsgesellschaft.de e.V. у межах "
    "«Реальної лабораторії муніципальних партнерств з відбудови NRW – Україна», яку фінансує "
    "Державна канцелярія землі Північний Рейн-Вестфалія."
)


def _both(en: str, uk: str) -> dict[str, str]:
    return {"en": en, "uk": uk}


def _items(*pairs: tuple[str, str, str, str]) -> tuple[dict[str, ProgrammeText], ...]:
    """Programme items as (English title, detail, Ukrainian title, detail)."""
    return tuple(
        {"en": ProgrammeText(en_title, en_detail), "uk": ProgrammeText(uk_title, uk_detail)}
        for en_title, en_detail, uk_title, uk_detail in pairs
    )


def _functions(*pairs: tuple[str, str]) -> tuple[dict[str, PersonText], ...]:
    return tuple({"en": PersonText(en), "uk": PersonText(uk)} for en, uk in pairs)


_ONLINE_TEXTS = EventTranslations(
    own={
        "en": EventText(
            title="Municipal partnerships with Ukraine – but how exactly?",
            teaser=(
                "Online discussion with Anka Feldhusen, Iryna Shum and Martin van der Pütten: "
                "what support can German municipalities give their Ukrainian partners – in the "
                "short term, but also in the medium and long term?"
            ),
            description="\n\n".join(
                [
                    _NOTE_EN.format(day="25 November 2022"),
                    "Together with the City of Dortmund, the Netzwerkstelle "
                    "Städtepartnerschaften NRW invites you to an online discussion on how "
                    "German-Ukrainian town twinning partnerships can be shaped.",
                    "More than 100 German-Ukrainian municipal partnerships show how important a "
                    "role cities have come to play in shaping politics in a globalised world. "
                    "Russia's war against Ukraine, in breach of international law, has brought a "
                    "surge of support from German cities – at home, but also in Ukrainian "
                    "municipalities. What municipalities actually do gives the idea of “city "
                    "diplomacy” (“*urban diplomacy*”) shape and substance. Some questions, "
                    "however, are still open.",
                    "German city administrations are increasingly asked by their councils to "
                    "enter into partnerships with Ukrainian municipalities – to show solidarity, "
                    "and to help with reconstruction in concrete ways. Yet the situation of "
                    "Ukrainian municipalities differs widely and keeps changing. On top of their "
                    "usual tasks they have to cope with the challenges of the war, such as "
                    "occupation, destruction and caring for internally displaced people.",
                    "**What support can German municipalities offer against this background – "
                    "in the short term, but also in the medium and long term?** The questions of "
                    "support for reconstruction and of the long-term perspective now need "
                    "concrete answers.",
                    "This opening event invites cities and municipalities to engage with "
                    "German-Ukrainian municipal partnerships on an ongoing basis. Further events "
                    "will follow.",
                    "You will receive the access details for the Zoom meeting after registering.",
                ]
            ),
        ),
        "uk": EventText(
            title="Муніципальні партнерства з Україною – але як саме?",
            teaser=(
                "Онлайн-дискусія з Анкою Фельдгузен, Іриною Шум і Мартіном ван дер Пюттеном: "
                "яку підтримку німецькі громади можуть надати своїм українським партнерам – не "
                "лише зараз, а й у середньо- та довгостроковій перспективі?"
            ),
            description="\n\n".join(
                [
                    _NOTE_UK.format(day="25 листопада 2022 року"),
                    "Разом із містом Дортмунд Мережеве бюро побратимства міст NRW "
                    "(Netzwerkstelle Städtepartnerschaften NRW) запрошує на онлайн-дискусію про "
                    "те, як розбудовувати німецько-українські партнерства між містами.",
                    "Понад 100 німецько-українських муніципальних партнерств показують, яку "
                    "важливу роль міста відіграють у формуванні політики в глобальному світі. "
                    "Війна Росії проти України, що порушує міжнародне право, викликала хвилю "
                    "підтримки з боку німецьких міст – як у Німеччині, так і в українських "
                    "громадах. Конкретні дії громад наповнюють ідею «міської дипломатії» "
                    "(«*urban diplomacy*») формою і змістом. Проте деякі питання досі "
                    "залишаються відкритими.",
                    "Політики дедалі частіше доручають німецьким міським адміністраціям "
                    "укладати партнерства з українськими громадами – щоб висловити солідарність "
                    "і щоб конкретно допомогти з відбудовою. Водночас становище українських "
                    "громад дуже різне, а ситуація й далі змінюється. Крім звичних завдань, їм "
                    "доводиться долати виклики війни: окупацію, руйнування, забезпечення "
                    "внутрішньо переміщених осіб.",
                    "**Яку підтримку за цих умов можуть надати німецькі громади – у "
                    "короткостроковій, а також у середньо- та довгостроковій перспективі?** "
                    "Питання про допомогу у відбудові та про загальну перспективу тепер "
                    "потребують конкретних відповідей.",
                    "Цей стартовий захід запрошує міста й громади постійно працювати над "
                    "німецько-українськими муніципальними партнерствами. Далі будуть інші заходи.",
                    "Дані для входу в Zoom ви отримаєте після реєстрації.",
                ]
            ),
        ),
    },
    programme=_items(
        (
            "Panel discussion “Municipal partnerships with Ukraine – but how exactly?”",
            "Anka Feldhusen, Iryna Shum and Martin van der Pütten, moderated by Wolfram Kuschke",
            "Дискусія «Муніципальні партнерства з Україною – але як саме?»",
            "Анка Фельдгузен, Ірина Шум і Мартін ван дер Пюттен, модерує Вольфрам Кушке",
        ),
        (
            "Questions from participants and discussion",
            "",
            "Відповіді на запитання учасників і дискусія",
            "",
        ),
        ("End of the event", "", "Завершення заходу", ""),
    ),
    people=_functions(
        (
            "Ambassador of the Federal Republic of Germany to Ukraine",
            "Посолка Федеративної Республіки Німеччина в Україні",
        ),
        (
            "Consul General of Ukraine in North Rhine-Westphalia",
            "Генеральна консулка України в Північному Рейні-Вестфалії",
        ),
        (
            "Head of International Relations, City of Dortmund",
            "Керівник відділу міжнародних зв'язків міста Дортмунд",
        ),
        (
            "Former State Minister and Chair of the Board of Trustees of "
            "Auslandsgesellschaft.de e.V.",
            "Державний міністр у відставці, голова опікунської ради Auslandsgesellschaft.de e.V.",
        ),
    ),
)

_KICKOFF_TEXTS = EventTranslations(
    own={
        "en": EventText(
            title=(
                "Kick-off: Real-World Lab for Municipal Reconstruction Partnerships NRW – Ukraine"
            ),
            teaser=(
                "Launch of the real-world lab: how can town twinning partnerships and municipal "
                "initiatives from North Rhine-Westphalia support Ukraine – today and during "
                "reconstruction?"
            ),
            description="\n\n".join(
                [
                    _NOTE_EN.format(day="29 March 2023"),
                    "This event launches the “Real-World Lab for Municipal Reconstruction "
                    "Partnerships NRW – Ukraine” of the Netzwerkstelle Städtepartnerschaften NRW.",
                    "Russia's war of aggression has put Ukraine at the centre of worldwide "
                    "attention. The immediate need for humanitarian aid – transporting relief "
                    "supplies, taking in and caring for refugees – has moved many towns and "
                    "cities in Germany to acts of solidarity and support.",
                    "Municipalities with Ukrainian twin towns in particular can help very "
                    "effectively because the structures already exist: people know each other, "
                    "there are reliable networks and trust between those involved, and the "
                    "transport routes are known. The same holds for the many partnerships German "
                    "municipalities have with Ukraine's neighbours such as Poland, Romania, "
                    "Hungary, Slovakia and Moldova. They can serve as stopovers for aid "
                    "deliveries or refugees, and as bridges of understanding between Ukrainian "
                    "and German municipalities.",
                    "In the real-world lab we want to work with you to gather and pool the ways "
                    "in which town twinning partnerships and municipal initiatives in North "
                    "Rhine-Westphalia can support Ukraine – as examples of good practice and to "
                    "connect municipalities with one another.",
                    "You can take part in person in Dortmund or online.",
                ]
            ),
            funding_note=_FUNDING_EN,
        ),
        "uk": EventText(
            title=(
                "Стартовий захід Реальної лабораторії муніципальних партнерств з відбудови "
                "NRW – Україна"
            ),
            teaser=(
                "Старт Реальної лабораторії: як партнерства міст і муніципальні ініціативи з "
                "Північного Рейну-Вестфалії можуть підтримати Україну – сьогодні й під час "
                "відбудови?"
            ),
            description="\n\n".join(
                [
                    _NOTE_UK.format(day="29 березня 2023 року"),
                    "Цим заходом стартує «Реальна лабораторія муніципальних партнерств з "
                    "відбудови NRW – Україна» Мережевого бюро побратимства міст NRW.",
                    "Загарбницька війна Росії поставила Україну в центр світової уваги. "
                    "Нагальна потреба в гуманітарній допомозі – перевезення вантажів, прийом і "
                    "забезпечення біженців – спонукала багато міст і громад Німеччини до акцій "
                    "солідарності й підтримки.",
                    "Особливо ефективно допомагати можуть громади, що мають партнерів в Україні, "
                    "адже структури вже існують: люди знають одне одного, є надійні мережі й "
                    "довіра між учасниками, відомі транспортні шляхи. Те саме стосується "
                    "численних партнерств німецьких громад із сусідами України – Польщею, "
                    "Румунією, Угорщиною, Словаччиною та Молдовою. Вони можуть бути проміжними "
                    "пунктами для гуманітарних вантажів чи біженців і мостами порозуміння між "
                    "українськими та німецькими громадами.",
                    "У Реальній лабораторії ми хочемо разом із вами зібрати й об'єднати "
                    "можливості, які партнерства міст і муніципальні ініціативи в Північному "
                    "Рейні-Вестфалії мають для підтримки України, – як приклади доброї практики "
                    "та для налагодження зв'язків між громадами.",
                    "Ви можете взяти участь особисто в Дортмунді або онлайн.",
                ]
            ),
            funding_note=_FUNDING_UK,
        ),
    },
    programme=_items(
        ("Arrival and welcome", "", "Прибуття та привітання", ""),
        (
            "The Real-World Lab for Municipal Reconstruction Partnerships NRW – Ukraine",
            "Aims, offers and working methods of the Netzwerkstelle Städtepartnerschaften",
            "Реальна лабораторія муніципальних партнерств з відбудови NRW – Україна",
            "Цілі, пропозиції та методи роботи Мережевого бюро побратимства міст",
        ),
        (
            "Exchange: how municipalities in NRW support Ukraine",
            "Experiences, needs and examples of good practice",
            "Обмін досвідом: як громади NRW підтримують Україну",
            "Досвід, потреби та приклади доброї практики",
        ),
        ("Outlook and farewell", "", "Підсумки та прощання", ""),
    ),
    people=(),
    questions={
        "verpflegung": {
            "en": QuestionText(
                "Catering (if you attend in person)",
                ("with meat", "vegetarian", "vegan", "none (attending online)"),
            ),
            "uk": QuestionText(
                "Харчування (якщо ви присутні особисто)",
                ("з м'ясом", "вегетаріанське", "веганське", "не потрібне (участь онлайн)"),
            ),
        },
        "fotos": {
            "en": QuestionText("Photos in which I can be seen may be published"),
            "uk": QuestionText("Фото, на яких мене видно, можна публікувати"),
        },
    },
)

_CONFERENCE_TEXTS = EventTranslations(
    own={
        "en": EventText(
            title="Counties as international actors in the light of aid to Ukraine",
            teaser=(
                "Conference on the international work of counties and the municipalities "
                "within them – county partnerships with Ukraine, working together and "
                "reconstruction."
            ),
            description="\n\n".join(
                [
                    _NOTE_EN.format(day="22 November 2023"),
                    "Many counties in North Rhine-Westphalia have long been successfully active "
                    "on the international stage. Others are becoming active now, against the "
                    "background of the ongoing war in Ukraine, and are asking themselves whether "
                    "to enter into a county partnership with Ukraine. At the same time, many "
                    "municipalities within the counties have been concluding new partnerships "
                    "with Ukraine.",
                    "Together with you, we would like to look at the international activities "
                    "of counties and their municipalities, and in particular at how they work "
                    "together. The outstanding support for Ukraine from municipalities and "
                    "counties in NRW gives us an opportunity to exchange views in a very "
                    "concrete and practical way.",
                    "Important questions include:\n\n"
                    "- County partnerships with Ukraine – how do I establish one, how are the "
                    "existing county partnerships doing, and what comes next?\n"
                    "- How does cooperation with the municipalities in the county and their "
                    "partnerships work? What synergies are possible?\n"
                    "- How can cooperation work in wartime, and how can all these partnerships "
                    "contribute to the reconstruction of Ukraine?",
                    "We look forward to contributions from Iryna Shum, Consul General of Ukraine "
                    "in Düsseldorf; former State Minister Wolfram Kuschke; Prof. Dr. Andreas "
                    "Marchetti, managing director of politglott and honorary professor at "
                    "Paderborn University; Dr. Kai Pfundheller, head of the Institute for "
                    "Political Education of Auslandsgesellschaft.de e.V. and of the "
                    "Netzwerkstelle Städtepartnerschaften; and to examples of practice from the "
                    "district of Coesfeld, presented by Marina Kallerhoff, and the district of "
                    "Lippe, presented by Sarah Laukamp.",
                ]
            ),
            funding_note=_FUNDING_EN,
        ),
        "uk": EventText(
            title="Райони як міжнародні учасники в контексті допомоги Україні",
            teaser=(
                "Конференція про міжнародну діяльність районів і громад у їхньому складі – "
                "партнерства районів з Україною, взаємодія та відбудова."
            ),
            description="\n\n".join(
                [
                    _NOTE_UK.format(day="22 листопада 2023 року"),
                    "Багато районів Північного Рейну-Вестфалії вже давно й успішно працюють на "
                    "міжнародному рівні. Інші стають активними саме тепер, на тлі тривалої війни "
                    "в Україні, і замислюються над партнерством свого району з Україною. "
                    "Водночас чимало громад у складі районів уклали або укладають нові "
                    "партнерства з Україною.",
                    "Разом із вами ми хочемо розглянути міжнародну діяльність районів і громад у "
                    "їхньому складі, зокрема те, як вони взаємодіють. Видатна підтримка України "
                    "з боку громад і районів NRW дає нам нагоду для дуже конкретного й "
                    "практичного обміну досвідом.",
                    "Серед важливих питань, зокрема, такі:\n\n"
                    "- Партнерства районів з Україною – як їх укласти, як розвиваються наявні "
                    "партнерства і що далі?\n"
                    "- Як налагодити співпрацю з громадами району та їхніми партнерствами? Які "
                    "можливі синергії?\n"
                    "- Як може працювати співпраця під час війни і як усі ці партнерства можуть "
                    "сприяти відбудові України?",
                    "Ми з радістю чекаємо на виступи Ірини Шум, Генеральної консулки України в "
                    "Дюссельдорфі, державного міністра у відставці Вольфрама Кушке, проф. д-ра "
                    "Андреаса Маркетті, керівника politglott і почесного професора "
                    "Падерборнського університету, д-ра Кая Пфундгеллера, керівника Інституту "
                    "політичної освіти Auslandsgesellschaft.de e.V. і Мережевого бюро "
                    "побратимства міст, а також на приклади з практики району Косфельд, які "
                    "представить Марина Каллергофф, і району Ліппе, які представить Сара "
                    "Лаукамп.",
                ]
            ),
            funding_note=_FUNDING_UK,
        ),
    },
    programme=_items(
        ("Welcome", "", "Привітання", ""),
        (
            "Contributions",
            "Iryna Shum, Wolfram Kuschke, Prof. Dr. Andreas Marchetti and Dr. Kai Pfundheller",
            "Виступи",
            "Ірина Шум, Вольфрам Кушке, проф. д-р Андреас Маркетті та д-р Кай Пфундгеллер",
        ),
        (
            "Examples of practice from the districts of Coesfeld and Lippe",
            "presented by Marina Kallerhoff and Sarah Laukamp",
            "Приклади з практики районів Косфельд і Ліппе",
            "представляють Марина Каллергофф і Сара Лаукамп",
        ),
        ("Exchange and discussion", "", "Обмін думками та дискусія", ""),
        ("End of the conference", "", "Завершення конференції", ""),
    ),
    people=_functions(
        ("Consul General of Ukraine in Düsseldorf", "Генеральна консулка України в Дюссельдорфі"),
        ("Former State Minister", "Державний міністр у відставці"),
        (
            "Managing director of politglott and honorary professor at Paderborn University",
            "Керівник politglott і почесний професор Падерборнського університету",
        ),
        (
            "Head of the Institute for Political Education of Auslandsgesellschaft.de e.V. and "
            "of the Netzwerkstelle Städtepartnerschaften",
            "Керівник Інституту політичної освіти Auslandsgesellschaft.de e.V. і Мережевого "
            "бюро побратимства міст",
        ),
        ("Example of practice from the district of Coesfeld", "Приклад з практики району Косфельд"),
        ("Example of practice from the district of Lippe", "Приклад з практики району Ліппе"),
    ),
)

#: The samples' English and Ukrainian texts by slug.
SAMPLE_TRANSLATIONS = {
    "beispiel-kommunale-partnerschaften-mit-der-ukraine-aber-wie-genau": _ONLINE_TEXTS,
    "beispiel-auftaktveranstaltung-reallabor-ukraine": _KICKOFF_TEXTS,
    "beispiel-landkreise-als-internationale-akteure": _CONFERENCE_TEXTS,
}


def _translated(event: Event) -> Event:
    """A sample with its English and Ukrainian texts, checked like the organisers' form."""
    return translated_event(event, SAMPLE_TRANSLATIONS[event.slug])
