"""The registry service of the Seoul CG platform."""
