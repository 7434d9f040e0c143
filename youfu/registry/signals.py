"""Signals the registry sends to the apps above it (which it never imports)."""

from django.dispatch import Signal

# Sent with ``persons=[...]`` (Beneficiary ids) and ``since`` (the first month whose
# entitlement the change can alter, a ``date``; None when it can alter any month), inside the
# transaction that changed the record: a qualification added, a death, a suspension and its
# end, a cancellation, a level change, a residence changed, a move out of the county. The
# benefits app connects to it, so that the next batch recomputes those months for those
# people (and, between changes, only the new month: ``benefits/changes.py``).
entitlement_changed = Signal()
