"""Jobs and triggers as code: apply a whole set of definitions at once, export them all."""
