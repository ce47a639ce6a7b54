"""WTForms' own messages ("Not a valid choice" ...) in the request's language.

Flask-WTF reads WTForms' message catalogue again for every request that needs one; a
catalogue never changes while the app runs, so each language's is read once per process.
"""

from __future__ import annotations

from babel import support
from flask_babel import get_locale
from wtforms.i18n import messages_path


class CachedTranslations:
    """gettext/ngettext for WTForms, from catalogues loaded once per language."""

    def __init__(self) -> None:
        self._loaded: dict[str, support.Translations] = {}

    def _catalogue(self) -> support.Translations | None:
        locale = get_locale()
        if locale is None:  # outside a request
            return None
        key = str(locale)
        catalogue = self._loaded.get(key)
        if catalogue is None:
            catalogue = support.Translations.load(messages_path(), [locale], domain="wtforms")
            self._loaded[key] = catalogue
        return catalogue

    def gettext(self, string: str) -> str:
        catalogue = self._catalogue()
        return string if catalogue is None else catalogue.ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        catalogue = self._catalogue()
        if catalogue is None:
            return singular if n == 1 else plural
        return catalogue.ungettext(singular, plural, n)


translations = CachedTranslations()
