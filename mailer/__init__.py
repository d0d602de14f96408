"""E-mail for the workflow: the mail-out, reminders, and the correction loop."""
