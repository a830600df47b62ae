from django.urls import path

from . import views

app_name = "crm"

urlpatterns = [
    path("contacts/", views.ContactListView.as_view(), name="contact_list"),
    path("contacts/export.csv", views.ContactExportView.as_view(), name="contact_export"),
    path("contacts/import/", views.ContactImportView.as_view(), name="contact_import"),
    path("contacts/new/", views.ContactCreateView.as_view(), name="contact_create"),
    path("contacts/<int:pk>/", views.ContactDetailView.as_view(), name="contact_detail"),
]
