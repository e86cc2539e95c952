"""The run service (sole owner of run state), its dispatcher, deadlines and recovery."""
