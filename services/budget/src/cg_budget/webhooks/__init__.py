"""Outbound webhooks (Standard Webhooks): subscriptions, signed deliveries, retries, delivery log."""
