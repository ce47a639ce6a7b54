"""The file attachment field type (添付ファイル).

What the record's column stores: a JSON list with one summary per file,
``[{"id": 12, "name": "住民票.pdf", "size": 183220, "type": "application/pdf"}]``, where
``id`` is the row of the ``attachment`` system table that holds the file's metadata and
its storage key. The column lets lists, the detail page and CSV exports show the file
names with no extra query; the ``attachment`` table stays the truth for downloads, which
check the reader's rights on the record and on this field.

An upload is checked here, by content (``file_kinds.sniff``), before anything is stored:
empty files, files over the size limit, too many files and kinds the field does not accept
get a message next to the field. Storing and holding uploads between the confirmation page
and the final submit belongs to the platform (``app.attachments``).
"""

from __future__ import annotations

import hashlib

from marshmallow import Schema, ValidationError, fields
from wtforms import Field
from wtforms import validators as v
from wtforms.widgets import FileInput

from builder.fields.base import Between, FieldType, FilterError
from builder.fields.file_kinds import DEFAULT_KINDS, KINDS, clean_filename, sniff
from builder.fields.uploads import BadReference, Upload, summaries
from builder.i18n import N_

MB = 1024 * 1024
MAX_SIZE_MB = 20
MAX_FILES = 5


def human_size(size: int) -> str:
    """1234567 -> "1.2 MB"; 2048 -> "2 KB"."""
    if size >= MB:
        return f"{size / MB:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"


class KindList(fields.List):
    """The allowed kinds: names from the fixed list, at least one, each once."""

    def _deserialize(self, value, attr, data, **kwargs):
        kinds = super()._deserialize(value, attr, data, **kwargs)
        if not kinds:
            raise ValidationError(N_("Choose at least one kind of file."))
        unknown = [k for k in kinds if k not in KINDS]
        if unknown:
            raise ValidationError(N_("Choose among the kinds of file offered."))
        return list(dict.fromkeys(kinds))


class FileSettings(Schema):
    max_size_mb = fields.Integer(
        load_default=5,
        validate=Between(min=1, max=MAX_SIZE_MB),
        metadata={"label": N_("Largest file (MB)")},
    )
    max_files = fields.Integer(
        load_default=1,
        validate=Between(min=1, max=MAX_FILES),
        metadata={"label": N_("Most files")},
    )
    kinds = KindList(
        fields.String(),
        load_default=lambda: list(DEFAULT_KINDS),
        metadata={
            "label": N_("Kinds of file accepted"),
            "widget": "options_multi",
            "options": [(k.name, k.label) for k in KINDS.values()],
        },
    )


