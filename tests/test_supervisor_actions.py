"""The supervisor's use cases (services.review, services.invites, services.schools,
services.broadcast) on a real database, and one narrow chat case: what they return, what they
write, and what they refuse (a DomainError with its key, nothing changed).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime

import pytest
import time_machine
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from models import (
    Activity,
    Assignment,
    AssignmentStatus,
    ConversationState,
    DueDate,
    EvidenceFile,
    EvidenceKind,
    Invite,
    Municipality,
    Role,
    SchoolKind,
    Submission,
    SubmissionState,
    User,
)
from services.broadcast import MAX_BROADCAST, Delivered, broadcast_batch, delivery_report
from services.errors import DomainError
from services.i18n import Texts
from services.invites import school_invite, supervisor_invite
from services.messenger import TELEGRAM, MessengerLimits
from services.plan_import.parser import parse_plan
from services.plans import calendar_of, get_or_create_municipality, save_plan
from services.review import (
    accept_submission,
    next_for_review,
    return_submission,
    reviewable,
    start_return,
)
from services.schools import add_school, add_school_for, choose_school, schools_overview
from tests.conftest import SEEDS, seed_bytes
from tests.harness import SUPERVISOR_ID, containing, running_bot, wait_message
from tests.harness import with_button as has_button
from tests.journeys import IN_THE_SCHOOL_YEAR, import_seed, join, supervisor
from tests.test_conversation_supervisor import ANNA, callback_answer, submission_of, submit

TEXTS = Texts()
LINK = re.compile(r"^https://t\.me/roadmap_bot\?start=([A-Za-z0-9_-]{32})$")


@dataclass
class World:
    supervisor: User
    stranger: User  # a supervisor of another municipality
    school_id: int
    other_school_id: int  # the other municipality's school
    anna_chat: int
    submission_id: int


async def _user(session: AsyncSession, uid: int, **values: object) -> User:
    user = User(platform="telegram", platform_user_id=uid, chat_id=uid, **values)
    session.add(user)
    await session.flush()
    return user


@pytest.fixture
async def world(sessions: async_sessionmaker[AsyncSession]) -> World:
    """Seed 003 for two schools; Anna (English) sent one photo for ЧСОШ № 1's first activity."""
    async with sessions() as session:
        municipality = await get_or_create_municipality(session, "Округ", "Asia/Chita", "—")
        school = await add_school(session, municipality.id, "ЧСОШ № 1", SchoolKind.SHNOR)
        await add_school(session, municipality.id, "КСОШИ № 4", SchoolKind.SHNSU)
        data = seed_bytes("003")
        parsed = parse_plan(
            SEEDS["003"].name, data, calendar=calendar_of(municipality), today=date(2021, 9, 20)
        )
        await save_plan(session, municipality, parsed, sha256=hashlib.sha256(data).hexdigest())
        other = Municipality(name="Другой округ", timezone="Asia/Chita")
        session.add(other)
        await session.flush()
        other_school = await add_school(session, other.id, "Школа № 9", SchoolKind.OTHER)
        olga = await _user(session, 1, full_name="Ольга", role=Role.SUPERVISOR)
        olga.municipality_id = municipality.id
        petr = await _user(session, 2, full_name="Пётр", role=Role.SUPERVISOR)
        petr.municipality_id = other.id
        anna = await _user(
            session,
            3,
            full_name="Anna",
            username="anna",
            role=Role.COORDINATOR,
            municipality_id=municipality.id,
            school_id=school.id,
            locale="en",
        )
        assignment = await session.scalar(
            select(Assignment)
            .join(DueDate, DueDate.id == Assignment.due_date_id)
            .join(Activity, Activity.id == DueDate.activity_id)
            .where(Assignment.school_id == school.id, Activity.number == "3")
            .order_by(DueDate.seq)
            .limit(1)
        )
        assignment.status = AssignmentStatus.SUBMITTED
        submission = Submission(
            assignment_id=assignment.id,
            school_id=school.id,
            user_id=anna.id,
            state=SubmissionState.SUBMITTED,
            comment="protocol",
            submitted_at=datetime(2021, 9, 20, 3, tzinfo=UTC),
        )
        session.add(submission)
        await session.flush()
        session.add(
            EvidenceFile(
                submission_id=submission.id,
                kind=EvidenceKind.PHOTO,
                file_id="photo-1",
                file_unique_id="u-1",
                stored_path="1/photo.jpg",
            )
        )
        await session.commit()
        return World(olga, petr, school.id, other_school.id, anna.chat_id, submission.id)


