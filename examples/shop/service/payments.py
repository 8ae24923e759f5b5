"""Payments through Stripe. The stripe package is imported lazily."""
import os

STRIPE_WEBHOOK_SECRET = "{{ref:STRIPE_WEBHOOK_SECRET}}"


def stripe_client():
    import stripe

    stripe.api_key = os.environ["STRIPE_SECRET_KEY"]
    return stripe


def charge(amount_cents, token):
    client = stripe_client()
    return client.Charge.create(amount=amount_cents, currency="eur", source=token)


def webhook_secret():
    return os.getenv("STRIPE_WEBHOOK_SECRET", STRIPE_WEBHOOK_SECRET)
