"""Readiness: release go/no-go meetings as a live record."""
