from django.contrib import admin

from .models import Company, Contact


@admin.register(Company)
class CompanyAdmin(admin.ModelAdmin):
    list_display = ("name", "phone", "website")
    search_fields = ("name", "phone", "phone_e164")


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ("__str__", "company", "phone", "mobile", "owner")
    list_select_related = ("company", "owner")
    search_fields = ("first_name", "last_name", "phone", "mobile", "phone_e164", "mobile_e164", "email")
    list_filter = ("owner",)
    autocomplete_fields = ("company",)