async def _state(sessions: async_sessionmaker[AsyncSession], submission_id: int) -> tuple:
    async with sessions() as session:
        submission = await session.get(Submission, submission_id)
        assignment = await session.get(Assignment, submission.assignment_id)
        return submission.state, assignment.status, submission.review_comment


# --------------------------------------------------------------------------------------------
# review


@time_machine.travel(IN_THE_SCHOOL_YEAR, tick=False)
async def test_the_card_has_the_school_activity_sender_and_files(sessions, world):
    async with sessions() as session:
        card = await next_for_review(session, world.supervisor)
        assert card is not None and card.submission_id == world.submission_id
        assert (card.pending, card.school, card.author) == (1, "ЧСОШ № 1", "Anna (@anna)")
        assert card.task is not None and card.task.number == "3"
        assert card.comment == "protocol" and card.timezone == "Asia/Chita"
        (file,) = card.files
        assert (file.kind, file.file_id, file.stored_path) == (
            EvidenceKind.PHOTO,
            "photo-1",
            "1/photo.jpg",
        )
        # After the last one, the queue starts again; another municipality sees nothing.
        again = await next_for_review(session, world.supervisor, after_id=world.submission_id)
        assert again is not None and again.submission_id == world.submission_id
        assert await next_for_review(session, world.stranger) is None


@time_machine.travel(IN_THE_SCHOOL_YEAR, tick=False)
async def test_accept_tells_the_sender_in_her_language_once(sessions, world):
    async with sessions() as session:
        decision = await accept_submission(session, TEXTS, world.supervisor, world.submission_id)
        await session.commit()
    assert decision.done_key == "review-accepted" and decision.task is not None
    ((chat, notice),) = decision.notices
    assert chat == world.anna_chat
    assert notice.text.startswith("✅ The supervisor accepted your report: 3. ")
    assert await _state(sessions, world.submission_id) == (
        SubmissionState.ACCEPTED,
        AssignmentStatus.ACCEPTED,
        None,
    )
    async with sessions() as session:
        with pytest.raises(DomainError) as refused:
            await accept_submission(session, TEXTS, world.supervisor, world.submission_id)
        assert refused.value.key == "review-already-done"
        with pytest.raises(DomainError) as refused:
            await start_return(session, world.supervisor, world.submission_id)
        assert refused.value.key == "review-already-done"


@time_machine.travel(IN_THE_SCHOOL_YEAR, tick=False)
async def test_return_needs_a_comment_and_the_school_hears_it(sessions, world):
    async with sessions() as session:
        assert await start_return(session, world.supervisor, world.submission_id) == (
            world.submission_id
        )
        with pytest.raises(DomainError) as refused:
            await return_submission(session, TEXTS, world.supervisor, world.submission_id, "  ")
        assert refused.value.key == "review-comment-empty"
        await session.rollback()
    assert (await _state(sessions, world.submission_id))[:2] == (
        SubmissionState.SUBMITTED,
        AssignmentStatus.SUBMITTED,
    )
    async with sessions() as session:
        decision = await return_submission(
            session, TEXTS, world.supervisor, world.submission_id, " No <stamp> "
        )
        await session.commit()
    assert decision.done_key == "review-returned"
    ((_, notice),) = decision.notices
    assert "Comment: No &lt;stamp&gt;" in notice.text
    assert await _state(sessions, world.submission_id) == (
        SubmissionState.RETURNED,
        AssignmentStatus.RETURNED,
        "No <stamp>",
    )


