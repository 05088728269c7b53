"""A procedure of the catalogue (thủ tục hành chính), its checklist, and text folding.

The model and the checklist blocks are shared: the server keeps and searches
the catalogue, the kiosk draws and prints a procedure's checklist.
"""
