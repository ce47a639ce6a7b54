"""marshmallow's own messages, marked here so the catalogues translate them."""

from builder.i18n import N_

MARSHMALLOW_MESSAGES = (
    N_("Missing data for required field."),
    N_("Unknown field."),
    N_("Not a valid string."),
    N_("Not a valid integer."),
    N_("Not a valid number."),
    N_("Not a valid boolean."),
    N_("Not a valid date."),
    N_("Not a valid list."),
    N_("Invalid input type."),
    N_("Field may not be null."),
    N_("Invalid value."),
)
