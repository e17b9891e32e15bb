"""The two-factor service: a code counts once (also when sent at once), recovery codes once,
secrets only under their key and account, and the command line's reset."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import random
import subprocess
import sys
from pathlib import Path

import pyotp
import pytest

from app.db.database import Database
from app.db.tables import AuditEntry, OrganiserRecoveryCode, OrganiserTwoFactor
from app.domain import two_factor as rules
from app.domain.audit import Actor, AuditAction
from app.services import organisers, two_factor

KEY = two_factor.encryption_key("k" * 32)
ROOT = Path(__file__).resolve().parents[2]


async def enrolled(db: Database, now: dt.datetime, email: str = "orga@example.org"):
    organiser = await organisers.create_organiser(db, email, "ein-langes-passwort-42")
    actor = Actor(id=organiser.id, name=email)
    enrolment = await two_factor.start_enrolment(db, KEY, organiser.id, email)
    codes = await two_factor.confirm_enrolment(
        db, KEY, organiser.id, pyotp.TOTP(enrolment.secret).at(now), actor=actor, now=now
    )
    return organiser, actor, enrolment.secret, codes


async def test_one_code_sent_many_times_at_once_is_accepted_once(db, now):
    organiser, actor, secret, _ = await enrolled(db, now)
    later = now + dt.timedelta(seconds=30)
    code = pyotp.TOTP(secret).at(later)
    answers = await asyncio.gather(
        *(two_factor.verify(db, KEY, organiser.id, code, actor=actor, now=later) for _ in range(8))
    )
    assert sorted(answers) == [False] * 7 + [True]


async def test_a_code_is_accepted_only_in_its_window_and_after_the_last_one(db, now):
    """Against a model: accepted iff the code's step is within one of the clock's step and
    later than every step accepted before (the enrolment's included)."""
    organiser, actor, secret, _ = await enrolled(db, now)
    totp = pyotp.TOTP(secret)
    last = rules.time_step(now)
    clock = now
    chance = random.Random(17)
    for _ in range(40):
        clock += dt.timedelta(seconds=chance.choice([0, 0, 10, 30, 60, 95]))
        offset = chance.choice([-3, -1, -1, 0, 0, 0, 1, 1, 3])
        step = rules.time_step(clock) + offset
        code = totp.generate_otp(step)
        expected = abs(offset) <= rules.VALID_WINDOW and step > last
        accepted = await two_factor.verify(db, KEY, organiser.id, code, actor=actor, now=clock)
        assert accepted == expected, (clock, offset, step, last)
        if accepted:
            last = step
    row = await OrganiserTwoFactor.select(OrganiserTwoFactor.last_step).first()
    assert row is not None
    assert row["last_step"] == last


async def test_a_recovery_code_counts_once_even_at_once(db, now):
    organiser, actor, _, codes = await enrolled(db, now)
    answers = await asyncio.gather(
        *(
            two_factor.verify(db, KEY, organiser.id, codes[0], actor=actor, now=now)
            for _ in range(5)
        )
    )
    assert sorted(answers) == [False] * 4 + [True]
    assert await OrganiserRecoveryCode.count() == 9
    # Another account's recovery code opens nothing here.
    other, other_actor, _, other_codes = await enrolled(db, now, "zweite@example.org")
    assert not await two_factor.verify(db, KEY, organiser.id, other_codes[0], actor=actor, now=now)
    assert await two_factor.verify(db, KEY, other.id, other_codes[0], actor=other_actor, now=now)


async def test_the_secret_needs_its_key(db, now):
    organiser, actor, secret, _ = await enrolled(db, now)
    later = now + dt.timedelta(seconds=30)
    code = pyotp.TOTP(secret).at(later)
    other_key = two_factor.encryption_key("z" * 32)
    assert not await two_factor.verify(db, other_key, organiser.id, code, actor=actor, now=later)
    assert await two_factor.verify(db, KEY, organiser.id, code, actor=actor, now=later)


@pytest.mark.slow
async def test_reset_two_factor_on_the_command_line(db, database_url, now, tmp_path):
    organiser, _, _, _ = await enrolled(db, now)
    env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "y" * 32}
    env["PYTHONPATH"] = str(ROOT)
    env.pop("DEBUG", None)

    def run(email: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "app", "reset-two-factor", email],
            capture_output=True,
            text=True,
            env=env,
            cwd=tmp_path,
            timeout=60,
            check=False,
        )

    done = await asyncio.to_thread(run, "Orga@Example.org")
    assert done.returncode == 0, done.stderr
    assert not await OrganiserTwoFactor.exists()
    assert not await OrganiserRecoveryCode.exists()
    entry = (
        await AuditEntry.select()
        .where(AuditEntry.action == AuditAction.TWO_FACTOR_DISABLED.value)
        .first()
    )
    assert entry is not None
    assert entry["subject"] == organiser.id
    assert entry["organiser"] is None
    assert entry["detail"] == "reset"
    unknown = await asyncio.to_thread(run, "niemand@example.org")
    assert unknown.returncode == 1
    assert "no organiser" in unknown.stderr


async def test_confirming_twice_at_once_switches_on_once(db, now):
    organiser = await organisers.create_organiser(db, "orga@example.org", "ein-langes-passwort-42")
    actor = Actor(id=organiser.id, name="Orga")
    enrolment = await two_factor.start_enrolment(db, KEY, organiser.id, "orga@example.org")
    code = pyotp.TOTP(enrolment.secret).at(now)
    answers = await asyncio.gather(
        *(
            two_factor.confirm_enrolment(db, KEY, organiser.id, code, actor=actor, now=now)
            for _ in range(3)
        ),
        return_exceptions=True,
    )
    made = [answer for answer in answers if isinstance(answer, list)]
    refused = [answer for answer in answers if isinstance(answer, two_factor.TwoFactorError)]
    assert len(made) == 1
    assert [error.code for error in refused] == [two_factor.ALREADY_ENABLED] * 2
    assert await OrganiserRecoveryCode.count() == 10
    assert (
        await AuditEntry.count().where(AuditEntry.action == AuditAction.TWO_FACTOR_ENABLED.value)
        == 1
    )
