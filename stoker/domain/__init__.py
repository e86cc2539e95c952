"""Pure domain model: states, jobs, runs, arguments, events. Stdlib only, no I/O."""
