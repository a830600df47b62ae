from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .phones import to_e164


class Company(models.Model):
    name = models.CharField(_("name"), max_length=200)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_e164 = models.CharField(_("phone (E.164)"), max_length=20, blank=True, db_index=True, editable=False)
    website = models.URLField(_("website"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("company")
        verbose_name_plural = _("companies")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_e164 = to_e164(self.phone) or ""
        super().save(*args, **kwargs)


class Contact(models.Model):
    """A person the company talks to. ``phone``/``mobile`` are kept as typed; the ``*_e164``
    copies are what calls are matched against (indexed: screen pop must not scan)."""

    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    company = models.ForeignKey(
        Company, verbose_name=_("company"), null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    mobile = models.CharField(_("mobile"), max_length=40, blank=True)
    phone_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    mobile_e164 = models.CharField(max_length=20, blank=True, db_index=True, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="owned_contacts",
        help_text=_("The agent who works with this contact."),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.phone_e164 = to_e164(self.phone) or ""
        self.mobile_e164 = to_e164(self.mobile) or ""
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("crm:contact_detail", args=[self.pk])

    def phone_numbers(self) -> list[tuple[str, str, str]]:
        """(label, as typed, E.164) for each number the contact has."""
        numbers = []
        if self.phone:
            numbers.append((str(_("phone")), self.phone, self.phone_e164))
        if self.mobile:
            numbers.append((str(_("mobile")), self.mobile, self.mobile_e164))
        return numbers

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()
