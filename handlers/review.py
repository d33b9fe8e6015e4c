"""/review: pending submissions one by one with their evidence; accept, or return with a comment.

The coordinator is told either way; a returned activity is open again.
"""

from __future__ import annotations

import logging

from aiogram import Bot, F, Router
from aiogram.exceptions import TelegramBadRequest
from aiogram.filters import Command, StateFilter
from aiogram.fsm.context import FSMContext
from aiogram.fsm.state import State, StatesGroup
from aiogram.types import (
    CallbackQuery,
    FSInputFile,
    InputMediaPhoto,
    Message,
)
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import ReviewCb
from handlers.context import municipality_of, supervisor_today
from handlers.filters import RoleFilter
from handlers.keyboards import review_keyboard
from models import EvidenceFile, EvidenceKind, Role, School, Submission, User
from services.errors import DomainError
from services.evidence import EvidenceStore
from services.i18n import BoundTexts, Texts
from services.progress import coordinator_label
from services.render import activity_title, due_label, esc, short
from services.review import (
    accept,
    pending_submissions,
    return_for_rework,
    submission_for_review,
)
from services.sending import OutgoingMessage, Sender
from services.tasks import get_task_in_municipality

log = logging.getLogger(__name__)


class ReviewStates(StatesGroup):
    comment = State()


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(RoleFilter(Role.SUPERVISOR))
    router.callback_query.filter(RoleFilter(Role.SUPERVISOR))
    router.message.register(review_command, Command("review"))
    router.message.register(
        return_comment, StateFilter(ReviewStates.comment), F.text, ~F.text.startswith("/")
    )
    router.callback_query.register(on_review_button, ReviewCb.filter())
    return router


async def _send_evidence(
    bot: Bot, chat_id: int, files: list[EvidenceFile], store: EvidenceStore
) -> None:
    """The photos and files themselves: by file id, or from the bot's own store if Telegram
    no longer serves them."""
    photos = [f for f in files if f.kind is EvidenceKind.PHOTO]
    others = [f for f in files if f.kind is not EvidenceKind.PHOTO]
    for start in range(0, len(photos), 10):
        group = photos[start : start + 10]
        try:
            if len(group) == 1:
                await bot.send_photo(chat_id, group[0].file_id)
            else:
                await bot.send_media_group(
                    chat_id, [InputMediaPhoto(media=f.file_id) for f in group]
                )
        except TelegramBadRequest:
            for file in group:
                await _send_from_store(bot, chat_id, file, store)
    for file in others:
        try:
            await bot.send_document(chat_id, file.file_id)
        except TelegramBadRequest:
            await _send_from_store(bot, chat_id, file, store)


async def _send_from_store(
    bot: Bot, chat_id: int, file: EvidenceFile, store: EvidenceStore
) -> None:
    if not file.stored_path:
        log.warning("evidence unavailable: evidence_id=%s", file.id)
        return
    path = store.absolute(file.stored_path)
    if file.kind is EvidenceKind.PHOTO:
        await bot.send_photo(chat_id, FSInputFile(path))
    else:
        await bot.send_document(chat_id, FSInputFile(path, filename=file.file_name))


async def show_next(
    bot: Bot,
    chat_id: int,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    store: EvidenceStore,
    *,
    after_id: int | None = None,
) -> None:
    municipality = await municipality_of(session, user)
    pending = await pending_submissions(session, municipality.id)
    if after_id is not None:
        later = [s for s in pending if s.id > after_id]
        pending = later or pending
    if not pending:
        await bot.send_message(chat_id, t("review-none"))
        return
    submission = pending[0]
    today = await supervisor_today(session, user)
    task = await get_task_in_municipality(session, submission.assignment_id, municipality.id, today)  # type: ignore[arg-type]
    school = await session.get(School, submission.school_id)
    await session.commit()
    await _send_evidence(bot, chat_id, list(submission.files), store)
    lines = [
        t("review-header", index=1, total=len(pending)),
        t("review-school", school=esc(school.name if school else "")),
    ]
    if task is not None:
        lines.append(t("review-activity", activity=activity_title(t, task, 300)))
        lines.append(t("review-due", due=due_label(t, task), phrase=esc(task.deadline_phrase)))
    author = coordinator_label(submission.user) if submission.user else "—"
    lines.append(
        t(
            "review-author",
            author=esc(author),
            time=t.datetime(submission.submitted_at, municipality.timezone)
            if submission.submitted_at
            else "—",
        )
    )
    lines.append(t("count-files", n=len(submission.files)))
    if submission.comment:
        lines.append(t("review-comment", comment=esc(short(submission.comment, 1500))))
    await bot.send_message(
        chat_id, "\n".join(lines), reply_markup=review_keyboard(t, submission.id)
    )


