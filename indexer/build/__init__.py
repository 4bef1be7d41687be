"""Building and updating an index from input files: change detection, worker processes, the run."""
