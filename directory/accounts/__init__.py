"""Accounts: users, sign-up and sign-in, tokens, and the mail they send."""
