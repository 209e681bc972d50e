"""Django admin pieces every app's staff pages share (imports no app): view-only mixins, the read-only
inline, CSV exports of a changelist, and the cell formats (money, local dates)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.core.exceptions import PermissionDenied
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.urls import path, reverse
from django.utils import timezone

from shop.exceptions import ShopError

#: First characters a spreadsheet would read as a formula in a CSV cell (CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class ViewOnlyMixin:
    """No add, change or delete: records that change only through the services (or not at all)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


#: The change message of a form save whose service has written the audit entry itself.
AUDITED_BY_SERVICE = object()


class ServiceAuditedMixin:
    """For pages whose saves and deletions go through services that write the audit entry themselves
    (`shop.audit`): Django's own `LogEntry` of the change form is not written a second time.

    `audited_adds` / `audited_deletes` say whether additions / deletions go through such a service too
    (else Django logs them as usual)."""

    audited_adds = True
    audited_deletes = True

    def construct_change_message(self, request, form, formsets, add=False):
        if add and not self.audited_adds:
            return super().construct_change_message(request, form, formsets, add)
        return AUDITED_BY_SERVICE

    def log_addition(self, request, obj, message):
        if message is AUDITED_BY_SERVICE:
            return None
        return super().log_addition(request, obj, message)

    def log_change(self, request, obj, message):
        if message is AUDITED_BY_SERVICE:
            return None
        return super().log_change(request, obj, message)

    def log_deletions(self, request, queryset):
        if not self.audited_deletes:
            return super().log_deletions(request, queryset)
        return None  # `delete_model` / `delete_queryset` call the service, which records it


class ReadOnlyInline(ViewOnlyMixin, admin.TabularInline):
    """Rows of a read-only table, without the `1 × SKU-…` title Django prints above each row."""

    template = "admin/edit_inline/tabular_readonly.html"
    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = False


def shop_error_text(exc: ShopError) -> str:
    """The staff-facing reason of a refusal: the field errors when there are any, else the error text."""
    if exc.errors:
        return "; ".join(f"{name}: {text}" for name, text in exc.errors.items())
    if exc.error == type(exc).error:  # no specific error text (e.g. NotFound): the message says it
        return exc.message
    return exc.error


def money(value) -> str:
    """Money as staff read it: two decimals (`20.00`), empty for none."""
    if value is None:
        return ""
    return f"{Decimal(value):.2f}"


def local_time(value) -> str:
    """A timestamp in the shop's `TIME_ZONE`, to the second, with its offset (`2026-12-01 10:00:00+01:00`)."""
    if value is None:
        return ""
    return timezone.localtime(value).isoformat(sep=" ", timespec="seconds")


@dataclass(frozen=True)
class ObjectAction:
    """A button on an object's admin page that runs one of the changelist's actions on that object."""

    name: str  # the admin action's name
    label: str
    danger: bool = False


#: The POST field the object-page buttons add, so an action comes back to the object's page.
FROM_OBJECT_FIELD = "_from_object"


class ObjectActionsMixin:
    """Act where you look: the change page carries buttons for `object_actions(request, obj)`, each a
    small form posting the changelist's own action on this one object, so it goes through the same
    code, permission check and confirmation page as a bulk action, then comes back to the page."""

    change_form_template = "admin/change_form_object_actions.html"

    def object_actions(self, request, obj) -> list[ObjectAction]:
        raise NotImplementedError

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None:
            allowed = self.get_actions(request)  # the actions this staff user may run
            context["object_actions"] = [a for a in self.object_actions(request, obj) if a.name in allowed]
            context["object_actions_url"] = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist",
                current_app=self.admin_site.name,
            )
            context["from_object_field"] = FROM_OBJECT_FIELD
        return super().render_change_form(request, context, add, change, form_url, obj)

    def back_to_object(self, request, queryset):
        """After an action started from an object's page, that page again (else None: the changelist)."""
        if request.POST.get(FROM_OBJECT_FIELD) != "1":
            return None
        pks = list(queryset.values_list("pk", flat=True)[:2])
        if len(pks) != 1:
            return None
        url = reverse(
            f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
            args=[pks[0]],
            current_app=self.admin_site.name,
        )
        return HttpResponseRedirect(url)

    def confirmation_context(self, request) -> dict:
        """What a confirmation page must carry forward to come back to the object's page."""
        return {
            "from_object": request.POST.get(FROM_OBJECT_FIELD) == "1",
            "from_object_field": FROM_OBJECT_FIELD,
        }


class _Echo:
    """A file whose `write` hands back the line, so `csv.writer` produces strings to stream."""

    def write(self, value: str) -> str:
        return value


def csv_cell(value) -> str:
    """One CSV cell: text that a spreadsheet would run as a formula is quoted with a leading `'`."""
    if value is None:
        return ""
    text = str(value)
    if isinstance(value, str) and text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def csv_stream(header: list[str], rows: Iterable[Iterable]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(header)
    for row in rows:
        yield writer.writerow([csv_cell(value) for value in row])


class CsvExportMixin:
    """An "Export CSV" button on the changelist: every row the list matches (its filters, search and
    ordering, all pages), streamed from a server-side cursor so a large export never sits in memory.

    A subclass names `csv_header` and yields rows from `csv_rows(queryset)`, reading the queryset with
    `.iterator(chunk_size=self.csv_chunk_size)`.
    """

    change_list_template = "admin/change_list_export.html"
    csv_header: list[str] = []
    csv_chunk_size = 2000

    def csv_rows(self, queryset) -> Iterable[Iterable]:
        raise NotImplementedError

    def csv_filename(self) -> str:
        return f"{self.opts.model_name}s-{timezone.localtime():%Y%m%d-%H%M%S}.csv"

    def get_urls(self):
        name = f"{self.opts.app_label}_{self.opts.model_name}_export"
        export = path("export/", self.admin_site.admin_view(self.export_view), name=name)
        return [export, *super().get_urls()]

    def export_view(self, request):
        if not self.has_view_or_change_permission(request):
            raise PermissionDenied
        try:
            changelist = self.get_changelist_instance(request)
        except IncorrectLookupParameters:
            url = reverse(f"admin:{self.opts.app_label}_{self.opts.model_name}_changelist")
            return HttpResponseRedirect(f"{url}?e=1")
        response = StreamingHttpResponse(
            csv_stream(self.csv_header, self.csv_rows(changelist.queryset)),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{self.csv_filename()}"'
        return response
