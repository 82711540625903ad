"""One module per agent: the automated owners of each step of the workflow."""
