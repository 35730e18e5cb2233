"""``perfharness tune``: this machine's fastest configuration of the chain within an accuracy budget."""
