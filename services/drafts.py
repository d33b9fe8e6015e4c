"""A coordinator's draft, step by step: the use cases behind their files, texts and buttons.

Each function takes the update's session and the coordinator, does one step and returns plain
data — :class:`DraftView` (what they see next) or :class:`Receipt` — for the handler to render.
A refusal is a :class:`~services.errors.DomainError` raised before anything is written, so the
rollback of the update loses nothing else. Buttons carry ids only: every step re-checks that the
draft is the person's own and the activity their school's (``button-not-yours`` otherwise).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy.ext.asyncio import AsyncSession

from models import EvidenceFile, Role, Submission, SubmissionState, User
from services.errors import DomainError
from services.evidence import DownloadQueue, EvidenceStore
from services.submissions import (
    Caption,
    EvidenceInput,
    add_comment,
    add_evidence,
    attach_assignment,
    attach_task,
    cancel_draft,
    check_attachable,
    check_size,
    current_draft,
    finish_draft,
    get_or_create_draft,
    guess_assignment,
    parse_caption,
)
from services.tasks import TaskItem, button_task, get_task, school_tasks
from services.unit_of_work import persist_before_io
from services.users import municipality_of, today_for

log = logging.getLogger(__name__)


class DraftStep(StrEnum):
    """Where the draft stands, which decides the question the coordinator is asked."""

    PICK = "pick"  # which activity is it for? (``DraftView.candidates``)
    NO_OPEN_TASKS = "nothing_open"  # files kept, but the school has nothing left to do
    TASK_GONE = "gone"  # the activity it was for is no longer the school's
    FOR_ACTIVITY = "ready"  # for ``DraftView.task``: send, cancel or another activity


@dataclass(frozen=True)
class DraftView:
    """What the coordinator sees after each step: the draft's id (for its buttons), where it
    stands, how many files and what comment it holds, and the activity or the candidates."""

    draft_id: int
    step: DraftStep
    files: int
    comment: str | None = None
    task: TaskItem | None = None
    candidates: tuple[TaskItem, ...] = ()
    fetching: int = 0  # of ``files``: received, still being downloaded into the store
    lost: int = 0  # of ``files``: could not be fetched after the retries

    @property
    def can_send(self) -> bool:
        """«Send» is offered: the activity is known and there is a file or a comment."""
        return self.step is DraftStep.FOR_ACTIVITY and bool(self.files or self.comment)


@dataclass(frozen=True)
class KeptFile:
    """A file kept in the draft ``draft_id``; ``view`` unless the caller asked for none."""

    draft_id: int
    view: DraftView | None


@dataclass(frozen=True)
class Receipt:
    """A sent draft: its activity (``None`` if it is gone), how many files, when (UTC) and the
    municipality's time zone to show that in."""

    task: TaskItem | None
    files: int
    submitted_at: datetime | None
    timezone: str
    fetching: int = 0  # of ``files``: still being downloaded into the store
    lost: int = 0  # of ``files``: could not be fetched after the retries


def fetch_state(files: list[EvidenceFile]) -> tuple[int, int]:
    """(still being fetched, given up) among a draft's files: what its receipt owns up to."""
    lost = sum(1 for f in files if f.failed_at is not None and f.downloaded_at is None)
    fetching = sum(1 for f in files if f.downloaded_at is None and f.failed_at is None)
    return fetching, lost


async def _open_tasks(session: AsyncSession, school_id: int, today: date) -> list[TaskItem]:
    return [task for task in await school_tasks(session, school_id, today) if task.is_open]


async def view_of(session: AsyncSession, draft: Submission, today: date) -> DraftView:
    """The :class:`DraftView` of a draft (its files loaded) as of ``today``."""
    files = len(draft.files)
    fetching, lost = fetch_state(draft.files)
    counts = {"fetching": fetching, "lost": lost}
    if draft.assignment_id is None:
        candidates = await _open_tasks(session, draft.school_id, today)
        step = DraftStep.PICK if candidates else DraftStep.NO_OPEN_TASKS
        return DraftView(
            draft.id, step, files, draft.comment, candidates=tuple(candidates), **counts
        )
    task = await get_task(session, draft.assignment_id, draft.school_id, today)
    if task is None:
        return DraftView(draft.id, DraftStep.TASK_GONE, files, draft.comment, **counts)
    return DraftView(draft.id, DraftStep.FOR_ACTIVITY, files, draft.comment, task=task, **counts)


async def draft_view(session: AsyncSession, user: User, draft_id: int) -> DraftView | None:
    """The view of the person's draft if ``draft_id`` is still their open draft; ``None`` once
    it was sent or dropped (an album's late answer then says nothing)."""
    draft = await current_draft(session, user.id)
    if draft is None or draft.id != draft_id:
        return None
    return await view_of(session, draft, await today_for(session, user))


async def _attach_if_certain(
    session: AsyncSession,
    draft: Submission,
    caption: Caption,
    reply_to: tuple[int, int] | None,
    today: date,
) -> None:
    """Say which activity the draft is for when it is certain: the card or reminder replied
    to (``reply_to``: chat id, message id), the number in the caption («выполнено 3»), or the
    school's only open activity."""
    if draft.assignment_id is not None:
        return
    assignment_id, _candidates = await guess_assignment(
        session, draft.school_id, today, reply_to=reply_to, number_hint=caption.number_hint
    )
    if assignment_id is not None:
        await attach_assignment(session, draft, assignment_id, today)


