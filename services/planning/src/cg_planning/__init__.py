"""The planning service of the Seoul CG platform."""
