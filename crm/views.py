from __future__ import annotations

import itertools
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views import View
from django.views.generic import DetailView, FormView, ListView

from . import contacts_csv
from .forms import ContactForm
from .models import Contact
from .selectors import contact_search, contacts_visible_to, may_view_contacts
from .services import contact_create


class ContactPermissionMixin(LoginRequiredMixin, PermissionRequiredMixin):
    """Logged in and holding a role that may see contacts (403 otherwise); which ones is contacts_visible_to."""

    request: HttpRequest  # set by the view it is mixed into

    def has_permission(self) -> bool:
        return may_view_contacts(self.request.user)


class ContactListView(ContactPermissionMixin, ListView):
    template_name = "crm/contact_list.html"
    context_object_name = "contacts"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Contact]:
        return contact_search(user=self.request.user, query=self.request.GET.get("q", "")[:200])

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(query=self.request.GET.get("q", "").strip()[:200], **kwargs)


class ContactDetailView(ContactPermissionMixin, DetailView):
    template_name = "crm/contact_detail.html"
    context_object_name = "contact"

    def get_queryset(self) -> QuerySet[Contact]:
        # Agents may only open the contacts they work with: others are a 404, not a leak.
        return contacts_visible_to(self.request.user)


class ContactCreateView(LoginRequiredMixin, PermissionRequiredMixin, FormView):
    """``/crm/contacts/new/?phone=<number>``: the screen pop's "create contact" link lands here."""

    template_name = "crm/contact_form.html"
    form_class = ContactForm
    permission_required = "crm.add_contact"

    def get_initial(self) -> dict:
        initial = super().get_initial()
        phone = self.request.GET.get("phone", "").strip()
        if phone and len(phone) <= 40 and phone.isprintable():
            initial["phone"] = phone
        return initial

    def form_valid(self, form: ContactForm) -> HttpResponse:
        self.object = contact_create(created_by=self.request.user, **form.cleaned_data)
        messages.success(self.request, _("Contact %(name)s created.") % {"name": self.object.full_name})
        return redirect(self.object.get_absolute_url())


class ContactExportView(ContactPermissionMixin, View):
    """``/crm/contacts/export.csv``: the contacts the user may see, streamed, in the import's format."""

    def get(self, request: HttpRequest) -> StreamingHttpResponse:
        rows = contacts_csv.contacts_export_rows(contacts=contacts_visible_to(request.user))
        # A byte order mark first: spreadsheets then read the Cyrillic as UTF-8 (the import drops it).
        body = itertools.chain(["\ufeff"], contacts_csv.csv_lines(rows))
        response = StreamingHttpResponse(body, content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="contacts.csv"'
        return response


class ContactImportForm(forms.Form):
    file = forms.FileField(label=_lazy("CSV file"))


class ContactImportView(LoginRequiredMixin, PermissionRequiredMixin, View):
    """Upload, see what would be created, updated and skipped (the dry run), then import.

    The uploaded text waits in the session between the dry run and the confirmation, so the second
    POST carries only the choice; the plan is made again then, against the contacts as they are.
    """

    permission_required = ("crm.add_contact", "crm.change_contact")
    template_name = "crm/contact_import.html"
    session_key = "crm-contacts-import"
    max_bytes = 5 * 1024 * 1024

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, {"form": ContactImportForm()})

    def post(self, request: HttpRequest) -> HttpResponse:
        if "file" in request.FILES:
            return self._preview(request)
        text = request.session.get(self.session_key)
        if not isinstance(text, str):
            messages.error(request, _("Upload the file again: the previous upload has expired."))
            return redirect("crm:contact_import")
        plan = contacts_csv.contacts_import_plan(text=text, user=request.user)
        try:
            result = contacts_csv.contacts_import_apply(
                plan=plan, imported_by=request.user, valid_rows_only=request.POST.get("rows") == "valid"
            )
        except contacts_csv.ImportRefused as refused:
            messages.error(request, str(refused))
            return render(request, self.template_name, self._plan_context(plan))
        del request.session[self.session_key]
        messages.success(
            request,
            _("Imported: %(created)s created, %(updated)s updated, %(skipped)s skipped.")
            % {"created": result.created, "updated": result.updated, "skipped": result.skipped},
        )
        return redirect("crm:contact_list")

    def _preview(self, request: HttpRequest) -> HttpResponse:
        form = ContactImportForm(request.POST, request.FILES)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form})
        upload = form.cleaned_data["file"]
        if upload.size > self.max_bytes:
            form.add_error("file", _("The file is larger than 5 MB."))
            return render(request, self.template_name, {"form": form})
        try:
            text = upload.read().decode("utf-8")
        except UnicodeDecodeError:
            form.add_error("file", _("The file is not UTF-8 text. Save it as “CSV UTF-8”."))
            return render(request, self.template_name, {"form": form})
        plan = contacts_csv.contacts_import_plan(text=text, user=request.user)
        request.session[self.session_key] = text
        return render(request, self.template_name, {**self._plan_context(plan), "previewed": True})

    @staticmethod
    def _plan_context(plan: contacts_csv.ImportPlan) -> dict[str, Any]:
        return {"form": ContactImportForm(), "plan": plan, "plan_counts": plan.counts()}