async def keep_file(
    session: AsyncSession,
    user: User,
    evidence: EvidenceInput,
    caption: Caption,
    *,
    reply_to: tuple[int, int] | None,
    store: EvidenceStore,
    downloads: DownloadQueue | None,
    with_view: bool = True,
) -> KeptFile:
    """A photo, video or document from the coordinator: into their draft (made if need be).

    The draft and the file's row (with the messenger's file id) are committed at once and the
    download queue is nudged (scheduler/evidence.py fetches it, with retries): the answer never
    waits for the download. Raises ``DomainError("evidence-too-large")`` before writing anything.
    """
    check_size(evidence, store.limits)
    today = await today_for(session, user)
    draft, _created = await get_or_create_draft(session, user)
    await _attach_if_certain(session, draft, caption, reply_to, today)
    _row, added = await add_evidence(session, draft, evidence)
    if added and caption.comment:
        add_comment(draft, caption.comment)
    await persist_before_io(session, "the file's row before its download is queued")
    if downloads is not None:
        downloads.wake()
    view = await view_of(session, draft, today) if with_view else None
    return KeptFile(draft.id, view)


async def add_text(
    session: AsyncSession, user: User, text: str | None, reply_to: tuple[int, int] | None
) -> DraftView | None:
    """A text from the coordinator: a comment to their draft, or «выполнено…» starting one.
    ``None`` when there is no draft and the text does not say «done» (nothing is written)."""
    draft = await current_draft(session, user.id)
    caption = parse_caption(text)
    if draft is None and not caption.done:
        return None
    today = await today_for(session, user)
    if draft is None:
        draft, _ = await get_or_create_draft(session, user)
    await _attach_if_certain(session, draft, caption, reply_to, today)
    add_comment(draft, caption.comment if caption.done else (text or ""))
    await session.flush()
    return await view_of(session, draft, today)


async def start_for_task(session: AsyncSession, user: User, assignment_id: int) -> DraftView:
    """«Mark done» under an activity's card: the draft (made if need be) is for that activity.

    Everything is checked before the draft is made: ``button-not-yours``, the activity already
    sent or accepted, or a draft with files for another activity (``DomainError``).
    """
    today = await today_for(session, user)
    task = await button_task(session, user.school_id, assignment_id, today)  # type: ignore[arg-type]
    draft = await current_draft(session, user.id)
    check_attachable(task, draft)
    if draft is None:
        draft, _ = await get_or_create_draft(session, user)
    await attach_task(session, draft, task)
    return await view_of(session, draft, today)


async def own_draft(session: AsyncSession, user: User, draft_id: int) -> Submission:
    """The person's open draft with this id (files loaded), for one of its buttons.

    Raises ``DomainError("button-not-yours")`` for someone else's draft or one that does not
    exist, ``DomainError("draft-stale")`` for one already sent or dropped.
    """
    draft = await session.get(Submission, draft_id)
    if draft is None or draft.user_id != user.id:
        raise DomainError("button-not-yours")
    if draft.state is not SubmissionState.DRAFT:
        raise DomainError("draft-stale")
    current = await current_draft(session, user.id)
    assert current is not None  # it is the DRAFT above: one open draft per person
    return current


async def show_draft(session: AsyncSession, user: User, draft_id: int) -> DraftView:
    """The view of the person's own open draft (a button without another meaning)."""
    draft = await own_draft(session, user, draft_id)
    return await view_of(session, draft, await today_for(session, user))


async def pick_activity(
    session: AsyncSession, user: User, draft_id: int, assignment_id: int
) -> DraftView:
    """An activity picked for the draft from the «which activity?» buttons."""
    draft = await own_draft(session, user, draft_id)
    today = await today_for(session, user)
    task = await button_task(session, draft.school_id, assignment_id, today)
    await attach_task(session, draft, task)
    return await view_of(session, draft, today)


async def choose_another(session: AsyncSession, user: User, draft_id: int) -> DraftView:
    """«Another activity»: the draft with files forgets its activity; the question is asked
    again with the school's open activities (always :attr:`DraftStep.PICK`)."""
    draft = await own_draft(session, user, draft_id)
    candidates = await _open_tasks(session, draft.school_id, await today_for(session, user))
    if draft.files:
        draft.assignment_id = None
    return DraftView(
        draft.id, DraftStep.PICK, len(draft.files), draft.comment, candidates=tuple(candidates)
    )


async def _drop(session: AsyncSession, draft: Submission, store: EvidenceStore) -> None:
    files = await cancel_draft(session, draft)
    await persist_before_io(session, "draft cancelled before its files are deleted")
    for file in files:
        store.delete(file)


async def cancel_by_button(
    session: AsyncSession, user: User, draft_id: int, store: EvidenceStore
) -> None:
    """«Cancel» under the draft: it is dropped, then its stored files are deleted."""
    await _drop(session, await own_draft(session, user, draft_id), store)


async def drop_current_draft(session: AsyncSession, user: User, store: EvidenceStore) -> bool:
    """/cancel: drop the coordinator's draft, if there is one, and its stored files.

    Returns whether there was one (always ``False`` for someone who is not a coordinator).
    """
    if user.role is not Role.COORDINATOR:
        return False
    draft = await current_draft(session, user.id)
    if draft is None:
        return False
    await _drop(session, draft, store)
    return True


async def send_draft(session: AsyncSession, user: User, draft_id: int) -> Receipt:
    """«Send»: the draft becomes a submission for review (see
    :func:`services.submissions.finish_draft` for the refusals)."""
    draft = await own_draft(session, user, draft_id)
    today = await today_for(session, user)
    task = None
    if draft.assignment_id is not None:
        task = await get_task(session, draft.assignment_id, draft.school_id, today)
    await finish_draft(session, draft)
    municipality = await municipality_of(session, user)
    fetching, lost = fetch_state(draft.files)
    return Receipt(
        task, len(draft.files), draft.submitted_at, municipality.timezone, fetching, lost
    )
