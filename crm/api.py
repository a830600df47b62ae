"""Contacts and companies in the REST API (``/api/v1/contacts/``, ``/api/v1/companies/``).

The same rules as the pages: an agent sees and changes only the contacts it works with
(``contacts_visible_to``), writes go through ``crm.services``, numbers are checked as the contact
form checks them, and ``?search=`` finds a contact by name, company or any spelling of a number.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework import permissions, serializers, viewsets

from voip.api.pagination import NewestFirstCursorPagination

from .models import Company, Contact
from .phones import to_e164
from .selectors import contact_search, contacts_visible_to, may_view_contacts
from .services import company_save, contact_create, contact_update


class ModelPermissions(permissions.DjangoModelPermissions):
    """The model's permissions, reading included (``view_*``)."""

    perms_map = {**permissions.DjangoModelPermissions.perms_map, "GET": ["%(app_label)s.view_%(model_name)s"]}


class ContactPermissions(permissions.DjangoModelPermissions):
    """Reading as the pages allow it (``may_view_contacts``); writing with the model's permissions."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return may_view_contacts(request.user)
        return super().has_permission(request, view)


class CompanySerializer(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "phone", "phone_e164", "website", "created_at"]
        read_only_fields = ["phone_e164", "created_at"]

    def validate_phone(self, value: str) -> str:
        return _checked_number(value)


def _checked_number(value: str) -> str:
    if value and not to_e164(value):
        raise serializers.ValidationError(_("Enter a phone number, e.g. +7 495 123-45-67."))
    return value


class ContactSerializer(serializers.ModelSerializer):
    class Meta:
        model = Contact
        fields = [
            "id",
            "first_name",
            "last_name",
            "company",
            "email",
            "phone",
            "mobile",
            "phone_e164",
            "mobile_e164",
            "owner",
            "notes",
            "created_at",
        ]
        read_only_fields = ["phone_e164", "mobile_e164", "created_at"]

    def validate_phone(self, value: str) -> str:
        return _checked_number(value)

    def validate_mobile(self, value: str) -> str:
        return _checked_number(value)

    def validate_owner(self, value: Any) -> Any:
        user = self.context["request"].user
        if value is not None and value != user and not user.has_perm("voip.view_all_calls"):
            raise serializers.ValidationError(_("You may not give contacts to other users."))
        return value

    def create(self, validated_data: dict[str, Any]) -> Contact:
        return contact_create(created_by=self.context["request"].user, **validated_data)

    def update(self, instance: Contact, validated_data: dict[str, Any]) -> Contact:
        return contact_update(contact=instance, **validated_data)


class ContactViewSet(viewsets.ModelViewSet):
    serializer_class = ContactSerializer
    permission_classes = [ContactPermissions]
    pagination_class = NewestFirstCursorPagination

    def get_queryset(self) -> QuerySet[Contact]:
        query = self.request.query_params.get("search", "").strip()[:200]
        if query:
            return contact_search(user=self.request.user, query=query)
        return contacts_visible_to(self.request.user).select_related("company")


class CompanyViewSet(viewsets.ModelViewSet):
    serializer_class = CompanySerializer
    permission_classes = [ModelPermissions]
    pagination_class = NewestFirstCursorPagination
    queryset = Company.objects.all()

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = company_save(**serializer.validated_data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        serializer.instance = company_save(company=serializer.instance, **serializer.validated_data)
