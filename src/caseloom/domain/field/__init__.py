"""Field service: work orders, appointments, matching technicians, and dispatch."""
