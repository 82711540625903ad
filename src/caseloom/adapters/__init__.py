"""All I/O: database, policy files, the condition engine, triage models, the clock."""
