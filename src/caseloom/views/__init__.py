"""The read side: cases, queues, journeys and reports straight from SQL. Nothing here mutates."""
