from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin, PermissionRequiredMixin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.generic import DetailView, FormView, ListView

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
