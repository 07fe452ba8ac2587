"""The budget service of the Seoul CG platform."""
