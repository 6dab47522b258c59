from django.apps import AppConfig


class PatientsConfig(AppConfig):
    name = "lantern.patients"
    label = "patients"
    verbose_name = "Patient registry"

    def rebuild_blind_indexes(self) -> int:
        """Recompute every search token and identifier index (after an index-key change)."""
        from lantern.patients.services import search_index_rebuild

        return search_index_rebuild()
