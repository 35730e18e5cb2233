"""The floor of the house: errors and exit codes, atomic writes, argparse types, machine facts,
interrupts as a state, child processes. It imports nothing of perfharness above it."""
