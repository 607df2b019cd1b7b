"""Account pages: register, verify, sign in and out, passwords."""
