"""Database access for the shop service. psycopg2 is imported lazily, so this module imports
without it (the migration tests compare values before and after a rewrite)."""
import os

DATABASE_URL = "postgresql://shop_app:{{ref:DB_PASSWORD}}@db.shop.internal:5432/shop"
REPORTING_DB_PASSWORD = "{{rand:alnum:16}}"


def connect():
    import psycopg2

    return psycopg2.connect(
        host="db.shop.internal",
        dbname="shop",
        user="shop_app",
        password="{{ref:DB_PASSWORD}}",
    )


def connect_from_env():
    import psycopg2

    return psycopg2.connect(
        host=os.environ.get("DB_HOST", "localhost"),
        user=os.environ.get("DB_USER", "shop_app"),
        password=os.environ["DB_PASSWORD"],
    )


def reporting_dsn():
    return f"postgresql://reporting:{REPORTING_DB_PASSWORD}@reporting.shop.internal/shop"
