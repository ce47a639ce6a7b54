"""Markers for translatable strings in the pure form model.

The form model must not depend on a request, so it marks strings with ``N_`` (or builds
a ``Msg`` when the text has values in it) and the web layer translates them where they
are shown.
"""


def N_(message: str) -> str:  # noqa: N802 - conventional gettext marker name
    """Mark *message* for extraction; translation happens where it is shown."""
    return message


class Msg(str):
    """A message with values: reads as the English text, translates from its template."""

    template: str
    params: dict

    def __new__(cls, template: str, **params):
        text = super().__new__(cls, template % params if params else template)
        text.template = template
        text.params = params
        return text


def translate(message, gettext) -> str:
    """Translate a plain or ``Msg`` message with *gettext*."""
    if isinstance(message, Msg):
        return gettext(message.template) % message.params
    return gettext(str(message))