@time_machine.travel(IN_THE_SCHOOL_YEAR, tick=False)
async def test_when_the_sender_left_every_coordinator_of_the_school_is_told(sessions, world):
    async with sessions() as session:
        anna = await session.scalar(select(User).where(User.platform_user_id == 3))
        anna.school_id = world.other_school_id  # she moved to another school
        await _user(
            session,
            4,
            full_name="Борис",
            role=Role.COORDINATOR,
            municipality_id=world.supervisor.municipality_id,
            school_id=world.school_id,
        )
        await _user(
            session,
            5,
            full_name="Вера",
            role=Role.COORDINATOR,
            school_id=world.school_id,
            blocked_at=datetime(2021, 9, 1, tzinfo=UTC),
        )
        await session.commit()
    async with sessions() as session:
        decision = await accept_submission(session, TEXTS, world.supervisor, world.submission_id)
    # Boris (Russian) hears of it; Vera blocked the bot; the activity is named in Anna's language.
    ((chat, notice),) = decision.notices
    assert chat == 4 and notice.text.startswith("✅ Куратор принял отчёт")


async def test_another_municipality_s_submission_and_school_are_not_yours(sessions, world):
    async with sessions() as session:
        for refused_call in (
            reviewable(session, world.stranger, world.submission_id),
            accept_submission(session, TEXTS, world.stranger, world.submission_id),
            return_submission(session, TEXTS, world.stranger, world.submission_id, "x"),
            school_invite(session, world.supervisor, world.other_school_id, "roadmap_bot"),
        ):
            with pytest.raises(DomainError) as refused:
                await refused_call
            assert refused.value.key == "button-not-yours"
    assert (await _state(sessions, world.submission_id))[0] is SubmissionState.SUBMITTED


# --------------------------------------------------------------------------------------------
# invites and schools


async def test_invite_links_come_from_the_messenger_and_void_the_old_ones(sessions, world):
    async with sessions() as session:
        first = await school_invite(session, world.supervisor, world.school_id, "roadmap_bot")
        second = await school_invite(session, world.supervisor, world.school_id, "roadmap_bot")
        colleague = await supervisor_invite(session, world.supervisor, "roadmap_bot")
        await session.commit()
    assert (first.school, first.days, colleague.school) == ("ЧСОШ № 1", 14, None)
    tokens = [LINK.match(i.link).group(1) for i in (first, second, colleague)]
    assert second.link == TELEGRAM.start_link("roadmap_bot", tokens[1])
    async with sessions() as session:
        invites = (await session.scalars(select(Invite).order_by(Invite.id))).all()
        assert [(i.role, i.revoked_at is None) for i in invites] == [
            (Role.COORDINATOR, False),
            (Role.COORDINATOR, True),
            (Role.SUPERVISOR, True),
        ]
        other = MessengerLimits("other", 1000, 100, 1, 1, 64, "other://{bot}/{payload}")
        link = await school_invite(
            session, world.supervisor, world.school_id, "rb", messenger=other
        )
        assert link.link.startswith("other://rb/")


@time_machine.travel(IN_THE_SCHOOL_YEAR, tick=False)
async def test_add_school_for_says_the_kind_and_the_activities(sessions, world):
    async with sessions() as session:
        added = await add_school_for(session, world.supervisor, "Лицей № 2", None)
        assert (added.name, added.kind, added.kind_given) == ("Лицей № 2", SchoolKind.OTHER, False)
        shnor = await add_school_for(session, world.supervisor, "Школа № 7", SchoolKind.SHNOR)
        assert shnor.kind_given and shnor.activities > added.activities > 0
        assigned = await session.scalar(
            select(func.count())
            .select_from(Assignment)
            .where(Assignment.school_id == shnor.school_id)
        )
        assert shnor.activities == assigned
        with pytest.raises(DomainError) as refused:
            await add_school_for(session, world.supervisor, "школа  № 7", SchoolKind.SHNSU)
        assert (refused.value.key, refused.value.params) == ("school-exists", {"name": "школа № 7"})
        overview = await schools_overview(session, world.supervisor)
        assert [s.name for s in overview] == ["КСОШИ № 4", "Лицей № 2", "ЧСОШ № 1", "Школа № 7"]
        assert next(s for s in overview if s.name == "ЧСОШ № 1").coordinators == ["Anna (@anna)"]


