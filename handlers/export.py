"""/export: the Excel report (everything, one school, one half-year) and the evidence archive."""

from __future__ import annotations

import logging
import shutil
import tempfile
from datetime import date
from pathlib import Path

from aiogram import Bot, Router
from aiogram.filters import Command
from aiogram.types import CallbackQuery, FSInputFile, InlineKeyboardButton, Message
from aiogram.utils.keyboard import InlineKeyboardBuilder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.settings import Settings
from handlers.callbacks import ExportCb
from handlers.context import municipality_of, supervisor_today
from handlers.filters import RoleFilter
from models import Plan, Role, School, User
from services.background import Background
from services.evidence import EvidenceStore
from services.export import (
    ExportOptions,
    export_file_name,
    half_years,
)
from services.export_job import ExportJob, run_in_child
from services.i18n import BoundTexts
from services.render import short

log = logging.getLogger(__name__)


def create_router() -> Router:
    router = Router(name=__name__)
    router.message.filter(RoleFilter(Role.SUPERVISOR))
    router.callback_query.filter(RoleFilter(Role.SUPERVISOR))
    router.message.register(export_command, Command("export"))
    router.callback_query.register(on_export_button, ExportCb.filter())
    return router


def _ymd(day: date) -> int:
    return day.year * 10000 + day.month * 100 + day.day


def _from_ymd(value: int) -> date | None:
    try:
        return date(value // 10000, value // 100 % 100, value % 100)
    except ValueError:
        return None


async def export_command(message: Message, t: BoundTexts):
    builder = InlineKeyboardBuilder()
    builder.button(text=t("btn-export-all"), callback_data=ExportCb(action="all"))
    builder.button(text=t("btn-export-school"), callback_data=ExportCb(action="schools"))
    builder.button(text=t("btn-export-period"), callback_data=ExportCb(action="periods"))
    builder.button(text=t("btn-export-archive"), callback_data=ExportCb(action="archive"))
    builder.adjust(2, 2)
    return message.answer(t("export-choose"), reply_markup=builder.as_markup())


async def _periods(session: AsyncSession, municipality_id: int) -> list[tuple[date, date]]:
    rows = (
        await session.execute(
            select(Plan.period_start, Plan.period_end).where(
                Plan.municipality_id == municipality_id
            )
        )
    ).all()
    found = sorted({half for start, end in rows for half in half_years(start, end)})
    return found


def period_label(t: BoundTexts, first: date, last: date) -> str:
    school_year = first.year if first.month >= 9 else first.year - 1
    return t(
        "export-period-label",
        half=t("export-half-1" if first.month >= 9 else "export-half-2"),
        first=school_year,
        second=school_year + 1,
        start=t.date(first),
        end=t.date(last),
    )


async def on_export_button(
    callback: CallbackQuery,
    callback_data: ExportCb,
    t: BoundTexts,
    session: AsyncSession,
    user: User,
    bot: Bot,
    background: Background,
    settings: Settings,
    evidence_store: EvidenceStore,
):
    municipality = await municipality_of(session, user)
    chat_id = callback.message.chat.id if callback.message else user.chat_id
    action = callback_data.action
    if action == "schools":
        schools = (
            await session.execute(
                select(School.id, School.name)
                .where(School.municipality_id == municipality.id)
                .order_by(School.name_key)
            )
        ).all()
        builder = InlineKeyboardBuilder()
        for school_id, name in schools[:50]:
            builder.row(
                InlineKeyboardButton(
                    text=short(name, 50),
                    callback_data=ExportCb(action="school", value=school_id).pack(),
                )
            )
        await callback.answer()
        await bot.send_message(chat_id, t("export-choose-school"), reply_markup=builder.as_markup())  # type: ignore[arg-type]
        return None
    if action == "periods":
        builder = InlineKeyboardBuilder()
        for first, last in await _periods(session, municipality.id):
            builder.row(
                InlineKeyboardButton(
                    text=period_label(t, first, last),
                    callback_data=ExportCb(action="period", value=_ymd(first)).pack(),
                )
            )
        await callback.answer()
        await bot.send_message(chat_id, t("export-choose-period"), reply_markup=builder.as_markup())  # type: ignore[arg-type]
        return None

    options = ExportOptions()
    if action == "school":
        school = await session.get(School, callback_data.value)
        if school is None or school.municipality_id != municipality.id:
            return callback.answer(t("button-not-yours"), show_alert=True)
        options.school_id = school.id
    elif action == "period":
        first = _from_ymd(callback_data.value)
        match = [p for p in await _periods(session, municipality.id) if p[0] == first]
        if not match:
            return callback.answer(t("button-stale"), show_alert=True)
        options.period = match[0]
    elif action not in ("all", "archive"):
        return callback.answer(t("button-stale"), show_alert=True)

    today = await supervisor_today(session, user)
    job = ExportJob(
        database_url=settings.DATABASE_URL,
        locale=t.locale,
        municipality_id=municipality.id,
        today=today,
        workdir=Path(tempfile.mkdtemp(prefix="roadmap-export-")),
        file_name=Path(export_file_name(t, municipality.name, today)).name,
        evidence_dir=evidence_store.root,
        archive=action == "archive",
        options=options,
    )
    await callback.answer()

    async def run() -> None:
        try:
            await bot.send_message(
                chat_id, t("export-archive-working" if job.archive else "export-working")
            )  # type: ignore[arg-type]
            result = await run_in_child(job)
            if job.archive:
                if not result.files:
                    await bot.send_message(chat_id, t("export-archive-empty"))  # type: ignore[arg-type]
                for part in result.files:
                    await bot.send_document(chat_id, FSInputFile(part))  # type: ignore[arg-type]
                if len(result.files) > 1:
                    await bot.send_message(chat_id, t("export-archive-parts", n=len(result.files)))  # type: ignore[arg-type]
                return
            caption = t("export-ready", rows=result.rows, reports=result.reports)
            await bot.send_document(chat_id, FSInputFile(result.files[0]), caption=caption)  # type: ignore[arg-type]
        except Exception:
            log.exception(
                "export failed: municipality_id=%s action=%s", job.municipality_id, action
            )
            await bot.send_message(chat_id, t("export-failed"))  # type: ignore[arg-type]
        finally:
            shutil.rmtree(job.workdir, ignore_errors=True)

    background.spawn(run(), name=f"export:{job.municipality_id}:{action}")
    return None
