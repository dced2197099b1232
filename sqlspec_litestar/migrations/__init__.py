"""The ``litestar`` extension's migrations: ``include_extensions=["litestar"]`` applies them."""
