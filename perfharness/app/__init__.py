"""The applications a person runs by hand: the controller (manual tests) and calibration."""