async def test_choose_school_by_a_typed_name(sessions, world):
    municipality_id = world.supervisor.municipality_id
    async with sessions() as session:
        listed = await choose_school(session, municipality_id, "")
        assert [name for _, name in listed.options] == ["КСОШИ № 4", "ЧСОШ № 1"]
        assert listed.found is None
        assert (await choose_school(session, municipality_id, "чсош №1")).found == world.school_id
        assert (await choose_school(session, municipality_id, "Гимназия")).found is None


# --------------------------------------------------------------------------------------------
# broadcast


async def test_broadcast_batch_and_the_report(sessions, world):
    async with sessions() as session:
        with pytest.raises(DomainError) as refused:
            await broadcast_batch(session, TEXTS, world.supervisor, "x" * (MAX_BROADCAST + 1))
        assert (refused.value.key, refused.value.params) == (
            "broadcast-too-long",
            {"limit": MAX_BROADCAST},
        )
        (anna,) = await broadcast_batch(session, TEXTS, world.supervisor, "Meeting <today>")
        assert (anna.chat_id, anna.name) == (world.anna_chat, "Anna")
        assert anna.message.text.endswith("\n\nMeeting &lt;today&gt;")
        assert await broadcast_batch(session, TEXTS, world.stranger, "x") == []
    t = TEXTS.for_locale("ru")
    report = delivery_report(t, "broadcast-done", Delivered(1, 1, 0, ["<Борис>"], {}))
    assert report == (
        "📢 Рассылка завершена: доставлено 1, недоступны 1, ошибки 0.\n"
        "Не получили (заблокировали бота): &lt;Борис&gt;"
    )


# --------------------------------------------------------------------------------------------
# the return comment, refused: the prompt still ends


@time_machine.travel(IN_THE_SCHOOL_YEAR, tick=True)
async def test_a_refused_return_comment_is_answered_and_ends_the_prompt(tmp_path):
    async with running_bot(tmp_path) as running:
        api = running.api
        olga = supervisor(running)
        await import_seed(running)
        anna = await join(running, ANNA, "ЧСОШ № 1", first_name="Анна")
        await submit(running, anna, "3")
        submission = await submission_of(running, "ЧСОШ № 1", "3")

        mark = api.mark()
        olga.send_text("/review")
        card = await wait_message(api, SUPERVISOR_ID, has_button("✅ Принять"), since=mark)
        olga.press(card, button_text="↩️ Вернуть на доработку")
        (ask,) = await olga.wait_sent()
        assert ask.plain_text.startswith("Напишите одним сообщением")

        # Meanwhile the report is accepted (another supervisor, another device).
        mark = api.mark()
        olga.press(card, button_text="✅ Принять")
        await callback_answer(api, mark)
        await wait_message(api, SUPERVISOR_ID, containing("Отчётов на проверке нет"), since=mark)

        mark = api.mark()
        olga.send_text("Нет подписи")
        refused = await wait_message(api, SUPERVISOR_ID, lambda m: True, since=mark)
        assert refused.plain_text == "Этот отчёт уже проверен — ничего не изменено."
        async with running.sessions() as session:
            assert await session.scalar(select(func.count()).select_from(ConversationState)) == 0
            fresh = await session.get(Submission, submission.id)
            assert fresh.state is SubmissionState.ACCEPTED and fresh.review_comment is None
        assert [m.plain_text for m in api.sent_messages(ANNA, since=mark)] == []
