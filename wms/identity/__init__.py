"""Identity: staff roles and permissions, accounts, devices and stations, bearer tokens, the audit trail
read back."""
