"""/start (and invite links), /help, /lang, /cancel: for everyone, by role."""

from __future__ import annotations

from aiogram import Bot, Router
from aiogram.filters import Command, CommandObject, CommandStart
from aiogram.fsm.context import FSMContext
from aiogram.types import CallbackQuery, Message
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import ForgetCb, LangCb
from handlers.keyboards import language_keyboard
from handlers.menu import set_user_commands
from models import Municipality, Role, School, User
from services.clock import local_today
from services.errors import DomainError
from services.evidence import EvidenceStore
from services.i18n import BoundTexts, Texts
from services.invites import redeem_invite
from services.render import due_label, esc
from services.tasks import school_tasks
from services.users import set_locale


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.register(start_with_token, CommandStart(deep_link=True))
    router.message.register(start, CommandStart())
    router.message.register(help_command, Command("help"))
    router.message.register(cancel, Command("cancel"))
    router.message.register(language, Command("lang"))
    router.message.register(forget_me, Command("forgetme"))
    router.callback_query.register(forget_confirmed, ForgetCb.filter())
    router.callback_query.register(language_chosen, LangCb.filter())
    return router


async def greeting(t: BoundTexts, session: AsyncSession, user: User | None) -> str:
    if user is not None and user.role is Role.SUPERVISOR and user.municipality_id:
        municipality = await session.get(Municipality, user.municipality_id)
        return t(
            "start-supervisor",
            name=esc(user.full_name),
            municipality=esc(municipality.name if municipality else ""),
        )
    if user is not None and user.role is Role.COORDINATOR and user.school_id:
        return await coordinator_greeting(t, session, user)
    return t("start-stranger")


async def coordinator_greeting(t: BoundTexts, session: AsyncSession, user: User) -> str:
    school = await session.get(School, user.school_id)
    municipality = await session.get(Municipality, user.municipality_id)
    assert school is not None and municipality is not None
    today = local_today(municipality.timezone)
    open_tasks = [task for task in await school_tasks(session, school.id, today) if task.is_open]
    dated = [task for task in open_tasks if task.due_on is not None]
    text = t("start-coordinator", name=esc(user.full_name), school=esc(school.name))
    if open_tasks:
        text += "\n\n" + t("start-coordinator-tasks", n=len(open_tasks))
        if dated:
            text += " " + t("start-coordinator-nearest", due=due_label(t, dated[0]))
    return text + "\n\n" + t("start-coordinator-how")


async def start(message: Message, t: BoundTexts, session: AsyncSession, user: User | None = None):
    return message.answer(await greeting(t, session, user))


async def start_with_token(
    message: Message,
    command: CommandObject,
    t: BoundTexts,
    texts: Texts,
    session: AsyncSession,
    bot: Bot,
    state: FSMContext,
    user: User | None = None,
):
    if user is None:
        return message.answer(t("start-stranger"))
    try:
        redeemed = await redeem_invite(session, command.args or "", user)
    except DomainError as error:
        return message.answer(t(error.key) + "\n\n" + await greeting(t, session, user))
    await state.clear()
    await session.commit()
    await set_user_commands(bot, texts, user.chat_id, user.role, user.locale)
    if redeemed.role is Role.SUPERVISOR:
        return message.answer(
            t("invite-welcome-supervisor", municipality=esc(redeemed.municipality.name))
            + "\n\n"
            + t("help-supervisor")
        )
    text = await coordinator_greeting(t, session, user)
    if redeemed.rebound_from:
        text = t("invite-rebound", previous=esc(redeemed.rebound_from)) + "\n\n" + text
    return message.answer(text)


def help_key(user: User | None) -> str:
    if user is not None and user.role is Role.SUPERVISOR:
        return "help-supervisor"
    if user is not None and user.role is Role.COORDINATOR:
        return "help-coordinator"
    return "help-stranger"


async def help_command(message: Message, t: BoundTexts, user: User | None = None):
    return message.answer(t(help_key(user)))


async def cancel(
    message: Message,
    t: BoundTexts,
    state: FSMContext,
    session: AsyncSession,
    evidence_store: EvidenceStore,
    user: User | None = None,
):
    from handlers.submissions import drop_draft

    had_state = await state.get_state() is not None
    await state.clear()
    dropped = await drop_draft(session, user, evidence_store) if user is not None else False
    return message.answer(t("cancel-done" if had_state or dropped else "cancel-nothing"))


async def language(message: Message, t: BoundTexts):
    return message.answer(t("lang-choose"), reply_markup=language_keyboard(t))


async def language_chosen(
    callback: CallbackQuery,
    callback_data: LangCb,
    texts: Texts,
    session: AsyncSession,
    bot: Bot,
    user: User | None = None,
):
    if user is None or callback_data.locale not in texts.locales:
        return callback.answer(texts.get("button-stale"), show_alert=True)
    await set_locale(session, user, callback_data.locale)
    t = texts.for_locale(callback_data.locale)
    await session.commit()
    await set_user_commands(bot, texts, user.chat_id, user.role, user.locale)
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(t("lang-set") + "\n\n" + t(help_key(user)))


async def forget_me(message: Message, t: BoundTexts, user: User | None = None):
    if user is None or user.role is not Role.COORDINATOR:
        return message.answer(t("forget-not-coordinator"))
    from aiogram.utils.keyboard import InlineKeyboardBuilder

    builder = InlineKeyboardBuilder()
    builder.button(text=t("btn-forget-confirm"), callback_data=ForgetCb(user_id=user.id))
    return message.answer(t("forget-confirm"), reply_markup=builder.as_markup())


async def forget_confirmed(
    callback: CallbackQuery,
    callback_data: ForgetCb,
    t: BoundTexts,
    session: AsyncSession,
    bot: Bot,
    texts: Texts,
    user: User | None = None,
):
    from services.privacy import forget

    if user is None or user.id != callback_data.user_id or user.role is not Role.COORDINATOR:
        return callback.answer(t("button-not-yours"), show_alert=True)
    chat_id = user.chat_id
    await forget(session, user)
    await session.commit()
    await set_user_commands(bot, texts, chat_id, None, None)
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(t("forget-done"))
    return None
