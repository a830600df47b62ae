"""Prepare a fresh installation for its first login: an admin account, and demo data if asked.

The admin's generated password is kept in ``var/admin-password`` (readable by the owner only) so
that every start can say how to log in; changing the password in the admin makes that file stale,
and the command then says so instead of printing a wrong password.

With ``--demo`` the admin also gets an extension (the provisioning service), so calling works out
of the box; the softphone settings are printed after the login lines, its SIP password only the
time it is made (it is not kept anywhere readable; "My phone" resets it).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand

from crm.models import Company, Contact
from voip.provisioning import services
from voip.provisioning.errors import ProvisioningError
from voip.roles import PBX_ADMINS

DEMO_CONTACTS = [
    ("Ivan", "Petrov", "Romashka LLC", "+7 495 123-45-67", "+7 916 555-01-02"),
    ("Anna", "Smirnova", "Romashka LLC", "+7 495 123-45-68", ""),
    ("John", "Smith", "Acme Corp", "+1 212 555 0134", "+1 917 555 0188"),
]


class Command(BaseCommand):
    help = "Create the first admin account (and demo contacts with --demo) and print how to log in."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--username", default="admin")
        parser.add_argument("--demo", action="store_true", help="Add a few demo contacts to an empty CRM.")
        parser.add_argument("--address", default="127.0.0.1:8000", help="Where the server will listen.")

    def handle(self, *args: Any, username: str, demo: bool, address: str, **options: Any) -> None:
        password_file = settings.VAR_DIR / "admin-password"
        user_model = get_user_model()
        admin = user_model.objects.filter(username=username).first()
        if admin is None:
            password = secrets.token_urlsafe(12)
            admin = user_model.objects.create_superuser(username=username, email="", password=password)
            password_file.write_text(password + "\n")
            password_file.chmod(0o600)
        admin.groups.add(*Group.objects.filter(name=PBX_ADMINS))
        if demo and not Contact.objects.exists():
            self._add_demo_contacts()
        phone = self._give_extension(admin) if demo else None

        stored = password_file.read_text().strip() if password_file.exists() else ""
        self.stdout.write("")
        self.stdout.write(f"  Admin:    http://{address}/admin/")
        self.stdout.write(f"  CRM:      http://{address}/crm/contacts/")
        self.stdout.write(f"  Username: {username}")
        if stored and admin.check_password(stored):
            self.stdout.write(f"  Password: {stored}   (kept in {password_file})")
        else:
            self.stdout.write(f"  Password: the one you set (reset: python manage.py changepassword {username})")
        if phone is not None:
            self._write_phone(phone, address)
        self.stdout.write("")

    def _give_extension(self, admin: Any) -> services.ProvisionResult | None:
        try:
            return services.provision_extension(admin)
        except ProvisioningError as exc:
            self.stderr.write(f"  No extension for {admin.get_username()}: {exc}")
            return None

    def _write_phone(self, phone: services.ProvisionResult, address: str) -> None:
        self.stdout.write(f"  Phone:    extension {phone.number}, settings on http://{address}/voip/phone/")
        if phone.password is None:
            return
        for line in phone.softphone_lines():
            self.stdout.write(line)

    def _add_demo_contacts(self) -> None:
        for first, last, company_name, phone, mobile in DEMO_CONTACTS:
            company, _created = Company.objects.get_or_create(name=company_name)
            Contact.objects.create(first_name=first, last_name=last, company=company, phone=phone, mobile=mobile)
