"""Envelopes: SMG CG grant, the borough's own CG funds and the pooled integrated envelope."""
