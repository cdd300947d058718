"""The PostgreSQL store backend (store/pg/db.py), for several instances on one database."""
