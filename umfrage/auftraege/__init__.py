"""Jobs ("Aufträge"): long work on the task queue, its progress page and result."""
