"""Lantern's FHIR R4 API: resource mapping, SMART Backend Services access, Bulk Data export."""
