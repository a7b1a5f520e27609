"""Who may use the app: the password gate, browser cookies and the return address after signing in."""
