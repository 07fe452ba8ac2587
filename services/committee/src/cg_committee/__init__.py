"""The committee service of the Seoul CG platform."""