class AttachmentField(Field):
    """WTForms field of an attachment item: its data is a list of ``Upload``.

    The request values are new files (werkzeug ``FileStorage``), held uploads the web layer
    has verified (``Upload``) or anything else (a reference it could not verify).
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.data: list[Upload] = []
        self.bad_references = 0

    def process_formdata(self, valuelist):
        self.data, self.bad_references = [], 0
        for item in valuelist:
            if isinstance(item, Upload):
                self.data.append(item)
            elif hasattr(item, "stream") and hasattr(item, "filename"):
                if item.filename:  # an empty file input sends a part without a name
                    self.data.append(Upload(name=clean_filename(item.filename), stream=item.stream))
            elif item not in ("", None):
                self.bad_references += 1

    def _value(self):
        return ""


class FileType(FieldType):
    """One or more uploaded files (PDF, images, Word, Excel), checked by content."""

    name = "file"
    label = N_("File attachment")
    icon = "file"
    group = "basic"
    settings_schema = FileSettings
    storage_kind = "files"
    indexed = False
    filter_ops = ()
    template_macro = "file"
    #: the web layer stores and holds this type's uploads (see app.attachments)
    takes_files = True
    required_message = N_("Attach a file.")

    @property
    def kinds(self) -> list[str]:
        return [k for k in self.spec.get("kinds") or DEFAULT_KINDS if k in KINDS]

    @property
    def max_bytes(self) -> int:
        return int(self.spec.get("max_size_mb", 5)) * MB

    @property
    def max_files(self) -> int:
        return int(self.spec.get("max_files", 1))

    def kind_labels(self) -> str:
        return self._(", ").join(self._(KINDS[k].label) for k in self.kinds)

    def hint(self) -> str:
        _ = self._
        values = {"kinds": self.kind_labels(), "size": self.max_bytes // MB, "n": self.max_files}
        if self.max_files > 1:
            return _("%(kinds)s, up to %(size)d MB per file, up to %(n)d files.") % values
        return _("%(kinds)s, up to %(size)d MB per file.") % values

    def accept(self) -> str:
        """The file chooser's filter (a convenience only: the server checks the content)."""
        kinds = [KINDS[k] for k in self.kinds]
        return ",".join([k.extension for k in kinds] + [k.mime for k in kinds])

    def render_kw(self):
        return super().render_kw() | {"accept": self.accept()}

    def validators(self):
        _ = self._
        required = self.spec.get("required")

        def check(form, field):
            if field.bad_references:
                raise v.StopValidation(
                    _("A file attached earlier could not be found. Please attach it again.")
                )
            if not field.data:
                if required:
                    raise v.StopValidation(_(self.required_message))
                return
            if len(field.data) > self.max_files:
                raise v.StopValidation(
                    _("Attach at most %(n)d files.") % {"n": self.max_files}
                    if self.max_files > 1
                    else _("Attach only one file.")
                )
            problems = [p for upload in field.data if (p := self.check_upload(upload))]
            if problems:
                raise v.StopValidation(" ".join(dict.fromkeys(problems)))

        return [check]

    def check_upload(self, upload: Upload) -> str | None:
        """Read a new file once: its size, its hash and its kind; a message if refused."""
        _ = self._
        if upload.stream is None:
            return None  # held: checked when it came
        stream = upload.stream
        stream.seek(0, 2)
        upload.size = stream.tell()
        stream.seek(0)
        if upload.size == 0:
            return _("“%(name)s” is empty.") % {"name": upload.name}
        if upload.size > self.max_bytes:
            return _("“%(name)s” is too large (%(size)s); the limit is %(limit)d MB.") % {
                "name": upload.name,
                "size": human_size(upload.size),
                "limit": self.max_bytes // MB,
            }
        kind = sniff(stream)
        if kind not in self.kinds:
            return _("“%(name)s” cannot be accepted: attach %(kinds)s.") % {
                "name": upload.name,
                "kinds": self.kind_labels(),
            }
        upload.content_type = KINDS[kind].mime
        digest = hashlib.sha256()
        for chunk in iter(lambda: stream.read(1024 * 1024), b""):
            digest.update(chunk)
        stream.seek(0)
        upload.sha256 = digest.hexdigest()
        return None

    def form_field(self):
        return AttachmentField(
            self.title,
            description=self.spec.get("help", ""),
            validators=self.validators(),
            render_kw=self.render_kw(),
            widget=FileInput(multiple=self.max_files > 1),
        )

    def value_from_form(self, data):
        return list(data) if data else None

    def form_input(self, value) -> list[str]:
        return [u.token for u in value or [] if isinstance(u, Upload) and u.token]

    def files(self, value) -> list[dict]:
        """The summaries ({id, name, size, type}) of a stored or held value."""
        return summaries(value)

    def display(self, value):
        return "、".join(f"{f['name']} ({human_size(f['size'])})" for f in self.files(value))

    def export(self, value):
        return "、".join(f["name"] for f in self.files(value))

    def to_json(self, value):
        return [
            {"id": f["id"], "filename": f["name"], "size": f["size"], "content_type": f["type"]}
            for f in self.files(value)
        ]

    def json_to_form_input(self, value):
        if value is None:
            return []
        raise TypeError(self._("Send files as multipart/form-data parts named by the field key."))

    def filter_clause(self, column, op, raw):
        raise FilterError(self._("This filter is not available for this item."))


__all__ = ["AttachmentField", "BadReference", "FileType", "Upload", "human_size"]
