"""The outbound link to the province hub: push ticket rows and health, never wait for it.

``outbox`` reads the rows to send (every ``ticket_log`` row and every rating,
numbered in commit order by triggers) and keeps the cursor the hub
acknowledged; ``pusher`` is the thread that sends them; ``api`` serves
``GET /api/v1/hub``. See docs/hub.md for the wire format.
"""
