"""Signals the benefits app sends to the apps above it (which it never imports)."""

from django.dispatch import Signal

# Sent with ``ids=[...]`` (OneOffPayment ids), in the bank-returns import's transaction, once
# the bank has confirmed those one-off payments paid in full (their ``paid_at`` is set first).
# The relief and medical apps connect to it to mark their grants and claims paid.
one_offs_paid = Signal()
