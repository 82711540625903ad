"""Storage on SQLAlchemy Core: tables, explicit row mapping, the unit of work, migrations."""
