"""Notifications: per-user settings, the e-mail outbox and its SMTP sender, the alert and
weekly-report messages, and the lock that lets one process run the scheduled jobs."""
