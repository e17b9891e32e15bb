"""The feed of all of a person's events reads a fixed number of queries, however many."""

from __future__ import annotations

from app.domain.mailbox_proof import all_events_path
from app.settings import Settings
from tests.conftest import registration_form
from tests.web.conftest import submit, token_from, upcoming
from tests.web.test_calendar import summaries


async def _queries_for(client, db, monkeypatch, path: str) -> tuple[int, bytes]:
    """How many queries answering ``path`` runs, and the answer."""
    # On the class: PostgresEngine's attributes cannot be replaced on the instance.
    engine_class = type(db.engine)
    real = engine_class.run_querystring
    count = 0

    async def counted(engine, *args, **kwargs):
        nonlocal count
        count += 1
        return await real(engine, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(engine_class, "run_querystring", counted)
        answer = await client.get(path)
    assert answer.status_code == 200
    return count, answer.content


async def test_the_all_events_feed_reads_a_constant_number_of_queries(
    client, event_factory, db, monkeypatch, settings: Settings
) -> None:
    titles = [f"Treffen {n}" for n in range(1, 6)]
    tokens = []
    for number, title in enumerate(titles, start=1):
        await event_factory(**upcoming(slug=f"treffen-{number}", title=title))
        answer = await submit(client, f"treffen-{number}", registration_form("anna@stadt.example"))
        tokens.append(token_from(answer.headers["location"]))
    first = all_events_path(settings.secret_key, tokens[0], "anna@stadt.example")
    queries_for_five, body = await _queries_for(client, db, monkeypatch, first)
    assert summaries(body) == titles

    await event_factory(**upcoming(slug="allein", title="Allein"))
    answer = await submit(client, "allein", registration_form("bob@stadt.example"))
    alone = token_from(answer.headers["location"])
    path = all_events_path(settings.secret_key, alone, "bob@stadt.example")
    queries_for_one, body = await _queries_for(client, db, monkeypatch, path)
    assert summaries(body) == ["Allein"]
    assert queries_for_five == queries_for_one
