"""Schools and invites: /addschool, /invite, /schools, /addsupervisor."""

from __future__ import annotations

from aiogram import Bot, F, Router
from aiogram.filters import Command, CommandObject
from aiogram.types import CallbackQuery, Message
from aiogram.utils.deep_linking import create_start_link
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.callbacks import SchoolCb
from handlers.context import municipality_of, supervisor_today
from handlers.filters import RoleFilter
from handlers.keyboards import schools_keyboard
from models import Role, School, SchoolKind, User
from services.errors import DomainError
from services.i18n import BoundTexts
from services.invites import INVITE_TTL, create_invite
from services.names import names_match
from services.preview import kind_label
from services.progress import municipality_counts
from services.render import error_text, esc
from services.schools import add_school, list_schools, split_name_and_kind


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(RoleFilter(Role.SUPERVISOR))
    router.callback_query.filter(RoleFilter(Role.SUPERVISOR))
    router.message.register(add_school_command, Command("addschool"))
    router.message.register(invite_command, Command("invite"))
    router.message.register(schools_command, Command("schools"))
    router.message.register(add_supervisor_command, Command("addsupervisor"))
    router.callback_query.register(invite_button, SchoolCb.filter(F.action == "invite"))
    return router


async def invite_text(
    t: BoundTexts, session: AsyncSession, bot: Bot, user: User, school: School
) -> str:
    token = await create_invite(
        session,
        municipality_id=school.municipality_id,
        role=Role.COORDINATOR,
        school_id=school.id,
        actor_id=user.id,
    )
    link = await create_start_link(bot, token)
    return t("school-invite", name=esc(school.name), link=link, days=INVITE_TTL.days)


async def add_school_command(
    message: Message,
    command: CommandObject,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
):
    name, kind = split_name_and_kind(command.args or "")
    if not name:
        return message.answer(t("addschool-usage"))
    municipality = await municipality_of(session, user)
    try:
        school = await add_school(
            session, municipality.id, name, kind or SchoolKind.OTHER, actor_id=user.id
        )
    except DomainError as error:
        return message.answer(error_text(t, error))
    today = await supervisor_today(session, user)
    progress = await municipality_counts(session, municipality.id, today, school_id=school.id)
    assigned = progress.schools[0].assigned if progress.schools else 0
    text = t(
        "school-added",
        name=esc(school.name),
        kind=kind_label(t, school.kind),
        tasks=t("count-activities", n=assigned),
    )
    if kind is None:
        text += "\n" + t("school-added-no-kind")
    text += "\n\n" + await invite_text(t, session, bot, user, school)
    return message.answer(text)


async def invite_command(
    message: Message,
    command: CommandObject,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
):
    municipality = await municipality_of(session, user)
    schools = await list_schools(session, municipality.id)
    if not schools:
        return message.answer(t("schools-empty"))
    wanted = (command.args or "").strip()
    if not wanted:
        return message.answer(
            t("invite-choose"),
            reply_markup=schools_keyboard(t, [(s.id, s.name) for s in schools], "invite"),
        )
    found = [school for school in schools if names_match(school.name, wanted)]
    if len(found) != 1:
        return message.answer(
            t("invite-school-not-found", name=esc(wanted)),
            reply_markup=schools_keyboard(t, [(s.id, s.name) for s in schools], "invite"),
        )
    return message.answer(await invite_text(t, session, bot, user, found[0]))


async def invite_button(
    callback: CallbackQuery,
    callback_data: SchoolCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
):
    school = await session.get(School, callback_data.school_id)
    if school is None or school.municipality_id != user.municipality_id:
        return callback.answer(t("button-not-yours"), show_alert=True)
    text = await invite_text(t, session, bot, user, school)
    await session.commit()
    await callback.answer()
    if callback.message is not None:
        await callback.message.answer(text)
    return None


async def schools_command(message: Message, t: BoundTexts, session: AsyncSession, user: User):
    municipality = await municipality_of(session, user)
    today = await supervisor_today(session, user)
    progress = await municipality_counts(session, municipality.id, today)
    if not progress.schools:
        return message.answer(t("schools-empty"))
    lines = [t("schools-header", n=len(progress.schools))]
    for school in progress.schools:
        coordinators = ", ".join(esc(c) for c in school.coordinators) or t("schools-no-coordinator")
        lines.append(
            t(
                "schools-line",
                name=esc(school.name),
                kind=kind_label(t, school.kind),
                coordinators=coordinators,
                accepted=school.accepted,
                assigned=school.assigned,
            )
        )
    lines.append(t("schools-hint"))
    return message.answer("\n\n".join(lines))


async def add_supervisor_command(
    message: Message, t: BoundTexts, session: AsyncSession, user: User, bot: Bot
):
    token = await create_invite(
        session,
        municipality_id=user.municipality_id,
        role=Role.SUPERVISOR,
        actor_id=user.id,  # type: ignore[arg-type]
    )
    link = await create_start_link(bot, token)
    return message.answer(t("supervisor-invite", link=link, days=INVITE_TTL.days))