async def review_command(
    message: Message,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    evidence_store: EvidenceStore,
):
    await show_next(bot, message.chat.id, t, session, user, evidence_store)


async def _tell_school(
    session: AsyncSession,
    sender: Sender,
    texts: Texts,
    submission: Submission,
    key: str,
    **params: str,
) -> None:
    """The sender hears about the decision (or every coordinator of the school, if they left)."""
    recipients = []
    if submission.user is not None and submission.user.school_id == submission.school_id:
        recipients = [submission.user]
    else:
        recipients = list(
            (
                await session.scalars(
                    select(User).where(
                        User.school_id == submission.school_id, User.role == Role.COORDINATOR
                    )
                )
            ).all()
        )
    for recipient in recipients:
        if recipient.chat_id is None or recipient.blocked:
            continue
        t = texts.for_locale(recipient.locale)
        await sender.send(recipient.chat_id, OutgoingMessage(t(key, **params)))


async def _activity_for(
    t: BoundTexts, session: AsyncSession, user: User, submission: Submission
) -> str:
    today = await supervisor_today(session, user)
    task = await get_task_in_municipality(
        session,
        submission.assignment_id,
        user.municipality_id,
        today,  # type: ignore[arg-type]
    )
    return activity_title(t, task, 300) if task else ""


async def on_review_button(
    callback: CallbackQuery,
    callback_data: ReviewCb,
    t: BoundTexts,
    texts: Texts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    state: FSMContext,
    sender: Sender,
    evidence_store: EvidenceStore,
):
    submission = await submission_for_review(
        session, callback_data.submission_id, user.municipality_id
    )  # type: ignore[arg-type]
    if submission is None:
        return callback.answer(t("button-not-yours"), show_alert=True)
    chat_id = callback.message.chat.id if callback.message else user.chat_id
    if callback_data.action == "next":
        await callback.answer()
        await show_next(bot, chat_id, t, session, user, evidence_store, after_id=submission.id)  # type: ignore[arg-type]
        return None
    if callback_data.action == "return":
        if submission.state.value != "submitted":
            return callback.answer(t("review-already-done"), show_alert=True)
        await state.set_state(ReviewStates.comment)
        await state.set_data({"submission_id": submission.id})
        await callback.answer()
        await bot.send_message(chat_id, t("review-ask-comment"))  # type: ignore[arg-type]
        return None
    try:
        await accept(session, submission, user)
    except DomainError as error:
        return callback.answer(t(error.key), show_alert=True)
    await callback.answer(t("review-accepted-short"))
    await _after_decision(
        t,
        texts,
        session,
        user,
        bot,
        sender,
        evidence_store,
        chat_id,
        submission,  # type: ignore[arg-type]
        told="review-told-accepted",
        done="review-accepted",
    )
    return None


async def _after_decision(
    t: BoundTexts,
    texts: Texts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    sender: Sender,
    store: EvidenceStore,
    chat_id: int,
    submission: Submission,
    *,
    told: str,
    done: str,
    **params: str,
) -> None:
    """Commit the decision, tell the school (in its language), confirm, show the next one."""
    activity = await _activity_for(t, session, user, submission)
    school_texts = texts.for_locale(submission.user.locale if submission.user else None)
    school_activity = await _activity_for(school_texts, session, user, submission)
    await session.commit()
    await _tell_school(session, sender, texts, submission, told, activity=school_activity, **params)
    await bot.send_message(chat_id, t(done, activity=activity))
    await show_next(bot, chat_id, t, session, user, store, after_id=submission.id)


async def return_comment(
    message: Message,
    t: BoundTexts,
    texts: Texts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    state: FSMContext,
    sender: Sender,
    evidence_store: EvidenceStore,
):
    data = await state.get_data()
    submission = await submission_for_review(
        session, int(data.get("submission_id", 0)), user.municipality_id
    )  # type: ignore[arg-type]
    await state.clear()
    if submission is None:
        return message.answer(t("button-not-yours"))
    try:
        await return_for_rework(session, submission, user, message.text or "")
    except DomainError as error:
        return message.answer(t(error.key))
    await _after_decision(
        t,
        texts,
        session,
        user,
        bot,
        sender,
        evidence_store,
        message.chat.id,
        submission,
        told="review-told-returned",
        done="review-returned",
        comment=esc(submission.review_comment),
    )
    return None
