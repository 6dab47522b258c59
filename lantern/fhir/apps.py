from django.apps import AppConfig


class FhirConfig(AppConfig):
    name = "lantern.fhir"
    label = "fhir"
    verbose_name = "FHIR API"
