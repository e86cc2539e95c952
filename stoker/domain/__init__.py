"""Pure domain model: the run state table, slots and queue, jobs, runs, triggers and their
conditions, arguments, events. Stdlib only, no I/O."""
