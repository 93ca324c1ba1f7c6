"""Database access: the engine and session factory, the models and the migrations."""
