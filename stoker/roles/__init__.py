"""Roles: the credentials a job's runs receive, kept encrypted, shown masked."""
