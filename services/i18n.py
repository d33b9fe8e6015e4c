"""Texts from ``locales/`` (gettext catalogs, read with Babel) and dates in people's language.

Messages are looked up by key («import-empty-file»); the .po files hold the Russian and English
texts, Russian plural forms included («1 мероприятие», «3 мероприятия», «5 мероприятий»). The
catalogs are compiled in memory when loaded, so the repository holds no binary .mo files.

Nothing here knows about Telegram: the bot, the CLI and the services share it.
"""

from __future__ import annotations

import functools
import gettext
import io
import logging
import string
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol

from babel import Locale
from babel.dates import format_date, format_datetime, get_timezone
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal

import locales

log = logging.getLogger(__name__)

LOCALES_DIR = Path(locales.__file__).resolve().parent
DOMAIN = "messages"
SUPPORTED_LOCALES = ("ru", "en")


def load_translations(
    path: Path = LOCALES_DIR, domain: str = DOMAIN
) -> dict[str, gettext.GNUTranslations]:
    translations: dict[str, gettext.GNUTranslations] = {}
    for locale_dir in sorted(path.iterdir()):
        po_path = locale_dir / "LC_MESSAGES" / f"{domain}.po"
        if not po_path.is_file():
            continue
        with po_path.open("rb") as handle:
            catalog = read_po(handle, locale=locale_dir.name, domain=domain)
        buffer = io.BytesIO()
        write_mo(buffer, catalog, use_fuzzy=False)
        buffer.seek(0)
        translations[locale_dir.name] = gettext.GNUTranslations(buffer)
    return translations


class Translator(Protocol):
    """``t("key", n=3, name="…")``: what handlers, keyboards and services render text with."""

    locale: str

    def __call__(self, key: str, /, n: int | None = None, **params: Any) -> str: ...

    def date(self, value: date, style: str = "short") -> str: ...


class Texts:
    """All catalogs; :meth:`for_locale` gives a :class:`Translator` bound to one language."""

    def __init__(
        self,
        translations: Mapping[str, gettext.GNUTranslations] | None = None,
        default_locale: str = "ru",
    ) -> None:
        self.translations = dict(translations or load_translations())
        self.default_locale = default_locale if default_locale in self.translations else "ru"

    @property
    def locales(self) -> tuple[str, ...]:
        return tuple(self.translations)

    def resolve_locale(self, locale: str | None) -> str:
        if locale:
            short = locale.split("-")[0].split("_")[0].lower()
            if short in self.translations:
                return short
        return self.default_locale

    def get(self, key: str, locale: str | None = None, n: int | None = None, **params: Any) -> str:
        catalog = self.translations.get(self.resolve_locale(locale))
        if catalog is None:
            return key
        if n is None:
            text = catalog.gettext(key)
        else:
            text = catalog.ngettext(key, f"{key}#plural", n)
            params.setdefault("n", n)
        if text == key or text == f"{key}#plural":
            log.warning("missing text %r for locale %s", key, locale)
            return key
        if params:
            params = _typeset(
                text, params, self._inner_quotes(catalog), self.resolve_locale(locale)
            )
            try:
                return text.format(**params)
            except (KeyError, IndexError, ValueError):
                log.exception("text %r cannot be formatted with %s", key, sorted(params))
                return text
        return text

    @staticmethod
    def _inner_quotes(catalog: gettext.GNUTranslations) -> str:
        pair = catalog.gettext(INNER_QUOTES)
        return pair if len(pair) == 2 else "„“"

    def has(self, key: str, locale: str) -> bool:
        catalog = self.translations.get(locale)
        return catalog is not None and (
            catalog.gettext(key) != key or catalog.ngettext(key, f"{key}#plural", 1) != key
        )

    def for_locale(self, locale: str | None) -> BoundTexts:
        return BoundTexts(self, self.resolve_locale(locale))


@functools.cache
def babel_locale(code: str) -> Locale:
    """Parsed once: babel parses a locale name on every call it is given one (a reminder pass
    formats thousands of dates)."""
    return Locale.parse(code)


# --- issue 12 (item 11): numbers and quotes as the language writes them
INNER_QUOTES = "fmt-quotes-inner"  # the pair of quotes inside «…» (ru „“, en “”)
_OUTER = ("«", "»")


@functools.lru_cache(maxsize=4096)
def _quoted_fields(template: str) -> frozenset[str]:
    """The names of the placeholders that stand inside «…» in ``template``."""
    depth = 0
    quoted: set[str] = set()
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError:
        return frozenset()
    for literal, field, _, _ in parsed:
        depth = max(0, depth + literal.count(_OUTER[0]) - literal.count(_OUTER[1]))
        if field is not None and depth > 0:
            quoted.add(field.split(".")[0].split("[")[0])
    return frozenset(quoted)


def _typeset(template: str, params: dict[str, Any], inner: str, locale: str) -> dict[str, Any]:
    """Floats in the language's style («20,5»); a value placed inside «…» has its own «…»
    turned into the inner quotes, so quotes never nest as «…«…»…»."""
    quoted = _quoted_fields(template)
    result = dict(params)
    for name, value in params.items():
        if isinstance(value, float):
            result[name] = format_decimal(value, locale=babel_locale(locale))
        elif name in quoted and isinstance(value, str) and _OUTER[0] in value:
            result[name] = value.replace(_OUTER[0], inner[0]).replace(_OUTER[1], inner[1])
    return result


class BoundTexts:
    def __init__(self, texts: Texts, locale: str) -> None:
        self.texts = texts
        self.locale = locale

    def __call__(self, key: str, /, n: int | None = None, **params: Any) -> str:
        return self.texts.get(key, self.locale, n=n, **params)

    def date(self, value: date, style: str = "short") -> str:
        """``short`` 30.09.2021; ``day_month`` «15 января»; ``long`` «15 января 2022 г.»."""
        pattern = self(f"fmt-date-{style}")
        return format_date(value, format=pattern, locale=babel_locale(self.locale))

    def datetime(self, value: datetime, timezone: str | None = None) -> str:
        pattern = self("fmt-datetime")
        zone = get_timezone(timezone) if timezone else None
        return format_datetime(value, format=pattern, tzinfo=zone, locale=babel_locale(self.locale))
