"""Protection: sampling errors of weighted estimates and disclosure control.

Sits between the tables and the renderers. Nothing here yet: the issues that add replicate
weights, Taylor linearisation and disclosure control (threshold rule, cell-key method) fill it.
"""
