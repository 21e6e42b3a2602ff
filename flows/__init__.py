"""Prefect flows and thin tasks over keepwarm's services. Nothing else imports Prefect."""
