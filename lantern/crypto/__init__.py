"""Field encryption and keyed blind indexes for identity data.

Names, aliases, contact details and addresses are stored as AES-256-GCM ciphertexts that
carry the id of the key that sealed them; search runs over keyed HMAC tokens, so neither a
database dump nor a backup reveals who a patient is.
"""
