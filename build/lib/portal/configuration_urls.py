from django.urls import path

from . import configuration_views as views
from . import contract_views, converters  # noqa: F401 - converters registers <project_key>

app_name = "configuration_projects"

CONTRACT = "<project_key:key>/contracts/<int:contract_id>"

urlpatterns = [
    path("", views.select_project, name="select_project"),
    path("<project_key:key>/", views.configure_project, name="configure_project"),
    path("<project_key:key>/contracts/", contract_views.contracts, name="contracts"),
    path("<project_key:key>/contracts/new/", contract_views.new_contract, name="new_contract"),
    path(
        "<project_key:key>/contracts/create/",
        contract_views.create_contract,
        name="create_contract",
    ),
    path(f"{CONTRACT}/edit/", contract_views.edit_contract, name="edit_contract"),
    path(f"{CONTRACT}/save/", contract_views.save_contract, name="save_contract"),
    path(
        f"{CONTRACT}/delete/confirm/",
        contract_views.confirm_delete_contract,
        name="confirm_delete_contract",
    ),
    path(f"{CONTRACT}/delete/", contract_views.delete_contract, name="delete_contract"),
    path(f"{CONTRACT}/usage.csv", contract_views.contract_usage_csv, name="contract_usage_csv"),
]
