"""The only SQL in stoker: tables, migrations, and stores that return domain objects."""
