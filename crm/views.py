from __future__ import annotations

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import Q, QuerySet
from django.views.generic import DetailView, ListView

from .models import Contact
from .selectors import contacts_visible_to


class ContactListView(LoginRequiredMixin, ListView):
    template_name = "crm/contact_list.html"
    context_object_name = "contacts"
    paginate_by = 50

    def get_queryset(self) -> QuerySet[Contact]:
        contacts = contacts_visible_to(self.request.user)
        query = self.request.GET.get("q", "").strip()
        if query:
            contacts = contacts.filter(
                Q(first_name__icontains=query)
                | Q(last_name__icontains=query)
                | Q(company__name__icontains=query)
                | Q(phone__icontains=query)
                | Q(mobile__icontains=query)
            )
        return contacts


class ContactDetailView(LoginRequiredMixin, DetailView):
    template_name = "crm/contact_detail.html"
    context_object_name = "contact"

    def get_queryset(self) -> QuerySet[Contact]:
        # Agents may only open the contacts they work with: others are a 404, not a leak.
        return contacts_visible_to(self.request.user)
