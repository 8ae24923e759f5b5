"""Django-style settings for the shop service (fake credentials for the secretshift example)."""
import os

DEBUG = False
ALLOWED_HOSTS = ["shop.example.internal"]

SECRET_KEY = "{{rand:b64url:50}}"

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop_app",
        "PASSWORD": "{{ref:DB_PASSWORD}}",
        "HOST": "db.shop.internal",
        "PORT": "5432",
    }
}

STRIPE_SECRET_KEY = "{{ref:STRIPE_SECRET_KEY}}"
STRIPE_PUBLISHABLE_KEY = "pk_{{join:li:ve}}_{{rand:alnum:24}}"

AWS_ACCESS_KEY_ID = "{{ref:AWS_ACCESS_KEY_ID}}"
AWS_SECRET_ACCESS_KEY = "{{ref:AWS_SECRET_ACCESS_KEY}}"
AWS_STORAGE_BUCKET_NAME = "shop-media"

SENTRY_DSN = os.environ.get("SENTRY_DSN", "")
EMAIL_HOST_PASSWORD = os.environ.get("SMTP_PASSWORD", "")
