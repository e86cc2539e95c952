"""Wire models of the HTTP API, one module per resource, mirroring api/routes/."""
