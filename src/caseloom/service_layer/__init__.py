"""Use cases: the message bus, the ports it needs, and each agent's handlers."""
